import * as path from 'path';
import {
  AgentBatchJob, AgentMicroservice, AgentPlatform, ConcurrencyPolicy, ConfigFile, ConfigFiles, type EnvironmentConfig, Environments, GpuInferencePool, type KubeObject, McpToolService,
  McpTransport, ObservabilityMode, ObservabilityStack, RedisCacheStatefulSet, RedisUsage, SecretBackend, SecretSource, SharedVolume,
} from '../../lib';
import { App } from 'cdk8s';
import { at, problemsOf, synth, synthPlatform, type Synthesized } from '../helpers/synth';
import { documentedDefaults } from './typescript';

/**
 * Every documented default of every construct, checked against the rendered output (issue 17,
 * items 4 and 7). The list of props to pin comes from the compiler (each optional prop of the
 * construct's props interface, inherited ones included), so a prop added with a `@default` and
 * no pin here fails the "every documented default is pinned" test. Each pin builds the construct
 * with only its required props (production unless said otherwise), validates the output strictly
 * and asserts the documented value, written here, never read from the library.
 */

type Pin = () => void;

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const NS = 'agents';
const prod = (overrides: Parameters<typeof Environments.prod>[0] = {}): EnvironmentConfig =>
  Environments.prod({ namespace: NS, storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' } }, overrides);
const DNS_ONLY = [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] }];
const RESTRICTED = { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } };

const podOf = (o: KubeObject): Record<string, unknown> => at(o, o.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec') as Record<string, unknown>;
const mainOf = (o: KubeObject): Record<string, unknown> => (podOf(o).containers as Record<string, unknown>[])[0];
const envNames = (o: KubeObject): string[] => ((mainOf(o).env ?? []) as { name: string }[]).map((e) => e.name);
const configText = (s: Synthesized, name: string, file: string): string => (at(s.get('ConfigMap', name), 'data') as Record<string, string>)[file];

// ---------------------------------------------------------------- services (agents and MCP tools)

interface ServiceExpectations {
  readonly name: string;
  readonly preset: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  /** Startup budget / 5 s. */
  readonly startupFailures: number;
}

/** The documented defaults every HTTP service shares (ServiceWorkloadProps, ContainerWorkloadProps, WorkloadOptions). */
function servicePins(s: () => Synthesized, noHpa: () => Synthesized, e: ServiceExpectations): Record<string, Pin> {
  const deployment = () => s().get('Deployment', e.name);
  const main = () => mainOf(deployment());
  return {
    name: () => expect(s().find('Deployment', e.name)?.metadata.name).toBe(e.name),
    port: () => expect(main().ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]),
    servicePort: () => expect(at(s().get('Service', e.name), 'spec.ports')).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]),
    healthCheck: () => {
      expect(at(main(), 'readinessProbe.httpGet')).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
      expect(at(main(), 'livenessProbe.httpGet')).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
      expect([at(main(), 'startupProbe.periodSeconds'), at(main(), 'startupProbe.failureThreshold')]).toEqual([5, e.startupFailures]);
    },
    replicas: () => expect(at(noHpa().get('Deployment', e.name), 'spec.replicas')).toBe(3),
    autoscaling: () => {
      expect(at(s().get('HorizontalPodAutoscaler', e.name), 'spec')).toMatchObject({
        minReplicas: 3, maxReplicas: 10,
        metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 70 } } }, { resource: { name: 'memory', target: { averageUtilization: 75 } } }],
      });
      expect(at(deployment(), 'spec.replicas')).toBeUndefined();
    },
    terminationGracePeriodSeconds: () => expect(podOf(deployment()).terminationGracePeriodSeconds).toBe(60),
    preStopDelaySeconds: () => expect(main().lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } }),
    // metrics.port: 9464 for agents and MCP tools, where an OpenTelemetry SDK serves Prometheus metrics
    metrics: () => expect(at(deployment(), 'spec.template.metadata.annotations')).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' }),
    ingress: () => expect(s().all('Ingress')).toEqual([]),
    automountServiceAccountToken: () => {
      expect(at(s().get('ServiceAccount', e.name), 'automountServiceAccountToken')).toBe(false);
      expect(podOf(deployment()).automountServiceAccountToken).toBe(false);
    },
    queueScaling: () => expect(s().all('ScaledObject')).toEqual([]),
    cache: () => expect(envNames(deployment()).filter((n) => n.startsWith('REDIS_'))).toEqual([]),
    sharedVolumes: () => expect(podOf(deployment()).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '512Mi' } }]),
    configFiles: () => {
      expect(main().volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(s().all('ConfigMap')).toEqual([]);
    },
    command: () => expect(main().command).toBeUndefined(),
    args: () => expect(main().args).toBeUndefined(),
    // nothing of the user's: only the variables that make an OpenTelemetry SDK serve metrics on 9464
    env: () => expect(main().env).toEqual([
      { name: 'OTEL_METRICS_EXPORTER', value: 'prometheus' }, { name: 'OTEL_EXPORTER_PROMETHEUS_HOST', value: '0.0.0.0' }, { name: 'OTEL_EXPORTER_PROMETHEUS_PORT', value: '9464' },
    ]),
    rollout: () => {
      expect(s().all('Rollout')).toEqual([]);
      expect(at(deployment(), 'spec.strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    },
    resources: () => expect(main().resources).toEqual(e.preset),
    security: () => {
      expect(podOf(deployment()).securityContext).toEqual(POD_SECURITY);
      expect(main().securityContext).toEqual(RESTRICTED);
    },
    externalEndpoints: () => expect(at(s().get('NetworkPolicy', e.name), 'spec.egress')).toEqual(DNS_ONLY),
    tmpSizeLimit: () => expect(podOf(deployment()).volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '512Mi' } }),
    podAnnotations: () => expect(Object.keys(at(deployment(), 'spec.template.metadata.annotations') as object).sort()).toEqual(['prometheus.io/path', 'prometheus.io/port', 'prometheus.io/scrape']),
  };
}

