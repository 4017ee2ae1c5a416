import {
  AgentBatchJob, AgentMicroservice, AgentMode, type AgentPlatform, type EnvironmentConfig, Environments, GpuInferencePool, type KubeObject,
  McpToolService, ObservabilityMode, ObservabilityStack, type ObservabilityStackProps, RedisCacheStatefulSet, RedisUsage, SecretSource,
} from '../../lib';
import { at, platformFor, synthPlatform, type Synthesized } from '../helpers/synth';

export const NS = 'agents';

/** Production in namespace `agents` with the given observability mode. */
export function envWith(mode: ObservabilityMode, overrides: Parameters<typeof Environments.prod>[0] = {}): EnvironmentConfig {
  return Environments.prod({ namespace: NS, storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' }, observability: { mode } }, overrides);
}

export const selfHosted = (): EnvironmentConfig => envWith(ObservabilityMode.SELF_HOSTED);
export const operator = (): EnvironmentConfig => envWith(ObservabilityMode.OPERATOR, { observability: { prometheusSelectorLabels: { release: 'kube-prometheus-stack' } } });

/** The workloads of the sample app, by role. */
export interface SampleApp {
  readonly platform: AgentPlatform;
  readonly cache: RedisCacheStatefulSet;
  readonly queue: RedisCacheStatefulSet;
  readonly tool: McpToolService;
  readonly agent: AgentMicroservice;
  readonly worker: AgentMicroservice;
  readonly pool: GpuInferencePool;
  readonly job: AgentBatchJob;
  readonly stack: ObservabilityStack;
}

/**
 * Every kind of workload the library has: a Redis cache and a Redis queue, an MCP tool, an agent
 * API, a queue worker (no Service), a vLLM pool on GPUs, a nightly batch job (no metrics), then
 * the stack (created last, as documented).
 */
export function buildSample(platform: AgentPlatform, props: (p: AgentPlatform, app: Omit<SampleApp, 'stack' | 'platform'>) => ObservabilityStackProps = () => ({})): SampleApp {
  const cache = new RedisCacheStatefulSet(platform, 'cache');
  const queue = new RedisCacheStatefulSet(platform, 'queue', { usage: RedisUsage.QUEUE });
  const tool = new McpToolService(platform, 'search-tool', { image: 'ghcr.io/acme/search-tool:1.0.0', cache });
  const pool = new GpuInferencePool(platform, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659' });
  const agent = new AgentMicroservice(platform, 'support-agent', { image: 'ghcr.io/acme/support-agent:1.2.0', tools: [tool], cache, inference: pool });
  const worker = new AgentMicroservice(platform, 'worker', { image: 'ghcr.io/acme/worker:1.2.0', mode: AgentMode.WORKER, port: 8080, cache: queue });
  const job = new AgentBatchJob(platform, 'reindex', { image: 'ghcr.io/acme/reindex:1.0.0', schedule: '0 2 * * *' });
  const app = { cache, queue, tool, agent, worker, pool, job };
  const stack = new ObservabilityStack(platform, 'observability', props(platform, app));
  return { platform, ...app, stack };
}

/** The sample app synthesized and strictly validated (CRDs included). */
export function synthSample(environment: EnvironmentConfig, props?: Parameters<typeof buildSample>[1]): { app: SampleApp; s: Synthesized } {
  const platform = platformFor(environment);
  const app = buildSample(platform, props);
  return { app, s: synthPlatform(platform) };
}

/** Slack and Langfuse secrets, and the props that use them. */
export function fullProps(p: AgentPlatform, app: { agent: AgentMicroservice }, exportFromCollector = true): ObservabilityStackProps {
  return {
    cadvisor: true,
    alertmanager: { slack: { webhook: new SecretSource(p, 'slack-webhook', { keys: ['webhook-url'] }), channel: '#alerts' } },
    langfuse: {
      host: 'https://cloud.langfuse.com',
      credentials: new SecretSource(p, 'langfuse', { keys: ['public-key', 'secret-key'] }),
      tracedAgents: [app.agent],
      exportFromCollector,
    },
  };
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

/** The env of the first container of a pod template (Deployment, StatefulSet, CronJob). */
export function envOf(object: KubeObject): EnvVar[] {
  const path = object.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec.containers.0.env' : 'spec.template.spec.containers.0.env';
  return (at(object, path) ?? []) as EnvVar[];
}

export function envMap(object: KubeObject): Record<string, EnvVar> {
  return Object.fromEntries(envOf(object).map((e) => [e.name, e]));
}

/** A file of a ConfigMap. */
export function configFile(s: Synthesized, name: string, key: string): string {
  const data = at(s.get('ConfigMap', name), 'data') as Record<string, string> | undefined;
  const text = data?.[key];
  if (text === undefined) {
    throw new Error(`ConfigMap ${name} has no key ${key} (keys: ${Object.keys(data ?? {}).join(', ')})`);
  }
  return text;
}
