import { App } from 'cdk8s';
import {
  AgentMicroservice, AgentPlatform, collectProblems, Environments, type IMcpTool, type IRedisCache, type KubeObject, McpToolService, McpTransport, RedisCacheStatefulSet,
} from '../../lib';
import { renderPlatform } from '../../lib/synth/synthesizer';
import { at, OTEL_METRICS_ENV, problemsOf, renderUnvalidated, synth, type Synthesized } from '../helpers/synth';

// Wiring: one call on the consumer gives it the connection settings (env vars), opens the path in
// both NetworkPolicies (egress on the client, ingress on the server, on the server's container
// port), and orders the provider before the consumer.

const NS = 'agents';

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

interface Peer {
  readonly podSelector?: { readonly matchLabels?: Record<string, string> };
  readonly namespaceSelector?: { readonly matchLabels?: Record<string, string> };
  readonly ipBlock?: { readonly cidr: string; readonly except?: string[] };
}

interface Rule {
  readonly to?: Peer[];
  readonly from?: Peer[];
  readonly ports?: { readonly port?: number | string; readonly protocol?: string }[];
}

/** The metrics variables every agent and tool gets (agent-microservice.test.ts pins them); wiring adds the others. */
const METRICS_VARIABLES = new Set<string>(OTEL_METRICS_ENV.map((e) => e.name));
const wired = (env: readonly EnvVar[]): EnvVar[] => env.filter((e) => !METRICS_VARIABLES.has(e.name));

function envOf(s: Synthesized, kind: 'Deployment' | 'StatefulSet', name: string): EnvVar[] {
  return wired((at(s.get(kind, name), 'spec.template.spec.containers.0.env') ?? []) as EnvVar[]);
}

function envValue(s: Synthesized, name: string, variable: string): EnvVar | undefined {
  return envOf(s, 'Deployment', name).find((e) => e.name === variable);
}

function egressOf(s: Synthesized, name: string): Rule[] {
  return (at(s.get('NetworkPolicy', name), 'spec.egress') ?? []) as Rule[];
}

function ingressOf(s: Synthesized, name: string): Rule[] {
  return (at(s.get('NetworkPolicy', name), 'spec.ingress') ?? []) as Rule[];
}

/** The rule admitting exactly pods named `name` of the same namespace on one TCP port. */
/** One rule; peers on the same ports share a rule, in the order they were wired. */
const podRule = (direction: 'to' | 'from', names: string | string[], port: number): Rule => ({
  [direction]: (Array.isArray(names) ? names : [names]).map((name) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } })),
  ports: [{ port, protocol: 'TCP' }],
});

/** A rule on `port` whose peers include `name` (other peers on the same port may share it). */
const ruleIncluding = (direction: 'to' | 'from', name: string, port: number) => expect.objectContaining({
  [direction]: expect.arrayContaining([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } }]),
  ports: [{ port, protocol: 'TCP' }],
});

const DNS_RULE: Rule = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
};

const tool = (scope: AgentPlatform, id: string, props: Partial<ConstructorParameters<typeof McpToolService>[2]> = {}) =>
  new McpToolService(scope, id, { image: `${id}:1.0.0`, ...props });
const agent = (scope: AgentPlatform, id: string, props: Partial<ConstructorParameters<typeof AgentMicroservice>[2]> = {}) =>
  new AgentMicroservice(scope, id, { image: `${id}:1.0.0`, ...props });

function fileOrder(build: (platform: AgentPlatform) => void): string[] {
  const platform = new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment: Environments.prod({ namespace: NS }) });
  build(platform);
  expect(collectProblems(platform)).toEqual([]);
  return renderPlatform(platform).map((f) => f.fileName);
}

