/**
 * Random inputs for every public construct, factory and method: "recipes" of plain data that
 * name the construct references they need (`ref('cache')`) and the factory calls they make
 * (`call('ExternalEndpoint.cidr', ...)`), materialized in each run's own platform. Every field
 * mixes valid values, invalid ones (the near misses each rule refuses) and garbage (wrong types,
 * NaN/Infinity, unicode, huge numbers, unknown fields, duck-typed look-alikes).
 */
import fc from 'fast-check';

/** A construct reference, resolved against the run's fixtures. */
export class Ref {
  constructor(public readonly name: RefName) {}
}
export type RefName = 'cache' | 'tool' | 'externalTool' | 'agent' | 'secret' | 'volume' | 'pool' | 'foreignCache' | 'foreignSecret' | 'duck' | 'platform';

/** A call of a public factory, made when the recipe is materialized. */
export class Call {
  constructor(public readonly fn: FactoryName, public readonly args: readonly unknown[]) {}
}
export type FactoryName =
  | 'ExternalEndpoint.internet' | 'ExternalEndpoint.https' | 'ExternalEndpoint.cidr'
  | 'EnvValue.fromValue' | 'EnvValue.fromConfigMap' | 'EnvValue.fromSecret' | 'EnvValue.fromFieldPath'
  | 'QueueTrigger.redisList' | 'QueueTrigger.rabbitMq' | 'QueueTrigger.kafka' | 'QueueTrigger.sqs' | 'QueueTrigger.prometheus'
  | 'InferenceFallback.cpuModel' | 'InferenceFallback.external'
  | 'InferenceRouting.service' | 'InferenceRouting.inferencePool' | 'InferenceGateway.fromName'
  | 'ScalingMetric.podsAverage' | 'ScalingMetric.latency' | 'ScalingMetric.external'
  | 'Environments.dev' | 'Environments.staging' | 'Environments.prod';

const ref = (name: RefName) => fc.constant(new Ref(name));
const call = (fn: FactoryName, ...args: fc.Arbitrary<unknown>[]) => fc.tuple(...args).map((a) => new Call(fn, a));

/** Values of the wrong type and the awkward ones: every field draws some of these. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -0, 0, 1e300, -1, 2 ** 53, true, false, '', ' ', '..', '.', '-', '--', 'a--b', '\u0000', 'Ω≈ç√', '💥', '1'.repeat(400)),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.anything({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constant(() => 'fn'),
  fc.constant(Symbol('sym')),
  ref('duck'),
  ref('platform'),
);

/** Mostly valid, sometimes invalid, now and then garbage. */
function mix<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown> = garbage): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: invalid, weight: 2 }, { arbitrary: garbage, weight: 1 });
}

/** Props: known fields, each optional and mixed, sometimes an unknown field, now and then no object at all. */
function props(fields: Record<string, fc.Arbitrary<unknown>>, required: string[] = []): fc.Arbitrary<unknown> {
  // A few fields at a time, so that valid prop sets are common enough to check their output.
  const optional = Object.keys(fields).filter((k) => !required.includes(k));
  const known = fc.subarray(optional, { maxLength: Math.min(5, optional.length) }).chain((keys) => fc.record(Object.fromEntries([...required, ...keys].filter((k) => k in fields).map((k) => [k, fields[k]]))));
  const withUnknown = fc.tuple(known, fc.constantFrom('replcas', 'imagee', 'x', 'constructor', '__proto__x'), garbage).map(([p, k, v]) => ({ ...(p as object), [k]: v }));
  return fc.oneof({ arbitrary: known, weight: 14 }, { arbitrary: withUnknown, weight: 1 }, { arbitrary: garbage, weight: 1 });
}