const agent = lazy(() => synth((p) => new AgentMicroservice(p, 'SupportAgent', { image: 'agent:1.0.0' }), prod()));
const agentNoHpa = lazy(() => synth((p) => new AgentMicroservice(p, 'SupportAgent', { image: 'agent:1.0.0', autoscaling: { enabled: false } }), prod()));

const tool = lazy(() => synth((p) => new McpToolService(p, 'SearchTool', { image: 'tool:1.0.0' }), prod()));
const toolNoHpa = lazy(() => synth((p) => new McpToolService(p, 'SearchTool', { image: 'tool:1.0.0', autoscaling: { enabled: false } }), prod()));
let toolConstruct: McpToolService | undefined;
const sseTool = lazy(() => synth((p) => {
  toolConstruct = new McpToolService(p, 'legacy', { image: 'tool:1.0.0', transport: McpTransport.SSE });
}, prod()));

// ---------------------------------------------------------------- the table of every construct

interface ConstructDefaults {
  /** The props interface, as exported by lib/index.ts. */
  readonly props: string;
  readonly pins: Readonly<Record<string, Pin>>;
}

let redis: RedisCacheStatefulSet | undefined;
const cache = lazy(() => synth((p) => {
  redis = new RedisCacheStatefulSet(p, 'ContextCache');
}, prod()));
const queue = lazy(() => synth((p) => new RedisCacheStatefulSet(p, 'jobs', { usage: RedisUsage.QUEUE }), prod()));
const redisConf = () => configText(cache(), 'context-cache-config', 'redis.conf').split('\n');
const redisSet = () => cache().get('StatefulSet', 'context-cache');
const redisContainer = (name: string) => (podOf(redisSet()).containers as Record<string, unknown>[]).find((c) => c.name === name);

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const REVISION = '0e9e39f249a16976918f6564b8830bc894c89659';
const pool = lazy(() => synth((p) => new GpuInferencePool(p, 'Llm', { model: `${MODEL}@${REVISION}` }), prod()));
const poolDeployment = () => pool().get('Deployment', 'llm');
const poolArgs = () => mainOf(poolDeployment()).args as string[];
const weightsJob = () => {
  const jobs = pool().all('Job').filter((j) => j.metadata.name.startsWith('llm-weights-'));
  expect(jobs).toHaveLength(1);
  return jobs[0];
};

const job = lazy(() => synth((p) => new AgentBatchJob(p, 'Reindex', { image: 'reindex:1.0.0' }), prod()));
const cron = lazy(() => synth((p) => new AgentBatchJob(p, 'nightly', { image: 'reindex:1.0.0', schedule: '0 2 * * *' }), prod()));
const jobResource = () => job().get('Job', 'reindex');
const cronResource = () => cron().get('CronJob', 'nightly');

let secretSource: SecretSource | undefined;
const secret = lazy(() => synth((p) => {
  secretSource = new SecretSource(p, 'ApiKeys', { keys: ['openai'] });
}, prod()));
const externalSecret = lazy(() => synth((p) => new SecretSource(p, 'api-keys', { keys: ['openai'] }), prod({ secrets: { backend: SecretBackend.EXTERNAL_SECRETS, store: { name: 'vault', kind: 'ClusterSecretStore' }, remoteKeyPrefix: 'prod/' } })));

