import {
  AgentMicroservice, type ExternalEndpoint, type KubeObject, McpToolService, ObservabilityStack, RedisCacheStatefulSet, renderApps, type RenderedEnvironment,
  ScrapeMethod,
} from '../../lib';
import { emm } from '../../apps/emm';
import { supportCopilot } from '../../apps/support-copilot';
import { cidrContains, edgeDiff, edgeKey, type Endpoint, type ExternalHost, NetworkModel, namespacesOf, type Pod, podsOf, policiesOf } from './network-model';

/**
 * The NetworkPolicies of the emm app must allow exactly the declared wiring: computed from the
 * synthesized NetworkPolicies alone (plus pod template labels and the namespace), every
 * connection between workloads is allowed iff the app declared it.
 */

const NAMESPACE = 'agentic-ai';

// The declared wiring that has no public accessor on the constructs, written down from
// apps/emm.ts. Tools come from AgentMicroservice.wiredTools (public); the cache and agent-to-agent
// calls are not exposed, so they are listed here.
const TOOLS = ['jd-classifier', 'content-classifier', 'bookmark-classifier', 'confluence', 'file-system', 'web-scraper', 'notifications'];
const AGENTS = ['confluence-agent', 'bookmark-scraper', 'file-system-agent', 'langgraph-api'];
const CACHE = 'redis-cache';
const CACHE_USERS = [...TOOLS, ...AGENTS];
/** HAProxy in front of the replicated Redis (staging and prod). */
const CACHE_PROXY = `${CACHE}-proxy`;
const CALLS: Readonly<Record<string, readonly string[]>> = {
  'langgraph-api': ['confluence-agent', 'bookmark-scraper', 'file-system-agent'],
};
/** What apps/emm.ts lists as the tools of each agent (cross-checked against wiredTools). */
const TOOLS_OF_AGENT: Readonly<Record<string, readonly string[]>> = {
  'confluence-agent': ['confluence', 'content-classifier', 'jd-classifier', 'notifications'],
  'bookmark-scraper': ['web-scraper', 'bookmark-classifier', 'content-classifier', 'jd-classifier'],
  'file-system-agent': ['file-system', 'content-classifier', 'jd-classifier', 'notifications'],
  'langgraph-api': [],
};
/** Workloads with external endpoints in apps/emm.ts, and their ports. */
const INTERNET_EGRESS: Readonly<Record<string, readonly number[]>> = {
  'content-classifier': [443],
  confluence: [443],
  'web-scraper': [80, 443],
  notifications: [443],
  'confluence-agent': [443],
  'bookmark-scraper': [443],
  'file-system-agent': [443],
  'langgraph-api': [443],
};

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

const rendered = renderApps([emm]);

interface Cluster {
  readonly env: RenderedEnvironment;
  readonly model: NetworkModel;
  readonly pods: readonly Pod[];
  readonly dns: Pod;
}

function clusterOf(env: RenderedEnvironment, extraPods: readonly Pod[] = []): Cluster {
  const objects: readonly KubeObject[] = env.objects;
  const dns: Pod = {
    kind: 'pod', name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.96.0.10',
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
  };
  const namespaces = { ...namespacesOf(objects), 'kube-system': {}, 'ingress-nginx': {}, monitoring: {}, elsewhere: {} };
  const model = new NetworkModel(policiesOf(objects, NAMESPACE), namespaces);
  return { env, model, pods: [...podsOf(objects, NAMESPACE), ...extraPods], dns };
}

/** Every (src, dst, TCP port) the policies allow between the given sources and destinations; candidate ports are the container ports of dst. */
function allowedEdges(model: NetworkModel, sources: readonly Pod[], destinations: readonly Pod[]): Set<string> {
  const edges = new Set<string>();
  for (const src of sources) {
    for (const dst of destinations) {
      for (const port of dst.ports.filter((p) => p.protocol === 'TCP')) {
        if (model.allows(src, dst, port.port, 'TCP')) {
          edges.add(edgeKey(src.name, dst.name, port.port));
        }
      }
    }
  }
  return edges;
}

/** The app's ObservabilityStack (self-hosted in every environment of emm). */
function stackOf(env: RenderedEnvironment): ObservabilityStack {
  const stack = env.platform.node.findAll().find((c): c is ObservabilityStack => c instanceof ObservabilityStack);
  if (!stack) {
    throw new Error(`emm/${env.environment} has no ObservabilityStack`);
  }
  return stack;
}

