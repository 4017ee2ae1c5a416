import { k8s } from 'cdk8s-plus-28';
import {
  AgentBatchJob, AgentMicroservice, type AgentAppDefinition, type AgentPlatform, EnvValue, Environments, ExternalEndpoint, GpuInferencePool,
  McpToolService, ObservabilityMode, ObservabilityStack, RedisCacheStatefulSet,
} from '../lib';

/** The environment every benchmark platform is synthesized for: production defaults, self-hosted observability. */
export const BENCH_ENVIRONMENT = Environments.prod({
  namespace: 'bench',
  images: { registry: 'registry.example.com/bench' },
  observability: { mode: ObservabilityMode.SELF_HOSTED },
});

/**
 * N agent services, each an AgentMicroservice with an HPA, a PDB, NetworkPolicies and its own
 * ConfigMap, wired to one shared McpToolService, one shared RedisCacheStatefulSet and one
 * GpuInferencePool, with a nightly AgentBatchJob and an ObservabilityStack that scrapes and
 * collects the traces of every workload.
 */
export function buildBenchPlatform(platform: AgentPlatform, agents: number): void {
  const cache = new RedisCacheStatefulSet(platform, 'shared-cache');
  const tool = new McpToolService(platform, 'shared-tool', { image: 'shared-tool:1.0.0' });
  const llm = new GpuInferencePool(platform, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', gpus: { count: 1 }, replicas: 2 });
  new AgentBatchJob(platform, 'nightly-reindex', { image: 'reindex:1.0.0', schedule: '0 2 * * *', inference: llm, cache });
  for (let i = 0; i < agents; i++) {
    const name = `agent-${i}`;
    const config = new k8s.KubeConfigMap(platform, `${name}-config`, {
      metadata: { name: `${name}-config` },
      data: { SYSTEM_PROMPT: `You are agent ${i}.`, MAX_STEPS: '10' },
    });
    new AgentMicroservice(platform, name, {
      image: `agent:${i % 7}.0.0`,
      env: { AGENT_INDEX: String(i), SYSTEM_PROMPT: EnvValue.fromConfigMap({ name: config.name }, 'SYSTEM_PROMPT') },
      tools: [tool],
      cache,
      inference: llm,
      externalEndpoints: [ExternalEndpoint.https('api.openai.com')],
    });
  }
  new ObservabilityStack(platform, 'observability');
}

export function benchApp(agents: number): AgentAppDefinition {
  return { name: 'bench', environments: [BENCH_ENVIRONMENT], build: (platform) => buildBenchPlatform(platform, agents) };
}
