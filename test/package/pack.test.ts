import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expectValidManifests } from '../validation';

/**
 * The package as users get it: `npm pack` of the compiled library, installed into an empty
 * project from the registry with its peer dependencies, and used from plain JavaScript.
 * Slow (a build, a pack and an install): generous timeouts.
 */

const REPO = path.resolve(__dirname, '..', '..');
const BUILD_TIMEOUT = 180_000;
const INSTALL_TIMEOUT = 300_000;

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly main: string;
  readonly types: string;
  readonly devDependencies: Readonly<Record<string, string>>;
}

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as PackageJson;

/** Runs a command, returns its stdout; the error shows stderr when it fails. */
function run(command: string, args: readonly string[], cwd: string, timeout: number): string {
  try {
    return execFileSync(command, args, { cwd, timeout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stderr ?? ''}\n${stdout ?? ''}`);
  }
}

/** `npm pack --json` prints one result per package. */
function packResult(stdout: string): PackResult {
  const [result] = JSON.parse(stdout) as PackResult[];
  return result;
}

let workDir: string;

beforeAll(() => {
  // GIVEN a fresh build of the library
  run('npm', ['run', 'build'], REPO, BUILD_TIMEOUT);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-pack-'));
}, BUILD_TIMEOUT);

afterAll(() => {
  if (workDir) {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
});

describe('npm pack', () => {
  let files: string[];

  beforeAll(() => {
    // WHEN the package is packed without writing a tarball
    files = packResult(run('npm', ['pack', '--json', '--dry-run'], REPO, BUILD_TIMEOUT)).files.map((f) => f.path).sort();
  }, BUILD_TIMEOUT);

  test('holds the compiled entry point and its type declarations', () => {
    expect(files).toEqual(expect.arrayContaining([pkg.main, pkg.types, 'build/lib/index.js', 'build/lib/index.d.ts', 'package.json']));
  });

  test('holds the compiled CRD imports the library requires, with declarations', () => {
    const imports = fs.readdirSync(path.join(REPO, 'imports')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect(imports.length).toBeGreaterThan(0);
    for (const name of imports) {
      expect(files).toEqual(expect.arrayContaining([`build/imports/${name}.js`, `build/imports/${name}.d.ts`]));
    }
  });

  test('every module of lib/ is there as .js and .d.ts', () => {
    const sources = fs.readdirSync(path.join(REPO, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => `build/lib/${f.split(path.sep).join('/').replace(/\.ts$/, '')}`);
    for (const module of sources) {
      expect(files).toEqual(expect.arrayContaining([`${module}.js`, `${module}.d.ts`]));
    }
  });

  test('no TypeScript sources other than declarations, no tests, no apps, no benchmark code', () => {
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|__snapshots__)\//.test(f) || /\.test\.(js|d\.ts)$/.test(f))).toEqual([]);
    const shipped = (f: string) => f.startsWith('build/lib/') || f.startsWith('build/imports/') || f.startsWith('build/schemas/') || f.startsWith('docs/')
      || ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'bench/results.md'].includes(f);
    expect(files.filter((f) => !shipped(f))).toEqual([]);
  });

  test('the LICENSE, the CHANGELOG, the API reference, the topology pages and the schemas validate needs are in it', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md', 'docs/api/README.md', 'docs/topology/emm-prod.md', 'docs/topology/emm-prod.svg', 'build/schemas/k8s/v1.28.0/_definitions.json']));
    const crds = fs.readdirSync(path.join(REPO, 'test', 'schemas', 'crds')).filter((f) => f.endsWith('.yaml'));
    expect(crds.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining(crds.map((f) => `build/schemas/crds/${f.replace(/\.yaml$/, '.json')}`)));
  });

  test('every relative link of the README and of the shipped docs points at a file in the package', () => {
    // GIVEN the Markdown files of the package and their relative links
    const markdown = files.filter((f) => f.endsWith('.md') && !f.startsWith('docs/api/'));
    const links = markdown.flatMap((file) => [...fs.readFileSync(path.join(REPO, file), 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ file, target: path.posix.normalize(path.posix.join(path.posix.dirname(file), target)) })));
    // THEN each target is packed
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !files.includes(l.target))).toEqual([]);
  });

  test('no declaration names an internal path of cdk8s-plus-28', () => {
    const declarations = files.filter((f) => f.endsWith('.d.ts'));
    expect(declarations.filter((f) => fs.readFileSync(path.join(REPO, f), 'utf8').includes('cdk8s-plus-28/lib'))).toEqual([]);
  });
});

let project: string;

/** Installs the real tarball and the peer dependencies, at the versions the repo develops against, into an empty project. */
function installConsumer(): string {
  const tarballDir = path.join(workDir, 'tarball');
  fs.mkdirSync(tarballDir);
  const { filename } = packResult(run('npm', ['pack', '--json', '--pack-destination', tarballDir], REPO, BUILD_TIMEOUT));
  const tarball = path.join(tarballDir, path.basename(filename));
  expect(fs.existsSync(tarball)).toBe(true);
  const dir = path.join(workDir, 'consumer');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  const peers = ['cdk8s', 'cdk8s-plus-28', 'constructs'].map((name) => `${name}@${pkg.devDependencies[name]}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...peers], dir, INSTALL_TIMEOUT);
  return dir;
}