/** The stack's servers, which must be there in self-hosted mode. */
function serversOf(env: RenderedEnvironment) {
  const { prometheus, grafana, tempo, collector, alertmanager } = stackOf(env);
  if (!prometheus || !grafana || !tempo || !collector || !alertmanager) {
    throw new Error(`emm/${env.environment}: the stack is not self-hosted`);
  }
  return { prometheus, grafana, tempo, collector, alertmanager };
}

/**
 * The monitoring paths, from the stack's public API, never from the policies: Prometheus to every
 * scrape target's metrics port (itself excepted: localhost), every telemetry client to the
 * collector on OTLP gRPC and HTTP, and the servers' own paths.
 */
function observabilityEdges(env: RenderedEnvironment): Set<string> {
  const stack = stackOf(env);
  const { prometheus, grafana, tempo, collector, alertmanager } = serversOf(env);
  const edges = new Set<string>();
  for (const target of stack.scrapeTargets().filter((t) => t.method !== ScrapeMethod.SELF)) {
    edges.add(edgeKey(prometheus.name, target.workload.name, target.endpoint.port));
  }
  for (const client of stack.telemetryClients()) {
    edges.add(edgeKey(client.name, collector.name, collector.otlpGrpcPort));
    edges.add(edgeKey(client.name, collector.name, collector.otlpHttpPort));
  }
  edges.add(edgeKey(collector.name, tempo.name, tempo.otlpGrpcPort));
  edges.add(edgeKey(grafana.name, prometheus.name, prometheus.port));
  edges.add(edgeKey(grafana.name, tempo.name, tempo.httpPort));
  edges.add(edgeKey(prometheus.name, alertmanager.name, alertmanager.port));
  return edges;
}

/** Endpoints outside the pods the stack's servers and traced agents may reach, by workload (from the stack's API). */
function observabilityEndpoints(env: RenderedEnvironment): Record<string, ExternalEndpoint[]> {
  const stack = stackOf(env);
  const out: Record<string, ExternalEndpoint[]> = {};
  const add = (name: string, endpoint: ExternalEndpoint | undefined) => {
    if (endpoint) {
      out[name] = [...(out[name] ?? []), endpoint];
    }
  };
  add(serversOf(env).alertmanager.name, serversOf(env).alertmanager.slackEndpoint);
  for (const client of stack.kubernetesApiClients) {
    add(client.name, stack.kubernetesApi);
  }
  add(serversOf(env).prometheus.name, stack.kubelets);
  const langfuse = stack.langfuseRule?.peer;
  for (const traced of stack.langfuseTracedWorkloads) {
    add(traced.name, langfuse as ExternalEndpoint | undefined);
  }
  return out;
}

/** Whether an endpoint's CIDR (minus its exceptions) holds an address. */
const holds = (endpoint: ExternalEndpoint, ip: string) => cidrContains(endpoint.block, ip) && !(endpoint.options.except ?? []).some((e) => cidrContains(e, ip));

