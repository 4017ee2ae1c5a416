import { z } from 'zod';
import { type PropIssue } from '../core/errors';
import { type QueueScalingOptions, QueueTrigger } from '../core/queue-scaling';
import { nonNegativeInt, positiveInt } from '../core/schemas';

/** Scaling of an inference pool with KEDA on the signals that matter for LLM serving. */
export interface InferenceScalingOptions {
  /**
   * URL of the Prometheus that scrapes the pool, which KEDA queries, e.g.
   * `http://kube-prometheus-stack-prometheus.monitoring.svc:9090`.
   */
  readonly prometheusUrl: string;
  /**
   * Fewest replicas. 0 is only allowed with `scaleToZero`.
   * @default - the environment's `autoscaling.minReplicas`
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default - the environment's `autoscaling.maxReplicas`
   */
  readonly maxReplicas?: number;
  /**
   * Requests waiting in vLLM's queue per replica before one more is added.
   * @default 5
   */
  readonly waitingRequestsPerReplica?: number;
  /**
   * Average KV-cache usage (0..1) of the replicas above which one more is added.
   * @default 0.8
   */
  readonly kvCacheUtilization?: number;
  /**
   * Scale to zero when idle: an explicit opt-in. The first requests after an idle period wait
   * for a cold start (the pool answers 503 until a replica is ready), so state how long that may
   * take: it must cover KEDA's polling interval and the pool's startup budget. Needs routing
   * through an InferencePool: the endpoint picker counts requests while no model server runs.
   * @default - never below minReplicas (at least 1)
   */
  readonly scaleToZero?: { readonly coldStartBudgetSeconds: number };
  /**
   * Seconds between KEDA's queries.
   * @default 15
   */
  readonly pollingIntervalSeconds?: number;
  /**
   * Idle seconds before scaling to zero.
   * @default 900
   */
  readonly cooldownPeriodSeconds?: number;
}

const COLD_START_MESSAGE = 'must state the seconds a cold start may take, e.g. { coldStartBudgetSeconds: 900 }';

export const inferenceScalingSchema = z.object({
  prometheusUrl: z.string().regex(/^https?:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[^\s]*)?$/, {
    error: 'must be the http(s) URL of the Prometheus that scrapes the pool, e.g. "http://prometheus-operated.monitoring.svc:9090"',
  }),
  minReplicas: nonNegativeInt.max(1000, { error: 'must be at most 1000' }).optional(),
  maxReplicas: positiveInt.max(1000, { error: 'must be at most 1000' }).optional(),
  waitingRequestsPerReplica: z.number().gt(0, { error: 'must be above 0: KEDA divides the waiting requests by it' }).max(10000, { error: 'must be at most 10000' }).optional(),
  kvCacheUtilization: z.number().gt(0, { error: 'must be above 0 and at most 1 (a share of the KV cache)' }).max(1, { error: 'must be above 0 and at most 1 (a share of the KV cache)' }).optional(),
  scaleToZero: z.object({ coldStartBudgetSeconds: positiveInt.max(86400, { error: 'must be at most 86400 seconds' }) }, { error: COLD_START_MESSAGE }).strict().optional(),
  pollingIntervalSeconds: positiveInt.max(3600, { error: 'must be at most 3600 seconds' }).optional(),
  cooldownPeriodSeconds: nonNegativeInt.max(86400, { error: 'must be at most 86400 seconds' }).optional(),
}).strict();

/** What the triggers query: the pool's own series, or its endpoint picker's. */
export interface ScalingTarget {
  readonly namespace: string;
  /** The model servers' workload name (the `workload` label of their series). */
  readonly servers: string;
  /** The InferencePool's name and its picker's workload name, when routing through one. */
  readonly picker?: { readonly pool: string; readonly workload: string };
  readonly environmentMin: number;
  readonly environmentMax: number;
}

const label = (name: string, value: string) => `${name}="${value}"`;

/**
 * KEDA Prometheus triggers: waiting requests and KV-cache use, from vLLM's own series, or from
 * the endpoint picker's pool averages (times its ready pods) when it routes; with scale to zero,
 * a trigger on the requests the picker receives wakes the pool.
 */
