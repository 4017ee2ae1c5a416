import { App } from 'cdk8s';
import {
  AgentMicroservice, AgentMode, HelmChartWriter, AgentPlatform, type AgentAppDefinition, collectProblems, EnvValue, Environments, ExternalEndpoint, GpuInferencePool,
  InferenceFallback, McpToolService, ObservabilityMode, ObservabilityStack, QueueTrigger, RedisCacheStatefulSet, RedisUsage, renderApps, ScalingMetric,
  SecretSource, SharedVolume, SynthesisError, type EnvironmentConfig,
} from '../../lib';

const IMAGE = 'ghcr.io/acme/agent:1.0.0';
export const prod = (): EnvironmentConfig => Environments.prod({ namespace: 'agents' });
export const dev = (): EnvironmentConfig => Environments.dev({ namespace: 'agents' });

export function platform(environment: EnvironmentConfig = prod(), id = 'test'): AgentPlatform {
  return new AgentPlatform(new App({ outdir: '.' }), id, { appName: 'test', environment });
}

/** The problems of a build in a fresh platform. */
export function problems(build: (p: AgentPlatform) => void, environment?: EnvironmentConfig): string[] {
  const p = platform(environment);
  build(p);
  return collectProblems(p);
}

/** The problems of a SynthesisError thrown by `fn`. */
export function thrown(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (SynthesisError.isSynthesisError(error)) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('nothing was thrown');
}

const agent = (p: AgentPlatform, props: Record<string, unknown>) => new AgentMicroservice(p, 'agent', { image: IMAGE, ...props } as never);