const names = mix(fc.stringMatching(/^[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,6}){0,2}$/), fc.constantFrom('Bad_Name', 'a--b', 'x'.repeat(70), '9lives', 'global', 'resource-quota', 'name-'));
const images = mix(fc.constantFrom('ghcr.io/acme/agent:1.0.0', 'acme/tool:2.3.1', 'registry.acme.io:5000/x/y@sha256:' + 'a'.repeat(64)), fc.constantFrom('acme/agent:latest', 'acme/agent', 'Acme/Agent:1', ':::', ''));
const ports = mix(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 65536, 70000, -1, 80.5, 1e21));
const cpu = mix(fc.constantFrom('100m', '250m', '1', '2', '0.5'), fc.constantFrom('0', '0.0001', '-1', '1' + '0'.repeat(400), '1e3', 'abc', '1.5m'));
const memory = mix(fc.constantFrom('64Mi', '256Mi', '1Gi', '2Gi', '512M'), fc.constantFrom('0', '1' + '0'.repeat(400) + 'Gi', '8Ei', '100m', '1GB', '-1Gi'));
const resources = mix(fc.record({ requests: mix(fc.record({ cpu, memory }, { requiredKeys: [] })), limits: mix(fc.record({ cpu, memory }, { requiredKeys: [] })) }, { requiredKeys: [] }));
const envNames = fc.oneof(fc.constantFrom('LOG_LEVEL', 'A', 'x.y-z', 'API_TOKEN'), fc.constantFrom('A=B', '1X', '', 'with space', 'Ω'));
export const envValues: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 10 }),
  call('EnvValue.fromValue', mix(fc.string({ maxLength: 8 }))),
  call('EnvValue.fromConfigMap', mix(fc.constant({ name: 'app-config' }), fc.constantFrom({ name: 'Bad Name' }, {}, 'app-config')), mix(fc.constantFrom('key', 'a.b'), fc.constantFrom('.', '..', '..x', undefined, ''))),
  call('EnvValue.fromSecret', mix(ref('secret'), fc.oneof(ref('foreignSecret'), fc.constant({ secretName: 'x', keys: ['password'] }))), mix(fc.constantFrom('password', 'username'), fc.constantFrom('.', '..', 'missing', undefined))),
  call('EnvValue.fromFieldPath', mix(fc.constantFrom('status.podIP', 'metadata.name', "metadata.labels['app']"), fc.constantFrom('spec.containers', '', 'status.phase'))),
  garbage,
);
const env = mix(fc.dictionary(envNames, envValues, { maxKeys: 3 }));
export const endpoints: fc.Arbitrary<unknown> = fc.oneof(
  call('ExternalEndpoint.https', mix(fc.constantFrom('api.openai.com', 'acme.atlassian.net'), fc.constantFrom('https://x.io', 'x.io:8443', ''))),
  call('ExternalEndpoint.internet', props({ ports: mix(fc.array(ports, { minLength: 1, maxLength: 2 })), except: mix(fc.array(fc.constantFrom('10.0.0.0/8', '::/0', '1.2.3.4/33'), { maxLength: 2 })), hosts: mix(fc.array(fc.constantFrom('api.x.io', 'bad host'), { maxLength: 2 })) })),
  call('ExternalEndpoint.cidr', mix(fc.constantFrom('10.20.0.0/16', '2001:db8::/32', '0.0.0.0/0'), fc.constantFrom('10.0.0.1', '010.0.0.0/8', '300.0.0.0/8', '10.0.0.0/33', '::/129', '')), props({ ports: mix(fc.array(ports, { minLength: 1, maxLength: 2 })), except: mix(fc.array(fc.constantFrom('10.20.1.0/24', '11.0.0.0/8', '10.20.0.0/16', '2001:db8::/48'), { maxLength: 2 })) })),
  garbage,
);
const externalEndpoints = mix(fc.array(endpoints, { maxLength: 2 }));
const healthCheck = mix(fc.record({
  path: mix(fc.constantFrom('/health', '/healthz'), fc.constantFrom('health', '/with space')),
  command: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: mix(fc.constant(['/bin/check']), fc.constantFrom([], [1])), weight: 1 }),
  livenessPath: mix(fc.constant('/live')),
  startupTimeoutSeconds: mix(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(0, 3601)),
  failureThreshold: mix(fc.integer({ min: 1, max: 30 })),
}, { requiredKeys: [] }));
export const scalingMetrics: fc.Arbitrary<unknown> = fc.oneof(
  call('ScalingMetric.podsAverage', mix(fc.constantFrom('http_requests_in_flight', 'queue_depth'), fc.constantFrom('', 'a/b', '%', '..')), mix(fc.constantFrom('10', '500m'), fc.constantFrom('0', '-1', 'abc', '1' + '0'.repeat(40))), fc.option(mix(fc.constant({ app: 'x' }), fc.constant({ 'bad key!': 'v' })), { nil: undefined })),
  call('ScalingMetric.latency', mix(fc.constant('http_server_request_duration_seconds_p95')), mix(fc.constantFrom('2', '500m'))),
  call('ScalingMetric.external', mix(fc.constant('sqs_messages')), mix(fc.constant('5'))),
  garbage,
);
const replicaCount = mix(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0, -1, 1.5, 1001));
const autoscaling = mix(fc.record({
  enabled: mix(fc.boolean()),
  minReplicas: replicaCount,
  maxReplicas: replicaCount,
  cpuUtilization: mix(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0, 101)),
  metrics: mix(fc.array(scalingMetrics, { maxLength: 2 })),
}, { requiredKeys: [] }));
export const triggers: fc.Arbitrary<unknown> = fc.oneof(
  call('QueueTrigger.redisList', mix(ref('cache'), fc.oneof(ref('foreignCache'), ref('duck'))), props({ listName: mix(fc.constant('tasks'), fc.constant('')), listLength: mix(fc.integer({ min: 1, max: 50 }), fc.constantFrom(0, 1.5, -3)), databaseIndex: mix(fc.integer({ min: 0, max: 15 }), fc.constant(16)) }, ['listName'])),
  call('QueueTrigger.rabbitMq', props({ queueName: mix(fc.constant('q')), connection: mix(fc.record({ secret: mix(ref('secret'), ref('foreignSecret')), key: mix(fc.constant('password')) })), messagesPerReplica: mix(fc.integer({ min: 1, max: 50 })) }, ['queueName', 'connection'])),
  call('QueueTrigger.kafka', props({ bootstrapServers: mix(fc.constant('kafka:9092'), fc.constantFrom('kafka', 'kafka:0', 'kafka:99999')), consumerGroup: mix(fc.constant('g')), topic: mix(fc.constant('t')), lagThreshold: mix(fc.integer({ min: 1, max: 100 })) }, ['bootstrapServers', 'consumerGroup', 'topic'])),
  call('QueueTrigger.sqs', props({ queueUrl: mix(fc.constant('https://sqs.eu-west-1.amazonaws.com/1/q'), fc.constantFrom('https://sqs:0/q', 'sqs')), region: mix(fc.constant('eu-west-1'), fc.constant('EU')) }, ['queueUrl', 'region'])),
  call('QueueTrigger.prometheus', props({ serverAddress: mix(fc.constant('http://prometheus.monitoring.svc:9090'), fc.constantFrom('http://p:0', 'p:9090')), query: mix(fc.constant('sum(jobs)')), threshold: mix(fc.double({ min: 0.5, max: 100, noNaN: true }), fc.constantFrom(0, NaN, Infinity)) }, ['serverAddress', 'query', 'threshold'])),
  garbage,
);
const queueScaling = mix(fc.record({
  triggers: mix(fc.array(triggers, { minLength: 1, maxLength: 2 }), fc.constant([])),
  enabled: mix(fc.boolean()),
  minReplicas: mix(fc.integer({ min: 0, max: 5 })),
  maxReplicas: mix(fc.integer({ min: 1, max: 30 })),
}, { requiredKeys: ['triggers'] }));
const annotations = mix(fc.dictionary(fc.constantFrom('team', 'acme.io/owner'), fc.string({ maxLength: 10 }), { maxKeys: 2 }), fc.constantFrom({ big: 'x'.repeat(270_000) }, { 'Bad Key': 'x' }));
const sharedVolumes = mix(fc.array(fc.record({ volume: mix(ref('volume'), ref('duck')), mountPath: mix(fc.constantFrom('/vault', '/data'), fc.constantFrom('/tmp', 'relative', '/a/../b')), readOnly: mix(fc.boolean()) }, { requiredKeys: ['volume', 'mountPath'] }), { maxLength: 2 }));

