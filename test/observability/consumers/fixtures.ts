/**
 * What the real-consumer tests run through promtool, Prometheus, amtool and Alertmanager: every
 * example app in every environment where an ObservabilityStack renders, plus sample apps that
 * cover what the examples do not (every kind of workload in both modes, a KEDA worker on a Redis
 * list with MIG GPUs, custom metric names, an app that declares no request metrics).
 */
import * as yaml from 'yaml';
import {
  AgentBatchJob, AgentMicroservice, AgentMode, type AgentPlatform, type EnvironmentConfig, GpuInferencePool, type KubeObject,
  McpToolService, ObservabilityMode, ObservabilityStack, QueueTrigger, RedisCacheStatefulSet, RedisUsage, renderApps, type Workload,
} from '../../../lib';
import { apps } from '../../../apps';
import { at, platformFor, synthPlatform } from '../../helpers/synth';
import { envWith, fullProps, operator, selfHosted, synthSample } from '../helpers';

/** One app in one environment, as rendered, with its stack. */
export interface Subject {
  /** `app/environment`, e.g. `emm/dev`. */
  readonly label: string;
  readonly objects: readonly KubeObject[];
  readonly stack: ObservabilityStack;
  readonly namespace: string;
  readonly mode: ObservabilityMode;
}

function stackOf(root: { node: { findAll(): unknown[] } }): ObservabilityStack | undefined {
  return root.node.findAll().find((c): c is ObservabilityStack => ObservabilityStack.isObservabilityStack(c));
}

/** Every example app in every environment where its stack renders something. */
function exampleSubjects(): Subject[] {
  return renderApps(apps).flatMap((env) => {
    const stack = stackOf(env.platform);
    return stack && stack.mode !== ObservabilityMode.NONE
      ? [{ label: `${env.app}/${env.environment}`, objects: env.objects, stack, namespace: env.platform.environment.namespace, mode: stack.mode }]
      : [];
  });
}

/**
 * A KEDA worker on a Redis list (the queue lag alert), a vLLM pool on MIG slices (the profiling
 * metric), an agent exposing `request_latency_seconds` with a `status` label (custom names), and
 * a worker whose app declares no request metrics.
 */
