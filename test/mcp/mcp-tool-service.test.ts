import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AgentMicroservice, AgentPlatform, Environments, ExternalEndpoint, McpToolService, McpTransport, SecretSource, type StdioBridgeOptions,
} from '../../lib';
import { renderPlatform } from '../../lib/synth/synthesizer';
import { at, OTEL_METRICS_ENV, platformFor, problemsOf, synth, type Synthesized } from '../helpers/synth';

const NS = 'agents';
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string | number };
  readonly tcpSocket?: { readonly port: string | number };
  readonly periodSeconds?: number;
  readonly failureThreshold?: number;
}

interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: { name?: string; containerPort: number; protocol?: string }[];
  readonly env?: { name: string; value?: string; valueFrom?: unknown }[];
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly startupProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

const mainContainer = (s: Synthesized, name: string): Container => at(s.get('Deployment', name), 'spec.template.spec.containers.0') as Container;
const serviceSpec = (s: Synthesized, name: string): Record<string, unknown> => at(s.get('Service', name), 'spec') as Record<string, unknown>;

const tool = (props: Partial<ConstructorParameters<typeof McpToolService>[2]> = {}) =>
  (p: AgentPlatform) => { new McpToolService(p, 'jd-classifier', { image: 'jd-classifier:1.0.0', ...props }); };

describe('objects and names', () => {
  test('a Deployment and a Service named after the tool, plus ServiceAccount, HPA, PDB and NetworkPolicy in prod', () => {
    // GIVEN a tool with defaults in prod
    const s = synth(tool());
    // THEN every object of the tool carries its name
    const own = s.objects.filter((o) => o.metadata.name === 'jd-classifier').map((o) => o.kind).sort();
    expect(own).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    expect((s.get('Deployment', 'jd-classifier').metadata.labels as Record<string, string>)['app.kubernetes.io/component']).toBe('mcp-tool');
    expect(serviceSpec(s, 'jd-classifier').selector).toEqual({ 'app.kubernetes.io/name': 'jd-classifier' });
  });

  test('the name comes from the id or the name prop, not from the construct path', () => {
    // GIVEN tools nested in a group, one named by its id, one by the name prop
    let byId: McpToolService | undefined;
    let byName: McpToolService | undefined;
    const s = synth((p) => {
      const group = new Construct(p, 'Tools');
      byId = new McpToolService(group, 'ContentClassifier', { image: 'cc:1.0.0' });
      byName = new McpToolService(group, 'Other', { image: 'o:1.0.0', name: 'bookmark-classifier' });
    });
    // THEN
    expect(byId?.toolName).toBe('content-classifier');
    expect(byName?.toolName).toBe('bookmark-classifier');
    expect(s.get('Service', 'content-classifier').metadata.namespace).toBe(NS);
    expect(s.get('Deployment', 'bookmark-classifier').metadata.namespace).toBe(NS);
    // AND the stable DNS name is the MCP URL
    expect(byId?.mcpUrl).toBe(`http://content-classifier.${NS}.svc.cluster.local:8080/mcp`);
  });
});

