import { WorkloadComponent } from '../core/labels';
import { CLUSTER_METRICS } from './catalog';
import { errorRatio } from './dashboards/services';
import { groupBy, type ObservedApp, type ObservedWorkload, ownSeriesOf, podSeries } from './model';
import { aggregate, anyOfExprs, errorMatcher, increase, matcher, percentOf, quantile, selector, sumBy } from './promql';
import { REDIS } from './dashboards/redis';
import { PICKER, VLLM } from './dashboards/llm';

export enum AlertSeverity {
  /** Users are affected now: page. */
  CRITICAL = 'critical',
  /** Users will be affected soon, or some are: look today. */
  WARNING = 'warning',
}

/** One alerting rule, as Prometheus rule files and PrometheusRule objects hold it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: AlertSeverity } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook: string; readonly runbook_url?: string };
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** When the alerts fire. */
export interface AlertThresholds {
  /** Share of failed requests (0..1) above which a service alerts. */
  readonly errorRatio: number;
  /** p95 latency in seconds above which a service alerts. */
  readonly latencyP95Seconds: number;
  /** Redis memory used / maxmemory above which it alerts. */
  readonly redisMemoryRatio: number;
  /** GPU utilization (%) above which a model server's GPUs count as saturated (MIG slices: the engine-active ratio, in percent). */
  readonly gpuUtilizationPercent: number;
  /** Restarts of one container within 15 minutes that mean a crash loop. */
  readonly restartsPer15m: number;
  /** Base of `runbook_url` annotations (`<base>#<alert-name-lowercase>`), when the team keeps runbooks. */
  readonly runbookBaseUrl?: string;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  errorRatio: 0.05,
  latencyP95Seconds: 2,
  redisMemoryRatio: 0.9,
  gpuUtilizationPercent: 95,
  restartsPer15m: 2,
};

const BY_WORKLOAD = ['namespace', 'workload'];

/** `0.05` as `5%`, without floating-point noise. */
function percent(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}
const BY_CONTAINER = ['namespace', 'pod', 'container'];

function rule(thresholds: AlertThresholds, alert: string, severity: AlertSeverity, forDuration: string, expr: string, text: { summary: string; description: string; runbook: string }): AlertRule {
  return {
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { ...text, ...(thresholds.runbookBaseUrl ? { runbook_url: `${thresholds.runbookBaseUrl}#${alert.toLowerCase()}` } : {}) },
  };
}

/**
 * Error rate and p95 latency of every workload serving requests, from its signals; scrape
 * failures of every target. Workloads naming their series differently are grouped by contract,
 * and the groups joined with `or` into one rule per alert: two rules with the same name and
 * labels would be duplicates (promtool reports them).
 */
function serviceRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const rules: AlertRule[] = [];
  const errorExprs = groupBy(app.workloads.filter((w) => w.signals.requests), (w) => JSON.stringify(w.signals.requests)).map((group) => {
    const requests = group[0].signals.requests ?? { counter: '', outcomeLabel: '', errorPattern: '' };
    return `${errorRatio(requests.counter, errorMatcher(requests), ownSeriesOf(app, group), BY_WORKLOAD)} > ${t.errorRatio}`;
  });
  if (errorExprs.length > 0) {
    rules.push(rule(t, 'ServiceHighErrorRate', AlertSeverity.CRITICAL, '5m', anyOfExprs(errorExprs), {
      summary: '{{ $labels.workload }}: {{ $value | humanizePercentage }} of requests fail',
      description: `More than ${percent(t.errorRatio)} of the requests to {{ $labels.workload }} in {{ $labels.namespace }} failed for 5 minutes.`,
      runbook: 'Open the Services dashboard and the traces of {{ $labels.workload }} in Tempo: a release (helm rollback), a failing dependency (LLM API, MCP tool, Redis) or OOMKills are the usual causes.',
    }));
  }
  const latencyExprs = groupBy(app.workloads, (w) => w.signals.latencyBucket)
    .map((group) => `${quantile(0.95, selector(group[0].signals.latencyBucket ?? '', ownSeriesOf(app, group)), BY_WORKLOAD)} > ${t.latencyP95Seconds}`);
  if (latencyExprs.length > 0) {
    rules.push(rule(t, 'ServiceHighLatency', AlertSeverity.WARNING, '10m', anyOfExprs(latencyExprs), {
      summary: '{{ $labels.workload }}: p95 latency is {{ $value | humanizeDuration }}',
      description: `The 95th percentile latency of {{ $labels.workload }} in {{ $labels.namespace }} stayed above ${t.latencyP95Seconds}s for 10 minutes.`,
      runbook: 'Check CPU throttling and memory on the Services dashboard, the slow spans in Tempo, and the upstream LLM API latency; scale out if the HPA is at its maximum.',
    }));
  }
  const scraped = app.workloads.filter((w) => w.scraped);
  if (scraped.length > 0) {
    rules.push(rule(t, 'ScrapeTargetDown', AlertSeverity.WARNING, '5m', `${selector(CLUSTER_METRICS.up.name, ownSeriesOf(app, scraped))} == 0`, {
      summary: '{{ $labels.workload }}: Prometheus cannot scrape {{ $labels.pod }}',
      description: 'The metrics endpoint of {{ $labels.pod }} ({{ $labels.workload }}) did not answer for 5 minutes: its dashboards and alerts are blind.',
      runbook: 'kubectl describe pod {{ $labels.pod }}; check that it is Ready, that /metrics answers on the metrics port, and that the NetworkPolicy admits Prometheus on it.',
    }));
  }
  return rules;
}

