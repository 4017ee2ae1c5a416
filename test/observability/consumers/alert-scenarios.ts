/**
 * For every alert the library generates, a scenario that fires it and one that does not, on
 * synthetic series, with the labels and rendered summaries written out here. Which workloads an
 * alert covers comes from the manifests where they say it (GPU resources, ScaledObjects, the
 * exporter container) and from the declared metrics contract otherwise.
 */
import { type KubeObject, WorkloadComponent, type Workload } from '../../../lib';
import { at } from '../../helpers/synth';
import { controllerOf, podNamesOf, type RuleJson, type Subject } from './fixtures';
import { type ExpectedAlert } from './promtool';
import { counter, dcgmSeries, gauge, MINUTES, ownSeries, scrapedLabels, type Series } from './series';

/** One workload (or pod) an alert covers, with what makes it fire and what keeps it quiet. */
export interface AlertCase {
  readonly target: string;
  readonly firing: readonly Series[];
  readonly quiet: readonly Series[];
  /** The labels of the alert that fires, its name aside. */
  readonly labels: Readonly<Record<string, string>>;
  /** The summary and description as Alertmanager receives them. */
  readonly summary: string;
  readonly description: string;
}

type ScenarioBuilder = (subject: Subject, rule: RuleJson) => AlertCase[];

const observed = (subject: Subject): Workload[] => subject.stack.observedWorkloads();
const firstPod = (subject: Subject, workload: Workload): string => podNamesOf(subject, workload)[0];

/** Every NVIDIA resource the manifest gives the workload's containers. */
function nvidiaResources(controller: KubeObject | undefined): string[] {
  const containers = (at(controller, 'spec.template.spec.containers') ?? []) as { resources?: { limits?: Record<string, unknown> } }[];
  return containers.flatMap((c) => Object.keys(c.resources?.limits ?? {})).filter((r) => r.startsWith('nvidia.com/'));
}

const errorRate: ScenarioBuilder = (subject) => observed(subject).filter((w) => w.signals().requests).map((w) => ({
  target: w.name,
  // 1 of 10 requests fails; then 1 of 100
  firing: ownSeries(subject, w, { ok: 9, failed: 1, slow: false }),
  quiet: ownSeries(subject, w, { ok: 99, failed: 1, slow: false }),
  labels: { severity: 'critical', namespace: subject.namespace, workload: w.name },
  summary: `${w.name}: 10% of requests fail`,
  description: `More than 5% of the requests to ${w.name} in ${subject.namespace} failed for 5 minutes.`,
}));

const latency: ScenarioBuilder = (subject) => observed(subject).filter((w) => w.signals().latencyBucket).map((w) => ({
  target: w.name,
  // every request between 2.5 and 5 s: p95 interpolates to 2.5 + 2.5 * 0.95 = 4.875 s
  firing: ownSeries(subject, w, { ok: 10, failed: 0, slow: true }),
  quiet: ownSeries(subject, w, { ok: 10, failed: 0, slow: false }),
  labels: { severity: 'warning', namespace: subject.namespace, workload: w.name },
  summary: `${w.name}: p95 latency is 4.875s`,
  description: `The 95th percentile latency of ${w.name} in ${subject.namespace} stayed above 2s for 10 minutes.`,
}));

const scrapeDown: ScenarioBuilder = (subject) => observed(subject).filter((w) => w.metricsEndpoints().length > 0).map((w) => {
  const pod = firstPod(subject, w);
  const labels = { namespace: subject.namespace, workload: w.name, pod, job: subject.namespace, instance: `${pod}:9464` };
  return {
    target: w.name,
    firing: [{ name: 'up', labels, values: gauge(0) }],
    quiet: [{ name: 'up', labels, values: gauge(1) }],
    labels: { severity: 'warning', ...labels },
    summary: `${w.name}: Prometheus cannot scrape ${pod}`,
    description: `The metrics endpoint of ${pod} (${w.name}) did not answer for 5 minutes: its dashboards and alerts are blind.`,
  };
});

/** Crash loops and OOMKills concern any container of the namespace: one pod of each workload. */
function containerCases(subject: Subject, make: (container: Record<string, string>, w: Workload) => Omit<AlertCase, 'target' | 'labels'>, severity = 'warning'): AlertCase[] {
  return observed(subject).filter((w) => podNamesOf(subject, w).length > 0).map((w) => {
    const container = { namespace: subject.namespace, pod: firstPod(subject, w), container: w.name };
    return { target: w.name, labels: { severity, ...container }, ...make(container, w) };
  });
}