describe('defaults', () => {
  test('port 8080, path /mcp, streamable HTTP', () => {
    // GIVEN
    let t: McpToolService | undefined;
    const s = synth((p) => { t = new McpToolService(p, 'jd-classifier', { image: 'jd-classifier:1.0.0' }); });
    // THEN
    expect(t?.mcpPath).toBe('/mcp');
    expect(t?.transport).toBe(McpTransport.STREAMABLE_HTTP);
    expect(t?.transport).toBe('streamable-http');
    // AND metrics on their own port, which the Service leaves out
    expect(mainContainer(s, 'jd-classifier').ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(serviceSpec(s, 'jd-classifier').ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    expect(serviceSpec(s, 'jd-classifier').type).toBe('ClusterIP');
  });

  test('the tool-worker preset: 128Mi / 250m requested, 512Mi / 1 CPU limit (halved in dev)', () => {
    // GIVEN prod and dev
    const prod = synth(tool());
    const dev = synth(tool(), Environments.dev({ namespace: NS }));
    // THEN
    expect(mainContainer(prod, 'jd-classifier').resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(mainContainer(dev, 'jd-classifier').resources).toEqual({ requests: { cpu: '125m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  test('HTTP probes on /health with a 120 s startup budget', () => {
    // GIVEN
    const c = mainContainer(synth(tool()), 'jd-classifier');
    // THEN
    expect(c.startupProbe?.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    expect((c.startupProbe?.periodSeconds ?? 0) * (c.startupProbe?.failureThreshold ?? 0)).toBe(120);
    expect(c.readinessProbe?.httpGet?.path).toBe('/health');
    expect(c.livenessProbe?.httpGet?.path).toBe('/health');
  });

  test('streamable HTTP without statefulSessions gets no session affinity, even with many replicas', () => {
    // GIVEN prod with an HPA up to 10
    const s = synth(tool());
    // THEN
    expect(serviceSpec(s, 'jd-classifier').sessionAffinity).toBeUndefined();
    expect(serviceSpec(s, 'jd-classifier').sessionAffinityConfig).toBeUndefined();
  });
});

describe('SSE and session affinity', () => {
  test('SSE defaults to path /sse and stateful sessions: ClientIP affinity in prod with an HPA', () => {
    // GIVEN an SSE tool in prod (HPA 3..10)
    let t: McpToolService | undefined;
    const s = synth((p) => { t = new McpToolService(p, 'events', { image: 'events:1.0.0', transport: McpTransport.SSE }); });
    // THEN
    expect(t?.mcpPath).toBe('/sse');
    expect(t?.mcpUrl).toBe(`http://events.${NS}.svc.cluster.local:8080/sse`);
    expect(at(s.get('HorizontalPodAutoscaler', 'events'), 'spec.maxReplicas')).toBe(10);
    expect(serviceSpec(s, 'events').sessionAffinity).toBe('ClientIP');
    expect(serviceSpec(s, 'events').sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  test('an explicit mcpPath wins over the SSE default', () => {
    let t: McpToolService | undefined;
    synth((p) => { t = new McpToolService(p, 'events', { image: 'events:1.0.0', transport: McpTransport.SSE, mcpPath: '/events/stream' }); });
    expect(t?.mcpUrl).toBe(`http://events.${NS}.svc.cluster.local:8080/events/stream`);
  });

  test('no affinity when only one replica can run: dev, or prod with one replica and no HPA', () => {
    // GIVEN an SSE tool in dev (1 replica) and in prod without HPA at 1 replica
    const dev = synth(tool({ transport: McpTransport.SSE }), Environments.dev({ namespace: NS }));
    const single = synth(tool({ transport: McpTransport.SSE, autoscaling: { enabled: false }, replicas: 1 }));
    // THEN
    expect(at(dev.get('Deployment', 'jd-classifier'), 'spec.replicas')).toBe(1);
    expect(serviceSpec(dev, 'jd-classifier').sessionAffinity).toBeUndefined();
    expect(serviceSpec(single, 'jd-classifier').sessionAffinity).toBeUndefined();
  });

  test('affinity with a fixed replica count above one, and a custom timeout', () => {
    // GIVEN
    const s = synth(tool({ transport: McpTransport.SSE, autoscaling: { enabled: false }, replicas: 2, sessionAffinityTimeoutSeconds: 600 }));
    // THEN
    expect(serviceSpec(s, 'jd-classifier').sessionAffinity).toBe('ClientIP');
    expect(serviceSpec(s, 'jd-classifier').sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 600 } });
  });

  test('statefulSessions: true on streamable HTTP pins clients too; false on SSE does not', () => {
    // GIVEN
    const stateful = synth(tool({ statefulSessions: true }));
    const statelessSse = synth(tool({ transport: McpTransport.SSE, statefulSessions: false }));
    // THEN
    expect(serviceSpec(stateful, 'jd-classifier').sessionAffinity).toBe('ClientIP');
    expect(serviceSpec(statelessSse, 'jd-classifier').sessionAffinity).toBeUndefined();
  });
});

describe('stdio bridge', () => {
  interface PodSpec {
    readonly containers: Container[];
    readonly initContainers: Container[];
    readonly volumes: { name: string; emptyDir?: { sizeLimit?: string } }[];
  }
  const bridged = (bridge: Partial<StdioBridgeOptions> = {}, props: Partial<ConstructorParameters<typeof McpToolService>[2]> = {}) =>
    (p: AgentPlatform) => {
      new McpToolService(p, 'doc-search', { image: 'ghcr.io/acme/doc-search:1.3.0', stdioBridge: { command: ['python3', '-m', 'doc_search'], ...bridge }, ...props });
    };
  const podOf = (s: Synthesized): PodSpec => at(s.get('Deployment', 'doc-search'), 'spec.template.spec') as PodSpec;
  const named = (pod: PodSpec, name: string): Container => {
    const found = pod.containers.find((c) => c.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
  };

  test('the server keeps its own image and runs the static relay, which starts the command per connection', () => {
    // GIVEN a Python server
    const pod = podOf(synth(bridged()));
    // THEN its container runs its image, with the relay binary as entrypoint
    const server = named(pod, 'doc-search');
    expect(server.image).toBe('ghcr.io/acme/doc-search:1.3.0');
    expect(server.command).toEqual(['/mcp-relay/busybox', 'nc', '-ll', '-p', '9000', '-e', 'python3', '-m', 'doc_search']);
    expect(server.args).toBeUndefined();
    expect(server.ports).toEqual([{ name: 'mcp-relay', containerPort: 9000, protocol: 'TCP' }]);
    expect(server.volumeMounts).toContainEqual({ name: 'mcp-relay', mountPath: '/mcp-relay', readOnly: true });
  });

  test('an init container copies the static binary out of the pinned relay image into a small emptyDir', () => {
    // GIVEN
    const pod = podOf(synth(bridged()));
    // THEN
    expect(pod.initContainers.map((c) => c.name)).toEqual(['install-relay']);
    const [install] = pod.initContainers;
    expect(install.image).toBe(McpToolService.DEFAULT_RELAY_IMAGE);
    expect(McpToolService.DEFAULT_RELAY_IMAGE).toBe('docker.io/library/busybox:1.35.0-musl');
    expect(install.command).toEqual(['/bin/cp', '/bin/busybox', '/mcp-relay/busybox']);
    expect(install.volumeMounts).toEqual([{ name: 'mcp-relay', mountPath: '/mcp-relay' }]);
    expect(pod.volumes).toContainEqual({ name: 'mcp-relay', emptyDir: { sizeLimit: '16Mi' } });
  });

  test('the bridge container serves the Service port and reaches the relay on the pod loopback', () => {
    // GIVEN
    const s = synth(bridged());
    const pod = podOf(s);
    // THEN the bridge comes first, owns the "http" port the Service targets, and gets no app env
    expect(pod.containers.map((c) => c.name)).toEqual(['mcp-bridge', 'doc-search']);
    const bridge = named(pod, 'mcp-bridge');
    expect(bridge.image).toBe(McpToolService.DEFAULT_BRIDGE_IMAGE);
    expect(McpToolService.DEFAULT_BRIDGE_IMAGE).toBe('docker.io/supercorp/supergateway:4.0.0');
    expect(bridge.command).toBeUndefined();
    expect(bridge.args).toEqual([
      '--stdio', '/mcp-relay/busybox nc 127.0.0.1 9000', '--port', '8080',
      '--outputTransport', 'streamableHttp', '--streamableHttpPath', '/mcp', '--stateful', '--healthEndpoint', '/healthz',
    ]);
    expect(bridge.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(bridge.env).toBeUndefined();
    expect(bridge.resources).toEqual({ requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(serviceSpec(s, 'doc-search').ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
  });

  test('env and resources go to the server container; kubectl defaults to it', () => {
    // GIVEN a server with env and custom resources
    const s = synth(bridged({}, { env: { INDEX_DIR: '/data/index' }, resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } } }));
    const pod = podOf(s);
    // THEN
    const server = named(pod, 'doc-search');
    expect(server.env).toEqual([{ name: 'INDEX_DIR', value: '/data/index' }]);
    expect(server.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(at(s.get('Deployment', 'doc-search'), 'spec.template.metadata.annotations')).toEqual({ 'kubectl.kubernetes.io/default-container': 'doc-search' });
  });

  test('the quota counts the bridge too', () => {
    // GIVEN a bridged tool in prod (HPA up to 10, one surge pod) with the tool-worker preset
    const platform = platformFor();
    const tool = new McpToolService(platform, 'doc-search', { image: 'ghcr.io/acme/doc-search:1.3.0', stdioBridge: { command: ['python3', '-m', 'doc_search'] } });
    // THEN each pod asks for the server and the bridge
    expect(tool?.quotaDemand()).toMatchObject({ pods: 11, cpuRequest: 0.3, cpuLimit: 1.5, memoryRequest: (128 + 96) * 2 ** 20, memoryLimit: (512 + 256) * 2 ** 20 });
  });

  test('probes: an MCP initialize through the relay for the server, the bridge health endpoint for the bridge', () => {
    // GIVEN
    const pod = podOf(synth(bridged()));
    const server = named(pod, 'doc-search') as Container & { startupProbe?: { exec?: { command: string[] }; timeoutSeconds?: number } };
    const bridge = named(pod, 'mcp-bridge');
    // THEN the server is checked with a real MCP request, less often for readiness, never restarted by a liveness probe
    const command = (server.startupProbe as { exec: { command: string[] } }).exec.command;
    expect(command.slice(0, 3)).toEqual(['/mcp-relay/busybox', 'sh', '-c']);
    expect(command.slice(4, 7)).toEqual(['mcp-probe', '9000', '9']);
    expect(JSON.parse(command[7])).toMatchObject({ jsonrpc: '2.0', method: 'initialize' });
    expect(server.startupProbe?.timeoutSeconds).toBe(10);
    expect((server.startupProbe?.periodSeconds ?? 0) * (server.startupProbe?.failureThreshold ?? 0)).toBe(120);
    expect(server.readinessProbe?.periodSeconds).toBe(30);
    expect(server.livenessProbe).toBeUndefined();
    for (const probe of [bridge.startupProbe, bridge.readinessProbe, bridge.livenessProbe]) {
      expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    }
  });

  test('probe timings from healthCheck apply to both containers', () => {
    // GIVEN
    const pod = podOf(synth(bridged({}, { healthCheck: { timeoutSeconds: 20, readinessPeriodSeconds: 60, startupTimeoutSeconds: 300 } })));
    const server = named(pod, 'doc-search');
    // THEN
    expect(server.readinessProbe?.periodSeconds).toBe(60);
    expect(at(server, 'startupProbe.exec.command.6')).toBe('19');
    expect((server.startupProbe?.periodSeconds ?? 0) * (server.startupProbe?.failureThreshold ?? 0)).toBe(300);
    expect(named(pod, 'mcp-bridge').readinessProbe?.periodSeconds).toBe(60);
  });

  test('the server container stops after its preStop delay with the relay\'s own sleep', () => {
    const pod = podOf(synth(bridged()));
    expect(at(named(pod, 'doc-search'), 'lifecycle.preStop.exec.command')).toEqual(['/mcp-relay/busybox', 'sleep', '5']);
    expect(at(named(pod, 'mcp-bridge'), 'lifecycle.preStop.exec.command')).toEqual(['sleep', '5']);
  });

  test('restricted security context and read-only root filesystem on every container', () => {
    const pod = podOf(synth(bridged()));
    const all = [...pod.containers, ...pod.initContainers] as (Container & { securityContext?: Record<string, unknown> })[];
    expect(all).toHaveLength(3);
    for (const c of all) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    }
  });

  test('stdio tools keep one server process per session: stateful, so pinned to a replica in prod', () => {
    // GIVEN prod (HPA 3..10)
    const s = synth(bridged());
    // THEN
    expect(serviceSpec(s, 'doc-search').sessionAffinity).toBe('ClientIP');
    // AND statefulSessions: false makes the bridge start a process per request, without affinity
    const stateless = synth(bridged({}, { statefulSessions: false }));
    expect(named(podOf(stateless), 'mcp-bridge').args).not.toContain('--stateful');
    expect(serviceSpec(stateless, 'doc-search').sessionAffinity).toBeUndefined();
  });

  test('custom images, relay port and the environment registry', () => {
    // GIVEN
    const s = synth(
      bridged({ bridgeImage: 'ghcr.io/acme/supergateway:4.0.0', relayImage: 'busybox:1.35.0-musl', relayPort: 7000 }, { port: 9000 }),
      Environments.prod({ namespace: NS, images: { registry: 'registry.acme.io/mirror' } }),
    );
    const pod = podOf(s);
    // THEN
    expect(named(pod, 'mcp-bridge').image).toBe('ghcr.io/acme/supergateway:4.0.0');
    expect(pod.initContainers[0].image).toBe('registry.acme.io/mirror/busybox:1.35.0-musl');
    expect(named(pod, 'mcp-bridge').args?.slice(0, 4)).toEqual(['--stdio', '/mcp-relay/busybox nc 127.0.0.1 7000', '--port', '9000']);
    expect(named(pod, 'doc-search').command?.slice(0, 5)).toEqual(['/mcp-relay/busybox', 'nc', '-ll', '-p', '7000']);
  });

  test('no Prometheus scraping by default', () => {
    const s = synth(bridged());
    expect(Object.keys(at(s.get('Deployment', 'doc-search'), 'spec.template.metadata.annotations') as Record<string, string>)).toEqual(['kubectl.kubernetes.io/default-container']);
  });
});

describe('stdio bridge refusals', () => {
  const refused = (bridge: Partial<StdioBridgeOptions>, props: Partial<ConstructorParameters<typeof McpToolService>[2]> = {}) =>
    problemsOf((p) => { new McpToolService(p, 'doc-search', { image: 'ghcr.io/acme/doc-search:1.3.0', ...props, stdioBridge: { command: ['python3', 'server.py'], ...bridge } }); });

  test('a whole command line in one element', () => {
    expect(refused({ command: ['python3 -m doc_search'] })).toEqual([
      '[test/doc-search] stdioBridge.command.0: is one command line, but the relay runs argv without a shell and would look for a program named "python3 -m doc_search": give one word per element, e.g. ["python3","-m","doc_search"] (got "python3 -m doc_search")',
    ]);
  });

  test('a relative program path', () => {
    expect(refused({ command: ['./bin/server'] })).toEqual([
      '[test/doc-search] stdioBridge.command.0: is a relative path, resolved against the image\'s working directory, which the manifest does not know: give an absolute path (e.g. "/app/bin/server") or a program name that the image\'s PATH resolves (e.g. "python3") (got "./bin/server")',
    ]);
  });

  test('an empty program', () => {
    expect(refused({ command: [''] })).toEqual([
      '[test/doc-search] stdioBridge.command.0: is empty: name the program that starts the stdio server, e.g. "python3" or "/usr/local/bin/server" (got "")',
    ]);
  });

  test('a PATH that cannot resolve a bare program name', () => {
    expect(refused({}, { env: { PATH: 'bin:/usr/bin' } })).toEqual([
      '[test/doc-search] env.PATH: must list absolute directories separated by ":" for the relay to find "python3" in the image: set PATH to e.g. "/usr/local/bin:/usr/bin:/bin", or give stdioBridge.command an absolute path (got "bin:/usr/bin")',
    ]);
    // AND an absolute program does not need PATH
    expect(refused({ command: ['/usr/local/bin/python3', 'server.py'] }, { env: { PATH: 'bin' } })).toEqual([]);
  });

  test('shell syntax without a shell, but a shell script is fine', () => {
    expect(refused({ command: ['python3', 'server.py', '2>/dev/null'] })).toEqual([
      '[test/doc-search] stdioBridge.command.2: contains shell syntax, but no shell runs the command: the relay passes each element to the server as one argument. Remove it, or run a shell the image has, e.g. ["sh", "-c", "..."] (got "2>/dev/null")',
    ]);
    expect(refused({ command: ['sh', '-c', 'exec python3 server.py 2>/dev/null'] })).toEqual([]);
    // Kubernetes expands $(VAR) itself
    expect(refused({ command: ['python3', 'server.py', '--index', '$(INDEX_DIR)'] })).toEqual([]);
  });

  test('a secret on the command line', () => {
    expect(refused({ command: ['python3', 'server.py', '--token=$(API_TOKEN)'] })).toEqual([
      '[test/doc-search] stdioBridge.command.2: passes $(API_TOKEN) on the command line, where every process of the pod and the node can read it: let the server read API_TOKEN from its environment instead (got "--token=$(API_TOKEN)")',
    ]);
  });

  test('command and args of the container', () => {
    expect(refused({}, { command: ['python3'], args: ['server.py'] })).toEqual([
      '[test/doc-search] command: cannot be combined with stdioBridge: the server\'s container runs the relay, which starts stdioBridge.command; put the server\'s command in stdioBridge.command (got ["python3"])',
      '[test/doc-search] args: cannot be combined with stdioBridge: the server\'s container runs the relay, which starts stdioBridge.command; append the arguments to stdioBridge.command (got ["server.py"])',
    ]);
  });

  test('metrics asked of a bridge', () => {
    expect(refused({}, { metrics: { enabled: true } })).toEqual([
      '[test/doc-search] metrics.enabled: cannot be true with stdioBridge: neither the bridge nor the relay serves Prometheus metrics, and a stdio server runs one process per session, so none can listen on a fixed port. Remove metrics, or serve the tool over HTTP itself (got true)',
    ]);
  });

  test('health check paths and commands', () => {
    expect(refused({}, { healthCheck: { path: '/ready', livenessPath: '/live' } })).toEqual([
      '[test/doc-search] healthCheck.path: cannot be set with stdioBridge: the probes are written for it (an MCP initialize through the relay, and the bridge\'s /healthz); remove it (the timing options still apply) (got "/ready")',
      '[test/doc-search] healthCheck.livenessPath: cannot be set with stdioBridge: the probes are written for it (an MCP initialize through the relay, and the bridge\'s /healthz); remove it (the timing options still apply) (got "/live")',
    ]);
  });

  test('SSE, which the bridge does not serve correctly', () => {
    expect(refused({}, { transport: McpTransport.SSE })).toEqual([
      '[test/doc-search] transport: is not served correctly by the stdio bridge, which speaks streamable-http: in SSE mode supergateway runs one server process for all clients and sends every answer to every client, so concurrent agents would receive each other\'s results. Remove transport (streamable HTTP, one server process per session) and give the agents a streamable-HTTP MCP client (got "sse")',
    ]);
  });

  test('a relay port equal to the bridge port', () => {
    expect(refused({ relayPort: 8080 })).toEqual([
      '[test/doc-search] stdioBridge.relayPort: is the bridge\'s port ("port"); the relay and the bridge share the pod\'s network: choose another relayPort, e.g. 9000 (got 8080)',
    ]);
  });

  test('the bridge\'s health path as MCP path', () => {
    expect(refused({}, { mcpPath: '/healthz' })).toEqual([
      '[test/doc-search] mcpPath: is the bridge\'s health endpoint: choose another, e.g. "/mcp" (got "/healthz")',
    ]);
  });

  test('floating bridge and relay tags in prod', () => {
    const problems = refused({ bridgeImage: 'docker.io/supercorp/supergateway:latest', relayImage: 'busybox' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^\[test\/doc-search\] stdioBridge\.bridgeImage: /);
    expect(problems[1]).toMatch(/^\[test\/doc-search\] stdioBridge\.relayImage: /);
  });

  test('the removed serverPath option is refused, not ignored', () => {
    // The server is no longer copied out of its image: it runs in it.
    expect(refused({ serverPath: '/app' } as Partial<StdioBridgeOptions>)).toEqual([
      '[test/doc-search] stdioBridge.serverPath: unknown field "serverPath"; allowed fields here: command, bridgeImage, relayImage, relayPort',
    ]);
  });

  test('every problem at once', () => {
    expect(refused({ command: ['./server', 'a|b'], relayPort: 8080 }, { metrics: { enabled: true } })).toHaveLength(4);
  });
});

describe('credentials and egress', () => {
  test('credentials are secret references, and the existing backend renders no Secret', () => {
    // GIVEN a tool reading three keys of a SecretSource in prod (existing secrets)
    const s = synth((p) => {
      const creds = new SecretSource(p, 'confluence-credentials', { keys: ['base_url', 'username', 'password'] });
      new McpToolService(p, 'confluence', {
        image: 'confluence:1.0.0',
        env: { CONFLUENCE_URL: creds.envValue('base_url'), CONFLUENCE_USERNAME: creds.envValue('username'), CONFLUENCE_PASSWORD: creds.envValue('password') },
      });
    });
    // THEN
    expect(mainContainer(s, 'confluence').env).toEqual([
      { name: 'CONFLUENCE_URL', valueFrom: { secretKeyRef: { name: 'confluence-credentials', key: 'base_url' } } },
      { name: 'CONFLUENCE_USERNAME', valueFrom: { secretKeyRef: { name: 'confluence-credentials', key: 'username' } } },
      { name: 'CONFLUENCE_PASSWORD', valueFrom: { secretKeyRef: { name: 'confluence-credentials', key: 'password' } } },
      ...OTEL_METRICS_ENV,
    ]);
    expect(s.all('Secret')).toEqual([]);
  });

  test('a literal value for a secret-looking variable is refused in prod', () => {
    // GIVEN
    const problems = problemsOf(tool({ env: { CONFLUENCE_API_TOKEN: 'abc123' } }));
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('env.CONFLUENCE_API_TOKEN: "CONFLUENCE_API_TOKEN" looks like a secret');
    expect(problems[0]).toContain('EnvValue.fromSecret');
  });

  test('external endpoints become egress ipBlock rules with the private ranges excluded', () => {
    // GIVEN an internet API on 443, a scraper on 80/443 and a private database
    const s = synth(tool({
      externalEndpoints: [ExternalEndpoint.https('api.openai.com'), ExternalEndpoint.internet({ ports: [80, 443] }), ExternalEndpoint.cidr('10.20.0.0/16', { ports: [5432] })],
    }));
    const egress = at(s.get('NetworkPolicy', 'jd-classifier'), 'spec.egress') as { to: unknown[]; ports: unknown[] }[];
    // THEN after DNS, one rule per endpoint
    expect(egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: [{ port: 443, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
  });

  test('without external endpoints, no ipBlock at all', () => {
    const s = synth(tool());
    expect(JSON.stringify(at(s.get('NetworkPolicy', 'jd-classifier'), 'spec'))).not.toContain('ipBlock');
  });
});

describe('McpToolService.fromServiceName()', () => {
  test('an agent wired to a tool of another namespace: URL, transport and a namespace+pod egress rule', () => {
    // GIVEN a tool in namespace "shared-tools"
    const s = synth((p) => {
      const search = McpToolService.fromServiceName(p, 'search', { name: 'web-search', namespace: 'shared-tools' });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', tools: [search] });
    });
    // THEN
    expect(mainContainer(s, 'planner').env).toEqual([
      { name: 'MCP_WEB_SEARCH_URL', value: 'http://web-search.shared-tools.svc.cluster.local:8080/mcp' },
      { name: 'MCP_WEB_SEARCH_TRANSPORT', value: 'streamable-http' },
      ...OTEL_METRICS_ENV,
    ]);
    expect(at(s.get('NetworkPolicy', 'planner'), 'spec.egress.1')).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shared-tools' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web-search' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  test('port, path and transport are taken from the options', () => {
    // GIVEN
    let external: ReturnType<typeof McpToolService.fromServiceName> | undefined;
    const s = synth((p) => {
      external = McpToolService.fromServiceName(p, 'events', { name: 'events', namespace: 'platform', port: 3000, mcpPath: '/sse', transport: McpTransport.SSE });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', tools: [external] });
    });
    // THEN
    expect(external?.mcpUrl).toBe('http://events.platform.svc.cluster.local:3000/sse');
    expect(mainContainer(s, 'planner').env).toContainEqual({ name: 'MCP_EVENTS_TRANSPORT', value: 'sse' });
    expect(at(s.get('NetworkPolicy', 'planner'), 'spec.egress.1.ports')).toEqual([{ port: 3000, protocol: 'TCP' }]);
  });

  test('renders no object for the external tool and no file', () => {
    // GIVEN a platform with only an agent wired to an external tool
    const platform = new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment: Environments.prod({ namespace: NS }) });
    const search = McpToolService.fromServiceName(platform, 'search', { name: 'web-search', namespace: 'shared-tools' });
    new AgentMicroservice(platform, 'planner', { image: 'planner:1.0.0', tools: [search] });
    // WHEN
    const files = renderPlatform(platform);
    // THEN
    expect(files.map((f) => f.fileName)).toEqual(['00-namespace.yaml', 'planner.yaml']);
    expect(files.flatMap((f) => f.objects).filter((o) => o.metadata.name === 'web-search')).toEqual([]);
  });

  test('bad options are reported', () => {
    // GIVEN
    const problems = problemsOf((p) => { McpToolService.fromServiceName(p, 'bad', { name: 'Web_Search', namespace: 'shared-tools', mcpPath: 'mcp' }); });
    // THEN
    expect(problems).toEqual([
      '[test/bad] name: must be a DNS-1035 label: lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. "jd-classifier") (got "Web_Search")',
      '[test/bad] mcpPath: must be an absolute HTTP path starting with "/", without spaces (e.g. "/health") (got "mcp")',
    ]);
  });
});

describe('bad input', () => {
  test('an mcpPath without a leading slash', () => {
    expect(problemsOf(tool({ mcpPath: 'mcp' }))).toEqual([
      '[test/jd-classifier] mcpPath: must be an absolute HTTP path starting with "/", without spaces (e.g. "/health") (got "mcp")',
    ]);
  });

  test('an unknown transport', () => {
    expect(problemsOf(tool({ transport: 'websocket' as McpTransport }))).toEqual([
      '[test/jd-classifier] transport: must be one of streamable-http, sse (got "websocket")',
    ]);
  });

  test('a bridge without a command', () => {
    // GIVEN an empty command and a missing command
    expect(problemsOf(tool({ stdioBridge: { command: [] } }))).toEqual([
      '[test/jd-classifier] stdioBridge.command: must name the command that starts the stdio server (got [])',
    ]);
    const missing = problemsOf(tool({ stdioBridge: {} as StdioBridgeOptions }));
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/^\[test\/jd-classifier\] stdioBridge\.command: is required \(a list \(an array\)\)$/);
  });

  test('a session affinity timeout out of range', () => {
    expect(problemsOf(tool({ sessionAffinityTimeoutSeconds: 0 }))).toEqual([
      '[test/jd-classifier] sessionAffinityTimeoutSeconds: must be between 1 and 86400 seconds (got 0)',
    ]);
    expect(problemsOf(tool({ sessionAffinityTimeoutSeconds: 86401 }))).toEqual([
      '[test/jd-classifier] sessionAffinityTimeoutSeconds: must be between 1 and 86400 seconds (got 86401)',
    ]);
  });
});