export function inferenceQueueScaling(options: InferenceScalingOptions, target: ScalingTarget): QueueScalingOptions {
  const serverAddress = options.prometheusUrl.replace(/\/$/, '');
  const waiting = options.waitingRequestsPerReplica ?? 5;
  const kv = options.kvCacheUtilization ?? 0.8;
  const picker = target.picker;
  const poolSeries = (metric: string) => (picker ? `max(${metric}{${label('namespace', target.namespace)},${label('name', picker.pool)}})` : '');
  const serverSeries = (metric: string) => `sum(${metric}{${label('namespace', target.namespace)},${label('workload', target.servers)}})`;
  const readyPods = poolSeries('inference_pool_ready_pods');
  const triggers = [
    QueueTrigger.prometheus({
      serverAddress,
      query: picker ? `${poolSeries('inference_pool_average_queue_size')} * ${readyPods}` : serverSeries('vllm:num_requests_waiting'),
      threshold: waiting,
    }),
    QueueTrigger.prometheus({
      serverAddress,
      query: picker ? `${poolSeries('inference_pool_average_kv_cache_utilization')} * ${readyPods}` : serverSeries('vllm:kv_cache_usage_perc'),
      threshold: kv,
    }),
  ];
  if (options.scaleToZero && picker) {
    triggers.push(QueueTrigger.prometheus({
      serverAddress,
      query: `sum(rate(inference_objective_request_total{${label('namespace', target.namespace)},${label('workload', picker.workload)}}[2m]))`,
      // Wakes the pool on the first request; the other triggers size it.
      threshold: 100,
      activationThreshold: 0,
    }));
  }
  const min = options.scaleToZero ? 0 : options.minReplicas ?? Math.max(1, target.environmentMin);
  return {
    triggers,
    minReplicas: min,
    maxReplicas: options.maxReplicas ?? Math.max(target.environmentMax, min, 1),
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 15,
    cooldownPeriodSeconds: options.cooldownPeriodSeconds ?? 900,
  };
}

/** Refusals of scaling settings that cannot work. */
export function inferenceScalingIssues(options: InferenceScalingOptions, context: { routedThroughPicker: boolean; startupBudgetSeconds: number }): PropIssue[] {
  const issues: PropIssue[] = [];
  if (options.minReplicas === 0 && !options.scaleToZero) {
    issues.push({
      field: 'scaling.minReplicas',
      value: 0,
      message: 'scales the pool to zero, which is an explicit opt-in: give scaling.scaleToZero with the cold-start budget you accept, e.g. { coldStartBudgetSeconds: 900 }, or keep minReplicas at 1 or more',
    });
  }
  if (options.scaleToZero && options.minReplicas !== undefined && options.minReplicas > 0) {
    issues.push({ field: 'scaling.minReplicas', value: options.minReplicas, message: 'contradicts scaling.scaleToZero: remove minReplicas (scale to zero starts from 0) or remove scaleToZero' });
  }
  if (options.scaleToZero && !context.routedThroughPicker) {
    issues.push({
      field: 'scaling.scaleToZero',
      message: 'needs routing: InferenceRouting.inferencePool(...): with plain Service routing nothing records the requests that arrive while no model server runs, so KEDA could never scale the pool up again',
    });
  }
  const polling = options.pollingIntervalSeconds ?? 15;
  const needed = polling + context.startupBudgetSeconds;
  if (options.scaleToZero && options.scaleToZero.coldStartBudgetSeconds < needed) {
    issues.push({
      field: 'scaling.scaleToZero.coldStartBudgetSeconds',
      value: options.scaleToZero.coldStartBudgetSeconds,
      message: `is shorter than a cold start of this pool may take: ${polling} s for KEDA to notice plus its ${context.startupBudgetSeconds} s startup budget (${needed} s); raise it to at least ${needed}, or lower startupTimeoutSeconds (give modelSize to derive a tighter one)`,
    });
  }
  if (options.minReplicas !== undefined && options.maxReplicas !== undefined && options.minReplicas > options.maxReplicas) {
    issues.push({ field: 'scaling.minReplicas', value: options.minReplicas, message: `is above scaling.maxReplicas (${options.maxReplicas}); minReplicas must be at most maxReplicas` });
  }
  return issues;
}
