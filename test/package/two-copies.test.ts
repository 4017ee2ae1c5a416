import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as A from '../../lib';
import { at, synthPlatform, type Synthesized } from '../helpers/synth';

/**
 * Two copies of the library in one app, as peer dependencies often produce: the app uses one
 * copy (A), a dependency of the app another (B), both with the same cdk8s. Copy B is a real
 * second module tree (the sources copied to another folder, so every class exists twice);
 * `instanceof` across the copies fails, the brands do not. The compiled, packed library is
 * tested the same way in pack.test.ts.
 */

const REPO = path.resolve(__dirname, '..', '..');
let root: string;
let B: typeof A;

beforeAll(() => {
  // GIVEN lib/ and imports/ copied to another folder, resolving cdk8s, cdk8s-plus and zod from the same node_modules
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-copy-'));
  fs.cpSync(path.join(REPO, 'lib'), path.join(root, 'lib'), { recursive: true });
  fs.cpSync(path.join(REPO, 'imports'), path.join(root, 'imports'), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  B = require(path.join(root, 'lib', 'index.ts')) as typeof A;
});

afterAll(() => {
  if (root) {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

interface Mixed {
  readonly s: Synthesized;
  readonly stack: A.ObservabilityStack;
  readonly bTool: A.McpToolService;
  readonly bCache: A.RedisCacheStatefulSet;
  readonly bAgent: A.AgentMicroservice;
  readonly aAgent: A.AgentMicroservice;
}

/** A's platform and stack; B's tool, cache and agent; A's agent wired to B's tool and cache, B's agent calling A's agent. */
function buildMixed(mode: A.ObservabilityMode): Mixed {
  const environment = A.Environments.prod({
    namespace: 'agents',
    storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' },
    observability: { mode, prometheusSelectorLabels: { release: 'kube-prometheus-stack' } },
  });
  const platform = new A.AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment });
  const bCache = new B.RedisCacheStatefulSet(platform, 'cache');
  const bTool = new B.McpToolService(platform, 'search', { image: 'ghcr.io/acme/search:1.0.0' });
  const aAgent = new A.AgentMicroservice(platform, 'planner', {
    image: 'ghcr.io/acme/planner:1.0.0', tools: [bTool], cache: bCache, env: { TOKEN: B.EnvValue.fromSecret(new B.SecretSource(platform, 'api', { keys: ['token'] }), 'token') },
  });
  const bAgent = new B.AgentMicroservice(platform, 'executor', { image: 'ghcr.io/acme/executor:1.0.0', calls: [aAgent] });
  const stack = new A.ObservabilityStack(platform, 'observability');
  return { s: synthPlatform(platform), stack, bTool, bCache, bAgent, aAgent };
}

interface PolicyPeer { readonly podSelector?: { readonly matchLabels?: Record<string, string> } }
interface PolicyRule { readonly from?: PolicyPeer[]; readonly to?: PolicyPeer[]; readonly ports?: { port: number }[] }

/** The pod names a NetworkPolicy's rules in one direction reach, with their ports. */
function peers(s: Synthesized, name: string, direction: 'ingress' | 'egress'): string[] {
  const rules = (at(s.get('NetworkPolicy', name), `spec.${direction}`) ?? []) as PolicyRule[];
  return rules.flatMap((r) => (direction === 'ingress' ? r.from : r.to) ?? [])
    .map((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'])
    .filter((name): name is string => name !== undefined);
}

function envNames(s: Synthesized, deployment: string): string[] {
  return ((at(s.get('Deployment', deployment), 'spec.template.spec.containers.0.env') ?? []) as { name: string }[]).map((e) => e.name);
}

describe('two copies of the library in one app', () => {
  test('the copies are distinct: instanceof fails across them, the brands do not', () => {
    expect(B.AgentMicroservice).not.toBe(A.AgentMicroservice);
    const { bTool, bAgent, bCache } = buildMixed(A.ObservabilityMode.SELF_HOSTED);
    expect(bTool instanceof A.Workload).toBe(false);
    expect([bTool, bAgent, bCache].map((w) => A.Workload.isWorkload(w))).toEqual([true, true, true]);
    expect(A.EnvValue.isEnvValue(B.EnvValue.fromValue('x'))).toBe(true);
  });

  test('copy A\'s self-hosted stack scrapes, monitors and traces copy B\'s workloads', () => {
    // GIVEN the mixed app with a self-hosted stack
    const { s, stack, bTool, bCache, bAgent } = buildMixed(A.ObservabilityMode.SELF_HOSTED);
    // THEN B's workloads are observed and scraped
    expect(stack.observedWorkloads().map((w) => w.name)).toEqual(expect.arrayContaining(['cache', 'search', 'executor']));
    expect(stack.scrapeTargets().map((t) => t.workload.name)).toEqual(expect.arrayContaining(['cache', 'search', 'executor']));
    // AND Prometheus may reach them and they admit Prometheus
    for (const workload of [bTool, bCache, bAgent]) {
      expect(peers(s, 'prometheus', 'egress')).toContain(workload.name);
      expect(peers(s, workload.name, 'ingress')).toContain('prometheus');
    }
    // AND B's services send traces to A's collector
    expect(envNames(s, 'search')).toEqual(expect.arrayContaining(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME']));
    expect(envNames(s, 'executor')).toEqual(expect.arrayContaining(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME']));
    // AND the dashboards and alerts know B's Redis
    expect(JSON.stringify(stack.alertGroups())).toContain('cache');
  });

  test('copy A\'s operator-mode stack writes a monitor for every workload of copy B', () => {
    const { s } = buildMixed(A.ObservabilityMode.OPERATOR);
    const monitored = [...s.all('ServiceMonitor'), ...s.all('PodMonitor')].map((m) => m.metadata.name);
    expect(monitored).toEqual(expect.arrayContaining(['cache', 'search', 'executor', 'planner']));
  });

  test('wiring works in both directions across the copies: env, both NetworkPolicies, quota', () => {
    const { s, stack, aAgent } = buildMixed(A.ObservabilityMode.SELF_HOSTED);
    // A's agent reaches B's tool and B's Redis
    expect(envNames(s, 'planner')).toEqual(expect.arrayContaining(['MCP_SEARCH_URL', 'MCP_SEARCH_TRANSPORT', 'REDIS_HOST', 'REDIS_PASSWORD', 'REDIS_URL', 'TOKEN']));
    expect(peers(s, 'planner', 'egress')).toEqual(expect.arrayContaining(['search', 'cache']));
    expect(peers(s, 'search', 'ingress')).toContain('planner');
    expect(peers(s, 'cache', 'ingress')).toContain('planner');
    // B's agent calls A's agent
    expect(envNames(s, 'executor')).toContain('AGENT_PLANNER_URL');
    expect(peers(s, 'planner', 'ingress')).toContain('executor');
    // every workload counts against A's platform quota: the agents, the tool, B's Redis and its HAProxy, the servers
    const platform = aAgent.node.scope as A.AgentPlatform;
    expect(platform.workloadDemands().length).toBe(3 + 1 + 1 + stack.servers.length);
  });

  test('a name clash between workloads of the two copies is found', () => {
    const platform = new A.AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment: A.Environments.prod({ namespace: 'agents' }) });
    new A.AgentMicroservice(platform, 'one', { image: 'a:1.0.0', name: 'same' });
    new B.AgentMicroservice(platform, 'two', { image: 'b:1.0.0', name: 'same' });
    expect(A.collectProblems(platform)).toContain('[test/two] name: "same" is already used by test/one; every workload of a namespace needs its own name (set the name prop)');
  });
});
