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

  test('no TypeScript sources other than declarations, no tests, no apps, no benchmarks', () => {
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|__snapshots__)\//.test(f) || /\.test\.(js|d\.ts)$/.test(f))).toEqual([]);
    expect(files.filter((f) => !f.startsWith('build/lib/') && !f.startsWith('build/imports/') && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([]);
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
      "const { AgentMicroservice, AgentPlatform, Environments, renderPlatform, collectProblems } = require('cdk8s-agents');",
      "const platform = new AgentPlatform(new App({ outdir: '.' }), 'demo', { environment: Environments.prod({ namespace: 'demo' }) });",
      "new AgentMicroservice(platform, 'EvaluationService', { image: 'ghcr.io/acme/evaluation-service:1.0.0' });",
      'const problems = collectProblems(platform);',
      'const objects = renderPlatform(platform).flatMap((f) => f.objects);',
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
  });

  test('the published declarations hold no @internal member, and a strict TypeScript consumer compiles against them with full library checks', () => {
    // GIVEN the declarations as installed
    const installed = path.join(project, 'node_modules', pkg.name);
    const declarations = fs.readdirSync(installed, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(10);
    const text = declarations.map((f) => fs.readFileSync(path.join(installed, f), 'utf8')).join('\n');
    // THEN the members marked @internal in lib/ are gone (stripInternal)
    for (const member of ['_reportIssue', '_toEnvVar', '_secretKey', '@internal']) {
      expect({ member, published: text.includes(member) }).toEqual({ member, published: false });
    }
    // AND a strict consumer, checking every .d.ts (skipLibCheck off), compiles: nothing public refers to a stripped member
    fs.writeFileSync(path.join(project, 'typed.ts'), [
      "import { App } from 'cdk8s';",
      "import { AgentMicroservice, AgentPlatform, Environments, EnvValue, McpToolService, renderPlatform, Workload } from 'cdk8s-agents';",
      "const platform = new AgentPlatform(new App({ outdir: '.' }), 'demo', { environment: Environments.prod({ namespace: 'demo' }) });",
      "const tool = new McpToolService(platform, 'search', { image: 'search:1.0.0' });",
      "const agent = new AgentMicroservice(platform, 'agent', { image: 'agent:1.0.0', tools: [tool], env: { MODE: EnvValue.fromValue('x') } });",
      'const recognised: boolean = Workload.isWorkload(agent);',
      'export const count: number = renderPlatform(platform).length + (recognised ? 1 : 0);',
      '',
    ].join('\n'));
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, esModuleInterop: true, module: 'commonjs', moduleResolution: 'node', target: 'ES2022', types: [] },
      files: ['typed.ts'],
    }));
    run('node', [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project, BUILD_TIMEOUT);
  }, BUILD_TIMEOUT);

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
      "const { App } = require('cdk8s');",
      "const A = require('cdk8s-agents');",
      "const addon = require('agent-addon');",
      'const result = { distinct: addon.B.Workload !== A.Workload, modes: {} };',
      "for (const mode of ['self-hosted', 'operator']) {",
      "  const environment = A.Environments.prod({ namespace: 'demo', observability: { mode, prometheusSelectorLabels: { release: 'kps' } } });",
      "  const platform = new A.AgentPlatform(new App({ outdir: '.' }), 'demo', { environment });",
      '  const tool = addon.addTool(platform);',
      '  const cache = addon.addCache(platform);',
      "  new A.AgentMicroservice(platform, 'planner', { image: 'ghcr.io/acme/planner:1.0.0', tools: [tool], cache });",
      "  const stack = new A.ObservabilityStack(platform, 'observability');",
      '  const objects = A.renderPlatform(platform).flatMap((f) => f.objects);',
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