/** Crash loops and OOMKills of any container of the app's namespace (kube-state-metrics). */
function podRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const ns = [matcher('namespace', '=', app.namespace)];
  const restarts = sumBy(BY_CONTAINER, increase(selector(CLUSTER_METRICS.restarts.name, ns), '15m'));
  const oomKilled = sumBy(BY_CONTAINER, selector(CLUSTER_METRICS.lastTerminated.name, [...ns, matcher('reason', '=', 'OOMKilled')]));
  return [
    rule(t, 'PodRestarting', AlertSeverity.WARNING, '0m', `${restarts} > ${t.restartsPer15m}`, {
      summary: '{{ $labels.pod }} ({{ $labels.container }}) restarted {{ $value | humanize }} times in 15 minutes',
      description: 'A container of {{ $labels.namespace }} is crash looping: its replicas serve less traffic and may fail requests.',
      runbook: 'kubectl logs --previous {{ $labels.pod }} -c {{ $labels.container }}; check liveness probe failures and the last termination reason.',
    }),
    rule(t, 'ContainerOOMKilled', AlertSeverity.WARNING, '0m', `(${oomKilled} > 0) and on (${BY_CONTAINER.join(', ')}) (${restarts} > 0)`, {
      summary: '{{ $labels.pod }} ({{ $labels.container }}) was OOMKilled',
      description: 'The container exceeded its memory limit and was killed in the last 15 minutes; in-flight requests failed.',
      runbook: 'Compare the working set with the limit on the Services dashboard; raise resources.limits.memory (profile peak + 20%) or find the leak.',
    }),
  ];
}

/** Queued work users wait for: every workload whose signals declare a queue depth (vLLM included), one rule per alert name. */
function queueDepthRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const withDepth = app.workloads.filter((w) => w.signals.queueDepth);
  const byKind = groupBy(withDepth, (w) => (w.component === WorkloadComponent.INFERENCE ? 'llm' : 'other'));
  return byKind.map((kind) => {
    const llm = kind[0].component === WorkloadComponent.INFERENCE;
    const families = groupBy(kind, (w) => JSON.stringify(w.signals.queueDepth));
    const exprs = families.map((group) => {
      const queue = group[0].signals.queueDepth ?? { metric: '', warnAbove: 0 };
      return `${aggregate('max', BY_WORKLOAD, selector(queue.metric, ownSeriesOf(app, group)))} > ${queue.warnAbove}`;
    });
    const single = families.length === 1 ? families[0][0].signals.queueDepth : undefined;
    return rule(t, llm ? 'LLMRequestsQueued' : 'QueueBacklog', AlertSeverity.WARNING, '10m', anyOfExprs(exprs), {
      summary: single ? `{{ $labels.workload }}: {{ $value | humanize }} requests waiting (${single.metric})` : '{{ $labels.workload }}: {{ $value | humanize }} requests waiting',
      description: single
        ? `More than ${single.warnAbove} items have been waiting in {{ $labels.workload }} for 10 minutes: users wait.`
        : 'Items have been waiting in {{ $labels.workload }} above its threshold for 10 minutes: users wait.',
      runbook: llm
        ? 'The model servers are at capacity: check GPU utilization and KV-cache use on the LLM dashboard, add replicas or GPUs, or lower max_num_seqs.'
        : 'Consumers fall behind: check their error rate and restarts, and scale them out.',
    });
  });
}

/**
 * Queue lag of KEDA workers on Redis lists: a list, as the Redis's exporter reports it, holds
 * more than the worker can take at its maximum scale (KEDA's items per replica times the most
 * replicas) for 10 minutes. One rule per worker (labelled `consumer`), its lists joined with `or`.
 */
function queueLagRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const names = new Set(app.workloads.map((w) => w.name));
  return app.workloads.flatMap((consumer) => {
    const queues = (consumer.signals.consumedQueues ?? []).filter((queue) => names.has(queue.source));
    if (queues.length === 0) {
      return [];
    }
    const exprs = queues.map((queue) => {
      const labels = Object.entries(queue.labels).map(([name, value]) => matcher(name, '=', value));
      const scope = [matcher('namespace', '=', app.namespace), matcher('workload', '=', queue.source), ...labels];
      return `${aggregate('max', [...BY_WORKLOAD, ...Object.keys(queue.labels)], selector(queue.metric, scope))} > ${queue.backlogAbove}`;
    });
    const limits = queues.map((q) => `${Object.values(q.labels).join(' ')}: ${q.backlogAbove} items`).join('; ');
    const base = rule(t, 'WorkerQueueLag', AlertSeverity.WARNING, '10m', anyOfExprs(exprs), {
      summary: `{{ $labels.workload }}: {{ $value | humanize }} items wait for ${consumer.name}`,
      description: `A queue of {{ $labels.workload }} ({{ $labels.db }}, {{ $labels.key }}) has held more items than ${consumer.name} takes at its most replicas (${limits}) for 10 minutes: it cannot keep up.`,
      runbook: `Check the errors and restarts of ${consumer.name} on the Services dashboard and its ScaledObject (kubectl describe scaledobject ${consumer.name}); raise queueScaling.maxReplicas or make each item faster.`,
    });
    return [{ ...base, labels: { ...base.labels, consumer: consumer.name } }];
  });
}

/**
 * Saturated GPUs and full KV caches of model servers. GPU utilization comes from each server's
 * DCGM series (GPU_UTIL in percent for whole GPUs, the engine-active ratio for MIG slices,
 * scaled to percent), so the threshold reads the same for both.
 */
function llmRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const servers = app.workloads.filter((w) => w.component === WorkloadComponent.INFERENCE);
  const rules: AlertRule[] = [];
  const gpuExprs = groupBy(servers.filter((w) => w.signals.gpuUtilization), (w) => JSON.stringify(w.signals.gpuUtilization)).map((group) => {
    const gpu = group[0].signals.gpuUtilization ?? { metric: '', fullScale: 100 };
    return `${percentOf(aggregate('avg', ['namespace', 'pod'], selector(gpu.metric, podSeries(app, group))), gpu.fullScale)} > ${t.gpuUtilizationPercent}`;
  });
  if (gpuExprs.length > 0) {
    rules.push(rule(t, 'GPUSaturated', AlertSeverity.WARNING, '15m', anyOfExprs(gpuExprs), {
      summary: '{{ $labels.pod }}: GPUs {{ $value | humanize }}% busy for 15 minutes',
      description: 'The model server has no GPU headroom: queueing and time to first token grow with any more load.',
      runbook: 'Check the LLM dashboard (queue depth, TTFT); add inference replicas or GPUs, or shift traffic to a hosted model.',
    }));
  }
  const withKv = servers.filter((w) => w.signals.metrics.includes(VLLM.kvCache));
  if (withKv.length > 0) {
    rules.push(rule(t, 'LLMKVCacheFull', AlertSeverity.WARNING, '10m', `${aggregate('max', BY_WORKLOAD, selector(VLLM.kvCache, ownSeriesOf(app, withKv)))} > 0.95`, {
      summary: '{{ $labels.workload }}: KV cache {{ $value | humanizePercentage }} full',
      description: 'vLLM preempts requests when the KV cache is full: latency grows and throughput drops.',
      runbook: 'Lower max_model_len or max_num_seqs, raise gpu_memory_utilization, or add replicas.',
    }));
  }
  return rules;
}

/** An InferencePool whose endpoint picker sees no ready model server: every routed request fails (or bypasses the picker). */
function routingRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const pickers = app.workloads.filter((w) => w.component === WorkloadComponent.INFERENCE_ROUTER && w.signals.metrics.includes(PICKER.readyPods));
  if (pickers.length === 0) {
    return [];
  }
  return [rule(t, 'InferencePoolNoReadyServers', AlertSeverity.CRITICAL, '5m', `${aggregate('max', ['namespace', 'name'], selector(PICKER.readyPods, ownSeriesOf(app, pickers)))} == 0`, {
    summary: 'InferencePool {{ $labels.name }} has no ready model server',
    description: 'The endpoint picker of {{ $labels.name }} in {{ $labels.namespace }} has seen no ready model server for 5 minutes: requests through the gateway fail.',
    runbook: 'kubectl get pods -l app.kubernetes.io/name={{ $labels.name }}; check the weights download Job, the wait-for-weights init container and the startup probe, then GPU capacity.',
  })];
}

