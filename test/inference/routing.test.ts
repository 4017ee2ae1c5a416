import { parse as parseYaml } from 'yaml';
import { App } from 'cdk8s';
import {
  AgentBatchJob, AgentMicroservice, AgentPlatform, collectNotices, formatNotice, type EnvironmentConfig, Environments, GpuInferencePool, type GpuInferencePoolProps, InferenceFallback, InferenceGateway,
  InferenceRouting, type KubeObject,
} from '../../lib';
import { ENDPOINT_PICKER_FLAGS, ENDPOINT_PICKER_VERSION, endpointPickerArgumentProblems } from '../../lib/inference/endpoint-picker-flags';
import { at, OTEL_METRICS_ENV_BY_NAME, synth, type Synthesized } from '../helpers/synth';
import { formatProblems, validateManifests } from '../validation';
import { AGENT_IMAGE, dev, poolProps, prod, REPOSITORY } from './helpers';
import { egressPaths, envOf, ingressPaths, mainContainer, podPath, podSpec, withDns } from './pods';

/**
 * Routing through an InferencePool (issue #12 item 1): the InferencePool selecting the model
 * servers, the endpoint picker (Deployment, Service, ServiceAccount, least-privilege RBAC, plugin
 * config, probes, PDB), the HTTPRoute from the Gateway, agents calling the Gateway, and the
 * NetworkPolicies: gateway to picker (ext-proc), gateway to servers, picker to servers' metrics.
 */

const GATEWAY = InferenceGateway.fromName('inference-gateway', { namespace: 'gateway-system', url: 'http://inference-gateway-istio.gateway-system.svc.cluster.local' });
const GATEWAY_PODS = 'pods gateway.networking.k8s.io/gateway-name=inference-gateway in namespace gateway-system';
const ROUTED: Partial<GpuInferencePoolProps> = { routing: InferenceRouting.inferencePool({ gateway: GATEWAY }) };

function routed(overrides: Partial<GpuInferencePoolProps> = {}, environment: EnvironmentConfig = prod()): Synthesized {
  return synth((p) => {
    const pool = new GpuInferencePool(p, 'llm', poolProps({ ...ROUTED, ...overrides }));
    new AgentMicroservice(p, 'support-agent', { image: AGENT_IMAGE, inference: pool });
    new AgentBatchJob(p, 'reindex', { image: AGENT_IMAGE, schedule: '0 2 * * *', inference: pool });
  }, environment);
}

function platform(environment: EnvironmentConfig): AgentPlatform {
  return new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment });
}

const s = routed();
const picker = () => s.get('Deployment', 'llm-epp');

describe('the InferencePool and the HTTPRoute', () => {
  test('the InferencePool selects the model servers on 8000 and names the picker Service and port', () => {
    expect(at(s.get('InferencePool', 'llm'), 'spec')).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } },
      targetPorts: [{ number: 8000 }],
      endpointPickerRef: { kind: 'Service', name: 'llm-epp', port: { number: 9002 }, failureMode: 'FailOpen' },
    });
    expect(s.get('InferencePool', 'llm').apiVersion).toBe('inference.networking.k8s.io/v1');
  });

  test('the HTTPRoute attaches to the Gateway in its namespace and sends everything to the InferencePool, with a long request timeout', () => {
    const route = s.get('HTTPRoute', 'llm');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(at(route, 'spec')).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway', namespace: 'gateway-system' }],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llm' }],
        timeouts: { request: '600s' },
      }],
    });
  });

  test('host names, a listener, a timeout and FailClose when asked', () => {
    const gateway = InferenceGateway.fromName('gw', { namespace: 'gateway-system', url: 'https://gw.gateway-system.svc:8443', sectionName: 'https' });
    const r = routed({ routing: InferenceRouting.inferencePool({ gateway, hostnames: ['llm.internal.example.com'], requestTimeoutSeconds: 120, endpointPicker: { failureMode: 'FailClose' } }) });
    expect(at(r.get('HTTPRoute', 'llm'), 'spec.parentRefs.0.sectionName')).toBe('https');
    expect(at(r.get('HTTPRoute', 'llm'), 'spec.hostnames')).toEqual(['llm.internal.example.com']);
    expect(at(r.get('HTTPRoute', 'llm'), 'spec.rules.0.timeouts')).toEqual({ request: '120s' });
    expect(at(r.get('InferencePool', 'llm'), 'spec.endpointPickerRef.failureMode')).toBe('FailClose');
    expect(egressPaths(r.get('NetworkPolicy', 'support-agent'))).toEqual(withDns('pods gateway.networking.k8s.io/gateway-name=gw in namespace gateway-system TCP/8443'));
  });
});