/** Each rule: a build that breaks it, and the exact problems. */
export const CASES: Record<string, () => readonly string[]> = {
  'env var name in props': () => problems((p) => agent(p, { env: { 'A=B': 'x', '1X': 'y' } })),
  'env var name in addEnv': () => problems((p) => agent(p, {}).addEnv('', 'x')),
  'quantity beyond 2^63-1': () => problems((p) => agent(p, { resources: { limits: { memory: `1${'0'.repeat(400)}Gi` } } })),
  'CPU finer than 1m': () => problems((p) => agent(p, { resources: { requests: { cpu: '0.0001' } } })),
  'quota Kubernetes cannot represent': () => problems((p) => {
    for (const id of ['a', 'b']) {
      new AgentMicroservice(p, id, { image: IMAGE, resources: { requests: { memory: '7Ei' }, limits: { memory: '7Ei' } } });
    }
  }),
  'malformed CIDR': () => problems((p) => agent(p, { externalEndpoints: [ExternalEndpoint.cidr('010.0.0.0/8')] })),
  'except outside the block': () => problems((p) => agent(p, { externalEndpoints: [ExternalEndpoint.cidr('10.20.0.0/16', { except: ['10.30.0.0/24'] })] })),
  'https host with a port': () => problems((p) => agent(p, { externalEndpoints: [ExternalEndpoint.https('api.acme.io:8443')] })),
  'endpoint port above 65535': () => problems((p) => agent(p, { externalEndpoints: [ExternalEndpoint.internet({ ports: [70000] })] })),
  'metrics port 0': () => problems((p) => agent(p, { metrics: { port: 0 } })),
  'otlpEndpoint port 0': () => problems((p) => {
    agent(p, {});
    new ObservabilityStack(p, 'observability', { otlpEndpoint: 'http://otel-collector.monitoring.svc:0' });
  }, Environments.prod({ namespace: 'agents', observability: { mode: ObservabilityMode.OPERATOR } })),
  'external fallback URL port 0': () => problems((p) => new GpuInferencePool(p, 'llm', { model: 'm', fallback: InferenceFallback.external({ baseUrl: 'https://api.acme.io:0/v1', model: 'x' }) }), dev()),
  'hostPath with ..': () => problems((p) => new SharedVolume(p, 'vault', { hostPath: '/mnt/../etc' }), dev()),
  'duplicate mount path': () => problems((p) => agent(p, { sharedVolumes: [{ volume: new SharedVolume(p, 'vault', {}), mountPath: '/tmp' }] })),
  'Secret key ..': () => problems((p) => new SecretSource(p, 'creds', { keys: ['..'] })),
  'ConfigMap reference without a key': () => problems((p) => agent(p, { env: { X: EnvValue.fromConfigMap({ name: 'app-config' }, undefined as never) } })),
  'Secret reference that is not a SecretSource': () => problems((p) => agent(p, { env: { DB_PASSWORD: EnvValue.fromSecret({ secretName: 'db', keys: ['password'] } as never, 'password') } })),
  'pod field the downward API does not give': () => problems((p) => agent(p, { env: { PHASE: EnvValue.fromFieldPath('status.phase') } })),
  'health command and path on one probe': () => problems((p) => agent(p, { healthCheck: { command: ['/bin/check'], path: '/health' } })),
  'health command on a stdio bridge': () => problems((p) => new McpToolService(p, 'tool', { image: IMAGE, stdioBridge: { command: ['node', 'index.js'] }, healthCheck: { command: ['/bin/check'] } })),
  'annotations over 256 KiB': () => problems((p) => agent(p, { podAnnotations: { big: 'x'.repeat(262_144) } })),
  'tool of another platform': () => problems((p) => agent(p, { tools: [new McpToolService(platform(dev(), 'other'), 'tool', { image: IMAGE })] })),
  'secret of another platform': () => problems((p) => agent(p, { env: { DB_PASSWORD: new SecretSource(platform(dev(), 'other'), 'db', { keys: ['password'] }).envValue('password') } })),
  'queue of another platform': () => problems((p) => agent(p, {
    mode: AgentMode.WORKER, healthCheck: { command: ['/bin/check'] },
    queueScaling: { triggers: [QueueTrigger.redisList(new RedisCacheStatefulSet(platform(prod(), 'other'), 'queue', { usage: RedisUsage.QUEUE }), { listName: 'tasks' })] },
  })),
  'duck-typed tool': () => problems((p) => agent(p, { tools: [{ bindingEnv: () => ({}), connections: {}, node: {}, wireName: 'x' }] })),
  'callAgent with a plain object': () => problems((p) => agent(p, {}).callAgent({ mode: 'api' } as never)),
  'multi-replica environment without PDB': () => problems(() => undefined, Environments.prod({ namespace: 'agents', availability: { podDisruptionBudgets: false } })),
  'environment override that is not an object': () => problems(() => undefined, Environments.prod('agents' as never)),
  'worker without a port or a command': () => problems((p) => agent(p, { mode: AgentMode.WORKER })),
  'Kafka broker without a port': () => problems((p) => agent(p, { mode: AgentMode.WORKER, healthCheck: { command: ['/bin/check'] }, queueScaling: { triggers: [QueueTrigger.kafka({ bootstrapServers: 'kafka', consumerGroup: 'g', topic: 't' })] } })),
  'metric name with a slash': () => problems((p) => agent(p, { autoscaling: { metrics: [ScalingMetric.podsAverage('a/b', '10')] } })),
  'a number where a string is expected, NaN shown as NaN': () => problems((p) => agent(p, { port: NaN })),
  'workload named global (Helm values key)': () => thrown(() => renderHelm('global')),
  'duplicate app names': () => thrown(() => renderApps([app('twice'), app('twice')])),
  'duplicate environment names': () => thrown(() => renderApps([{ ...app('envs'), environments: [prod(), prod()] }])),
  'non-string environment name': () => thrown(() => renderApps([{ ...app('odd'), environments: [Environments.prod({ name: { x: 1 } as never, namespace: 'odd' })] }])),
  'definitions that are not a list': () => thrown(() => renderApps('evaluation' as never)),
  'id that is not a string': () => thrown(() => new AgentMicroservice(platform(), 42 as never, { image: IMAGE })),
  'id used twice': () => thrown(() => {
    const p = platform();
    agent(p, {});
    agent(p, {});
  }),
};

function app(name: string): AgentAppDefinition {
  return { name, environments: [prod()], build: (p) => agent(p, {}) };
}

function renderHelm(name: string): void {
  const environments = renderApps([{ name: 'helm', environments: [prod()], build: (p) => new AgentMicroservice(p, 'x', { image: IMAGE, name }) }]);
  new HelmChartWriter({ version: '0.1.0' }).files(environments);
}