describe('agent -> MCP tool', () => {
  const expectToolWiring = (s: Synthesized, agentName: string, toolName: string, segment: string) => {
    // THEN the agent gets the URL and the transport of the tool
    expect(envValue(s, agentName, `MCP_${segment}_URL`)).toEqual({ name: `MCP_${segment}_URL`, value: `http://${toolName}.${NS}.svc.cluster.local:8080/mcp` });
    expect(envValue(s, agentName, `MCP_${segment}_TRANSPORT`)).toEqual({ name: `MCP_${segment}_TRANSPORT`, value: 'streamable-http' });
    // AND the agent may connect to the tool's pods on the container port, which admit the agent
    expect(egressOf(s, agentName)).toContainEqual(podRule('to', toolName, 8080));
    expect(ingressOf(s, toolName)).toContainEqual(podRule('from', agentName, 8080));
  };

  test('through the tools prop', () => {
    // GIVEN an agent listing a tool
    const s = synth((p) => {
      const classifier = tool(p, 'jd-classifier');
      agent(p, 'planner', { tools: [classifier] });
    });
    expectToolWiring(s, 'planner', 'jd-classifier', 'JD_CLASSIFIER');
    // AND the tool's ingress admits only the agent
    expect(ingressOf(s, 'jd-classifier')).toEqual([podRule('from', 'planner', 8080)]);
  });

  test('through addTool()', () => {
    // GIVEN an agent wired with addTool()
    const s = synth((p) => {
      const planner = agent(p, 'planner');
      expect(planner.addTool(tool(p, 'web-scraper'))).toBeInstanceOf(McpToolService);
    });
    expectToolWiring(s, 'planner', 'web-scraper', 'WEB_SCRAPER');
    expect(envOf(s, 'Deployment', 'planner').map((e) => e.name)).toEqual(['MCP_WEB_SCRAPER_URL', 'MCP_WEB_SCRAPER_TRANSPORT']);
  });

  test('the URL uses the Service port and the path, the policies use the container port', () => {
    // GIVEN an SSE tool listening on 9000 behind Service port 80
    const s = synth((p) => {
      const events = tool(p, 'events', { port: 9000, servicePort: 80, transport: McpTransport.SSE });
      agent(p, 'planner', { tools: [events] });
    });
    // THEN
    expect(envValue(s, 'planner', 'MCP_EVENTS_URL')?.value).toBe(`http://events.${NS}.svc.cluster.local:80/sse`);
    expect(envValue(s, 'planner', 'MCP_EVENTS_TRANSPORT')?.value).toBe('sse');
    expect(egressOf(s, 'planner')).toContainEqual(podRule('to', 'events', 9000));
    expect(ingressOf(s, 'events')).toEqual([podRule('from', 'planner', 9000)]);
  });

  test('wiring the same tool twice is reported, through the prop and through addTool()', () => {
    // GIVEN a tool listed twice, and a tool listed then added again
    const twiceInProps = problemsOf((p) => {
      const t = tool(p, 'jd-classifier');
      agent(p, 'planner', { tools: [t, t] });
    });
    const addedAgain = problemsOf((p) => {
      const t = tool(p, 'jd-classifier');
      agent(p, 'planner', { tools: [t] }).addTool(t);
    });
    // THEN each is one problem naming the tool
    expect(twiceInProps).toEqual(['[test/planner] tools: MCP tool jd-classifier is wired twice; list each tool once']);
    expect(addedAgain).toEqual(['[test/planner] tools: MCP tool jd-classifier is wired twice; list each tool once']);
  });
});

