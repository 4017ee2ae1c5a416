/**
 * The output folder: never a folder synthesize() did not write (unless forced), the usual
 * permissions, and a SIGKILL at any instant leaves the previous or the new output, never neither;
 * leftovers are recovered or removed by the next run and never reach `git add -A`.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { OUTPUT_MARKER, SynthesisError } from '../../lib';
import { writeAtomically } from '../../lib/synth/synthesizer';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-outdir-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const files = (generation: number, count = 3) => new Map(Array.from({ length: count }, (_, i) => [`manifests/app/env/file-${i}.yaml`, `generation: ${generation}\n`]));

function problemsOf(fn: () => void): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(SynthesisError.isSynthesisError(error)).toBe(true);
    return (error as SynthesisError).problems;
  }
  throw new Error('expected a SynthesisError');
}

describe('a folder synthesize() did not write', () => {
  test('is refused, with the way out in the message, and left untouched', () => {
    const outdir = path.join(root, 'dist');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'notes.md'), 'mine');
    expect(problemsOf(() => writeAtomically(outdir, files(1)))).toEqual([
      `[synthesize] outdir: refusing to write "${outdir}": the folder exists and was not written by cdk8s-agents (it has no .cdk8s-agents-output file) but holds 1 entry ("notes.md"), which replacing it would delete. Choose another outdir, empty or delete the folder yourself, or pass force: true to synthesize() (npm run synth -- --force) to replace it`,
    ]);
    expect(fs.readdirSync(outdir)).toEqual(['notes.md']);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  test('is replaced with force: true; an empty folder needs no force', () => {
    const outdir = path.join(root, 'dist');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'notes.md'), 'mine');
    writeAtomically(outdir, files(1), { force: true });
    expect(fs.readdirSync(outdir).sort()).toEqual([OUTPUT_MARKER, 'manifests']);
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    writeAtomically(empty, files(1));
    expect(fs.existsSync(path.join(empty, OUTPUT_MARKER))).toBe(true);
  });

  test('a file at outdir, or a project folder, is refused even with force', () => {
    const file = path.join(root, 'dist');
    fs.writeFileSync(file, 'x');
    expect(problemsOf(() => writeAtomically(file, files(1), { force: true }))[0]).toContain('it exists and is not a folder');
    const project = path.join(root, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), '{}');
    expect(problemsOf(() => writeAtomically(project, files(1), { force: true }))[0]).toContain('holds a project (package.json, .git)');
  });
});

test('folders and files get the usual permissions (the umask), not 0700', () => {
  const outdir = path.join(root, 'dist');
  writeAtomically(outdir, files(1));
  const umask = process.umask();
  expect(fs.statSync(outdir).mode & 0o777).toBe(0o777 & ~umask);
  expect(fs.statSync(path.join(outdir, 'manifests', 'app')).mode & 0o777).toBe(0o777 & ~umask);
  expect(fs.statSync(path.join(outdir, 'manifests', 'app', 'env', 'file-0.yaml')).mode & 0o777).toBe(0o666 & ~umask);
});

describe('leftovers of a killed run', () => {
  /** The state a kill between the two renames of the fallback leaves: no outdir, the previous output and a complete staging tree in the work folder. */
  function killedBetweenRenames(outdir: string): string {
    const work = path.join(root, '.dist.cdk8s-agents');
    for (const [dir, generation] of [['previous', 1], ['staging-abc', 2]] as const) {
      fs.mkdirSync(path.join(work, dir, 'manifests'), { recursive: true });
      fs.writeFileSync(path.join(work, dir, 'manifests', 'x.yaml'), `generation: ${generation}\n`);
      fs.writeFileSync(path.join(work, dir, OUTPUT_MARKER), '');
    }
    fs.writeFileSync(path.join(work, '.gitignore'), '*\n');
    expect(fs.existsSync(outdir)).toBe(false);
    return work;
  }

  test('are recovered by the next run: the previous output is put back, then replaced; the work folder is gone', () => {
    const outdir = path.join(root, 'dist');
    killedBetweenRenames(outdir);
    writeAtomically(outdir, files(3));
    expect(fs.readFileSync(path.join(outdir, 'manifests/app/env/file-0.yaml'), 'utf8')).toBe('generation: 3\n');
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  test('a failing next run still recovers the previous output', () => {
    const outdir = path.join(root, 'dist');
    killedBetweenRenames(outdir);
    fs.mkdirSync(path.join(root, 'blocker'));
    // A file named like a folder of the output makes the write fail after the recovery.
    expect(() => writeAtomically(outdir, new Map([['a', 'x'], ['a/b', 'y']]))).toThrow();
    expect(fs.readFileSync(path.join(outdir, 'manifests', 'x.yaml'), 'utf8')).toBe('generation: 1\n');
    expect(fs.readdirSync(root).sort()).toEqual(['blocker', 'dist']);
  });

  test('are never picked up by git add -A: the work folder ignores itself', () => {
    const git = spawnSync('git', ['--version']);
    if (git.status !== 0) {
      console.warn('git is not installed: skipping the git add -A check');
      return;
    }
    const outdir = path.join(root, 'dist');
    writeAtomically(outdir, files(1));
    killedBetweenRenames(path.join(root, 'missing'));
    spawnSync('git', ['init', '-q'], { cwd: root });
    const added = spawnSync('git', ['add', '-A', '--dry-run'], { cwd: root, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(added.length).toBeGreaterThan(0);
    expect(added.filter((line) => !line.startsWith("add 'dist/"))).toEqual([]);
  });
});

describe('SIGKILL at random instants', () => {
  const GENERATION_FILES = 100;
  let lib: string;

  beforeAll(() => {
    // The child runs the real code, transpiled from the sources (no build needed).
    lib = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-killtest-lib-'));
    for (const file of ['synth/output-folder.ts', 'core/errors.ts']) {
      const source = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', file), 'utf8');
      const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      fs.mkdirSync(path.join(lib, path.dirname(file)), { recursive: true });
      fs.writeFileSync(path.join(lib, file.replace(/\.ts$/, '.js')), out.outputText);
    }
    fs.symlinkSync(path.join(__dirname, '..', '..', 'node_modules'), path.join(lib, 'node_modules'), 'dir');
  });
  afterAll(() => {
    fs.rmSync(lib, { recursive: true, force: true });
  });

  /** A child that rewrites `outdir` with generation 1, 2, 3... until killed. */
  function startWriter(outdir: string) {
    const script = `
      const { writeOutputFolder } = require(${JSON.stringify(path.join(lib, 'synth', 'output-folder.js'))});
      for (let g = 1; ; g++) {
        const files = new Map();
        for (let i = 0; i < ${GENERATION_FILES}; i++) files.set('manifests/f-' + i + '.yaml', 'generation: ' + g + '\\n');
        writeOutputFolder(${JSON.stringify(outdir)}, files);
        process.stdout.write('.');
      }`;
    return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  }

  /** The output is complete and of one generation: every file there, all saying the same. */
  function expectOneCompleteGeneration(outdir: string): void {
    expect(fs.existsSync(path.join(outdir, OUTPUT_MARKER))).toBe(true);
    const contents = new Set(fs.readdirSync(path.join(outdir, 'manifests')).map((f) => fs.readFileSync(path.join(outdir, 'manifests', f), 'utf8')));
    expect(fs.readdirSync(path.join(outdir, 'manifests'))).toHaveLength(GENERATION_FILES);
    expect(contents.size).toBe(1);
  }

  test('leave the previous or the new output at outdir, never neither, and the next run cleans up', async () => {
    const outdir = path.join(root, 'dist');
    writeAtomically(outdir, new Map(Array.from({ length: GENERATION_FILES }, (_, i) => [`manifests/f-${i}.yaml`, 'generation: 0\n'])));
    const kills = 8;
    for (let k = 0; k < kills; k++) {
      const child = startWriter(outdir);
      let written = 0;
      child.stdout.on('data', (chunk: Buffer) => { written += chunk.length; });
      // Wait for at least one write, then kill at a random instant of a later one.
      await new Promise<void>((resolve) => {
        const wait = () => (written > 0 ? setTimeout(resolve, Math.random() * 60) : setTimeout(wait, 5));
        wait();
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      expectOneCompleteGeneration(outdir);
    }
    writeAtomically(outdir, files(99));
    expect(fs.readdirSync(root)).toEqual(['dist']);
  }, 60_000);
});