const container = {
  name: names, image: images, command: mix(fc.constant(['/app/run'])), env, resources, externalEndpoints,
  tmpSizeLimit: mix(fc.constant('256Mi'), fc.constant('0')), podAnnotations: annotations,
  security: mix(fc.record({ runAsUser: mix(fc.integer({ min: 1, max: 65535 }), fc.constant(0)) }, { requiredKeys: [] })),
};
const service = {
  ...container, port: ports, servicePort: ports, healthCheck, replicas: replicaCount, autoscaling, queueScaling,
  metrics: mix(fc.record({ enabled: mix(fc.boolean()), port: ports, path: mix(fc.constant('/metrics')) }, { requiredKeys: [] })),
  ingress: mix(fc.record({ host: mix(fc.constant('api.agents.example.com')), annotations }, { requiredKeys: [] })),
  cache: mix(ref('cache'), fc.oneof(ref('foreignCache'), ref('tool'))), sharedVolumes,
  terminationGracePeriodSeconds: mix(fc.integer({ min: 0, max: 3600 })), preStopDelaySeconds: mix(fc.integer({ min: 0, max: 300 })),
};

export const agentProps = props({
  ...service, mode: mix(fc.constantFrom('api', 'worker')),
  tools: mix(fc.array(fc.oneof(ref('tool'), ref('externalTool'), ref('duck')), { maxLength: 2 })), inference: mix(ref('pool')), calls: mix(fc.array(fc.oneof(ref('agent'), ref('duck')), { maxLength: 1 })),
}, ['image']);
export const mcpProps = props({
  ...service, mcpPath: mix(fc.constant('/mcp'), fc.constant('mcp')), transport: mix(fc.constantFrom('streamable-http', 'sse')),
  stdioBridge: mix(fc.record({ command: mix(fc.constantFrom(['python3', '-m', 'server'], ['/usr/local/bin/server'])), relayPort: ports }, { requiredKeys: ['command'] })),
}, ['image']);
export const redisProps = props({
  name: names, usage: mix(fc.constantFrom('cache', 'queue', 'agent-memory')), maxMemory: memory, storageSize: memory, resources,
  passwordSecret: mix(ref('secret'), ref('foreignSecret')), passwordKey: mix(fc.constantFrom('password', 'username'), fc.constantFrom('..', '.')), exporter: mix(fc.boolean()),
});
export const fallbacks: fc.Arbitrary<unknown> = fc.oneof(
  call('InferenceFallback.cpuModel', props({ model: mix(fc.constant('Qwen/Qwen2.5-0.5B-Instruct'), fc.constant('')), maxModelLength: mix(fc.integer({ min: 256, max: 8192 })), resources }, ['model'])),
  call('InferenceFallback.external', props({ baseUrl: mix(fc.constantFrom('https://api.openai.com/v1', 'http://vllm.shared.svc:8000/v1'), fc.constantFrom('https://x:0/v1', 'http://x:70000', 'ftp://x', 'x.io/v1')), model: mix(fc.constant('gpt-4o-mini')), endpoint: mix(endpoints) }, ['baseUrl', 'model'])),
  garbage,
);
/** A pinned model (an environment that pins images refuses a floating revision). */
export const PINNED_MODEL = 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659';
const gateways = fc.oneof(
  call('InferenceGateway.fromName', mix(fc.constant('inference-gateway'), fc.constantFrom('Bad_Gateway', '')), props({
    namespace: mix(fc.constant('gateway-system'), fc.constantFrom('agents', 'Bad_NS')), url: mix(fc.constant('http://inference-gateway.gateway-system.svc'), fc.constantFrom('inference-gateway', 'http://x/v1', 'http://x:0')),
    podPort: ports, podLabels: mix(fc.constant({ 'gateway.networking.k8s.io/gateway-name': 'inference-gateway' }), fc.constant({})),
  }, ['namespace', 'url'])),
  garbage,
);
const routings = fc.oneof(
  call('InferenceRouting.service'),
  call('InferenceRouting.inferencePool', props({
    gateway: gateways, hostnames: mix(fc.constant(['llm.agents.example.com']), fc.constant(['Bad Host'])), requestTimeoutSeconds: mix(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(0, 86401)),
    endpointPicker: mix(fc.record({ replicas: mix(fc.integer({ min: 1, max: 3 }), fc.constant(11)), image: mix(fc.constant('registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0'), fc.constant('registry.k8s.io/gateway-api-inference-extension/epp:latest')), scorers: mix(fc.record({ queue: mix(fc.integer({ min: 0, max: 5 })), kvCache: mix(fc.integer({ min: 0, max: 5 })), prefixCache: mix(fc.integer({ min: 0, max: 5 })) }, { requiredKeys: [] }), fc.constant({ queue: 0, kvCache: 0, prefixCache: 0 })), failureMode: mix(fc.constantFrom('FailOpen', 'FailClose')), kubernetesApi: mix(endpoints) }, { requiredKeys: [] })),
    inDevelopment: mix(fc.boolean()),
  }, ['gateway'])),
  garbage,
);
export const poolProps = props({
  name: names, model: mix(fc.constant(PINNED_MODEL), fc.constantFrom('meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct@main', 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f', 'a b')), image: images, replicas: replicaCount, autoscaling,
  resources, fallback: mix(fallbacks), huggingFaceToken: mix(fc.record({ secret: mix(ref('secret'), ref('foreignSecret')), key: mix(fc.constant('password')) })),
  modelSize: mix(fc.constantFrom('1Gi', '16Gi', '140Gi'), fc.constantFrom('0', '-1Gi', '1GB')),
  gpus: mix(fc.record({ count: mix(fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, 1.5, NaN)), resource: mix(fc.constantFrom('nvidia.com/gpu', 'nvidia.com/mig-1g.10gb', 'nvidia.com/mig-3g.40gb'), fc.constantFrom('nvidia.com/mig-3g40gb', 'gpu')) }, { requiredKeys: [] })),
  tensorParallelSize: mix(fc.integer({ min: 1, max: 8 })), pipelineParallelSize: mix(fc.integer({ min: 1, max: 2 })), nodes: mix(fc.integer({ min: 1, max: 2 }), fc.constantFrom(0, 65)),
  tolerations: mix(fc.array(fc.record({ key: mix(fc.constant('nvidia.com/gpu')), operator: mix(fc.constantFrom('Exists', 'Equal')), value: mix(fc.constant('present')), effect: mix(fc.constant('NoSchedule')) }, { requiredKeys: ['key'] }), { maxLength: 2 })),
  rollout: mix(fc.record({ maxSurge: mix(fc.integer({ min: 0, max: 2 })), maxUnavailable: mix(fc.integer({ min: 0, max: 2 })) }, { requiredKeys: [] })),
  disruptionBudget: mix(fc.record({ maxUnavailable: mix(fc.integer({ min: 0, max: 2 })), minAvailable: mix(fc.integer({ min: 0, max: 3 })) }, { requiredKeys: [] })),
  routing: mix(routings),
  scaling: mix(fc.record({ prometheusUrl: mix(fc.constant('http://prometheus-operated.monitoring.svc:9090'), fc.constant('prometheus:9090')), minReplicas: mix(fc.integer({ min: 0, max: 3 })), maxReplicas: mix(fc.integer({ min: 1, max: 8 })), scaleToZero: mix(fc.record({ coldStartBudgetSeconds: mix(fc.integer({ min: 300, max: 7200 })) })) }, { requiredKeys: ['prometheusUrl'] })),
}, ['model']);
export const batchProps = props({
  ...container, schedule: mix(fc.constantFrom('0 2 * * *', '*/5 * * * *'), fc.constantFrom('61 * * * *', 'nightly')), timeZone: mix(fc.constant('Europe/Berlin'), fc.constant('Mars/Olympus')),
  concurrencyPolicy: mix(fc.constantFrom('Forbid', 'Allow', 'Replace')), backoffLimit: mix(fc.integer({ min: 0, max: 100 })),
  tools: mix(fc.array(fc.oneof(ref('tool'), ref('duck')), { maxLength: 2 })), cache: mix(ref('cache'), ref('foreignCache')), inference: mix(ref('pool')),
}, ['image']);
export const secretProps = props({
  name: names, keys: mix(fc.array(fc.constantFrom('password', 'user.name', 'token'), { minLength: 1, maxLength: 3 }), fc.constantFrom(['.'], ['..'], ['..x'], [], ['a b'])),
  remoteKeys: mix(fc.constant({ password: 'app/password' })), literalValues: mix(fc.constant({ password: 'x' })),
}, ['keys']);
export const volumeProps = props({ name: names, size: memory, hostPath: mix(fc.constantFrom('/mnt/data/vault'), fc.constantFrom('relative', '/a/../b', '/..')), storageClassName: mix(fc.constant('efs-sc')) });
export const stackProps = props({
  otlpEndpoint: mix(fc.constant('http://otel-collector.monitoring.svc:4317'), fc.constantFrom('http://otel-collector.monitoring.svc:0', 'http://otel-collector.monitoring.svc:99999', 'http://x:4317')),
  cadvisor: mix(fc.boolean()), kubernetesApi: mix(endpoints),
});
export const externalToolOptions = props({ name: names, namespace: mix(fc.constant('shared-tools'), fc.constant('Bad_NS')), port: ports, mcpPath: mix(fc.constant('/mcp')), transport: mix(fc.constantFrom('sse', 'streamable-http')) }, ['name', 'namespace']);
const overrides = mix(fc.record({
  namespace: mix(fc.constant('agents'), fc.constant('Bad_NS')),
  replicas: mix(fc.record({ default: replicaCount, max: replicaCount }, { requiredKeys: [] })),
  autoscaling: mix(fc.record({ enabled: mix(fc.boolean()), maxReplicas: replicaCount }, { requiredKeys: [] })),
  availability: mix(fc.record({ podDisruptionBudgets: mix(fc.boolean()), spreadAcrossNodes: mix(fc.constantFrom('required', 'preferred', 'none')) }, { requiredKeys: [] })),
  name: mix(fc.constantFrom('dev', 'qa', 'prod'), fc.constantFrom({}, 'Bad Name')),
}, { requiredKeys: [] }));
export const environmentCalls = fc.tuple(fc.constantFrom<FactoryName>('Environments.dev', 'Environments.staging', 'Environments.prod'), fc.array(overrides, { maxLength: 2 })).map(([fn, args]) => new Call(fn, args));

/** Arguments of the public methods of a workload. */
export const methodCalls = fc.oneof(
  fc.tuple(fc.constant('addEnv'), envNames, envValues),
  fc.tuple(fc.constant('addTool'), fc.oneof(ref('tool'), ref('externalTool'), ref('duck'), garbage)),
  fc.tuple(fc.constant('callAgent'), fc.oneof(ref('agent'), ref('duck'), garbage)),
  fc.tuple(fc.constant('useInference'), fc.oneof(ref('pool'), ref('duck'), garbage)),
  fc.tuple(fc.constant('useCache'), fc.oneof(ref('cache'), ref('foreignCache'), ref('duck'), garbage)),
  fc.tuple(fc.constant('mountSharedVolume'), fc.oneof(ref('volume'), ref('duck'), garbage), mix(fc.constant('/data'), fc.constantFrom('/tmp', 'rel', '/a/..'))),
  fc.tuple(fc.constant('allowExternal'), endpoints),
).map((args) => args as unknown[]);
export { fc };
