import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import diff from 'microdiff';
import { parseAllDocuments } from 'yaml';
import { isAgentFile } from './mirror';
import { profileMarkdown, profileSynthesis } from './profile';

/**
 * `npm run bench`: synthesis time and memory of this library against raw cdk8s, Helm and a
 * serializer floor, all measured in the same run as whole processes.
 *
 *   (a)  our synth of a platform of N agents (plain manifests, written atomically)
 *   (a+) the same with the Helm charts too (what `npm run synth` does)
 *   (b)  the same objects with raw cdk8s L1 classes and `app.synth()`
 *   (c)  `helm template` of our generated chart for the same platform (Helm 4; Helm 3 too)
 *   (d)  the floor: the same objects as plain JS objects serialized to YAML
 *
 * Every output goes to a tmpfs folder (/dev/shm) when there is one: the comparison is about the
 * work, not about the disk's writeback state, which made single runs vary by hundreds of ms.
 *
 * Wall time on a shared machine varies with the other processes' load, so every variant also
 * reports its CPU time (user + sys), the variants run interleaved, and every ratio is given from
 * both. The targets of issue #18 are checked at the end (reported, never failing the run).
 *
 * Options: `--agents 10,100,1000,2000`, `--runs 5` (three times as many at 100 agents and fewer),
 * `--profile 10,100` (the sizes profiled; `none`), `--out bench/results.md`, `--work <dir>`.
 * `npm run bench` rewrites results.md up to the line `KEPT_MARKER`, and keeps what follows it.
 */

interface Sample {
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** CPU seconds of the process and its children (user + sys). */
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
}

interface Row {
  readonly agents: number;
  readonly objects: number;
  readonly runs: number;
  readonly results: Record<Variant, Sample>;
}

type Variant = 'a' | 'aHelm' | 'b' | 'c' | 'c3' | 'd';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = path.join(ROOT, 'build', 'bench');
const HELM = { helm4: path.join(ROOT, '.tools', 'helm-4', 'helm'), helm3: path.join(ROOT, '.tools', 'helm-3', 'helm') };
const TIME = '/usr/bin/time';
/** What `npm run bench` leaves alone in results.md: everything after this line. */
const KEPT_MARKER = '<!-- Everything below is kept by npm run bench. -->';

/**
 * Runs "$@" and reports its wall time (bash's microsecond clock, so the spawn of this wrapper is
 * not counted) and, with `times`, the user and system CPU time of the waited children.
 */
const MEASURE_SCRIPT = [
  'started=$EPOCHREALTIME',
  '"$@" >/dev/null',
  'status=$?',
  'ended=$EPOCHREALTIME',
  'times 1>&2',
  'echo "bench-wall=$started $ended" 1>&2',
  'exit $status',
].join('\n');

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

function clockSeconds(minutes: string, seconds: string): number {
  return Number(minutes) * 60 + Number(seconds);
}

/** Runs a command once as a whole process: wall time, CPU time (user + sys) and peak resident memory. */
function measure(command: string, args: readonly string[]): Sample {
  const useTime = fs.existsSync(TIME);
  const wrapped = useTime ? [TIME, '-f', 'maxrss=%M', command, ...args] : [command, ...args];
  const started = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', MEASURE_SCRIPT, 'bench', ...wrapped], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const spawnSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  const wall = /bench-wall=(\d+[.,]\d+) (\d+[.,]\d+)/.exec(result.stderr);
  const seconds = wall ? Number(wall[2].replace(',', '.')) - Number(wall[1].replace(',', '.')) : spawnSeconds;
  // `times` prints the shell's own times, then its children's: the last line is the command's.
  const cpu = [...result.stderr.matchAll(/^(\d+)m([\d.,]+)s (\d+)m([\d.,]+)s$/gm)].pop();
  const cpuSeconds = cpu ? clockSeconds(cpu[1], cpu[2].replace(',', '.')) + clockSeconds(cpu[3], cpu[4].replace(',', '.')) : Number.NaN;
  const rss = /maxrss=(\d+)/.exec(result.stderr)?.[1];
  return { seconds, cpuSeconds, maxRssMb: rss ? Number(rss) / 1024 : Number.NaN };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Command {
  readonly variant: Variant;
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * One warm-up round, then `runs` rounds in which every variant runs once, each round starting
 * one variant later: a burst of load from another process falls on all variants alike. Per
 * variant: the median wall and CPU times and the highest peak memory.
 */
function interleaved(runs: number, commands: readonly Command[]): Record<Variant, Sample> {
  commands.forEach((c) => measure(c.command, c.args));
  const samples = new Map<Variant, Sample[]>(commands.map((c) => [c.variant, []]));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < commands.length; i++) {
      const c = commands[(i + round) % commands.length];
      samples.get(c.variant)?.push(measure(c.command, c.args));
    }
  }
  return Object.fromEntries([...samples.entries()].map(([variant, list]) => [variant, {
    seconds: median(list.map((s) => s.seconds)),
    cpuSeconds: median(list.map((s) => s.cpuSeconds)),
    maxRssMb: Math.max(...list.map((s) => s.maxRssMb)),
  }])) as Record<Variant, Sample>;
}