describe('the endpoint picker', () => {
  test(`the pinned image (${ENDPOINT_PICKER_VERSION}), two active replicas in production, spread, a PDB`, () => {
    expect(GpuInferencePool.DEFAULT_ENDPOINT_PICKER_IMAGE).toBe(`registry.k8s.io/gateway-api-inference-extension/epp:${ENDPOINT_PICKER_VERSION}`);
    expect(mainContainer(picker()).image).toBe(GpuInferencePool.DEFAULT_ENDPOINT_PICKER_IMAGE);
    expect(at(picker(), 'spec.replicas')).toBe(2);
    expect(at(picker(), 'spec.strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(podSpec(picker()).topologySpreadConstraints?.map((t) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(at(s.get('PodDisruptionBudget', 'llm-epp'), 'spec')).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'llm-epp' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('its arguments: the pool, the config, the ports, no metrics auth (namespaced RBAC), no pprof, tracing off without a collector', () => {
    expect(mainContainer(picker()).args).toEqual([
      '--pool-name', 'llm', '--pool-namespace', 'agents', '--config-file', '/config/config.yaml',
      '--grpc-port', '9002', '--grpc-health-port', '9003', '--metrics-port', '9090',
      '--metrics-endpoint-auth=false', '--enable-pprof=false', '--tracing=false', '--zap-encoder', 'json',
    ]);
  });

  test(`every argument is a flag of the picker ${ENDPOINT_PICKER_VERSION}, with its value`, () => {
    expect(endpointPickerArgumentProblems(mainContainer(picker()).args ?? [])).toEqual([]);
    // AND the check is sensitive
    expect(endpointPickerArgumentProblems(['--pool', 'llm', '--tracing=maybe', '--grpc-port'])).toEqual([
      `--pool is not a flag of the endpoint picker ${ENDPOINT_PICKER_VERSION}`,
      `llm is not a flag of the endpoint picker ${ENDPOINT_PICKER_VERSION}`,
      '--tracing takes true or false, not maybe',
      '--grpc-port needs a value',
    ]);
    expect(Object.keys(ENDPOINT_PICKER_FLAGS)).toContain('--ha-enable-leader-election');
  });

  test('its scorers: queue, KV cache and prefix cache in one weighted profile of an EndpointPickerConfig', () => {
    const config = parseYaml((at(s.get('ConfigMap', 'llm-epp'), 'data') as Record<string, string>)['config.yaml']) as unknown;
    expect(config).toEqual({
      apiVersion: 'inference.networking.x-k8s.io/v1alpha1',
      kind: 'EndpointPickerConfig',
      plugins: [{ type: 'queue-scorer' }, { type: 'kv-cache-utilization-scorer' }, { type: 'prefix-cache-scorer' }],
      schedulingProfiles: [{ name: 'default', plugins: [
        { pluginRef: 'queue-scorer', weight: 2 }, { pluginRef: 'kv-cache-utilization-scorer', weight: 2 }, { pluginRef: 'prefix-cache-scorer', weight: 3 },
      ] }],
    });
  });

  test('a weight of 0 leaves a scorer out', () => {
    const r = routed({ routing: InferenceRouting.inferencePool({ gateway: GATEWAY, endpointPicker: { scorers: { prefixCache: 0, queue: 5 } } }) });
    const config = parseYaml((at(r.get('ConfigMap', 'llm-epp'), 'data') as Record<string, string>)['config.yaml']) as { plugins: unknown[]; schedulingProfiles: { plugins: unknown[] }[] };
    expect(config.plugins).toEqual([{ type: 'queue-scorer' }, { type: 'kv-cache-utilization-scorer' }]);
    expect(config.schedulingProfiles[0].plugins).toEqual([{ pluginRef: 'queue-scorer', weight: 5 }, { pluginRef: 'kv-cache-utilization-scorer', weight: 2 }]);
  });

  test('gRPC health probes on 9003 (startup, readiness, liveness), its ports, the restricted profile, the config read-only', () => {
    const c = mainContainer(picker());
    const grpc = { port: 9003, service: 'inference-extension' };
    expect([c.startupProbe, c.readinessProbe, c.livenessProbe].map((p) => (p as { grpc?: unknown } | undefined)?.grpc)).toEqual([grpc, grpc, grpc]);
    expect(c.ports).toEqual([
      { name: 'grpc-ext-proc', containerPort: 9002, protocol: 'TCP' },
      { name: 'grpc-health', containerPort: 9003, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/config', readOnly: true });
    expect(envOf(c).NAMESPACE).toEqual({ valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  });

  test('least-privilege RBAC: a namespaced Role reading its InferencePools and the pods, bound to its own ServiceAccount', () => {
    expect(s.all('ClusterRole')).toEqual([]);
    expect(s.all('ClusterRoleBinding')).toEqual([]);
    expect(at(s.get('Role', 'llm-epp'), 'rules')).toEqual([
      { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = s.get('RoleBinding', 'llm-epp');
    expect(at(binding, 'roleRef')).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'llm-epp' });
    expect(at(binding, 'subjects')).toEqual([{ kind: 'ServiceAccount', name: 'llm-epp', namespace: 'agents' }]);
    expect(podSpec(picker()).serviceAccountName).toBe('llm-epp');
    expect(at(s.get('ServiceAccount', 'llm-epp'), 'automountServiceAccountToken')).toBe(true);
    // The model servers' ServiceAccount still mounts no token.
    expect(at(s.get('ServiceAccount', 'llm'), 'automountServiceAccountToken')).toBe(false);
  });

  test('the Service: ext-proc (HTTP/2) and metrics', () => {
    expect(at(s.get('Service', 'llm-epp'), 'spec.ports')).toEqual([
      { name: 'grpc-ext-proc', port: 9002, targetPort: 'grpc-ext-proc', protocol: 'TCP', appProtocol: 'http2' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'http' },
    ]);
  });

  test('one replica where the environment runs one; the replicas option wins', () => {
    const oneGpuDev = routed({}, Environments.dev({ namespace: 'agents', gpu: { available: true } }));
    expect(at(oneGpuDev.get('Deployment', 'llm-epp'), 'spec.replicas')).toBe(1);
    expect(oneGpuDev.find('PodDisruptionBudget', 'llm-epp')).toBeUndefined();
    const three = routed({ routing: InferenceRouting.inferencePool({ gateway: GATEWAY, endpointPicker: { replicas: 3 } }) });
    expect(at(three.get('Deployment', 'llm-epp'), 'spec.replicas')).toBe(3);
  });
});

describe('wiring and NetworkPolicies', () => {
  test('agents and jobs call the Gateway: its URL, the served model name', () => {
    for (const [kind, name] of [['Deployment', 'support-agent'], ['CronJob', 'reindex']] as const) {
      expect(envOf(mainContainer(s.get(kind, name)))).toEqual({
        OPENAI_BASE_URL: { value: 'http://inference-gateway-istio.gateway-system.svc.cluster.local/v1' },
        OPENAI_MODEL: { value: REPOSITORY },
        // A service exposes its OpenTelemetry metrics on their own port; a batch job is not scraped.
        ...(kind === 'Deployment' ? OTEL_METRICS_ENV_BY_NAME : {}),
      });
    }
  });

  test('exactly: gateway to the picker on 9002, gateway and picker to the servers on 8000, clients to the gateway', () => {
    expect(ingressPaths(s.get('NetworkPolicy', 'llm-epp'))).toEqual([`${GATEWAY_PODS} TCP/9002`]);
    expect(egressPaths(s.get('NetworkPolicy', 'llm-epp'))).toEqual(withDns(podPath('llm', 8000), 'cidr 0.0.0.0/0 TCP/443', 'cidr 0.0.0.0/0 TCP/6443'));
    expect(ingressPaths(s.get('NetworkPolicy', 'llm'))).toEqual([`${GATEWAY_PODS} TCP/8000`, podPath('llm-epp', 8000)].sort());
    expect(egressPaths(s.get('NetworkPolicy', 'llm'))).toEqual(withDns());
    expect(egressPaths(s.get('NetworkPolicy', 'support-agent'))).toEqual(withDns(`${GATEWAY_PODS} TCP/80`));
    expect(egressPaths(s.get('NetworkPolicy', 'reindex'))).toEqual(withDns(`${GATEWAY_PODS} TCP/80`));
  });

  test('a gateway whose proxies listen on another port and carry other labels (Envoy Gateway)', () => {
    const envoy = InferenceGateway.fromName('eg', {
      namespace: 'envoy-gateway-system', url: 'http://envoy-default-eg.envoy-gateway-system.svc', podPort: 10080,
      podLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'eg' },
    });
    const r = routed({ routing: InferenceRouting.inferencePool({ gateway: envoy }) });
    expect(egressPaths(r.get('NetworkPolicy', 'support-agent'))).toEqual(withDns('pods gateway.envoyproxy.io/owning-gateway-name=eg in namespace envoy-gateway-system TCP/10080'));
    expect(ingressPaths(r.get('NetworkPolicy', 'llm-epp'))).toEqual(['pods gateway.envoyproxy.io/owning-gateway-name=eg in namespace envoy-gateway-system TCP/9002']);
  });
});

describe('development', () => {
  test('the CPU fallback keeps plain Service routing unless asked', () => {
    const d = routed({ fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) }, dev());
    expect(d.all('InferencePool')).toEqual([]);
    expect(d.all('HTTPRoute')).toEqual([]);
    expect(d.find('Deployment', 'llm-epp')).toBeUndefined();
    expect(envOf(mainContainer(d.get('Deployment', 'support-agent'))).OPENAI_BASE_URL).toEqual({ value: 'http://llm.agents.svc.cluster.local:8000/v1' });
  });

  test('dropping the routing and the nodes for the CPU fallback is a notice, never silent', () => {
    const p = platform(dev());
    new GpuInferencePool(p, 'llm', poolProps({ ...ROUTED, nodes: 2, fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) }));
    expect(collectNotices(p).map(formatNotice)).toEqual([
      '[test/llm] gpus: asked for 1 nvidia.com/gpu per replica serving meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659; rendered the CPU fallback model Qwen/Qwen2.5-0.5B-Instruct, because environment "dev" has no GPUs (gpu.available is false)',
      '[test/llm] routing: asked for routing through an InferencePool behind a Gateway; rendered a plain Service in front of the CPU fallback (agents call it directly), because environment "dev" has no GPUs and routing.inDevelopment is not set',
      '[test/llm] nodes: asked for 2 nodes per replica (a LeaderWorkerSet); rendered one CPU fallback pod per replica, because environment "dev" has no GPUs (gpu.available is false)',
    ]);
  });

  test('inDevelopment routes the fallback through the gateway too', () => {
    const d = routed({
      routing: InferenceRouting.inferencePool({ gateway: GATEWAY, inDevelopment: true }),
      fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }),
    }, dev());
    expect(d.all('InferencePool')).toHaveLength(1);
    expect(at(d.get('Deployment', 'llm-epp'), 'spec.replicas')).toBe(1);
  });

  test('InferenceRouting.service() is the default', () => {
    const plain = synth((p) => {
      new GpuInferencePool(p, 'llm', poolProps({ routing: InferenceRouting.service() }));
    }, prod());
    expect(plain.all('InferencePool')).toEqual([]);
  });
});

/** The semantic checks catch what would break: each mutation of the valid set yields exactly its problem. */
describe('semantic checks of the new objects', () => {
  const mutate = (kind: string, name: string, change: (o: Record<string, unknown>) => void): KubeObject[] => s.objects.map((o) => {
    if (o.kind !== kind || o.metadata.name !== name) return o;
    const copy = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
    change(copy);
    return copy as unknown as KubeObject;
  });
  const problems = (objects: readonly KubeObject[]) => formatProblems(validateManifests(objects));

  test('the valid set has none', () => {
    expect(problems(s.objects)).toBe('');
  });

  test('an InferencePool selecting no pod, or a port no pod declares', () => {
    expect(problems(mutate('InferencePool', 'llm', (o) => { (o.spec as Record<string, unknown>).selector = { matchLabels: { 'app.kubernetes.io/name': 'lm' } }; })))
      .toBe('inference.networking.k8s.io/v1 InferencePool agents/llm: spec.selector.matchLabels: selects no pod template in namespace agents (selector: app.kubernetes.io/name=lm) [semantic]');
    expect(problems(mutate('InferencePool', 'llm', (o) => { (o.spec as Record<string, unknown>).targetPorts = [{ number: 8080 }]; })))
      .toBe('inference.networking.k8s.io/v1 InferencePool agents/llm: spec.targetPorts[0].number: containerPort 8080/TCP is not declared by any container of the selected pods (Deployment llm) [semantic]');
  });

  test('an endpoint picker reference without its port (the CRD\'s CEL rule) or to a missing Service', () => {
    expect(problems(mutate('InferencePool', 'llm', (o) => { delete ((o.spec as Record<string, unknown>).endpointPickerRef as Record<string, unknown>).port; })))
      .toBe('inference.networking.k8s.io/v1 InferencePool agents/llm: spec.endpointPickerRef.port: is required when the endpoint picker is a Service (the CRD\'s validation rule) [semantic]');
    expect(problems(mutate('InferencePool', 'llm', (o) => { ((o.spec as Record<string, unknown>).endpointPickerRef as Record<string, unknown>).name = 'epp'; })))
      .toBe('inference.networking.k8s.io/v1 InferencePool agents/llm: spec.endpointPickerRef.name: Service "epp" is not in the set (namespace agents) [semantic]');
  });

  test('an HTTPRoute backend that does not resolve', () => {
    expect(problems(mutate('HTTPRoute', 'llm', (o) => { (((o.spec as { rules: { backendRefs: Record<string, unknown>[] }[] }).rules[0]).backendRefs[0]).name = 'llm2'; })))
      .toBe('gateway.networking.k8s.io/v1 HTTPRoute agents/llm: spec.rules[0].backendRefs[0].name: InferencePool "llm2" (group "inference.networking.k8s.io") is not in the set (namespace agents) [semantic]');
  });

  test('RBAC names that do not exist', () => {
    expect(problems(mutate('RoleBinding', 'llm-epp', (o) => { (o.roleRef as Record<string, unknown>).name = 'epp'; (o.subjects as Record<string, unknown>[])[0].name = 'epp'; })))
      .toBe([
        'rbac.authorization.k8s.io/v1 RoleBinding agents/llm-epp: roleRef.name: Role "epp" is not in the set (namespace agents) [semantic]',
        'rbac.authorization.k8s.io/v1 RoleBinding agents/llm-epp: subjects[0].name: ServiceAccount "epp" is not in the set (namespace agents) [semantic]',
      ].join('\n'));
  });

  test('the picker is configured for the InferencePool of the set (its --pool-name and --pool-namespace)', () => {
    const args = mainContainer(picker()).args ?? [];
    const pool = s.get('InferencePool', args[args.indexOf('--pool-name') + 1]);
    expect(pool.metadata.namespace).toBe(args[args.indexOf('--pool-namespace') + 1]);
  });
});
