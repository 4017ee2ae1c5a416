import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * `node build/bench/profile.js [--agents 10,100] [--runs 3] [--top 15]`: where the time of one
 * synthesis (synth-ours.js, plain manifests) goes, from V8 CPU profiles of whole processes.
 *
 * Per size it prints, summed over the runs: the phases (loading modules, building the
 * constructs, synthesizing and writing), the self time per package or library folder, and the
 * functions with the most self time. `--json <file>` also writes the numbers.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Milliseconds per bucket. */
type Tally = Map<string, number>;

export interface ProfileSummary {
  readonly agents: number;
  readonly runs: number;
  /** Milliseconds per run, averaged. */
  readonly totalMs: number;
  readonly phases: Record<string, number>;
  readonly buckets: readonly [string, number][];
  readonly functions: readonly [string, number][];
}

const ROOT = path.resolve(__dirname, '..', '..');

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** The package (node_modules/<pkg>) or library folder (lib/<folder>) a script belongs to. */
export function bucketOf(url: string, functionName: string): string {
  if (url === '') {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/vm')) {
    return 'node: module loader';
  }
  if (url.startsWith('node:')) {
    return 'node: other';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const lib = /\/build\/(lib|imports|bench)\/(?:([^/]+)\/)?/.exec(url);
  if (lib) {
    return lib[1] === 'lib' && lib[2] ? `lib/${lib[2]}` : lib[1];
  }
  return 'other';
}

/** The phase a sample belongs to, from the frames on its stack (innermost last). */
function phaseOf(stack: readonly ProfileNode[]): string {
  // The entry script itself runs inside Module._load; what it requires goes through require().
  if (stack.some((n) => n.callFrame.functionName === 'require')) {
    return 'load modules (require, compile, top-level code)';
  }
  if (stack.some((n) => n.callFrame.functionName === 'buildBenchPlatform')) {
    return 'build constructs';
  }
  if (stack.some((n) => n.callFrame.functionName === 'synthesize')) {
    return 'validate, render, write';
  }
  const leaf = stack[stack.length - 1]?.callFrame.functionName ?? '';
  if (leaf === '(garbage collector)') {
    return 'garbage collection outside the phases';
  }
  return 'node start-up, exit and other';
}

function add(tally: Tally, key: string, ms: number): void {
  tally.set(key, (tally.get(key) ?? 0) + ms);
}

/** Adds one profile's samples to the tallies. */
function tallyProfile(profile: CpuProfile, phases: Tally, buckets: Tally, functions: Tally): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const stacks = new Map<number, ProfileNode[]>();
  const stackOf = (id: number): ProfileNode[] => {
    let stack = stacks.get(id);
    if (!stack) {
      const up = parent.get(id);
      stack = [...(up === undefined ? [] : stackOf(up)), byId.get(id) as ProfileNode];
      stacks.set(id, stack);
    }
    return stack;
  };
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const stack = stackOf(id);
    const leaf = stack[stack.length - 1].callFrame;
    if (leaf.functionName === '(idle)') {
      return;
    }
    total += ms;
    add(phases, phaseOf(stack), ms);
    add(buckets, bucketOf(leaf.url, leaf.functionName), ms);
    const where = leaf.url ? `${path.relative(ROOT, leaf.url.replace(/^file:\/\//, ''))}:${leaf.lineNumber + 1}` : '';
    add(functions, `${leaf.functionName || '(anonymous)'} ${where}`.trim(), ms);
  });
  return total;
}

function sorted(tally: Tally, runs: number, top: number): [string, number][] {
  return [...tally.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / runs]);
}

export function profileSynthesis(agents: number, runs: number, top: number, script = 'synth-ours.js'): ProfileSummary {
  const work = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'cdk8s-agents-profile-'));
  try {
    const phases: Tally = new Map();
    const buckets: Tally = new Map();
    const functions: Tally = new Map();
    let total = 0;
    for (let run = 0; run < runs; run++) {
      const dir = path.join(work, `prof-${run}`);
      const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', dir, path.join(ROOT, 'build', 'bench', script), String(agents), path.join(work, `out-${run}`)], { encoding: 'utf8' });
      if (result.status !== 0) {
        throw new Error(`profiling ${script} failed: ${result.stderr}`);
      }
      const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) {
        throw new Error(`no CPU profile in ${dir}`);
      }
      total += tallyProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, phases, buckets, functions);
    }
    return {
      agents, runs, totalMs: total / runs,
      phases: Object.fromEntries(sorted(phases, runs, Number.MAX_SAFE_INTEGER)),
      buckets: sorted(buckets, runs, top), functions: sorted(functions, runs, top),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The summary as Markdown tables. */
export function profileMarkdown(summary: ProfileSummary): string {
  const ms = (v: number) => v.toFixed(0);
  const share = (v: number) => `${((100 * v) / summary.totalMs).toFixed(0)}%`;
  return [
    `**${summary.agents} agents**: ${ms(summary.totalMs)} ms of samples per run (mean of ${summary.runs} profiled runs; profiling adds overhead).`,
    '',
    '| phase | ms | share |',
    '| --- | ---: | ---: |',
    ...Object.entries(summary.phases).map(([k, v]) => `| ${k} | ${ms(v)} | ${share(v)} |`),
    '',
    '| self time in | ms | share |',
    '| --- | ---: | ---: |',
    ...summary.buckets.map(([k, v]) => `| ${k} | ${ms(v)} | ${share(v)} |`),
    '',
    '| function (self time) | ms |',
    '| --- | ---: |',
    ...summary.functions.map(([k, v]) => `| \`${k.replace(/\|/g, '\\|')}\` | ${ms(v)} |`),
    '',
  ].join('\n');
}

function main(): void {
  const agentsList = option('agents', '10,100').split(',').map(Number);
  const runs = Number(option('runs', '3'));
  const top = Number(option('top', '15'));
  const summaries = agentsList.map((agents) => profileSynthesis(agents, runs, top));
  process.stdout.write(summaries.map(profileMarkdown).join('\n'));
  const json = option('json', '');
  if (json) {
    fs.writeFileSync(json, `${JSON.stringify(summaries, null, 2)}\n`);
  }
}

if (require.main === module) {
  main();
}