type Objects = Map<string, unknown>;

function loadObjects(dir: string): Objects {
  const objects: Objects = new Map();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) {
        walk(file);
      } else if (/\.ya?ml$/.test(entry.name)) {
        addDocuments(objects, fs.readFileSync(file, 'utf8'));
      }
    }
  };
  walk(dir);
  return objects;
}

function addDocuments(objects: Objects, text: string): void {
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    const o = doc.toJS() as { kind: string; metadata: { name: string; namespace?: string } } | null;
    if (o) {
      objects.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    }
  }
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
    : v));
}

/** Every output must hold exactly our objects, or the comparison means nothing. */
function checkSameObjects(label: string, ours: Objects, other: Objects): void {
  const differing = [...ours.keys()].filter((k) => !other.has(k) || canonical(ours.get(k)) !== canonical(other.get(k)));
  if (differing.length > 0 || ours.size !== other.size) {
    const first = differing[0];
    const detail = first && other.has(first)
      ? `; first difference in ${first}: ${JSON.stringify(diff(ours.get(first) as object, other.get(first) as object).slice(0, 3))}`
      : '';
    throw new Error(`${label} does not produce the same objects as ours (${other.size} vs ${ours.size}; differing: ${differing.slice(0, 5).join(', ')}${detail})`);
  }
}

/**
 * Synthesizes the platform once with this library and writes its shared objects (everything but
 * the per-agent files) as the JSON fixture the baseline and the floor start from.
 */
function writeFixture(work: string, agents: number): string {
  const out = path.join(work, `fixture-${agents}`);
  measure(process.execPath, [path.join(BUILD, 'synth-ours.js'), String(agents), out]);
  const dir = path.join(out, 'manifests', 'bench', 'prod');
  const shared: Objects = new Map();
  for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !isAgentFile(f))) {
    addDocuments(shared, fs.readFileSync(path.join(dir, file), 'utf8'));
  }
  const fixture = path.join(work, `fixture-${agents}.json`);
  fs.writeFileSync(fixture, JSON.stringify([...shared.values()]));
  return fixture;
}

function checkEquivalence(work: string, agents: number, fixture: string): number {
  const dir = (name: string) => path.join(work, `check-${name}-${agents}`);
  measure(process.execPath, [path.join(BUILD, 'synth-ours.js'), String(agents), dir('ours'), '--helm']);
  measure(process.execPath, [path.join(BUILD, 'synth-raw.js'), String(agents), dir('raw'), fixture]);
  measure(process.execPath, [path.join(BUILD, 'synth-floor.js'), String(agents), dir('floor'), fixture]);
  const ours = loadObjects(path.join(dir('ours'), 'manifests'));
  checkSameObjects('raw cdk8s (b)', ours, loadObjects(dir('raw')));
  checkSameObjects('the floor (d)', ours, loadObjects(dir('floor')));
  for (const [label, helm] of Object.entries(HELM)) {
    const rendered = spawnSync(helm, ['template', 'bench', path.join(dir('ours'), 'helm', 'bench-prod')], { encoding: 'utf8', maxBuffer: 1024 * 2 ** 20 });
    const objects: Objects = new Map();
    addDocuments(objects, rendered.stdout);
    checkSameObjects(`${label} template (c)`, ours, objects);
  }
  return ours.size;
}