const restarting: ScenarioBuilder = (subject) => containerCases(subject, (container) => ({
  // one restart a minute: 15 in 15 minutes; then none since the last 3
  firing: [{ name: 'kube_pod_container_status_restarts_total', labels: container, values: counter(1) }],
  quiet: [{ name: 'kube_pod_container_status_restarts_total', labels: container, values: gauge(3) }],
  summary: `${container.pod} (${container.container}) restarted 15 times in 15 minutes`,
  description: `A container of ${subject.namespace} is crash looping: its replicas serve less traffic and may fail requests.`,
}));

const oomKilled: ScenarioBuilder = (subject) => containerCases(subject, (container) => {
  const reason = { name: 'kube_pod_container_status_last_terminated_reason', labels: { ...container, reason: 'OOMKilled' }, values: gauge(1) };
  return {
    // OOMKilled and restarting now; then an old OOMKill the container has long recovered from
    firing: [reason, { name: 'kube_pod_container_status_restarts_total', labels: container, values: counter(1) }],
    quiet: [reason, { name: 'kube_pod_container_status_restarts_total', labels: container, values: gauge(1) }],
    summary: `${container.pod} (${container.container}) was OOMKilled`,
    description: 'The container exceeded its memory limit and was killed in the last 15 minutes; in-flight requests failed.',
  };
});

const llmQueued: ScenarioBuilder = (subject) => observed(subject)
  .filter((w) => w.component === WorkloadComponent.INFERENCE && w.signals().metrics.includes('vllm:num_requests_waiting'))
  .map((w) => {
    const labels = scrapedLabels(subject, w, firstPod(subject, w));
    return {
      target: w.name,
      firing: [{ name: 'vllm:num_requests_waiting', labels, values: gauge(20) }],
      quiet: [{ name: 'vllm:num_requests_waiting', labels, values: gauge(10) }],
      labels: { severity: 'warning', namespace: subject.namespace, workload: w.name },
      summary: `${w.name}: 20 requests waiting (vllm:num_requests_waiting)`,
      description: `More than 10 items have been waiting in ${w.name} for 10 minutes: users wait.`,
    };
  });

/** The Redis lists a worker's ScaledObject reads, and the backlog its most replicas can hold, from the manifest. */
function kedaLists(subject: Subject, consumer: string): { redis: string; db: string; key: string; backlog: number }[] {
  const scaledObject = subject.objects.find((o) => o.kind === 'ScaledObject' && at(o, 'spec.scaleTargetRef.name') === consumer);
  const maxReplicas = at(scaledObject, 'spec.maxReplicaCount') as number;
  const triggers = (at(scaledObject, 'spec.triggers') ?? []) as { type: string; metadata: Record<string, string> }[];
  // A single Redis is read at its address; a replicated one through its Sentinels, by master name (the Redis's name).
  return triggers.filter((t) => t.type === 'redis' || t.type === 'redis-sentinel').map((t) => ({
    redis: t.type === 'redis-sentinel' ? t.metadata.sentinelMaster : t.metadata.address.split('.')[0],
    db: `db${t.metadata.databaseIndex ?? '0'}`,
    key: t.metadata.listName,
    backlog: Number(t.metadata.listLength) * maxReplicas,
  }));
}

const queueLag: ScenarioBuilder = (subject, rule) => {
  const consumer = rule.labels.consumer;
  const lists = kedaLists(subject, consumer);
  const limits = lists.map((l) => `${l.db} ${l.key}: ${l.backlog} items`).join('; ');
  return lists.map((list) => {
    const pod = `${list.redis}-0`;
    const labels = { namespace: subject.namespace, workload: list.redis, pod, container: 'exporter', component: 'cache', db: list.db, key: list.key };
    return {
      target: `${consumer} on ${list.key}`,
      firing: [{ name: 'redis_key_size', labels, values: gauge(list.backlog + 10) }],
      quiet: [{ name: 'redis_key_size', labels, values: gauge(list.backlog) }],
      labels: { severity: 'warning', consumer, namespace: subject.namespace, workload: list.redis, db: list.db, key: list.key },
      summary: `${list.redis}: ${list.backlog + 10} items wait for ${consumer}`,
      description: `A queue of ${list.redis} (${list.db}, ${list.key}) has held more items than ${consumer} takes at its most replicas (${limits}) for 10 minutes: it cannot keep up.`,
    };
  });
};

