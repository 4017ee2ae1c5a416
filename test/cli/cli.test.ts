import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXAMPLE_PRICE_TABLE } from '../../lib';
import { runCli } from '../../lib/cli/cli';

/**
 * The command line, run in-process with captured output: arguments, exit codes and what a CI log
 * shows. The installed bin is run from the packed tarball in test/package.
 */

const REPO = path.resolve(__dirname, '..', '..');
const APPS = path.join(__dirname, 'fixtures', 'apps.js');

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(argv: readonly string[], cwd = REPO): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { cwd, out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

let temp: string;
beforeAll(() => {
  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-cli-'));
});
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

describe('help and usage errors', () => {
  test('--help lists the commands and the exit codes, exit 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['synth', 'diff', 'graph', 'validate']) expect(run.out).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(run.out).toContain('Exit codes: 0 done and nothing wrong, 1 problems found');
  });

  test('every command has --help', async () => {
    for (const command of [['synth'], ['diff'], ['diff', 'envs'], ['diff', 'output'], ['graph'], ['validate']]) {
      const run = await cli([...command, '--help']);
      expect([command.join(' '), run.code]).toEqual([command.join(' '), 0]);
      expect(run.out).toContain(`Usage: cdk8s-agents ${command.join(' ')}`);
    }
  });

  test('an unknown command or option is a usage error: exit 2, one line on stderr', async () => {
    expect(await cli(['deploy'])).toEqual({ code: 2, out: '', err: "error: unknown command 'deploy'\n(run with --help for usage)\n" });
    const bad = await cli(['graph', '--format', 'png']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("error: option '--format <format>' argument 'png' is invalid. Allowed choices are mermaid, markdown, svg.");
  });

  test('without --apps and without the package.json field, the message says how to point at the apps', async () => {
    const run = await cli(['graph'], temp);
    expect(run.code).toBe(2);
    expect(run.err).toBe(`cdk8s-agents: no apps to load: pass --apps <module>, or add "cdk8s-agents": { "apps": "build/apps/index.js" } to ${path.join(temp, 'package.json')}; the module exports "apps", an array of AgentAppDefinition ({ name, environments, build })\n`);
  });

  test('a module without app definitions is refused', async () => {
    const file = path.join(temp, 'not-apps.js');
    fs.writeFileSync(file, 'module.exports = { something: 1 };\n');
    const run = await cli(['graph', '--apps', file]);
    expect(run).toEqual({ code: 2, out: '', err: `cdk8s-agents: ${file} must export "apps": an array of AgentAppDefinition ({ name, environments, build }); it exports "something"\n` });
  });

  test('an unknown app or environment names the known ones', async () => {
    expect((await cli(['graph', '--apps', APPS, '--app', 'nope'])).err).toBe('cdk8s-agents: no app named "nope"; the apps are evaluation, emm, support-copilot\n');
    expect((await cli(['graph', '--apps', APPS, '--app', 'emm', '--env', 'qa'])).err).toBe('cdk8s-agents: app "emm" has no environment "qa"; it has dev, staging, prod\n');
  });
});

describe('synth', () => {
  test('writes every app and environment, with a progress line for each on stderr, the notices and a cost estimate', async () => {
    // GIVEN a price table
    const prices = path.join(temp, 'prices.json');
    fs.writeFileSync(prices, JSON.stringify(EXAMPLE_PRICE_TABLE));
    // WHEN synthesizing the example apps into a temporary folder
    const outdir = path.join(temp, 'synth-out');
    const run = await cli(['synth', '--apps', APPS, '--outdir', outdir, '--prices', prices]);
    // THEN it succeeds, shows progress per app and environment and a summary per environment
    expect(run.code).toBe(0);
    expect(run.err.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['[1/9] building evaluation/dev', '[9/9] building support-copilot/prod']));
    expect(run.out).toMatch(/^ {2}emm\/prod: \d+ objects in \d+ files; .+$/m);
    expect(run.out).toMatch(/^What the environments changed in what was asked \(\d+\):\n {2}\[evaluation-dev\//m);
    expect(fs.existsSync(path.join(outdir, 'manifests', 'emm', 'prod', 'COST.md'))).toBe(true);
    expect(run.out).toMatch(/^Synthesized \d+ objects into \d+ files under .*synth-out\/ in \d+ ms$/m);
    expect(fs.existsSync(path.join(outdir, 'manifests', 'emm', 'prod'))).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'helm', 'emm-prod', 'Chart.yaml'))).toBe(true);

    // AND validate finds nothing wrong in what it wrote (every app and environment, the monitors selected by kube-prometheus-stack)
    const validated = await cli(['validate', outdir, '--prometheus-selector', 'release=kube-prometheus-stack']);
    expect(validated.err).toBe('');
    expect(validated.out).toMatch(/^Checked \d{3,} objects in \d+ files: no problems\.\n$/);
    expect(validated.code).toBe(0);
    // AND a selector the monitors lack is found in the one operator-mode environment
    const unselected = await cli(['validate', outdir, '--prometheus-selector', 'release=other']);
    expect(unselected.code).toBe(1);
    expect(unselected.err).toMatch(/^cdk8s-agents found \d+ problems in \d+ objects in \d+ files:\n/);
    const findings = unselected.err.split('\n').filter((l) => l.startsWith('  ['));
    expect(findings.length).toBeGreaterThanOrEqual(4);
    expect(findings.every((l) => l.includes('manifests/support-copilot/prod/observability.yaml') && l.includes('metadata.labels: lack release=other'))).toBe(true);
  });

  test('problems: exit 1, every problem listed, nothing written', async () => {
    // GIVEN an app whose agent uses "latest" in prod
    const file = path.join(temp, 'bad-apps.js');
    fs.writeFileSync(file, [
      `const { AgentMicroservice, Environments } = require(${JSON.stringify(path.join(REPO, 'lib'))});`,
      'exports.apps = [{ name: "bad", environments: [Environments.prod({ namespace: "bad" })],',
      '  build: (p) => { new AgentMicroservice(p, "api", { image: "api:latest" }); } }];',
      '',
    ].join('\n'));
    const outdir = path.join(temp, 'bad-out');
    // WHEN synthesizing
    const run = await cli(['synth', '--apps', file, '--outdir', outdir, '--no-progress']);
    // THEN
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^cdk8s-agents found 1 problem.*\n {2}\[bad-prod\/api\] image: uses the mutable tag "latest"/);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('validate', () => {
  const FIXTURES = 'test/cli/fixtures/manifests';

  test('hand-written manifests without a mistake: exit 0', async () => {
    expect(await cli(['validate', `${FIXTURES}/clean`, '--prometheus-selector', 'release=kube-prometheus-stack'])).toEqual({ code: 0, err: '', out: 'Checked 9 objects in 2 files: no problems.\n' });
  });

  test('hand-written manifests with mistakes: exit 1, one line per problem in the form of a synthesis error', async () => {
    const run = await cli(['validate', `${FIXTURES}/broken`, '--prometheus-selector', 'release=kube-prometheus-stack']);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    const lines = run.err.trimEnd().split('\n');
    const ms = `[${FIXTURES}/broken/model-server.yaml:`;
    const queue = `[${FIXTURES}/broken/queue.yaml: keda.sh/v1alpha1 ScaledObject ml/worker]`;
    expect(lines.map((l) => l.slice(0, 160))).toEqual([
      'cdk8s-agents found 9 problems in 9 objects in 3 files:',
      `  [${FIXTURES}/broken/not-yaml.yaml] (file): All mapping items must start at the same column at line 5, column 1`,
      `  [${FIXTURES}/broken/not-yaml.yaml] (file): Flow map in block collection must be sufficiently indented and end with a } at line 6, column 1`,
      `  ${ms} apps/v1 Deployment ml/model-server] spec.replicas: expected integer, got string "two"`,
      `  ${ms} apps/v1 Deployment ml/model-server] spec.template.spec.containers[0].startupProbe: container "vllm" uses nvidia.com/gpu but has no startup probe: loading a model onto a GPU takes minutes, and the liveness probe restarts the container before it serves; add a startupProbe whose periodSeconds × failureThreshold covers the load (e.g. 10 s × 180 = 30 minutes)`.slice(0, 160),
      `  ${ms} v1 Service ml/model-server] spec.selector: selects no pod template in namespace ml (selector: app=model-srv)`.slice(0, 160),
      `  ${ms} policy/v1 PodDisruptionBudget ml/model-server] spec.maxUnavailable: is 0: no pod may ever be evicted, so node drains and cluster upgrades wait for it forever; allow one eviction at a time with maxUnavailable: 1`.slice(0, 160),
      `  ${ms} monitoring.coreos.com/v1 ServiceMonitor ml/model-server] metadata.labels: lack release=kube-prometheus-stack: the Prometheus selector is {"release":"kube-prometheus-stack"}`.slice(0, 160),
      `  ${queue} spec.triggers[0].metadata: scales on the queue "jobs" in the Redis of StatefulSet queue, whose maxmemory-policy is "allkeys-lru" (ConfigMap queue-config (redis.conf))`.slice(0, 160),
      `  ${queue} spec.triggers[0].metadata.listLength: target "0" of the redis trigger is not positive: KEDA's HPA computes replicas as metric ÷ target`.slice(0, 160),
    ]);
  });

  test('--no-domain-rules keeps the schema and API-server findings only', async () => {
    const run = await cli(['validate', `${FIXTURES}/broken`, '--no-domain-rules']);
    expect(run.err.split('\n')[0]).toBe('cdk8s-agents found 4 problems in 9 objects in 3 files:');
  });

  test('an unknown custom resource is a problem unless --ignore-missing-schemas; a bad selector and an empty folder are usage errors', async () => {
    const file = path.join(temp, 'certificate.yaml');
    fs.writeFileSync(file, 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: web\n  namespace: ml\nspec: {}\n');
    expect((await cli(['validate', file])).err).toContain('kind: unknown kind Certificate in API group "cert-manager.io"');
    expect((await cli(['validate', file, '--ignore-missing-schemas'])).code).toBe(0);
    expect((await cli(['validate', file, '--prometheus-selector', 'release'])).err).toBe('cdk8s-agents: --prometheus-selector takes key=value pairs separated by commas, e.g. release=kube-prometheus-stack (got "release")\n');
    const empty = path.join(temp, 'empty');
    fs.mkdirSync(empty);
    expect(await cli(['validate', empty])).toEqual({ code: 2, out: '', err: `cdk8s-agents: no manifest files (.yaml, .yml, .json) in ${empty}\n` });
  });
});

describe('graph', () => {
  test('prints Mermaid for one app and environment', async () => {
    const run = await cli(['graph', '--apps', APPS, '--app', 'evaluation', '--env', 'prod']);
    expect(run.code).toBe(0);
    expect(run.out.split('\n').slice(0, 3)).toEqual(['%% evaluation in prod', 'flowchart LR', '  subgraph app["namespace evaluation"]']);
  });

  test('prints SVG rendered by Graphviz', async () => {
    const run = await cli(['graph', '--apps', APPS, '--app', 'evaluation', '--env', 'prod', '--format', 'svg']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^<\?xml[^]*<svg [^]*<\/svg>\s*$/);
    expect(run.out).toContain('>evaluation&#45;service</text>');
  });

  test('--check finds stale pages and exits 1; after writing, exit 0', async () => {
    const outdir = path.join(temp, 'topology');
    const args = ['graph', '--apps', APPS, '--app', 'evaluation', '--outdir', outdir];
    expect((await cli([...args, '--check'])).code).toBe(1);
    const written = await cli(args);
    expect(written.out).toBe(`Wrote 6 files to ${outdir}/\n`);
    expect(fs.readdirSync(outdir).sort()).toEqual(['evaluation-dev.md', 'evaluation-dev.svg', 'evaluation-prod.md', 'evaluation-prod.svg', 'evaluation-staging.md', 'evaluation-staging.svg']);
    expect((await cli([...args, '--check'])).code).toBe(0);
    fs.appendFileSync(path.join(outdir, 'evaluation-prod.md'), 'edited\n');
    const stale = await cli([...args, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('1 topology files in');
    expect(stale.err).toContain('are missing or stale: evaluation-prod.md');
  });
});

describe('diff', () => {
  test('envs: a table per workload', async () => {
    const run = await cli(['diff', 'envs', 'staging', 'prod', '--apps', APPS, '--app', 'evaluation', '--changed-only']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('## evaluation: staging and prod compared');
    expect(run.out).toContain('### evaluation-service');
  });

  test('envs: an environment no app has is a usage error', async () => {
    const run = await cli(['diff', 'envs', 'dev', 'qa', '--apps', APPS]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('no app has both environments "dev" and "qa"');
  });

  describe('output', () => {
    const base = () => path.join(temp, 'base');
    const head = () => path.join(temp, 'head');
    const write = (root: string, file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };

    beforeAll(() => {
      write(base(), 'manifests/app/prod/api.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n');
      write(head(), 'manifests/app/prod/api.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n');
      write(head(), 'helm/app-prod/templates/api.yaml', 'replicas: {{ .Values.api.replicas }}\n');
    });

    test('folders: text for the log, exit 0 without --exit-code, 1 with it; Helm templates are not read', async () => {
      const run = await cli(['diff', 'output', '--base', base(), '--head', head(), '--format', 'text']);
      expect(run).toEqual({ code: 0, err: '', out: `Changes in the output (${base()} -> ${head()}): 1 changed, 0 added, 0 removed, 0 unchanged\n~ Deployment api (app/prod)\n    spec.replicas: 2 -> 3\n` });
      expect((await cli(['diff', 'output', '--base', base(), '--head', head(), '--exit-code'])).code).toBe(1);
      expect((await cli(['diff', 'output', '--base', head(), '--head', head(), '--exit-code'])).code).toBe(0);
    });

    test('a git revision of the same folder', async () => {
      // GIVEN a repository whose committed output differs from the working copy
      const repo = path.join(temp, 'repo');
      write(repo, 'deploy/manifests/app/prod/api.yaml', fs.readFileSync(path.join(base(), 'manifests/app/prod/api.yaml'), 'utf8'));
      const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
      git('init', '-q');
      git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '.');
      git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'base');
      write(repo, 'deploy/manifests/app/prod/api.yaml', fs.readFileSync(path.join(head(), 'manifests/app/prod/api.yaml'), 'utf8'));
      // WHEN comparing against HEAD
      const run = await cli(['diff', 'output', '--base', 'HEAD', '--head', 'deploy', '--format', 'text'], repo);
      // THEN
      expect(run.code).toBe(0);
      expect(run.out).toContain('~ Deployment api (app/prod)\n    spec.replicas: 2 -> 3\n');
      // AND an untracked folder at the revision is explained
      const untracked = await cli(['diff', 'output', '--base', 'HEAD:dist', '--head', 'deploy'], repo);
      expect(untracked.code).toBe(2);
      expect(untracked.err).toContain('dist holds no manifest at HEAD (is it tracked?');
    });
  });
});