function benchmark(work: string, agents: number, runs: number, objects: number, fixture: string): Row {
  const node = (variant: Variant, script: string, ...args: string[]): Command => ({ variant, command: process.execPath, args: [path.join(BUILD, script), String(agents), ...args] });
  const chart = path.join(work, `chart-${agents}`);
  measure(process.execPath, [path.join(BUILD, 'synth-ours.js'), String(agents), chart, '--helm']);
  const chartDir = path.join(chart, 'helm', 'bench-prod');
  const results = interleaved(runs, [
    node('a', 'synth-ours.js', path.join(work, `ours-${agents}`)),
    node('aHelm', 'synth-ours.js', path.join(work, `ours-helm-${agents}`), '--helm'),
    node('b', 'synth-raw.js', path.join(work, `raw-${agents}`), fixture),
    { variant: 'c', command: HELM.helm4, args: ['template', 'bench', chartDir] },
    { variant: 'c3', command: HELM.helm3, args: ['template', 'bench', chartDir] },
    node('d', 'synth-floor.js', path.join(work, `floor-${agents}`), fixture),
  ]);
  return { agents, objects, runs, results };
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

let workRootLabel = 'disk';

type Measure = 'seconds' | 'cpuSeconds';

const ratio = (row: Row, x: Variant, y: Variant, m: Measure) => row.results[x][m] / row.results[y][m];

interface Target {
  readonly label: string;
  readonly limit: number;
  /** The value from wall times and from CPU times; undefined when the run lacks the rows. */
  readonly value: (m: Measure) => number | undefined;
  readonly unit?: string;
}

/** The targets of issue #18, as ratios measured in this run. */
function targets(rows: readonly Row[]): Target[] {
  const at = (n: number) => rows.find((row) => row.agents === n);
  const ratioAt = (n: number, x: Variant, y: Variant) => (m: Measure) => {
    const row = at(n);
    return row ? ratio(row, x, y, m) : undefined;
  };
  return [
    { label: '10 agents: a/b', limit: 0.8, value: ratioAt(10, 'a', 'b') },
    { label: '10 agents: a/c', limit: 2.0, value: ratioAt(10, 'a', 'c') },
    { label: '100 agents: a/c', limit: 1.0, value: ratioAt(100, 'a', 'c') },
    { label: '1,000 agents: a/b (no regression)', limit: 0.4, value: ratioAt(1000, 'a', 'b') },
    { label: '1,000 agents: a/c (no regression)', limit: 0.6, value: ratioAt(1000, 'a', 'c') },
    {
      label: 'growth of (a): time(2000) / time(1000)', limit: 2.0,
      value: (m) => {
        const [k1, k2] = [at(1000), at(2000)];
        return k1 && k2 ? k2.results.a[m] / k1.results.a[m] : undefined;
      },
    },
    { label: 'peak RSS of (a) at 2,000 agents', limit: 400, unit: ' MB', value: () => at(2000)?.results.a.maxRssMb },
  ];
}

function targetLines(rows: readonly Row[]): string[] {
  const lines = ['| target | limit | from wall time | from CPU time | met |', '| --- | ---: | ---: | ---: | --- |'];
  for (const t of targets(rows)) {
    const [wall, cpu] = [t.value('seconds'), t.value('cpuSeconds')];
    if (wall === undefined || cpu === undefined) {
      continue;
    }
    const digits = t.unit ? 0 : 2;
    const shown = (v: number) => `${v.toFixed(digits)}${t.unit ?? ''}`;
    const met = wall <= t.limit && cpu <= t.limit ? 'yes' : wall <= t.limit ? 'by wall time only' : cpu <= t.limit ? 'by CPU time only' : '**no**';
    lines.push(`| ${t.label} | ≤ ${t.limit}${t.unit ?? ''} | ${shown(wall)} | ${t.unit ? 'same' : shown(cpu)} | ${met} |`);
  }
  return lines;
}

function report(rows: readonly Row[]): string {
  const s = (x: Sample) => `${x.seconds.toFixed(3)} / ${x.cpuSeconds.toFixed(3)}`;
  const r = (row: Row, x: Variant, y: Variant) => `${ratio(row, x, y, 'seconds').toFixed(2)} / ${ratio(row, x, y, 'cpuSeconds').toFixed(2)}`;
  const runs = [...new Set(rows.map((row) => row.runs))].join(' or ');
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; median of ${runs} interleaved runs after a warm-up, whole processes, output on ${workRootLabel}. Every time is wall seconds / CPU seconds (user + sys), every ratio from wall times / from CPU times.`,
    '',
    'Platform: N agents (each with an HPA, a PDB, a NetworkPolicy and a ConfigMap) wired to a shared MCP tool, a shared Redis and a vLLM GPU pool, a nightly batch job, and a self-hosted observability stack that scrapes and traces every workload. (b) and (d) build the per-agent objects by hand (L1 props) and take the shared objects from a fixture written beforehand; every output is checked to parse to exactly the same objects first.',
    '',
    '| agents | objects | (a) ours | (a+) ours + Helm charts | (b) raw cdk8s | (c) helm 4 template | helm 3 template | (d) floor | a/b | a/c | a/d | peak RSS (a) MB | peak RSS (a+) MB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => {
      const x = row.results;
      return `| ${row.agents} | ${row.objects} | ${s(x.a)} | ${s(x.aHelm)} | ${s(x.b)} | ${s(x.c)} | ${s(x.c3)} | ${s(x.d)} | ${r(row, 'a', 'b')} | ${r(row, 'a', 'c')} | ${r(row, 'a', 'd')} | ${x.a.maxRssMb.toFixed(0)} | ${x.aHelm.maxRssMb.toFixed(0)} |`;
    }),
  ];
  const at = (n: number) => rows.find((row) => row.agents === n);
  const [k1, k2] = [at(1000), at(2000)];
  if (k1 && k2) {
    const growth = (v: Variant) => `${(k2.results[v].seconds / k1.results[v].seconds).toFixed(2)} / ${(k2.results[v].cpuSeconds / k1.results[v].cpuSeconds).toFixed(2)}`;
    lines.push('', `Growth time(2000)/time(1000): ours ${growth('a')}, raw cdk8s ${growth('b')}, helm 4 ${growth('c')}.`);
    lines.push(`Peak RSS at 2000 agents: ours ${k2.results.a.maxRssMb.toFixed(0)} MB, ours + Helm charts ${k2.results.aHelm.maxRssMb.toFixed(0)} MB, raw cdk8s ${k2.results.b.maxRssMb.toFixed(0)} MB.`);
  }
  lines.push('', '### Targets (issue #18)', '', ...targetLines(rows));
  return `${lines.join('\n')}\n`;
}

/** The sizes measured: small platforms take little time and vary more, so they get three times the runs. */
function runsFor(agents: number, runs: number): number {
  return agents <= 100 ? runs * 3 : runs;
}

function keptPart(out: string): string {
  if (!fs.existsSync(out)) {
    return '';
  }
  const text = fs.readFileSync(out, 'utf8');
  const index = text.indexOf(KEPT_MARKER);
  return index >= 0 ? text.slice(index) : '';
}

function main(): void {
  const agentsList = option('agents', '10,100,1000,2000').split(',').map(Number);
  const runs = Number(option('runs', '5'));
  const out = option('out', path.join(ROOT, 'bench', 'results.md'));
  const profileSizes = option('profile', '10,100').split(',').filter((v) => /^[0-9]+$/.test(v)).map(Number);
  for (const helm of Object.values(HELM)) {
    if (!fs.existsSync(helm)) {
      throw new Error(`${helm} is missing: run npm run setup-tools`);
    }
  }
  const workRoot = option('work', fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  const work = fs.mkdtempSync(path.join(workRoot, 'cdk8s-agents-bench-'));
  workRootLabel = workRoot === '/dev/shm' ? 'tmpfs (/dev/shm)' : workRoot;
  try {
    const rows: Row[] = [];
    for (const agents of agentsList) {
      const fixture = writeFixture(work, agents);
      const objects = checkEquivalence(work, agents, fixture);
      process.stderr.write(`${agents} agents: ${objects} objects, outputs equivalent; timing...\n`);
      rows.push(benchmark(work, agents, runsFor(agents, runs), objects, fixture));
    }
    const profiles = profileSizes.map((agents) => {
      process.stderr.write(`profiling ${agents} agents...\n`);
      return profileMarkdown(profileSynthesis(agents, 3, 15));
    });
    const text = [
      report(rows),
      ...(profiles.length === 0 ? [] : [
        '### Where the time of (a) goes',
        '',
        'From V8 CPU profiles of whole `synth-ours.js` processes (`node build/bench/profile.js`): the phases by the frames on the stack, the self time by package or library folder, the functions with the most self time.',
        '',
        ...profiles,
      ]),
    ].join('\n');
    process.stdout.write(text);
    const kept = keptPart(out);
    fs.writeFileSync(out, `# Benchmark results\n\nGenerated by \`npm run bench\` (bench/run.ts).\n\n${text}${kept ? `\n${kept}` : ''}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