/** The declared wiring, from the constructs' public data and the tables above; never from the policies. */
function declaredEdges(env: RenderedEnvironment): Set<string> {
  const constructs = env.platform.node.findAll();
  const agents = constructs.filter((c): c is AgentMicroservice => c instanceof AgentMicroservice);
  const tools = constructs.filter((c): c is McpToolService => c instanceof McpToolService);
  const caches = constructs.filter((c): c is RedisCacheStatefulSet => c instanceof RedisCacheStatefulSet);
  expect(agents.map((a) => a.name).sort()).toEqual([...AGENTS].sort());
  expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
  expect(caches.map((c) => c.name)).toEqual([CACHE]);
  const byName = new Map<string, AgentMicroservice | McpToolService>([...agents, ...tools].map((w) => [w.name, w]));
  const edges = new Set<string>();
  for (const agent of agents) {
    for (const tool of agent.wiredTools) {
      const server = byName.get(tool.toolName);
      if (!(server instanceof McpToolService)) {
        throw new Error(`${agent.name} is wired to ${tool.toolName}, which is not a tool of this app`);
      }
      edges.add(edgeKey(agent.name, server.name, server.port));
    }
  }
  const cache = caches[0];
  const proxy = cache.primaryProxy;
  for (const user of CACHE_USERS) {
    edges.add(edgeKey(user, CACHE, cache.port));
    if (cache.sentinel) {
      // Sentinel-aware clients ask a Sentinel, then connect to the master it names.
      edges.add(edgeKey(user, CACHE, cache.sentinel.port));
    }
    if (proxy) {
      edges.add(edgeKey(user, proxy.name, proxy.port));
    }
  }
  if (cache.sentinel) {
    // Replication and Sentinel gossip between the Redis pods; HAProxy checks and reaches each.
    edges.add(edgeKey(CACHE, CACHE, cache.port));
    edges.add(edgeKey(CACHE, CACHE, cache.sentinel.port));
  }
  if (proxy) {
    edges.add(edgeKey(proxy.name, CACHE, cache.port));
  }
  for (const [caller, callees] of Object.entries(CALLS)) {
    for (const callee of callees) {
      const server = byName.get(callee);
      if (!server) {
        throw new Error(`unknown agent ${callee}`);
      }
      edges.add(edgeKey(caller, callee, server.port));
    }
  }
  for (const edge of observabilityEdges(env)) {
    edges.add(edge);
  }
  return edges;
}

const PUBLIC_HOST: ExternalHost = { kind: 'external', name: 'example.com', ip: '93.184.216.34' };
const PRIVATE_HOSTS: readonly ExternalHost[] = [
  { kind: 'external', name: 'vpc-database', ip: '10.20.0.5' },
  { kind: 'external', name: 'cloud-metadata', ip: '169.254.169.254' },
  { kind: 'external', name: 'docker-bridge', ip: '172.17.0.1' },
  { kind: 'external', name: 'home-lan', ip: '192.168.1.10' },
  { kind: 'external', name: 'carrier-nat', ip: '100.64.0.1' },
];
const PROBE_PORTS = [22, 53, 80, 443, 5432, 6379, 8080, 9121];