/** Redis memory near maxmemory: a cache starts evicting, a queue or agent memory refuses writes. */
function redisRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const caches = app.workloads.filter((w: ObservedWorkload) => w.signals.metrics.includes(REDIS.used) && w.signals.metrics.includes(REDIS.max));
  if (caches.length === 0) {
    return [];
  }
  const scope = ownSeriesOf(app, caches);
  return [rule(t, 'RedisMemoryNearMax', AlertSeverity.WARNING, '10m',
    `${aggregate('max', BY_WORKLOAD, selector(REDIS.used, scope))} / (${aggregate('max', BY_WORKLOAD, selector(REDIS.max, scope))} > 0) > ${t.redisMemoryRatio}`, {
      summary: '{{ $labels.workload }}: {{ $value | humanizePercentage }} of maxmemory used',
      description: `Redis {{ $labels.workload }} uses more than ${percent(t.redisMemoryRatio)} of maxmemory: a cache evicts hot keys, a queue or agent memory (noeviction) will refuse writes.`,
      runbook: 'Check the Redis dashboard (evictions, hit ratio); raise maxMemory with resources.limits.memory, or shorten TTLs.',
    })];
}

/**
 * A replicated Redis: a failover (a pod that was a replica 10 minutes ago is the master now), a
 * replica that stopped acknowledging the stream, and a replica whose link to the master is down.
 */
function redisReplicationRules(app: ObservedApp, t: AlertThresholds): AlertRule[] {
  const replicated = app.workloads.filter((w) => [REDIS.role, REDIS.replicaLag, REDIS.masterLink].every((m) => w.signals.metrics.includes(m)));
  if (replicated.length === 0) {
    return [];
  }
  const scope = ownSeriesOf(app, replicated);
  const byPod = ['namespace', 'workload', 'pod'];
  const master = selector(REDIS.role, [...scope, matcher('role', '=', 'master')]);
  return [
    rule(t, 'RedisFailover', AlertSeverity.WARNING, '0m',
      `(${aggregate('max', byPod, master)} unless ${aggregate('max', byPod, `${master} offset 10m`)}) and ${aggregate('max', byPod, `${selector(REDIS.role, scope)} offset 10m`)}`, {
        summary: '{{ $labels.workload }}: {{ $labels.pod }} became the Redis master',
        description: 'The Sentinels made {{ $labels.pod }} the master of {{ $labels.workload }} in the last 10 minutes: the previous master was lost, or handed its role over while stopping. Writes only the old master had acknowledged are lost (replication is asynchronous).',
        runbook: 'A rollout hands the role over by itself; otherwise find why the old master went away (kubectl get events; node loss, OOMKill, eviction). Check on the Redis dashboard that every replica follows the new master.',
      }),
    rule(t, 'RedisReplicationLag', AlertSeverity.WARNING, '2m',
      `${aggregate('max', ['namespace', 'workload', 'slave_ip'], selector(REDIS.replicaLag, scope))} > 10`, {
        summary: '{{ $labels.workload }}: replica {{ $labels.slave_ip }} is {{ $value | humanizeDuration }} behind',
        description: 'A replica of {{ $labels.workload }} has not acknowledged the replication stream for more than 10 seconds: it no longer counts for min-replicas-to-write, and a failover to it would lose the writes it lacks.',
        runbook: 'Check the replica pod (CPU throttling, network, a full resync in its log) and the primary\'s output buffer; restart the replica if its link is stuck.',
      }),
    rule(t, 'RedisReplicaLinkDown', AlertSeverity.WARNING, '2m',
      `${aggregate('min', byPod, selector(REDIS.masterLink, scope))} == 0`, {
        summary: '{{ $labels.pod }} ({{ $labels.workload }}) has lost its link to the Redis master',
        description: 'A replica of {{ $labels.workload }} is not replicating: it serves stale data and cannot take over without losing writes.',
        runbook: 'kubectl logs {{ $labels.pod }} -c redis; check that the master is up and that the NetworkPolicy admits the replicas on 6379. The Sentinels repoint a replica that follows the wrong master within failover-timeout.',
      }),
  ];
}

/** Every alert of the app, grouped by concern; empty groups are left out. */
export function alertGroups(app: ObservedApp, thresholds: AlertThresholds = DEFAULT_THRESHOLDS): AlertGroup[] {
  const groups: AlertGroup[] = [
    { name: `${app.app}.services`, rules: serviceRules(app, thresholds) },
    { name: `${app.app}.pods`, rules: podRules(app, thresholds) },
    { name: `${app.app}.queues`, rules: [...queueDepthRules(app, thresholds), ...queueLagRules(app, thresholds)] },
    { name: `${app.app}.llm`, rules: [...llmRules(app, thresholds), ...routingRules(app, thresholds)] },
    { name: `${app.app}.redis`, rules: [...redisRules(app, thresholds), ...redisReplicationRules(app, thresholds)] },
  ];
  return groups.filter((g) => g.rules.length > 0);
}
