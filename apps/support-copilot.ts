import * as kplus from 'cdk8s-plus-28';
import {
  AgentBatchJob, AgentMicroservice, AgentMode, type AgentAppDefinition, type AgentPlatform, EnvValue, ExternalEndpoint,
  GpuInferencePool, InferenceFallback, InferenceGateway, InferenceRouting, McpToolService, ObservabilityMode, ObservabilityStack,
  QueueTrigger, RedisCacheStatefulSet, RedisUsage, ScalingMetric, SecretSource,
} from '../lib';
import { standardEnvironments } from './environments';

/** The platform team's inference Gateway (Istio) in prod; it admits HTTPRoutes from the app's namespace. */
const INFERENCE_GATEWAY = InferenceGateway.fromName('inference-gateway', {
  namespace: 'gateway-system',
  url: 'http://inference-gateway-istio.gateway-system.svc.cluster.local',
});

/** The cluster's Prometheus (kube-prometheus-stack), which KEDA queries in prod. */
const CLUSTER_PROMETHEUS = 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090';

/** The managed Postgres (pgvector) the copilot retrieves from: a private subnet, not a host name. */
const DATABASE = ExternalEndpoint.cidr('10.20.0.0/16', { ports: [5432], hosts: ['pgvector.internal'] });

/**
 * The support copilot of seed 002 ("Lightweight Example: What You'll Deploy"): a stateless agent
 * API behind an Ingress with TLS and an HPA on latency, a background worker scaled by KEDA on the
 * queue length, a stdio-only document-search MCP server in its own Python image behind a bridge,
 * a nightly embeddings reindex, ConfigMaps for plain config, External Secrets for
 * keys, NetworkPolicies that let egress reach only the LLM and the database, PDBs, a
 * self-hosted LLM on GPUs in staging and prod (a small CPU model in dev), and in prod the
 * monitors and alert rules of the cluster's Prometheus Operator.
 */
export const supportCopilot: AgentAppDefinition = {
  name: 'support-copilot',
  // Production runs on a cluster with kube-prometheus-stack: ServiceMonitors, PodMonitors,
  // PrometheusRules and dashboards for its Grafana sidecar instead of servers of our own.
  environments: standardEnvironments('support-copilot', { prod: { observability: { mode: ObservabilityMode.OPERATOR } } }),
  build: buildSupportCopilot,
};

function buildSupportCopilot(platform: AgentPlatform): void {
  const config = new kplus.ConfigMap(platform, 'copilot-config', {
    metadata: { name: 'copilot-config' },
    data: {
      SYSTEM_PROMPT: 'You are a support copilot. Answer from the knowledge base; say when you do not know.',
      RETRIEVAL_TOP_K: '8',
      MAX_TOOL_CALLS: '10',
    },
  });
  const databaseCredentials = new SecretSource(platform, 'database-credentials', { keys: ['url'] });
  const huggingFace = new SecretSource(platform, 'huggingface-token', { keys: ['token'] });

  // Prod routes through the Gateway: an InferencePool whose endpoint picker chooses a server by
  // queue, KV cache and prefix affinity, scaled by KEDA on the picker's view of the pool.
  // Staging keeps plain Service routing and two replicas; dev serves a small CPU model.
  const prod = platform.environment.name === 'prod';
  const llm = new GpuInferencePool(platform, 'llm', {
    model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659',
    servedModelName: 'llama-3.1-8b-instruct',
    modelSize: '16Gi',
    gpus: { count: 1 },
    maxModelLength: 8192,
    huggingFaceToken: { secret: huggingFace, key: 'token' },
    extraEngineArgs: ['--enable-prefix-caching'],
    fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct', maxModelLength: 4096 }),
    ...(prod
      ? {
        routing: InferenceRouting.inferencePool({
          gateway: INFERENCE_GATEWAY,
          // The picker watches its InferencePool and the pods: only the API server's address.
          endpointPicker: { kubernetesApi: ExternalEndpoint.cidr('10.100.0.1/32', { ports: [443], hosts: ['kubernetes.default.svc'] }) },
        }),
        scaling: { prometheusUrl: CLUSTER_PROMETHEUS, minReplicas: 2, maxReplicas: 6 },
      }
      : { replicas: 2 }),
  });

  // The job queue must not evict (RedisUsage.QUEUE) and, in staging and prod, survives losing a
  // node: 3 pods with Sentinels; KEDA reads the list through them (docs/redis.md).
  const queue = new RedisCacheStatefulSet(platform, 'task-queue', { usage: RedisUsage.QUEUE, storageSize: '5Gi' });

  // The knowledge-base search is a stdio-only MCP server written in Python. It runs in its own
  // image; the bridge beside it serves streamable HTTP, one server process per agent session.
  const docsSearch = new McpToolService(platform, 'docs-search', {
    image: 'support-docs-search:1.4.0',
    stdioBridge: { command: ['python3', '-m', 'docs_search'] },
    env: {
      DATABASE_URL: databaseCredentials.envValue('url'),
      RETRIEVAL_TOP_K: EnvValue.fromConfigMap(config, 'RETRIEVAL_TOP_K'),
    },
    externalEndpoints: [DATABASE],
  });

  const shared = {
    inference: llm,
    cache: queue,
    tools: [docsSearch],
    externalEndpoints: [DATABASE],
    env: {
      SYSTEM_PROMPT: EnvValue.fromConfigMap(config, 'SYSTEM_PROMPT'),
      RETRIEVAL_TOP_K: EnvValue.fromConfigMap(config, 'RETRIEVAL_TOP_K'),
      DATABASE_URL: databaseCredentials.envValue('url'),
      TASK_QUEUE: 'support-tasks',
    },
  };

  new AgentMicroservice(platform, 'copilot-api', {
    image: 'support-copilot-api:2.3.1',
    ...shared,
    // A warm pool of two avoids cold starts; the p95 latency (served by prometheus-adapter as a
    // pods metric) drives scale-out, memory guards long conversations.
    autoscaling: {
      minReplicas: 2,
      maxReplicas: 12,
      memoryUtilization: 80,
      metrics: [ScalingMetric.latency('http_server_request_duration_seconds_p95', '2')],
    },
    ingress: { path: '/' },
  });

  new AgentMicroservice(platform, 'copilot-worker', {
    image: 'support-copilot-worker:2.3.1',
    mode: AgentMode.WORKER,
    ...shared,
    // No port: a queue consumer serves no HTTP, so it is probed by a command (its heartbeat check).
    healthCheck: { command: ['python', '-m', 'copilot.worker', '--check-heartbeat'] },
    queueScaling: {
      triggers: [QueueTrigger.redisList(queue, { listName: 'support-tasks', listLength: 5 })],
      minReplicas: 0,
      maxReplicas: 20,
    },
    terminationGracePeriodSeconds: 300,
  });

  new AgentBatchJob(platform, 'embeddings-reindex', {
    image: 'support-copilot-reindex:2.3.1',
    schedule: '0 2 * * *',
    timeZone: 'Etc/UTC',
    inference: llm,
    externalEndpoints: [DATABASE],
    env: { DATABASE_URL: databaseCredentials.envValue('url') },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
    activeDeadlineSeconds: 4 * 3600,
  });

  // Last: in operator mode the stack writes one monitor per workload created before it.
  new ObservabilityStack(platform, 'observability', { otlpEndpoint: 'http://otel-collector.monitoring.svc:4317' });
}