const shared = lazy(() => synth((p) => new SharedVolume(p, 'Vault'), prod()));
const configFiles = lazy(() => synth((p) => {
  const files = new ConfigFiles(p, 'JdStructure', { files: [ConfigFile.fromFile(path.join(__dirname, '..', '..', 'apps', 'jd.yaml'))] });
  new McpToolService(p, 'classifier', { image: 'classifier:1.0.0', configFiles: [{ files, mountPath: '/etc/jd' }] });
}, prod()));
const sharedInDev = lazy(() => synth((p) => new SharedVolume(p, 'vault'), Environments.dev({ namespace: NS, storage: { sharedStorageClassName: 'efs-sc' } })));

let stackConstruct: ObservabilityStack | undefined;
const stack = lazy(() => synth((p) => {
  new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
  stackConstruct = new ObservabilityStack(p, 'observability');
}, prod({ observability: { mode: ObservabilityMode.SELF_HOSTED } })));
const operatorStack = lazy(() => synth((p) => {
  new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
  new ObservabilityStack(p, 'observability');
}, prod({ observability: { mode: ObservabilityMode.OPERATOR } })));
const server = (name: string) => stack().find('StatefulSet', name) ?? stack().get('Deployment', name);
const serverContainer = (name: string) => mainOf(server(name));
const claimSize = (name: string) => at(server(name), 'spec.volumeClaimTemplates.0.spec.resources.requests.storage');
const claimClass = (name: string) => at(server(name), 'spec.volumeClaimTemplates.0.spec.storageClassName');

function serverPins(name: string, image: string, resources: object, extra: Record<string, Pin>): Record<string, Pin> {
  return {
    image: () => expect(serverContainer(name).image).toBe(image),
    resources: () => expect(serverContainer(name).resources).toEqual(resources),
    ...extra,
  };
}

let platformConstruct: AgentPlatform | undefined;
const platform = lazy(() => {
  platformConstruct = new AgentPlatform(new App({ outdir: '.' }), 'support-copilot');
  new AgentMicroservice(platformConstruct, 'agent', { image: 'agent:1.0.0' });
  return synthPlatform(platformConstruct);
});

const withSidecar = lazy(() => synth((p) => {
  const a = new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
  a.addSidecar({ name: 'proxy', image: 'proxy:1.0.0', ports: [{ name: 'proxy', port: 9000 }] });
  a.addSidecar({ name: 'shipper', image: 'shipper:1.0.0' });
  a.addInitContainer({ name: 'migrate', image: 'migrate:1.0.0' });
}, prod()));
const added = (name: string) => [...(podOf(withSidecar().get('Deployment', 'agent')).containers as Record<string, unknown>[]), ...((podOf(withSidecar().get('Deployment', 'agent')).initContainers ?? []) as Record<string, unknown>[])]
  .find((c) => c.name === name) as Record<string, unknown>;