describe('workload -> Redis', () => {
  const REDIS_PORTS = [{ port: 6379, protocol: 'TCP' }, { port: 26379, protocol: 'TCP' }];
  const expectCacheWiring = (s: Synthesized, client: string, redis: string) => {
    const env = envOf(s, 'Deployment', client);
    const host = `${redis}.${NS}.svc.cluster.local`;
    const sentinels = `${redis}-sentinel.${NS}.svc.cluster.local`;
    // THEN the client gets host, port, the password from the Secret and a URL expanding it, and the Sentinels
    expect(env.find((e) => e.name === 'REDIS_HOST')).toEqual({ name: 'REDIS_HOST', value: host });
    expect(env.find((e) => e.name === 'REDIS_PORT')).toEqual({ name: 'REDIS_PORT', value: '6379' });
    expect(env.find((e) => e.name === 'REDIS_PASSWORD')).toEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: `${redis}-auth`, key: 'password' } } });
    expect(env.find((e) => e.name === 'REDIS_URL')).toEqual({ name: 'REDIS_URL', value: `redis://:$(REDIS_PASSWORD)@${host}:6379/0` });
    expect(env.find((e) => e.name === 'REDIS_SENTINEL_URL')).toEqual({ name: 'REDIS_SENTINEL_URL', value: `redis+sentinel://:$(REDIS_PASSWORD)@${sentinels}:26379/${redis}/0` });
    // AND $(REDIS_PASSWORD) can only expand when REDIS_PASSWORD comes first
    expect(env.findIndex((e) => e.name === 'REDIS_PASSWORD')).toBeLessThan(env.findIndex((e) => e.name === 'REDIS_URL'));
    expect(env.findIndex((e) => e.name === 'REDIS_PASSWORD')).toBeLessThan(env.findIndex((e) => e.name === 'REDIS_SENTINEL_URL'));
    // AND both policies open 6379 and 26379 to the Redis pods (the Sentinels, then the master they name), and 6379 to HAProxy
    expect(egressOf(s, client)).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': redis } } }], ports: REDIS_PORTS });
    expect(egressOf(s, client)).toContainEqual(podRule('to', `${redis}-proxy`, 6379));
    expect(ingressOf(s, redis)).toContainEqual(expect.objectContaining({ from: expect.arrayContaining([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': client } } }]), ports: REDIS_PORTS }));
    expect(ingressOf(s, `${redis}-proxy`)).toContainEqual(ruleIncluding('from', client, 6379));
  };

  test('agent through the cache prop', () => {
    // GIVEN
    const s = synth((p) => {
      const redis = new RedisCacheStatefulSet(p, 'redis');
      agent(p, 'planner', { cache: redis });
    });
    expectCacheWiring(s, 'planner', 'redis');
    expect(ingressOf(s, 'redis')).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }, { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'planner' } } }], ports: REDIS_PORTS },
      podRule('from', 'redis-proxy', 6379),
    ]);
  });

  test('a single-node Redis: 6379 only, straight to its pod', () => {
    const s = synth((p) => {
      const redis = new RedisCacheStatefulSet(p, 'redis', { replication: { enabled: false } });
      agent(p, 'planner', { cache: redis });
    });
    expect(envOf(s, 'Deployment', 'planner').map((e) => e.name)).toEqual(['REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD', 'REDIS_URL']);
    expect(egressOf(s, 'planner')).toEqual([DNS_RULE, podRule('to', 'redis', 6379)]);
    expect(ingressOf(s, 'redis')).toEqual([podRule('from', 'planner', 6379)]);
  });

  test('agent through useCache()', () => {
    // GIVEN
    const s = synth((p) => {
      const redis = new RedisCacheStatefulSet(p, 'memory');
      const planner = agent(p, 'planner');
      expect(planner.useCache(redis)).toBe(redis);
    });
    expectCacheWiring(s, 'planner', 'memory');
  });

  test('MCP tool through the cache prop and useCache()', () => {
    // GIVEN two tools sharing one Redis
    const s = synth((p) => {
      const redis = new RedisCacheStatefulSet(p, 'redis');
      tool(p, 'jd-classifier', { cache: redis });
      tool(p, 'web-scraper').useCache(redis);
    });
    expectCacheWiring(s, 'jd-classifier', 'redis');
    expectCacheWiring(s, 'web-scraper', 'redis');
    expect(ingressOf(s, 'redis-proxy')).toEqual([podRule('from', ['jd-classifier', 'web-scraper'], 6379)]);
  });

  test('a second Redis on the same workload is reported', () => {
    // GIVEN
    const problems = problemsOf((p) => {
      const first = new RedisCacheStatefulSet(p, 'first');
      agent(p, 'planner', { cache: first }).useCache(new RedisCacheStatefulSet(p, 'second'));
    });
    // THEN
    expect(problems).toEqual(['[test/planner] cache: is already Redis first; a workload uses one Redis (wire Redis second elsewhere)']);
  });
});

