import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { isAgentFile } from './mirror';

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
 * Options: `--agents 10,100,1000,2000`, `--runs 5`, `--out bench/results.md`, `--work <dir>`.
 */

interface Sample {
  readonly seconds: number;
  readonly maxRssMb: number;
}

interface Row {
  readonly agents: number;
  readonly objects: number;
  readonly results: Record<string, Sample>;
}

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = path.join(ROOT, 'build', 'bench');
const HELM = { helm4: path.join(ROOT, '.tools', 'helm-4', 'helm'), helm3: path.join(ROOT, '.tools', 'helm-3', 'helm') };
const TIME = '/usr/bin/time';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** Runs a command once as a whole process: wall time and peak resident memory. */
function measure(command: string, args: readonly string[]): Sample {
  const useTime = fs.existsSync(TIME);
  const out = fs.openSync('/dev/null', 'w');
  const started = process.hrtime.bigint();
  const result = useTime
    ? spawnSync(TIME, ['-f', 'maxrss=%M', command, ...args], { stdio: ['ignore', out, 'pipe'], encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
    : spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.closeSync(out);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  const rss = useTime ? /maxrss=(\d+)/.exec(result.stderr)?.[1] : /"maxRssKb":(\d+)/.exec(result.stdout ?? '')?.[1];
  return { seconds, maxRssMb: rss ? Number(rss) / 1024 : Number.NaN };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One warm-up run, then `runs` timed runs: the median time and the highest peak memory. */
function timed(runs: number, command: string, args: readonly string[]): Sample {
  measure(command, args);
  const samples = Array.from({ length: runs }, () => measure(command, args));
  return { seconds: median(samples.map((s) => s.seconds)), maxRssMb: Math.max(...samples.map((s) => s.maxRssMb)) };
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
    throw new Error(`${label} does not produce the same objects as ours (${other.size} vs ${ours.size}; differing: ${differing.slice(0, 5).join(', ')})`);
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
  for (const file of fs.readdirSync(dir).filter((f) => !isAgentFile(f))) {
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
  const node = (script: string, ...args: string[]) => [process.execPath, [path.join(BUILD, script), String(agents), ...args]] as const;
  const chart = path.join(work, `chart-${agents}`);
  measure(...node('synth-ours.js', chart, '--helm'));
  const chartDir = path.join(chart, 'helm', 'bench-prod');
  const results: Record<string, Sample> = {
    a: timed(runs, ...node('synth-ours.js', path.join(work, `ours-${agents}`))),
    aHelm: timed(runs, ...node('synth-ours.js', path.join(work, `ours-helm-${agents}`), '--helm')),
    b: timed(runs, ...node('synth-raw.js', path.join(work, `raw-${agents}`), fixture)),
    c: timed(runs, HELM.helm4, ['template', 'bench', chartDir]),
    c3: timed(runs, HELM.helm3, ['template', 'bench', chartDir]),
    d: timed(runs, ...node('synth-floor.js', path.join(work, `floor-${agents}`), fixture)),
  };
  return { agents, objects, results };
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

let workRootLabel = 'disk';

function report(rows: readonly Row[], runs: number): string {
  const s = (x: Sample) => x.seconds.toFixed(3);
  const r = (x: number) => x.toFixed(2);
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; median of ${runs} runs after a warm-up, whole processes, output on ${workRootLabel}.`,
    '',
    'Platform: N agents (each with an HPA, a PDB, a NetworkPolicy and a ConfigMap) wired to a shared MCP tool, a shared Redis and a vLLM GPU pool, a nightly batch job, and a self-hosted observability stack that scrapes and traces every workload. (b) and (d) build the per-agent objects by hand (L1 props) and take the shared objects from a fixture written beforehand; every output is checked to parse to exactly the same objects first.',
    '',
    '| agents | objects | (a) ours s | (a+) ours + Helm charts s | (b) raw cdk8s s | (c) helm 4 template s | helm 3 template s | (d) floor s | a/b | a/c | a/d | peak RSS (a) MB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(({ agents, objects, results: x }) => `| ${agents} | ${objects} | ${s(x.a)} | ${s(x.aHelm)} | ${s(x.b)} | ${s(x.c)} | ${s(x.c3)} | ${s(x.d)} | ${r(x.a.seconds / x.b.seconds)} | ${r(x.a.seconds / x.c.seconds)} | ${r(x.a.seconds / x.d.seconds)} | ${x.a.maxRssMb.toFixed(0)} |`),
  ];
  const at = (n: number) => rows.find((row) => row.agents === n);
  const [k1, k2] = [at(1000), at(2000)];
  if (k1 && k2) {
    lines.push('', `Growth time(2000)/time(1000): ours ${r(k2.results.a.seconds / k1.results.a.seconds)}, raw cdk8s ${r(k2.results.b.seconds / k1.results.b.seconds)}, helm 4 ${r(k2.results.c.seconds / k1.results.c.seconds)}.`);
    lines.push(`Peak RSS at 2000 agents: ours ${k2.results.a.maxRssMb.toFixed(0)} MB, ours + Helm charts ${k2.results.aHelm.maxRssMb.toFixed(0)} MB, raw cdk8s ${k2.results.b.maxRssMb.toFixed(0)} MB.`);
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const agentsList = option('agents', '10,100,1000,2000').split(',').map(Number);
  const runs = Number(option('runs', '5'));
  const out = option('out', path.join(ROOT, 'bench', 'results.md'));
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
      rows.push(benchmark(work, agents, runs, objects, fixture));
    }
    const text = report(rows, runs);
    process.stdout.write(text);
    fs.writeFileSync(out, `# Benchmark results\n\nGenerated by \`npm run bench\` (bench/run.ts).\n\n${text}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