const TOOL_WORKER = { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const containerOptionPins = (name: string): Record<string, Pin> => ({
  command: () => expect(added(name).command).toBeUndefined(),
  args: () => expect(added(name).args).toBeUndefined(),
  env: () => expect(added(name).env).toBeUndefined(),
  resources: () => expect(added(name).resources).toEqual(TOOL_WORKER),
  mounts: () => expect(added(name).volumeMounts).toBeUndefined(),
  externalEndpoints: () => expect(at(withSidecar().get('NetworkPolicy', 'agent'), 'spec.egress')).toEqual(DNS_ONLY),
  readOnlyRootFilesystem: () => expect(added(name).securityContext).toEqual(RESTRICTED),
});

const DEFAULTS: Readonly<Record<string, ConstructDefaults>> = {
  AgentPlatform: {
    props: 'AgentPlatformProps',
    pins: {
      appName: () => expect(at(platform().get('Deployment', 'agent'), 'metadata.labels')).toMatchObject({ 'app.kubernetes.io/part-of': 'support-copilot' }),
      environment: () => {
        expect(platformConstruct?.environment.name).toBe('prod');
        expect(platform().get('Deployment', 'agent').metadata.namespace).toBe('default');
        expect(platform().get('HorizontalPodAutoscaler', 'agent')).toBeDefined();
      },
    },
  },
  AgentMicroservice: {
    props: 'AgentMicroserviceProps',
    pins: {
      ...servicePins(agent, agentNoHpa, { name: 'support-agent', preset: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } }, startupFailures: 60 }),
      mode: () => {
        expect(agent().get('Service', 'support-agent')).toBeDefined();
        expect(at(agent().get('Deployment', 'support-agent'), 'metadata.labels')).toMatchObject({ 'app.kubernetes.io/component': 'agent' });
      },
      inference: () => expect(envNames(agent().get('Deployment', 'support-agent')).filter((n) => n.startsWith('OPENAI_'))).toEqual([]),
      tools: () => expect(envNames(agent().get('Deployment', 'support-agent')).filter((n) => n.startsWith('MCP_'))).toEqual([]),
      calls: () => expect(envNames(agent().get('Deployment', 'support-agent')).filter((n) => n.startsWith('AGENT_'))).toEqual([]),
    },
  },
  McpToolService: {
    props: 'McpToolServiceProps',
    pins: {
      ...servicePins(tool, toolNoHpa, { name: 'search-tool', preset: TOOL_WORKER, startupFailures: 24 }),
      mcpPath: () => {
        sseTool();
        expect(toolConstruct?.mcpUrl).toBe('http://legacy.agents.svc.cluster.local:8080/sse');
        let streamable: McpToolService | undefined;
        synth((p) => {
          streamable = new McpToolService(p, 'search-tool', { image: 'tool:1.0.0' });
        }, prod());
        expect(streamable?.mcpUrl).toBe('http://search-tool.agents.svc.cluster.local:8080/mcp');
      },
      transport: () => {
        const s = synth((p) => new AgentMicroservice(p, 'a', { image: 'a:1.0.0', tools: [new McpToolService(p, 't', { image: 't:1.0.0' })] }), prod());
        expect((mainOf(s.get('Deployment', 'a')).env as { name: string; value?: string }[]).find((v) => v.name === 'MCP_T_TRANSPORT')?.value).toBe('streamable-http');
      },
      statefulSessions: () => {
        expect(at(tool().get('Service', 'search-tool'), 'spec.sessionAffinity')).toBeUndefined();
        expect(at(sseTool().get('Service', 'legacy'), 'spec.sessionAffinity')).toBe('ClientIP');
      },
      sessionAffinityTimeoutSeconds: () => expect(at(sseTool().get('Service', 'legacy'), 'spec.sessionAffinityConfig.clientIP.timeoutSeconds')).toBe(10800),
      stdioBridge: () => {
        expect(mainOf(tool().get('Deployment', 'search-tool')).image).toBe('tool:1.0.0');
        expect(podOf(tool().get('Deployment', 'search-tool')).initContainers).toBeUndefined();
      },
    },
  },
  'McpToolService.fromServiceName': {
    props: 'ExternalMcpToolOptions',
    pins: {
      port: () => expect(external().mcpUrl).toContain(':8080/'),
      mcpPath: () => expect(external().mcpUrl).toBe('http://search.tools.svc.cluster.local:8080/mcp'),
      transport: () => expect(external().transport).toBe('streamable-http'),
    },
  },
  RedisCacheStatefulSet: {
    props: 'RedisCacheStatefulSetProps',
    pins: {
      name: () => expect(redisSet().metadata.name).toBe('context-cache'),
      image: () => expect(redisContainer('redis')?.image).toBe('docker.io/library/redis:7.2.5-alpine'),
      usage: () => expect(redisConf()).toContain('maxmemory-policy allkeys-lru'),
      // 75% of the 2Gi limit (1536Mi), less the output buffers of the 2 replicas on the primary (2 x 64Mi): 1408Mi
      maxMemory: () => expect(redisConf()).toContain(`maxmemory ${1408 * 2 ** 20}`),
      evictionPolicy: () => {
        expect(redisConf()).toContain('maxmemory-policy allkeys-lru');
        expect(configText(queue(), 'jobs-config', 'redis.conf').split('\n')).toContain('maxmemory-policy noeviction');
      },
      storageSize: () => expect(at(redisSet(), 'spec.volumeClaimTemplates.0.spec.resources.requests.storage')).toBe('10Gi'),
      storageClassName: () => expect(at(redisSet(), 'spec.volumeClaimTemplates.0.spec.storageClassName')).toBe('gp3'),
      resources: () => expect(redisContainer('redis')?.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } }),
      passwordSecret: () => {
        expect(redis?.passwordSecret.secretName).toBe('context-cache-auth');
        expect(redisContainer('redis')?.env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'context-cache-auth', key: 'password' } } });
      },
      passwordKey: () => expect(redis?.passwordKey).toBe('password'),
      snapshotIntervalSeconds: () => expect(redisConf()).toContain('save 300 1'),
      appendOnly: () => expect(redisConf()).toContain('appendonly yes'),
      exporter: () => expect(redisContainer('exporter')?.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]),
      exporterImage: () => expect(redisContainer('exporter')?.image).toBe('docker.io/oliver006/redis_exporter:v1.62.0'),
      // on in production: 3 pods with a Sentinel each (quorum 2), HAProxy in front, the documented failover settings
      replication: () => {
        expect(at(redisSet(), 'spec.replicas')).toBe(3);
        expect(redisContainer('sentinel')).toBeDefined();
        expect(cache().find('Deployment', 'context-cache-proxy')).toBeDefined();
        const sentinel = configText(cache(), 'context-cache-config', 'sentinel.conf').split('\n');
        expect(sentinel).toEqual(expect.arrayContaining([
          'sentinel monitor context-cache context-cache-0.context-cache-headless.agents.svc.cluster.local 6379 2',
          'sentinel down-after-milliseconds context-cache 10000', 'sentinel failover-timeout context-cache 60000',
        ]));
        expect(redisConf()).toEqual(expect.arrayContaining(['min-replicas-to-write 1', 'min-replicas-max-lag 10']));
      },
    },
  },
  GpuInferencePool: {
    props: 'GpuInferencePoolProps',
    pins: {
      name: () => expect(poolDeployment().metadata.name).toBe('llm'),
      servedModelName: () => expect(poolArgs().slice(poolArgs().indexOf('--served-model-name'), poolArgs().indexOf('--served-model-name') + 2)).toEqual(['--served-model-name', MODEL]),
      // unknown size: an hour to download (the server waits that long for the weights), 1800 s to load
      modelSize: () => {
        expect((podOf(poolDeployment()).initContainers as { env: { name: string; value: string }[] }[])[0].env).toContainEqual({ name: 'WAIT_SECONDS', value: '3600' });
        expect(at(mainOf(poolDeployment()), 'startupProbe.failureThreshold')).toBe(1800 / 5);
      },
      image: () => expect(mainOf(poolDeployment()).image).toBe('docker.io/vllm/vllm-openai:v0.11.2'),
      gpus: () => {
        expect((at(mainOf(poolDeployment()), 'resources.requests') as Record<string, unknown>)['nvidia.com/gpu']).toBe(1);
        expect((at(mainOf(poolDeployment()), 'resources.limits') as Record<string, unknown>)['nvidia.com/gpu']).toBe(1);
      },
      nodes: () => {
        expect(pool().all('LeaderWorkerSet')).toEqual([]);
        expect(poolDeployment()).toBeDefined();
      },
      tensorParallelSize: () => expect(poolArgs().join(' ')).toContain('--tensor-parallel-size 1'),
      pipelineParallelSize: () => expect(poolArgs()).not.toContain('--pipeline-parallel-size'),
      maxModelLength: () => expect(poolArgs()).not.toContain('--max-model-len'),
      gpuMemoryUtilization: () => expect(poolArgs().join(' ')).toContain('--gpu-memory-utilization 0.9'),
      extraEngineArgs: () => expect(poolArgs()).toEqual([
        `/models/${MODEL}/${REVISION}`, '--served-model-name', MODEL, '--port', '8000', '--tensor-parallel-size', '1', '--gpu-memory-utilization', '0.9',
      ]),
      nodeSelector: () => expect(podOf(poolDeployment()).nodeSelector).toBeUndefined(),
      tolerations: () => expect(podOf(poolDeployment()).tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]),
      runtimeClassName: () => expect(podOf(poolDeployment()).runtimeClassName).toBeUndefined(),
      priorityClassName: () => expect(podOf(poolDeployment()).priorityClassName).toBeUndefined(),
      modelCache: () => expect(at(pool().get('PersistentVolumeClaim', 'llm-models'), 'spec')).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'efs-sc', resources: { requests: { storage: '100Gi' } } }),
      downloadModel: () => expect(at(weightsJob(), 'spec.template.spec.containers.0.env')).toContainEqual({ name: 'MODEL_REVISION', value: REVISION }),
      huggingFaceToken: () => expect((at(weightsJob(), 'spec.template.spec.containers.0.env') as { name: string }[]).map((e) => e.name)).not.toContain('HF_TOKEN'),
      apiKey: () => expect(envNames(poolDeployment())).not.toContain('VLLM_API_KEY'),
      shmSize: () => expect(podOf(poolDeployment()).volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } }),
      resources: () => expect(at(mainOf(poolDeployment()), 'resources.requests')).toMatchObject({ cpu: '4', memory: '16Gi' }),
      replicas: () => expect(at(poolDeployment(), 'spec.replicas')).toBe(3),
      routing: () => {
        expect(at(pool().get('Service', 'llm'), 'spec.ports')).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
        expect([...pool().all('InferencePool'), ...pool().all('HTTPRoute')]).toEqual([]);
      },
      scaling: () => expect([...pool().all('HorizontalPodAutoscaler'), ...pool().all('ScaledObject')]).toEqual([]),
      rollingUpdate: () => expect(at(poolDeployment(), 'spec.strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }),
      disruptionBudget: () => expect(at(pool().get('PodDisruptionBudget', 'llm'), 'spec.maxUnavailable')).toBe(1),
      autoscaling: () => expect(pool().all('HorizontalPodAutoscaler')).toEqual([]),
      queueScaling: () => expect(pool().all('ScaledObject')).toEqual([]),
      startupTimeoutSeconds: () => expect(at(mainOf(poolDeployment()), 'startupProbe.failureThreshold')).toBe(1800 / 5),
      fallback: () => expect(problemsOf((p) => new GpuInferencePool(p, 'llm', { model: `${MODEL}@${REVISION}` }), Environments.dev({ namespace: NS })).join('\n')).toContain('[test/llm] fallback: environment "dev" has no GPUs'),
      rollout: () => expect(pool().all('Rollout')).toEqual([]),
      configFiles: () => expect((mainOf(poolDeployment()).volumeMounts as { name: string }[]).map((m) => m.name)).toEqual(['tmp', 'dshm', 'model-cache']),
    },
  },
  AgentBatchJob: {
    props: 'AgentBatchJobProps',
    pins: {
      name: () => expect(jobResource().metadata.name).toBe('reindex'),
      schedule: () => expect(job().all('CronJob')).toEqual([]),
      timeZone: () => expect(at(cronResource(), 'spec.timeZone')).toBeUndefined(),
      concurrencyPolicy: () => expect(at(cronResource(), 'spec.concurrencyPolicy')).toBe(ConcurrencyPolicy.FORBID),
      backoffLimit: () => expect(at(jobResource(), 'spec.backoffLimit')).toBe(3),
      activeDeadlineSeconds: () => expect(at(jobResource(), 'spec.activeDeadlineSeconds')).toBe(3600),
      ttlSecondsAfterFinished: () => expect(at(jobResource(), 'spec.ttlSecondsAfterFinished')).toBe(86400),
      startingDeadlineSeconds: () => expect(at(cronResource(), 'spec.startingDeadlineSeconds')).toBe(600),
      historyLimit: () => expect([at(cronResource(), 'spec.successfulJobsHistoryLimit'), at(cronResource(), 'spec.failedJobsHistoryLimit')]).toEqual([3, 3]),
      tools: () => expect(envNames(jobResource()).filter((n) => n.startsWith('MCP_'))).toEqual([]),
      cache: () => expect(envNames(jobResource()).filter((n) => n.startsWith('REDIS_'))).toEqual([]),
      inference: () => expect(envNames(jobResource()).filter((n) => n.startsWith('OPENAI_'))).toEqual([]),
      command: () => expect(mainOf(jobResource()).command).toBeUndefined(),
      args: () => expect(mainOf(jobResource()).args).toBeUndefined(),
      env: () => expect(mainOf(jobResource()).env).toBeUndefined(),
      resources: () => expect(mainOf(jobResource()).resources).toEqual(TOOL_WORKER),
      security: () => {
        expect(podOf(jobResource()).securityContext).toEqual(POD_SECURITY);
        expect(mainOf(jobResource()).securityContext).toEqual(RESTRICTED);
      },
      externalEndpoints: () => expect(at(job().get('NetworkPolicy', 'reindex'), 'spec.egress')).toEqual(DNS_ONLY),
      tmpSizeLimit: () => expect(podOf(jobResource()).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]),
      podAnnotations: () => expect(at(jobResource(), 'spec.template.metadata.annotations')).toBeUndefined(),
      configFiles: () => expect(mainOf(jobResource()).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]),
    },
  },
  SecretSource: {
    props: 'SecretSourceProps',
    pins: {
      name: () => {
        secret();
        expect(secretSource?.secretName).toBe('api-keys');
      },
      remoteKeys: () => expect(at(externalSecret().get('ExternalSecret', 'api-keys'), 'spec.data')).toEqual([{ secretKey: 'openai', remoteRef: { key: 'prod/api-keys', property: 'openai' } }]),
      encryptedData: () => expect(secret().all('SealedSecret')).toEqual([]),
      literalValues: () => expect(secret().all('Secret')).toEqual([]),
      backend: () => {
        secret();
        expect(secretSource?.backend).toBe(SecretBackend.EXISTING);
        expect(secret().all('ExternalSecret')).toEqual([]);
      },
    },
  },
  SharedVolume: {
    props: 'SharedVolumeProps',
    pins: {
      name: () => expect(shared().get('PersistentVolumeClaim', 'vault').metadata.name).toBe('vault'),
      size: () => expect(at(shared().get('PersistentVolumeClaim', 'vault'), 'spec.resources.requests.storage')).toBe('20Gi'),
      hostPath: () => expect(at(sharedInDev().get('PersistentVolumeClaim', 'vault'), 'spec.accessModes')).toEqual(['ReadWriteMany']),
      storageClassName: () => expect(at(shared().get('PersistentVolumeClaim', 'vault'), 'spec.storageClassName')).toBe('efs-sc'),
    },
  },
  ConfigFiles: {
    props: 'ConfigFilesProps',
    pins: {
      name: () => expect(configFiles().get('ConfigMap', 'jd-structure').metadata.name).toBe('jd-structure'),
    },
  },
  'configFiles (ConfigFilesMount)': {
    props: 'ConfigFilesMount',
    pins: {
      // the whole map, as a read-only folder
      file: () => {
        expect((mainOf(configFiles().get('Deployment', 'classifier')).volumeMounts as unknown[])[1]).toEqual({ name: 'config-jd-structure', mountPath: '/etc/jd', readOnly: true });
        expect((podOf(configFiles().get('Deployment', 'classifier')).volumes as unknown[])[1]).toEqual({ name: 'config-jd-structure', configMap: { name: 'jd-structure' } });
      },
    },
  },
  'ConfigFile.fromFile (ConfigFileOptions)': {
    props: 'ConfigFileOptions',
    pins: {
      key: () => expect(Object.keys(at(configFiles().get('ConfigMap', 'jd-structure'), 'data') as object)).toEqual(['jd.yaml']),
    },
  },
  ObservabilityStack: {
    props: 'ObservabilityStackProps',
    pins: {
      prometheus: () => {
        expect(serverContainer('prometheus').args).toContain('--storage.tsdb.retention.time=15d');
        expect(claimSize('prometheus')).toBe('20Gi');
        expect(configText(stack(), 'prometheus-config', 'prometheus.yml')).toContain('  scrape_interval: 30s\n');
      },
      grafana: () => expect(serverContainer('grafana').env).toContainEqual({ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } }),
      tempo: () => {
        expect(configText(stack(), 'tempo-config', 'tempo.yaml')).toContain('block_retention: 336h');
        expect(claimSize('tempo')).toBe('10Gi');
      },
      collector: () => {
        expect(serverContainer('otel-collector').image).toBe('docker.io/otel/opentelemetry-collector-contrib:0.116.1');
        expect(at(serverContainer('otel-collector'), 'resources.requests.memory')).toBe('256Mi');
      },
      alertmanager: () => expect(configText(stack(), 'alertmanager-config', 'alertmanager.yml')).not.toContain('slack_configs'),
      kubeStateMetrics: () => expect(stack().get('Deployment', 'kube-state-metrics')).toBeDefined(),
      cadvisor: () => expect(configText(stack(), 'prometheus-config', 'prometheus.yml')).not.toContain('kubelet-cadvisor'),
      kubernetesApi: () => expect(at(stack().get('NetworkPolicy', 'prometheus'), 'spec.egress')).toContainEqual({ ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }),
      kubelets: () => {
        const s = synth((p) => new ObservabilityStack(p, 'observability', { cadvisor: true }), prod({ observability: { mode: ObservabilityMode.SELF_HOSTED } }));
        expect(at(s.get('NetworkPolicy', 'prometheus'), 'spec.egress')).toContainEqual({ ports: [{ port: 10250, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] });
      },
      otlpEndpoint: () => expect(envNames(operatorStack().get('Deployment', 'agent')).filter((n) => ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES'].includes(n))).toEqual([]),
      langfuse: () => expect(envNames(stack().get('Deployment', 'agent')).filter((n) => n.startsWith('LANGFUSE_'))).toEqual([]),
      alerts: () => {
        stack();
        expect(stackConstruct?.thresholds).toMatchObject({ errorRatio: 0.05, latencyP95Seconds: 2, redisMemoryRatio: 0.9, gpuUtilizationPercent: 95 });
      },
    },
  },
  PrometheusServer: {
    props: 'PrometheusOptions',
    pins: serverPins('prometheus', 'quay.io/prometheus/prometheus:v3.1.0', { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } }, {
      retention: () => expect(serverContainer('prometheus').args).toContain('--storage.tsdb.retention.time=15d'),
      storageSize: () => {
        expect(claimSize('prometheus')).toBe('20Gi');
        // samples are dropped beyond 85% of the volume: 0.85 * 20Gi = 17408MB (MiB, as Prometheus reads "MB")
        expect(serverContainer('prometheus').args).toContain('--storage.tsdb.retention.size=17408MB');
      },
      storageClassName: () => expect(claimClass('prometheus')).toBe('gp3'),
      scrapeInterval: () => {
        const text = configText(stack(), 'prometheus-config', 'prometheus.yml');
        expect(text).toContain('  scrape_interval: 30s\n');
        expect(text).toContain('  evaluation_interval: 30s\n');
      },
    }),
  },
  GrafanaServer: {
    props: 'GrafanaOptions',
    pins: serverPins('grafana', 'docker.io/grafana/grafana:11.4.0', { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }, {
      adminPassword: () => expect(serverContainer('grafana').env).toContainEqual({ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } }),
      adminPasswordKey: () => expect(at((serverContainer('grafana').env as { name: string }[]).find((e) => e.name === 'GF_SECURITY_ADMIN_PASSWORD'), 'valueFrom.secretKeyRef.key')).toBe('admin-password'),
      adminUser: () => expect(serverContainer('grafana').env).toContainEqual({ name: 'GF_SECURITY_ADMIN_USER', value: 'admin' }),
    }),
  },
  TempoServer: {
    props: 'TempoOptions',
    pins: serverPins('tempo', 'docker.io/grafana/tempo:2.6.1', { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }, {
      retention: () => expect(configText(stack(), 'tempo-config', 'tempo.yaml')).toContain('block_retention: 336h'),
      storageSize: () => expect(claimSize('tempo')).toBe('10Gi'),
      storageClassName: () => expect(claimClass('tempo')).toBe('gp3'),
    }),
  },
  CollectorServer: {
    props: 'CollectorOptions',
    pins: serverPins('otel-collector', 'docker.io/otel/opentelemetry-collector-contrib:0.116.1', { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }, {}),
  },
  AlertmanagerServer: {
    props: 'AlertmanagerOptions',
    pins: serverPins('alertmanager', 'quay.io/prometheus/alertmanager:v0.28.0', { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }, {
      slack: () => expect(configText(stack(), 'alertmanager-config', 'alertmanager.yml')).toContain('receivers:\n  - name: blackhole\n'),
      storageSize: () => expect(claimSize('alertmanager')).toBe('1Gi'),
      storageClassName: () => expect(claimClass('alertmanager')).toBe('gp3'),
    }),
  },
  KubeStateMetricsServer: {
    props: 'KubeStateMetricsOptions',
    pins: serverPins('kube-state-metrics', 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0', { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }, {
      enabled: () => expect(stack().get('Deployment', 'kube-state-metrics')).toBeDefined(),
    }),
  },
  'addSidecar (SidecarOptions)': {
    props: 'SidecarOptions',
    pins: {
      ...containerOptionPins('proxy'),
      ports: () => expect(added('shipper').ports).toBeUndefined(),
      healthCheck: () => {
        expect(at(added('proxy'), 'readinessProbe.tcpSocket')).toEqual({ port: 'proxy' });
        expect(at(added('proxy'), 'startupProbe.failureThreshold')).toBe(60 / 5);
        expect(added('shipper').readinessProbe).toBeUndefined();
      },
      metrics: () => expect(Object.values(at(withSidecar().get('Deployment', 'agent'), 'spec.template.metadata.annotations') as object)).not.toContain('9000'),
    },
  },
  'addInitContainer (InitContainerOptions)': {
    props: 'InitContainerOptions',
    pins: containerOptionPins('migrate'),
  },
};