const gpuSaturated: ScenarioBuilder = (subject) => observed(subject).flatMap((w) => {
  const resources = nvidiaResources(controllerOf(subject, w));
  if (resources.length === 0) {
    return [];
  }
  const container = { namespace: subject.namespace, pod: firstPod(subject, w), container: w.name };
  return [{
    target: w.name,
    // DCGM reports what the device supports: a MIG slice only the engine-active ratio
    firing: dcgmSeries(resources, container, { util: 99 }),
    quiet: dcgmSeries(resources, container, { util: 60 }),
    labels: { severity: 'warning', namespace: subject.namespace, pod: container.pod },
    summary: `${container.pod}: GPUs 99% busy for 15 minutes`,
    description: 'The model server has no GPU headroom: queueing and time to first token grow with any more load.',
  }];
});

const kvCacheFull: ScenarioBuilder = (subject) => observed(subject).filter((w) => w.signals().metrics.includes('vllm:kv_cache_usage_perc')).map((w) => {
  const labels = scrapedLabels(subject, w, firstPod(subject, w));
  return {
    target: w.name,
    firing: [{ name: 'vllm:kv_cache_usage_perc', labels, values: gauge(0.99) }],
    quiet: [{ name: 'vllm:kv_cache_usage_perc', labels, values: gauge(0.8) }],
    labels: { severity: 'warning', namespace: subject.namespace, workload: w.name },
    summary: `${w.name}: KV cache 99% full`,
    description: 'vLLM preempts requests when the KV cache is full: latency grows and throughput drops.',
  };
});

const redisMemory: ScenarioBuilder = (subject) => observed(subject).filter((w) => {
  const containers = (at(controllerOf(subject, w), 'spec.template.spec.containers') ?? []) as { name: string }[];
  return containers.some((c) => c.name === 'exporter');
}).map((w) => {
  const labels = { ...scrapedLabels(subject, w, firstPod(subject, w)), container: 'exporter' };
  const memory = (used: number) => [
    { name: 'redis_memory_used_bytes', labels, values: gauge(used) },
    { name: 'redis_memory_max_bytes', labels, values: gauge(1_000_000) },
  ];
  return {
    target: w.name,
    firing: memory(950_000),
    quiet: memory(850_000),
    labels: { severity: 'warning', namespace: subject.namespace, workload: w.name },
    summary: `${w.name}: 95% of maxmemory used`,
    description: `Redis ${w.name} uses more than 90% of maxmemory: a cache evicts hot keys, a queue or agent memory (noeviction) will refuse writes.`,
  };
});

/** The Redis workloads that run replicated: their StatefulSet runs a Sentinel container. */
function replicatedRedis(subject: Subject): Workload[] {
  return observed(subject).filter((w) => ((at(controllerOf(subject, w), 'spec.template.spec.containers') ?? []) as { name: string }[]).some((c) => c.name === 'sentinel'));
}

/** The exporter's series of one Redis pod: what the scrape adds, and the exporter's own labels. */
const exporterLabels = (subject: Subject, w: Workload, pod: string) => ({ ...scrapedLabels(subject, w, pod), container: 'exporter' });

const redisFailover: ScenarioBuilder = (subject) => replicatedRedis(subject).map((w) => {
  const [first, second] = podNamesOf(subject, w);
  const info = (pod: string, role: string, values: string) => ({ name: 'redis_instance_info', labels: { ...exporterLabels(subject, w, pod), role, redis_version: '7.2.5' }, values });
  // pod 0 is the master for 12 minutes, then pod 1 (the evaluation is at the end of the series); quiet: no change
  return {
    target: w.name,
    firing: [info(first, 'master', `1x12 _x${MINUTES - 12}`), info(first, 'slave', `_x12 1x${MINUTES - 12}`), info(second, 'slave', `1x12 _x${MINUTES - 12}`), info(second, 'master', `_x12 1x${MINUTES - 12}`)],
    quiet: [info(first, 'master', gauge(1)), info(second, 'slave', gauge(1))],
    labels: { severity: 'warning', namespace: subject.namespace, workload: w.name, pod: second },
    summary: `${w.name}: ${second} became the Redis master`,
    description: `The Sentinels made ${second} the master of ${w.name} in the last 10 minutes: the previous master was lost, or handed its role over while stopping. Writes only the old master had acknowledged are lost (replication is asynchronous).`,
  };
});