describe('agent -> agent', () => {
  const expectCallWiring = (s: Synthesized, caller: string, callee: string, segment: string) => {
    expect(envValue(s, caller, `AGENT_${segment}_URL`)).toEqual({ name: `AGENT_${segment}_URL`, value: `http://${callee}.${NS}.svc.cluster.local:8080` });
    expect(egressOf(s, caller)).toContainEqual(podRule('to', callee, 8080));
    expect(ingressOf(s, callee)).toContainEqual(podRule('from', caller, 8080));
    // the callee does not get a path back to the caller
    expect(egressOf(s, callee)).not.toContainEqual(podRule('to', caller, 8080));
    expect(ingressOf(s, caller)).not.toContainEqual(podRule('from', callee, 8080));
  };

  test('through the calls prop', () => {
    // GIVEN
    const s = synth((p) => {
      const executor = agent(p, 'file-system-agent');
      agent(p, 'langgraph-api', { calls: [executor] });
    });
    expectCallWiring(s, 'langgraph-api', 'file-system-agent', 'FILE_SYSTEM_AGENT');
  });

  test('through callAgent()', () => {
    // GIVEN
    const s = synth((p) => {
      const planner = agent(p, 'planner');
      const executor = agent(p, 'executor');
      expect(planner.callAgent(executor)).toBe(executor);
    });
    expectCallWiring(s, 'planner', 'executor', 'EXECUTOR');
  });

  test('an agent wired to itself through callAgent() is reported, and opens no path', () => {
    // GIVEN an agent calling itself
    const platform = new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment: Environments.prod({ namespace: NS }) });
    const loop = agent(platform, 'loop');
    // WHEN
    expect(loop.callAgent(loop)).toBe(loop);
    // THEN one problem names the mistake
    expect(collectProblems(platform)).toEqual(['[test/loop] calls: an agent cannot be wired to itself']);
    // AND rendering refuses the app
    expect(() => renderPlatform(platform)).toThrow('calls: an agent cannot be wired to itself');
    // AND nothing was wired (the objects as they would render, read without validation)
    const objects = renderUnvalidated(platform);
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'loop');
    expect(at(policy, 'spec.egress')).toEqual([DNS_RULE]);
    expect(at(policy, 'spec.ingress')).toEqual([]);
    expect(at(objects.find((o) => o.kind === 'Deployment'), 'spec.template.spec.containers.0.env')).toEqual(OTEL_METRICS_ENV);
  });

  test('calling the same agent twice is reported', () => {
    // GIVEN
    const problems = problemsOf((p) => {
      const executor = agent(p, 'executor');
      agent(p, 'planner', { calls: [executor] }).callAgent(executor);
    });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('[test/planner]');
    expect(problems[0]).toContain('agent executor is wired twice');
  });
});