const external = lazy(() => {
  const p = new AgentPlatform(new App({ outdir: '.' }), 'test', { environment: prod() });
  return McpToolService.fromServiceName(p, 'search', { name: 'search', namespace: 'tools' });
});

describe.each(Object.entries(DEFAULTS))('%s: documented defaults', (_construct, spec) => {
  test(`every documented default of ${spec.props} has a pin here, and every pin a documented default`, () => {
    const documented = [...documentedDefaults(spec.props).keys()].sort();
    expect(documented.length).toBeGreaterThan(0);
    expect(Object.keys(spec.pins).sort()).toEqual(documented);
  });

  test.each(Object.keys(spec.pins).map((prop) => [prop, documentedDefaults(spec.props).get(prop) ?? '(not documented)'] as const))('%s: @default %s', (prop) => {
    spec.pins[prop]();
  });
});

describe('secure defaults that are not props', () => {
  test('Redis pods never mount the ServiceAccount token, on the ServiceAccount and on the pod', () => {
    expect(at(cache().get('ServiceAccount', 'context-cache'), 'automountServiceAccountToken')).toBe(false);
    expect(podOf(redisSet()).automountServiceAccountToken).toBe(false);
  });

  test('no workload of the sample outputs mounts a ServiceAccount token unless it reads the Kubernetes API (Prometheus, kube-state-metrics)', () => {
    const readers = ['prometheus', 'kube-state-metrics'];
    const pods = [...stack().all('Deployment'), ...stack().all('StatefulSet')];
    expect(pods.length).toBeGreaterThan(5);
    for (const pod of pods) {
      expect({ name: pod.metadata.name, token: podOf(pod).automountServiceAccountToken }).toEqual({ name: pod.metadata.name, token: readers.includes(pod.metadata.name) });
    }
  });
});
