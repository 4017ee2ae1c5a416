import * as fs from 'fs';
import * as path from 'path';

/**
 * The layering of lib/: core is the ground floor and imports nothing above it, and the synthesis
 * modules do not import each other in a circle. Read from the import statements of the sources
 * (type-only imports included: they are dependencies of the declarations too).
 */

const LIB = path.resolve(__dirname, '..', '..', 'lib');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

/** The lib/ modules a file imports, as paths relative to lib/ without extension. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from '(\.[^']+)';/gms)].map((m) => path.relative(LIB, path.resolve(path.dirname(file), m[1])));
}

const graph = new Map(sources(LIB).map((f) => [path.relative(LIB, f).replace(/\.ts$/, ''), importsOf(f)]));

test('lib/core imports nothing of lib/ outside core (the generated CRD imports are below lib/)', () => {
  const core = [...graph].filter(([module]) => module.startsWith(`core${path.sep}`));
  expect(core.length).toBeGreaterThan(10);
  const upward = core.flatMap(([module, imports]) => imports.filter((i) => !i.startsWith(`core${path.sep}`) && !i.startsWith(`..${path.sep}imports${path.sep}`)).map((i) => `${module} -> ${i}`));
  expect(upward).toEqual([]);
});

test('no import cycle among the modules of lib/synth', () => {
  const synth = new Map([...graph].filter(([m]) => m.startsWith(`synth${path.sep}`)));
  expect(synth.size).toBeGreaterThan(3);
  const cycles: string[] = [];
  const visit = (module: string, trail: string[]): void => {
    if (trail.includes(module)) {
      cycles.push([...trail.slice(trail.indexOf(module)), module].join(' -> '));
      return;
    }
    for (const next of (synth.get(module) ?? []).filter((i) => synth.has(i))) visit(next, [...trail, module]);
  };
  [...synth.keys()].forEach((m) => visit(m, []));
  expect([...new Set(cycles)]).toEqual([]);
});
