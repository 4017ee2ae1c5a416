import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AgentMicroservice, AgentPlatform, Environments, ExternalEndpoint, McpToolService, McpTransport, renderPlatform, SecretSource,
  type StdioBridgeOptions,
} from '../../lib';
import { at, OTEL_METRICS_ENV, problemsOf, synth, type Synthesized } from '../helpers/synth';

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
  const bridged = (bridge: Partial<StdioBridgeOptions> = {}, props: Partial<ConstructorParameters<typeof McpToolService>[2]> = {}) =>
    (p: AgentPlatform) => {
      new McpToolService(p, 'file-system', { image: 'file-system:1.2.3', stdioBridge: { command: ['node', '/app/dist/index.js'], ...bridge }, ...props });
    };

  test('the main container runs the bridge image with the stdio command, port and streamable HTTP path', () => {
    // GIVEN
    const c = mainContainer(synth(bridged()), 'file-system');
    // THEN
    expect(c.image).toBe(McpToolService.DEFAULT_BRIDGE_IMAGE);
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual(['--stdio', 'node /app/dist/index.js', '--port', '8080', '--outputTransport', 'streamableHttp', '--streamableHttpPath', '/mcp']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  test('probes check that the bridge accepts TCP connections, with the 120 s startup budget', () => {
    // GIVEN
    const c = mainContainer(synth(bridged()), 'file-system');
    // THEN
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe?.tcpSocket).toEqual({ port: 'http' });
      expect(probe?.httpGet).toBeUndefined();
    }
    expect((c.startupProbe?.periodSeconds ?? 0) * (c.startupProbe?.failureThreshold ?? 0)).toBe(120);
  });

  test('an init container copies the server from the tool image into an emptyDir the bridge mounts read-only', () => {
    // GIVEN
    const s = synth(bridged());
    const pod = at(s.get('Deployment', 'file-system'), 'spec.template.spec') as { initContainers: Container[]; volumes: { name: string; emptyDir?: object }[] };
    // THEN
    expect(pod.initContainers.map((c) => c.name)).toEqual(['copy-server']);
    const [copy] = pod.initContainers;
    expect(copy.image).toBe('file-system:1.2.3');
    expect(copy.command).toEqual(['cp', '-a', '/app/.', '/share/']);
    const share = copy.volumeMounts?.find((m) => m.mountPath === '/share');
    expect(share).toBeDefined();
    expect(share?.readOnly).toBeFalsy();
    const volume = pod.volumes.find((v) => v.name === share?.name);
    expect(volume).toEqual({ name: share?.name, emptyDir: {} });
    expect(mainContainer(s, 'file-system').volumeMounts).toContainEqual({ name: share?.name, mountPath: '/app', readOnly: true });
  });

  test('the environment registry applies to the server image in the init container', () => {
    // GIVEN an environment with a registry
    const s = synth(bridged(), Environments.prod({ namespace: NS, images: { registry: 'registry.acme.io/agents' } }));
    // THEN
    const init = at(s.get('Deployment', 'file-system'), 'spec.template.spec.initContainers.0.image');
    expect(init).toBe('registry.acme.io/agents/file-system:1.2.3');
  });

  test('a custom server path and bridge image', () => {
    // GIVEN
    const s = synth(bridged({ serverPath: '/srv/server', bridgeImage: 'ghcr.io/acme/bridge:2.0.0', command: ['python', '-m', 'server'] }));
    const c = mainContainer(s, 'file-system');
    // THEN
    expect(c.image).toBe('ghcr.io/acme/bridge:2.0.0');
    expect(c.args?.slice(0, 2)).toEqual(['--stdio', 'python -m server']);
    expect(at(s.get('Deployment', 'file-system'), 'spec.template.spec.initContainers.0.command')).toEqual(['cp', '-a', '/srv/server/.', '/share/']);
    expect(c.volumeMounts?.find((m) => m.readOnly)?.mountPath).toBe('/srv/server');
  });

  test('SSE and stateful streamable HTTP bridges pass their transport flags', () => {
    // GIVEN
    const sse = mainContainer(synth(bridged({}, { transport: McpTransport.SSE })), 'file-system');
    const stateful = mainContainer(synth(bridged({}, { statefulSessions: true, port: 9000 })), 'file-system');
    // THEN
    expect(sse.args).toEqual(['--stdio', 'node /app/dist/index.js', '--port', '8080', '--outputTransport', 'sse', '--ssePath', '/sse']);
    expect(stateful.args).toEqual(['--stdio', 'node /app/dist/index.js', '--port', '9000', '--outputTransport', 'streamableHttp', '--streamableHttpPath', '/mcp', '--stateful']);
  });

  // The bridge runs the command through a shell: an argument containing a space must be quoted.
  test('a command argument containing a space stays one word for the shell', () => {
    // GIVEN a server started with a path containing a space
    const c = mainContainer(synth(bridged({ command: ['node', '/app/my server/index.js'] })), 'file-system');
    // THEN a POSIX shell splitting the --stdio value finds the original words
    expect(shellWords(c.args?.[1] ?? '')).toEqual(['node', '/app/my server/index.js']);
  });

  // The bridge image obeys the environment's tag policy like `image` does.
  test('the bridge image obeys the environment tag policy', () => {
    // GIVEN a floating bridge tag in prod
    const problems = problemsOf(bridged({ bridgeImage: 'docker.io/supercorp/supergateway:latest' }));
    // THEN it is refused like the main image would be
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/stdioBridge\.bridgeImage/);
  });
});

/** Splits a command line the way a POSIX shell does for plain words and single/double quotes. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '\'' || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

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
      '[test/bad] name: must be a DNS-1035 label: lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. "jd-classifier")',
      '[test/bad] mcpPath: must be an absolute HTTP path starting with "/", without spaces (e.g. "/health")',
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
    expect(missing[0]).toMatch(/^\[test\/jd-classifier\] stdioBridge\.command: .*this field is required$/);
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