describe('DNS', () => {
  test('every workload policy allows DNS to kube-system kube-dns on 53 UDP and TCP, first', () => {
    // GIVEN an agent, a tool and a Redis
    const s = synth((p) => {
      const redis = new RedisCacheStatefulSet(p, 'redis');
      agent(p, 'planner', { tools: [tool(p, 'jd-classifier', { cache: redis })] });
    });
    // THEN
    for (const name of ['planner', 'jd-classifier', 'redis']) {
      expect([name, egressOf(s, name)[0]]).toEqual([name, DNS_RULE]);
      expect(at(s.get('NetworkPolicy', name), 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
      expect(at(s.get('NetworkPolicy', name), 'spec.podSelector')).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
    }
  });

  test('the DNS namespace comes from the environment', () => {
    // GIVEN a cluster whose DNS runs in namespace "dns"
    const s = synth((p) => { agent(p, 'planner'); }, Environments.prod({ namespace: NS, networkPolicies: { dnsNamespace: 'dns' } }));
    // THEN
    expect(egressOf(s, 'planner')[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
  });

  // Label maps are replaced, not merged: a merged selector {k8s-app: kube-dns, app: coredns} would
  // match no DNS pod of a cluster labelled app=coredns, and every workload would lose DNS.
  test('the DNS pod labels of the environment replace the default ones', () => {
    // GIVEN a cluster whose DNS pods are labelled app=coredns only
    const s = synth((p) => { agent(p, 'planner'); }, Environments.prod({ namespace: NS, networkPolicies: { dnsNamespace: 'dns', dnsPodLabels: { app: 'coredns' } } }));
    // THEN the selector is exactly the given labels
    expect(egressOf(s, 'planner')[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } }]);
  });
});

describe('ordering', () => {
  test('providers are rendered before their consumers, whatever the creation order', () => {
    // GIVEN the consumers created first and wired afterwards
    const order = fileOrder((p) => {
      const planner = agent(p, 'planner');
      const scraper = tool(p, 'web-scraper');
      const executor = agent(p, 'executor');
      const redis = new RedisCacheStatefulSet(p, 'redis');
      planner.addTool(scraper);
      planner.callAgent(executor);
      planner.useCache(redis);
      scraper.useCache(redis);
    });
    // THEN
    const index = (file: string) => order.indexOf(file);
    expect(order[0]).toBe('00-namespace.yaml');
    expect(index('redis.yaml')).toBeLessThan(index('web-scraper.yaml'));
    expect(index('web-scraper.yaml')).toBeLessThan(index('planner.yaml'));
    expect(index('executor.yaml')).toBeLessThan(index('planner.yaml'));
    expect([...order].sort()).toEqual(['00-namespace.yaml', 'executor.yaml', 'planner.yaml', 'redis.yaml', 'web-scraper.yaml']);
  });

  test('without wiring, files follow the creation order', () => {
    // GIVEN
    const order = fileOrder((p) => {
      agent(p, 'planner');
      tool(p, 'web-scraper');
    });
    // THEN
    expect(order).toEqual(['00-namespace.yaml', 'planner.yaml', 'web-scraper.yaml']);
  });
});

describe('wiring by something that is not a construct', () => {
  test('the props refuse names and plain objects with a clear message', () => {
    // GIVEN names or plain objects where typed references are expected
    const problems = problemsOf((p) => {
      agent(p, 'a', { tools: ['jd-classifier' as unknown as IMcpTool] });
      agent(p, 'b', { tools: [{ toolName: 'x' } as unknown as IMcpTool] });
      agent(p, 'c', { cache: 'redis' as unknown as IRedisCache });
      agent(p, 'd', { calls: ['planner' as unknown as AgentMicroservice] });
    });
    // THEN
    expect(problems).toEqual([
      '[test/a] tools[0]: must be an McpToolService or McpToolService.fromServiceName() (a typed reference to the construct, not a name or a plain object) (got "jd-classifier")',
      '[test/b] tools[0]: must be an McpToolService or McpToolService.fromServiceName() (a typed reference to the construct, not a name or a plain object) (got {"toolName":"x"})',
      '[test/c] cache: must be a RedisCacheStatefulSet (a typed reference to the construct, not a name or a plain object) (got "redis")',
      '[test/d] calls[0]: must be an AgentMicroservice (a typed reference to the construct, not a name or a plain object) (got "planner")',
    ]);
  });

  // The methods check their argument like the props do: a name or a plain object is a reported
  // problem, never a TypeError from deep inside the wiring.
  test('addTool() with a name reports a problem instead of crashing', () => {
    // GIVEN / WHEN
    const problems = problemsOf((p) => { agent(p, 'a').addTool('jd-classifier' as unknown as IMcpTool); });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\/a\] tools: .*McpToolService/);
  });

  test('useCache() with a name reports a problem instead of crashing', () => {
    const problems = problemsOf((p) => { agent(p, 'a').useCache('redis' as unknown as IRedisCache); });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\/a\] cache: .*RedisCacheStatefulSet/);
  });

  test('callAgent() with a plain object reports a problem instead of crashing', () => {
    const problems = problemsOf((p) => { agent(p, 'a').callAgent({ name: 'planner' } as unknown as AgentMicroservice); });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\/a\] calls: .*AgentMicroservice/);
  });
});