export function buildQueuesAndMig(platform: AgentPlatform): void {
  const queue = new RedisCacheStatefulSet(platform, 'jobs', { usage: RedisUsage.QUEUE });
  const pool = new GpuInferencePool(platform, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', gpus: { resource: 'nvidia.com/mig-3g.40gb' } });
  new AgentMicroservice(platform, 'api', {
    image: 'ghcr.io/acme/api:1.0.0', inference: pool, cache: queue,
    metrics: { requests: { durationHistogram: 'request_latency_seconds', counter: 'requests_total', outcomeLabel: 'status', errorPattern: 'error|timeout' } },
  });
  new AgentMicroservice(platform, 'consumer', {
    image: 'ghcr.io/acme/consumer:1.0.0', mode: AgentMode.WORKER, cache: queue, inference: pool, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, metrics: { port: 9100 },
    queueScaling: { triggers: [QueueTrigger.redisList(queue, { listName: 'jobs:pending', listLength: 4 }), QueueTrigger.redisList(queue, { listName: 'jobs:retry', databaseIndex: 2 })], maxReplicas: 6 },
  });
  new McpToolService(platform, 'lookup', { image: 'ghcr.io/acme/lookup:1.0.0', metrics: { requests: false } });
  new AgentBatchJob(platform, 'nightly', { image: 'ghcr.io/acme/nightly:1.0.0', schedule: '0 3 * * *' });
  new ObservabilityStack(platform, 'observability', {});
}

function builtSubject(label: string, environment: EnvironmentConfig, build: (p: AgentPlatform) => void): Subject {
  const platform = platformFor(environment);
  build(platform);
  const s = synthPlatform(platform);
  const stack = stackOf(platform);
  if (!stack) {
    throw new Error(`${label} has no ObservabilityStack`);
  }
  return { label, objects: s.objects, stack, namespace: environment.namespace, mode: stack.mode };
}

function sampleSubject(label: string, environment: EnvironmentConfig, props?: Parameters<typeof synthSample>[1]): Subject {
  const { app, s } = synthSample(environment, props);
  return { label, objects: s.objects, stack: app.stack, namespace: environment.namespace, mode: app.stack.mode };
}

let cached: Subject[] | undefined;

/** Every subject: the examples, then the samples. */
export function subjects(): Subject[] {
  cached ??= [
    ...exampleSubjects(),
    sampleSubject('sample/self-hosted', selfHosted(), fullProps),
    sampleSubject('sample/operator', operator(), () => ({ otlpEndpoint: 'http://otel-collector.monitoring.svc:4317' })),
    builtSubject('queues-and-mig/self-hosted', selfHosted(), buildQueuesAndMig),
    builtSubject('queues-and-mig/operator', operator(), buildQueuesAndMig),
    builtSubject('queues-and-mig/dev', envWith(ObservabilityMode.SELF_HOSTED, { gpu: { available: false } }), (p) => {
      // the same app on a cluster without GPUs: the pool must not be a MIG one there
      const queue = new RedisCacheStatefulSet(p, 'jobs', { usage: RedisUsage.QUEUE });
      new AgentMicroservice(p, 'consumer', { image: 'ghcr.io/acme/consumer:1.0.0', mode: AgentMode.WORKER, cache: queue, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, queueScaling: { triggers: [QueueTrigger.redisList(queue, { listName: 'jobs:pending' })] } });
      new ObservabilityStack(p, 'observability', {});
    }),
  ];
  return cached;
}

/** The subjects whose stack is self-hosted (they render prometheus.yml and alertmanager.yml). */
export function selfHostedSubjects(): Subject[] {
  return subjects().filter((s) => s.mode === ObservabilityMode.SELF_HOSTED);
}

/** A file of a ConfigMap of the subject. */
export function configMapFile(subject: Subject, configMap: string, key: string): string {
  const object = subject.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMap);
  const text = (at(object, 'data') as Record<string, string> | undefined)?.[key];
  if (text === undefined) {
    throw new Error(`${subject.label}: no ConfigMap ${configMap} with key ${key}`);
  }
  return text;
}

/** A rule file as Prometheus reads it. */
export interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly RuleJson[] }[];
}

export interface RuleJson {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The subject's rules: the self-hosted rule file from its ConfigMap, or the PrometheusRule's spec. */
export function ruleFileOf(subject: Subject): RuleFile {
  if (subject.mode === ObservabilityMode.SELF_HOSTED) {
    return yaml.parse(configMapFile(subject, 'prometheus-rules', 'alerts.yaml')) as RuleFile;
  }
  const rule = subject.objects.find((o) => o.kind === 'PrometheusRule');
  return at(rule, 'spec') as RuleFile;
}

/** The kind of object running each workload's pods, from the manifests. */
export function controllerOf(subject: Subject, workload: Workload): KubeObject | undefined {
  const controllers = subject.objects.filter((o) => ['Deployment', 'StatefulSet', 'CronJob', 'Job', 'DaemonSet'].includes(o.kind));
  // A workload may name its controller differently (the weights Job carries the model revision): its name label says whose it is.
  const labelled = (o: KubeObject) => (o.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/name'] === workload.name;
  return controllers.find((o) => o.metadata.name === workload.name) ?? controllers.find(labelled);
}

/**
 * Names of two pods of a workload, as Kubernetes names them for its controller: a Deployment's
 * pods carry the ReplicaSet's hash and a random suffix, a StatefulSet's an ordinal, a CronJob's
 * the Job's scheduled minute and a random suffix.
 */
export function podNamesOf(subject: Subject, workload: Workload): string[] {
  const controller = controllerOf(subject, workload);
  const name = controller?.metadata.name ?? workload.name;
  switch (controller?.kind) {
    case 'Deployment':
      return [`${name}-7c9d8f6b5d-x2x4p`, `${name}-7c9d8f6b5d-qz8mt`];
    case 'StatefulSet':
      return [`${name}-0`, `${name}-1`];
    case 'CronJob':
      return [`${name}-28391040-k2jd8`];
    case 'Job':
      return [`${name}-k2jd8`];
    default:
      return [];
  }
}