describe('the packed tarball in an empty project', () => {
  beforeAll(() => {
    // GIVEN a real tarball installed with its peer dependencies into an empty project
    project = installConsumer();
  }, INSTALL_TIMEOUT);

  test('installs with its peer dependencies and synthesizes an agent from plain JavaScript', () => {
    // GIVEN a script using the public API
    fs.writeFileSync(path.join(project, 'index.js'), [
      "const { App } = require('cdk8s');",
      "const { AgentMicroservice, AgentPlatform, Environments, renderApps, collectProblems } = require('cdk8s-agents');",
      "const platform = new AgentPlatform(new App({ outdir: '.' }), 'demo', { environment: Environments.prod({ namespace: 'demo' }) });",
      "new AgentMicroservice(platform, 'EvaluationService', { image: 'ghcr.io/acme/evaluation-service:1.0.0' });",
      'const problems = collectProblems(platform);',
      "const build = (p) => new AgentMicroservice(p, 'EvaluationService', { image: 'ghcr.io/acme/evaluation-service:1.0.0' });",
      "const [rendered] = renderApps([{ name: 'demo', environments: [Environments.prod({ namespace: 'demo' })], build }]);",
      'const objects = rendered.objects;',
      "const deployment = objects.find((o) => o.kind === 'Deployment');",
      'console.log(deployment.metadata.name);',
      'console.log(JSON.stringify({ problems, objects }));',
      '',
    ].join('\n'));

    // WHEN it runs
    const [name, json] = run('node', ['index.js'], project, 60_000).trim().split('\n');

    // THEN it prints the Deployment's name, and the objects are valid
    expect(name).toBe('evaluation-service');
    const { problems, objects } = JSON.parse(json) as { problems: string[]; objects: unknown[] };
    expect(problems).toEqual([]);
    expectValidManifests(objects);
    // AND the installed package resolves to the compiled entry point, with its declarations
    const installed = path.join(project, 'node_modules', pkg.name);
    expect(run('node', ['-p', `require.resolve(${JSON.stringify(pkg.name)})`], project, 60_000).trim()).toBe(path.join(installed, pkg.main));
    expect(fs.existsSync(path.join(installed, pkg.types))).toBe(true);
    // AND the LICENSE and the docs the README links came along
    for (const file of ['LICENSE', 'CHANGELOG.md', 'docs/helm.md', 'docs/api/README.md', 'docs/topology/emm-prod.svg']) {
      expect([file, fs.existsSync(path.join(installed, file))]).toEqual([file, true]);
    }

    // WHEN a TypeScript file uses the public types, compiled against the installed declarations (library checks on)
    fs.writeFileSync(path.join(project, 'typed.ts'), [
      "import { App } from 'cdk8s';",
      "import { AgentMicroservice, AgentPlatform, Environments, ExternalEndpoint, type INetworkPeer } from 'cdk8s-agents';",
      "const platform = new AgentPlatform(new App({ outdir: '.' }), 'demo', { environment: Environments.prod({ namespace: 'demo' }) });",
      "const agent = new AgentMicroservice(platform, 'api', { image: 'api:1.0.0', externalEndpoints: [ExternalEndpoint.https('api.openai.com')] });",
      'const peer: INetworkPeer = agent.connections.peer;',
      "export const selectors = peer.toPolicyPeers('demo').map((p) => p.podSelector?.matchLabels);",
      '',
    ].join('\n'));
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs', target: 'ES2022', moduleResolution: 'node', esModuleInterop: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['typed.ts'] }));
    // THEN it type-checks
    run('node', [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project, 120_000);

    // WHEN the bin runs
    const help = run('npx', ['--no-install', 'cdk8s-agents', '--help'], project, 60_000);
    // THEN it prints its commands
    expect(help).toContain('Usage: cdk8s-agents [options] [command]');
    // AND validate works from the installed package (its bundled schemas) on what the script synthesized
    fs.writeFileSync(path.join(project, 'out.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    expect(run('npx', ['--no-install', 'cdk8s-agents', 'validate', 'out.json'], project, 60_000)).toMatch(/^Checked \d+ objects in 1 file: no problems\.\n$/);

    // WHEN `cdk8s synth` of a plain cdk8s project runs the package as a validation plugin (the real cdk8s-cli)
    const cdk8s = path.join(REPO, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
    const plain = (replicas: string) => [
      "const { App, Chart, ApiObject } = require('cdk8s');",
      'const app = new App();',
      "const chart = new Chart(app, 'plain', { namespace: 'ml' });",
      "new ApiObject(chart, 'api', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: {",
      `  replicas: ${replicas}, selector: { matchLabels: { app: 'api' } },`,
      "  template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1', resources: { limits: { 'nvidia.com/gpu': 1 } } }] } } } });",
      "new ApiObject(chart, 'pdb', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'api' } } } });",
      'app.synth();',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(project, 'main.js'), plain("'two'"));
    fs.writeFileSync(path.join(project, 'cdk8s.yaml'), [
      'app: node main.js',
      'language: typescript',
      'validations:',
      '  - package: ./node_modules/cdk8s-agents',
      `    version: ${pkg.version}`,
      '    class: ManifestValidation',
      '',
    ].join('\n'));
    let report = '';
    try {
      execFileSync(process.execPath, [cdk8s, 'synth'], { cwd: project, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
    } catch (error) {
      report = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    }
    // THEN synth fails with our findings: the schema error and the two domain rules
    expect(report).toContain('cdk8s-agents/schema');
    expect(report).toContain('expected integer, got string "two"');
    expect(report).toContain('cdk8s-agents/domain');
    expect(report).toContain('container "api" uses nvidia.com/gpu but has no startup probe');
    expect(report).toContain('is 0: no pod may ever be evicted');
  }, INSTALL_TIMEOUT);
  test('the published declarations hold no @internal member (stripInternal)', () => {
    // GIVEN the declarations as installed
    const installed = path.join(project, 'node_modules', pkg.name);
    const declarations = fs.readdirSync(installed, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(10);
    const text = declarations.map((f) => fs.readFileSync(path.join(installed, f), 'utf8')).join('\n');
    // THEN the members marked @internal in lib/ are gone (stripInternal)
    for (const member of ['_reportIssue', '_toEnvVar', '_secretKey', '@internal']) {
      expect({ member, published: text.includes(member) }).toEqual({ member, published: false });
    }
    // (the typed consumer above compiles against them with skipLibCheck off: nothing public refers to a stripped member)
  });

  test('two installed copies (the app\'s and a dependency\'s) work together: workloads of either are wired, scraped and monitored', () => {
    // GIVEN a dependency with its own copy of the package, sharing the app's cdk8s (as npm lays out a peer dependency twice)
    const addon = path.join(project, 'node_modules', 'agent-addon');
    fs.mkdirSync(path.join(addon, 'node_modules'), { recursive: true });
    fs.cpSync(path.join(project, 'node_modules', pkg.name), path.join(addon, 'node_modules', pkg.name), { recursive: true });
    fs.writeFileSync(path.join(addon, 'package.json'), JSON.stringify({ name: 'agent-addon', version: '1.0.0', main: 'index.js' }));
    fs.writeFileSync(path.join(addon, 'index.js'), [
      "const B = require('cdk8s-agents');",
      'exports.B = B;',
      "exports.addTool = (platform) => new B.McpToolService(platform, 'search', { image: 'ghcr.io/acme/search:1.0.0' });",
      "exports.addCache = (platform) => new B.RedisCacheStatefulSet(platform, 'cache');",
      '',
    ].join('\n'));
    // AND an app on copy A using both, with copy A's observability stack (self-hosted, then operator mode)
    fs.writeFileSync(path.join(project, 'two-copies.js'), [
      "const A = require('cdk8s-agents');",
      "const addon = require('agent-addon');",
      'const result = { distinct: addon.B.Workload !== A.Workload, modes: {} };',
      "for (const mode of ['self-hosted', 'operator']) {",
      "  const environment = A.Environments.prod({ namespace: 'demo', observability: { mode, prometheusSelectorLabels: { release: 'kps' } } });",
      '  let tool;',
      '  let stack;',
      '  const build = (platform) => {',
      '    tool = addon.addTool(platform);',
      '    const cache = addon.addCache(platform);',
      "    new A.AgentMicroservice(platform, 'planner', { image: 'ghcr.io/acme/planner:1.0.0', tools: [tool], cache });",
      "    stack = new A.ObservabilityStack(platform, 'observability');",
      '  };',
      "  const [rendered] = A.renderApps([{ name: 'demo', environments: [environment], build }]);",
      '  const objects = rendered.objects;',
      "  const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);",
      '  result.modes[mode] = {',
      '    instanceOfA: tool instanceof A.Workload,',
      '    isWorkload: A.Workload.isWorkload(tool),',
      '    scraped: stack.scrapeTargets().map((t) => t.workload.name).sort(),',
      "    plannerEnv: named('Deployment', 'planner').spec.template.spec.containers[0].env.map((e) => e.name),",
      "    toolPolicy: JSON.stringify(named('NetworkPolicy', 'search').spec.ingress),",
      "    monitors: objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor').map((o) => o.metadata.name).sort(),",
      '    objects,',
      '  };',
      '}',
      'console.log(JSON.stringify(result));',
      '',
    ].join('\n'));

    // WHEN it runs
    const result = JSON.parse(run('node', ['two-copies.js'], project, 60_000)) as {
      distinct: boolean;
      modes: Record<string, { instanceOfA: boolean; isWorkload: boolean; scraped: string[]; plannerEnv: string[]; toolPolicy: string; monitors: string[]; objects: unknown[] }>;
    };

    // THEN the copies are distinct classes, recognised by brand
    expect(result.distinct).toBe(true);
    const selfHosted = result.modes['self-hosted'];
    expect([selfHosted.instanceOfA, selfHosted.isWorkload]).toEqual([false, true]);
    // AND copy B's workloads are scraped by copy A's stack and wired to copy A's agent
    expect(selfHosted.scraped).toEqual(expect.arrayContaining(['cache', 'planner', 'search']));
    expect(selfHosted.plannerEnv).toEqual(expect.arrayContaining(['MCP_SEARCH_URL', 'REDIS_HOST', 'REDIS_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT']));
    expect(selfHosted.toolPolicy).toContain('"app.kubernetes.io/name":"planner"');
    expect(selfHosted.toolPolicy).toContain('"app.kubernetes.io/name":"prometheus"');
    // AND in operator mode every workload of copy B has its monitor
    expect(result.modes.operator.monitors).toEqual(expect.arrayContaining(['cache', 'planner', 'search']));
    // AND the output is valid
    expectValidManifests(selfHosted.objects);
    expectValidManifests(result.modes.operator.objects);
  }, 60_000);
});