const intruder = (namespace: string): Pod => ({
  kind: 'pod', name: `intruder@${namespace}`, namespace, labels: { 'app.kubernetes.io/name': 'intruder' }, ip: '10.244.9.9',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

describe.each(rendered.map((env) => [env.environment, env] as const))('emm in %s', (_name, env) => {
  const cluster = clusterOf(env);
  const workloads = cluster.pods;
  const SERVERS = stackOf(env).servers.map((s) => s.name);
  /** Internet egress by workload: the app's table plus what the stack's API says, on the probed ports. */
  const internetEgress: Record<string, readonly number[]> = { ...INTERNET_EGRESS };
  for (const [name, endpoints] of Object.entries(observabilityEndpoints(env))) {
    const ports = endpoints.filter((e) => holds(e, PUBLIC_HOST.ip)).flatMap((e) => e.ports.map((p) => p.port)).filter((p) => PROBE_PORTS.includes(p));
    internetEgress[name] = [...new Set([...(internetEgress[name] ?? []), ...ports])].sort((a, b) => a - b);
  }

  const replicated = env.environment !== 'dev';
  const CACHES = replicated ? [CACHE, CACHE_PROXY] : [CACHE];

  test('the environment renders every workload of the app, with NetworkPolicies', () => {
    // GIVEN the rendered environment
    // THEN there is one pod template per workload and a policy per workload plus the default deny
    expect(workloads.map((p) => p.name).sort()).toEqual([...TOOLS, ...AGENTS, ...CACHES, ...SERVERS].sort());
    expect(cluster.model.policies.map((p) => p.name).sort()).toEqual(['default-deny', ...TOOLS, ...AGENTS, ...CACHES, ...SERVERS].sort());
    expect(workloads.every((p) => p.namespace === NAMESPACE)).toBe(true);
  });

  test('the wiring of each agent matches apps/emm.ts', () => {
    // GIVEN the agents built by the app
    const agents = env.platform.node.findAll().filter((c): c is AgentMicroservice => c instanceof AgentMicroservice);
    // THEN wiredTools is exactly what apps/emm.ts lists
    expect(Object.fromEntries(agents.map((a) => [a.name, a.wiredTools.map((t) => t.toolName)]))).toEqual(TOOLS_OF_AGENT);
  });

  test('the connections allowed by the NetworkPolicies are exactly the declared wiring', () => {
    // GIVEN the declared wiring (constructs and app definition) and the policies' verdicts
    const declared = declaredEdges(env);
    const allowed = allowedEdges(cluster.model, workloads, workloads);
    // THEN nothing declared is blocked and nothing undeclared is allowed
    expect(edgeDiff(declared, allowed)).toBe('');
    const redis = replicated ? 3 * CACHE_USERS.length + 3 : CACHE_USERS.length;
    expect(declared.size).toBe(4 + 4 + 4 + redis + 3 + observabilityEdges(env).size);
  });

  test('the redis exporter port (9121) is reachable by the scraper the stack declares, and by nothing else', () => {
    // GIVEN the redis pod with its exporter port, and the stack's scrape target on it
    const redis = workloads.find((p) => p.name === CACHE);
    expect(redis?.ports.map((p) => `${p.name}:${p.port}`)).toEqual(replicated ? ['redis:6379', 'sentinel:26379', 'metrics:9121'] : ['redis:6379', 'metrics:9121']);
    expect(stackOf(env).scrapeTargets().filter((t) => t.workload.name === CACHE).map((t) => t.endpoint.port)).toEqual([9121]);
    // THEN only Prometheus reaches 9121
    expect(workloads.filter((src) => redis && cluster.model.allows(src, redis, 9121)).map((p) => p.name)).toEqual([serversOf(env).prometheus.name]);
  });

  test('the Sentinel port (26379) is reachable by the cache users and the other Redis pods, and by nothing else; HAProxy only reaches 6379', () => {
    const redis = workloads.find((p) => p.name === CACHE);
    const reaching = workloads.filter((src) => redis && cluster.model.allows(src, redis, 26379)).map((p) => p.name).sort();
    expect(reaching).toEqual(replicated ? [...CACHE_USERS, CACHE].sort() : []);
    if (replicated) {
      const proxy = workloads.find((p) => p.name === CACHE_PROXY);
      expect(proxy && redis && [cluster.model.allows(proxy, redis, 6379), cluster.model.allows(proxy, redis, 26379)]).toEqual([true, false]);
      expect(workloads.filter((src) => proxy && cluster.model.allows(src, proxy, 6379)).map((p) => p.name).sort()).toEqual([...CACHE_USERS].sort());
    }
  });

  test('the comparison is sensitive: a dropped rule shows as blocked, a widened rule as undeclared', () => {
    // GIVEN the policies with confluence-agent removed from jd-classifier's ingress peers
    const declared = declaredEdges(env);
    const policies = cluster.model.policies;
    const narrowed = policies.map((p) => (p.name !== 'jd-classifier' ? p : {
      ...p,
      ingress: (p.ingress ?? []).map((r) => ({ ...r, from: (r.from ?? []).filter((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] !== 'confluence-agent') })),
    }));
    // AND the policies with redis admitting every pod of the namespace on every port, and langgraph-api allowed every egress
    const widened = policies.map((p) => {
      if (p.name === CACHE) return { ...p, ingress: [...(p.ingress ?? []), { from: [{ podSelector: {} }] }] };
      if (p.name === 'langgraph-api') return { ...p, egress: [...(p.egress ?? []), {}] };
      return p;
    });
    const namespaces = { [NAMESPACE]: {} };
    // THEN the diff names exactly the broken connections
    const blocked = edgeDiff(declared, allowedEdges(new NetworkModel(narrowed, namespaces), workloads, workloads));
    expect(blocked).toMatch(/confluence-agent -> jd-classifier:8080\/TCP\s+DECLARED BUT BLOCKED/);
    expect(blocked).toContain('1 mismatch(es)');
    const extra = edgeDiff(declared, allowedEdges(new NetworkModel(widened, namespaces), workloads, workloads));
    expect(extra).toMatch(/langgraph-api -> redis-cache:9121\/TCP\s+ALLOWED BUT NOT DECLARED/);
    expect(extra).toContain('1 mismatch(es)');
  });

  test('every workload may resolve names: DNS to kube-system kube-dns on 53 UDP and TCP, nowhere else on 53', () => {
    // GIVEN the cluster DNS and an impostor labelled like it in another namespace
    const impostor: Pod = { ...cluster.dns, name: 'fake-dns', namespace: 'elsewhere', ip: '10.244.8.8' };
    // THEN
    for (const src of workloads) {
      expect([src.name, cluster.model.allows(src, cluster.dns, 53, 'UDP'), cluster.model.allows(src, cluster.dns, 53, 'TCP')]).toEqual([src.name, true, true]);
      expect([src.name, cluster.model.allows(src, cluster.dns, 80, 'TCP')]).toEqual([src.name, false]);
      expect([src.name, cluster.model.allows(src, impostor, 53, 'UDP')]).toEqual([src.name, false]);
    }
  });

  test('a pod that is not wired reaches nothing and nothing reaches it', () => {
    // GIVEN a fresh pod in the app namespace, unknown to the app
    const stranger = intruder(NAMESPACE);
    // THEN the default deny isolates it both ways: no workload, no DNS, no internet
    const everything: Endpoint[] = [...workloads, cluster.dns, PUBLIC_HOST, ...PRIVATE_HOSTS];
    const reached = everything.flatMap((dst) => [...PROBE_PORTS.map((port) => ({ port, protocol: 'TCP' })), { port: 53, protocol: 'UDP' }]
      .filter(({ port, protocol }) => cluster.model.allows(stranger, dst, port, protocol))
      .map(({ port, protocol }) => `${dst.name}:${port}/${protocol}`));
    expect(reached).toEqual([]);
    const reachedBy = workloads.filter((src) => cluster.model.allows(src, stranger, 8080)).map((p) => p.name);
    expect(reachedBy).toEqual([]);
  });

  test('pods of other namespaces reach nothing, except the ingress controller reaching langgraph-api:8080', () => {
    // GIVEN pods in a random namespace and in the ingress controller's namespace
    const outsider = intruder('elsewhere');
    const controller: Pod = { ...intruder('ingress-nginx'), name: 'ingress-nginx-controller', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
    // AND an outsider that copies the labels of a workload
    const lookalike: Pod = { ...intruder('elsewhere'), name: 'lookalike', labels: { 'app.kubernetes.io/name': 'confluence-agent' } };
    // THEN
    expect([...allowedEdges(cluster.model, [outsider, lookalike], workloads)]).toEqual([]);
    expect([...allowedEdges(cluster.model, [controller], workloads)]).toEqual([edgeKey('ingress-nginx-controller', 'langgraph-api', 8080)]);
  });

  test('internet egress only for the workloads that declared external endpoints, on their ports', () => {
    // GIVEN a public address and the candidate ports
    // WHEN asking the policies which workload may reach it on which port
    const egress = Object.fromEntries(workloads
      .map((src) => [src.name, PROBE_PORTS.filter((port) => cluster.model.allows(src, PUBLIC_HOST, port))] as const)
      .filter(([, ports]) => ports.length > 0));
    // THEN it is exactly the declared table (the app's, and the stack's: Slack, Langfuse, the API server)
    expect(egress).toEqual(internetEgress);
  });

  test('no workload reaches a private, link-local or carrier-NAT address outside the pods, but the stack\'s API server and kubelet paths', () => {
    // GIVEN the endpoints the stack declares (the API server may well be a private address)
    const endpoints = observabilityEndpoints(env);
    const declared = Object.entries(endpoints).flatMap(([name, list]) => PRIVATE_HOSTS.flatMap((host) => [...new Set(list
      .filter((e) => holds(e, host.ip)).flatMap((e) => e.ports.map((p) => p.port)).filter((p) => PROBE_PORTS.includes(p)))]
      .map((port) => `${name} -> ${host.name}:${port}`)));
    // THEN the private ranges are excluded from every internet rule; only those paths reach them
    const reached = workloads.flatMap((src) => PRIVATE_HOSTS.flatMap((host) => PROBE_PORTS
      .filter((port) => cluster.model.allows(src, host, port))
      .map((port) => `${src.name} -> ${host.name}:${port}`)));
    expect(reached.sort()).toEqual(declared.sort());
    expect(reached.every((edge) => stackOf(env).kubernetesApiClients.some((c) => edge.startsWith(`${c.name} -> `)))).toBe(true);
  });

  test('every 0.0.0.0/0 ipBlock excludes all private ranges and sits in the policy of a workload that declared it', () => {
    // GIVEN the raw ipBlock rules
    const blocks = cluster.model.policies.flatMap((p) => (p.egress ?? []).flatMap((rule) => (rule.to ?? [])
      .filter((peer) => peer.ipBlock)
      .map((peer) => ({ policy: p.name, cidr: peer.ipBlock?.cidr, except: peer.ipBlock?.except ?? [], ports: (rule.ports ?? []).map((x) => x.port) }))));
    // AND the blocks the stack declares for the API server and the kubelets (cluster addresses, possibly private)
    const stack = stackOf(env);
    const clusterEndpoints = [stack.kubernetesApi, ...(stack.kubelets ? [stack.kubelets] : [])];
    const isClusterEndpoint = (b: (typeof blocks)[number]) => stack.kubernetesApiClients.some((c) => c.name === b.policy)
      && clusterEndpoints.some((e) => e.block === b.cidr && JSON.stringify(e.options.except ?? []) === JSON.stringify(b.except) && JSON.stringify(e.ports.map((p) => p.port)) === JSON.stringify(b.ports));
    const internet = blocks.filter((b) => !isClusterEndpoint(b));
    // THEN every other block is the internet without the private ranges, in the policy of a workload that declared it
    expect(blocks.filter(isClusterEndpoint).length).toBe(stack.kubernetesApiClients.length + (stack.kubelets ? 1 : 0));
    expect(internet.length).toBeGreaterThan(0);
    for (const block of internet) {
      expect(block.cidr).toBe('0.0.0.0/0');
      expect(block.except).toEqual(expect.arrayContaining(PRIVATE_RANGES));
      expect(Object.keys(internetEgress)).toContain(block.policy);
    }
    const owners = [...new Set(internet.map((b) => b.policy))].sort();
    const ports = Object.fromEntries(owners.map((name) => [name, [...new Set(internet.filter((b) => b.policy === name).flatMap((b) => b.ports))].sort((a, b) => Number(a) - Number(b))]));
    const apiOnly = new Set(stack.kubernetesApiClients.map((c) => c.name).filter((name) => !owners.includes(name)));
    expect(ports).toEqual(Object.fromEntries(Object.entries(internetEgress).filter(([name]) => !apiOnly.has(name))));
  });

  test('pod IPs are not internet: the internet rules admit no pod-to-pod traffic', () => {
    // GIVEN a model where every workload is reached on port 443 (a port the internet rules open)
    const as443 = workloads.map((p) => ({ ...p, ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }));
    // THEN no workload reaches another one on 443
    expect([...allowedEdges(cluster.model, workloads, as443)]).toEqual([]);
  });
});

test('the three environments of emm are checked', () => {
  // GIVEN renderApps([emm])
  // THEN dev, staging and prod were rendered
  expect(rendered.map((e) => e.environment)).toEqual(['dev', 'staging', 'prod']);
});

describe('support-copilot: KEDA reads the queue through the Sentinels', () => {
  const copilot = renderApps([supportCopilot]).filter((e) => e.environment !== 'dev');
  const keda: Pod = { kind: 'pod', name: 'keda-operator', namespace: 'keda', labels: { app: 'keda-operator' }, ip: '10.244.7.7', ports: [] };

  test.each(copilot.map((e) => [e.environment, e] as const))('%s: the KEDA namespace reaches task-queue on 26379 and 6379, and nothing else of the app', (_name, env) => {
    // GIVEN the app's pods and policies, and a pod of the KEDA operator
    const namespace = env.platform.environment.namespace;
    const model = new NetworkModel(policiesOf(env.objects, namespace), { ...namespacesOf(env.objects), keda: {}, 'kube-system': {} });
    const pods = podsOf(env.objects, namespace);
    expect(pods.length).toBeGreaterThan(0);
    // THEN it reaches exactly the Redis pods' Sentinel and Redis ports
    const reached = pods.flatMap((dst) => dst.ports.filter((p) => model.allows(keda, dst, p.port)).map((p) => edgeKey(keda.name, dst.name, p.port)));
    expect(reached.sort()).toEqual([edgeKey(keda.name, 'task-queue', 26379), edgeKey(keda.name, 'task-queue', 6379)]);
  });
});