describe('lazy rendering', () => {
  test('a tool added after construction, after other tools, reaches the env, both policies and the order', () => {
    // GIVEN an agent built with one tool, then a tool created and added later, then a Redis
    let planner: AgentMicroservice | undefined;
    const s = synth((p) => {
      planner = agent(p, 'planner', { tools: [tool(p, 'first')] });
      planner.addTool(tool(p, 'second'));
      const late = tool(p, 'third');
      planner.addTool(late);
      planner.useCache(new RedisCacheStatefulSet(p, 'redis', { replication: { enabled: false } }));
    });
    // THEN every wiring is in the manifests, in the order it was made
    expect(envOf(s, 'Deployment', 'planner').map((e) => e.name)).toEqual([
      'MCP_FIRST_URL', 'MCP_FIRST_TRANSPORT', 'MCP_SECOND_URL', 'MCP_SECOND_TRANSPORT', 'MCP_THIRD_URL', 'MCP_THIRD_TRANSPORT',
      'REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD', 'REDIS_URL',
    ]);
    expect(egressOf(s, 'planner')).toEqual([DNS_RULE, podRule('to', ['first', 'second', 'third'], 8080), podRule('to', 'redis', 6379)]);
    expect(ingressOf(s, 'third')).toEqual([podRule('from', 'planner', 8080)]);
    expect(planner?.wiredTools.map((t) => t.toolName)).toEqual(['first', 'second', 'third']);
  });

  test('a tool added after the consumer already rendered once still reaches the next render', () => {
    // GIVEN a platform rendered, then wired further, then rendered again
    const platform = new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment: Environments.prod({ namespace: NS }) });
    const planner = agent(platform, 'planner');
    const before = renderPlatform(platform).flatMap((f) => f.objects);
    planner.addTool(tool(platform, 'late'));
    const after = renderPlatform(platform).flatMap((f) => f.objects);
    const envNames = (objects: readonly KubeObject[]) => wired((at(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'planner'), 'spec.template.spec.containers.0.env') ?? []) as EnvVar[]).map((e) => e.name);
    // THEN
    expect(envNames(before)).toEqual([]);
    expect(envNames(after)).toEqual(['MCP_LATE_URL', 'MCP_LATE_TRANSPORT']);
  });
});

describe('NetworkPolicies disabled', () => {
  test('no policy at all, not even the default deny, but the env vars are still injected', () => {
    // GIVEN an environment without NetworkPolicies
    const s = synth((p) => {
      const redis = new RedisCacheStatefulSet(p, 'redis', { replication: { enabled: false } });
      const executor = agent(p, 'executor');
      agent(p, 'planner', { tools: [tool(p, 'jd-classifier', { cache: redis })], cache: redis, calls: [executor] });
    }, Environments.prod({ namespace: NS, networkPolicies: { enabled: false } }));
    // THEN
    expect(s.all('NetworkPolicy')).toEqual([]);
    expect(envOf(s, 'Deployment', 'planner').map((e) => e.name)).toEqual([
      'REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD', 'REDIS_URL', 'MCP_JD_CLASSIFIER_URL', 'MCP_JD_CLASSIFIER_TRANSPORT', 'AGENT_EXECUTOR_URL',
    ]);
    expect(envOf(s, 'Deployment', 'jd-classifier').map((e) => e.name)).toEqual(['REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD', 'REDIS_URL']);
  });
});