const redisReplicationLag: ScenarioBuilder = (subject) => replicatedRedis(subject).map((w) => {
  const lag = (seconds: number) => [{ name: 'redis_connected_slave_lag_seconds', labels: { ...exporterLabels(subject, w, podNamesOf(subject, w)[0]), slave_ip: '10.244.0.12', slave_port: '6379', slave_state: 'online' }, values: gauge(seconds) }];
  return {
    target: w.name,
    firing: lag(30),
    quiet: lag(1),
    labels: { severity: 'warning', namespace: subject.namespace, workload: w.name, slave_ip: '10.244.0.12' },
    summary: `${w.name}: replica 10.244.0.12 is 30s behind`,
    description: `A replica of ${w.name} has not acknowledged the replication stream for more than 10 seconds: it no longer counts for min-replicas-to-write, and a failover to it would lose the writes it lacks.`,
  };
});

const redisReplicaLinkDown: ScenarioBuilder = (subject) => replicatedRedis(subject).map((w) => {
  const pod = podNamesOf(subject, w)[1];
  const link = (up: number) => [{ name: 'redis_master_link_up', labels: { ...exporterLabels(subject, w, pod), master_host: `${w.name}-0.${w.name}-headless`, master_port: '6379' }, values: gauge(up) }];
  return {
    target: w.name,
    firing: link(0),
    quiet: link(1),
    labels: { severity: 'warning', namespace: subject.namespace, workload: w.name, pod },
    summary: `${pod} (${w.name}) has lost its link to the Redis master`,
    description: `A replica of ${w.name} is not replicating: it serves stale data and cannot take over without losing writes.`,
  };
});

/** The InferencePool whose endpoint picker the workload is, from the manifests (`endpointPickerRef`). */
function poolPickedBy(subject: Subject, picker: Workload): string | undefined {
  return subject.objects.find((o) => o.kind === 'InferencePool' && at(o, 'spec.endpointPickerRef.name') === picker.name)?.metadata.name;
}

const poolWithoutServers: ScenarioBuilder = (subject) => observed(subject)
  .filter((w) => w.component === WorkloadComponent.INFERENCE_ROUTER && w.signals().metrics.includes('inference_pool_ready_pods'))
  .flatMap((w) => {
    const pool = poolPickedBy(subject, w);
    if (pool === undefined) {
      return [];
    }
    const labels = { ...scrapedLabels(subject, w, firstPod(subject, w)), name: pool };
    return [{
      target: w.name,
      firing: [{ name: 'inference_pool_ready_pods', labels, values: gauge(0) }],
      quiet: [{ name: 'inference_pool_ready_pods', labels, values: gauge(2) }],
      labels: { severity: 'critical', namespace: subject.namespace, name: pool },
      summary: `InferencePool ${pool} has no ready model server`,
      description: `The endpoint picker of ${pool} in ${subject.namespace} has seen no ready model server for 5 minutes: requests through the gateway fail.`,
    }];
  });

/** A scenario builder for every alert name the library generates. */
export const SCENARIOS: Readonly<Record<string, ScenarioBuilder>> = {
  ServiceHighErrorRate: errorRate,
  ServiceHighLatency: latency,
  ScrapeTargetDown: scrapeDown,
  PodRestarting: restarting,
  ContainerOOMKilled: oomKilled,
  LLMRequestsQueued: llmQueued,
  WorkerQueueLag: queueLag,
  GPUSaturated: gpuSaturated,
  LLMKVCacheFull: kvCacheFull,
  RedisMemoryNearMax: redisMemory,
  RedisFailover: redisFailover,
  RedisReplicationLag: redisReplicationLag,
  RedisReplicaLinkDown: redisReplicaLinkDown,
  InferencePoolNoReadyServers: poolWithoutServers,
};

/** Replaces `{{ $labels.x }}` with the alert's labels (what the runbook hints use). */
function renderLabels(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{ \$labels\.([a-zA-Z_]+) \}\}/g, (_, name: string) => labels[name] ?? '');
}

/** The alert promtool must see: the case's labels, its summary and description, and the rule's other annotations with the labels filled in. */
export function expectedAlert(rule: RuleJson, alertCase: AlertCase): ExpectedAlert {
  const others = Object.fromEntries(Object.entries(rule.annotations).filter(([k]) => k !== 'summary' && k !== 'description').map(([k, v]) => [k, renderLabels(v, alertCase.labels)]));
  return { exp_labels: alertCase.labels, exp_annotations: { ...others, summary: alertCase.summary, description: alertCase.description } };
}
