import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { z } from 'zod';
import { type AutoscalingDefaults } from './environment-config';
import { brand, BrandKind, hasBrand } from './brand';
import { type PropIssue } from './errors';
import { PLACEHOLDER } from './placeholder';
import { labels as labelsSchema, MAX_QUANTITY, nonNegativeInt, percentage, positiveInt } from './schemas';
import { checkProps, fieldPath } from './props';
import { compareQuantities, isQuantity, parseQuantity } from './quantity';

/**
 * A signal an HPA scales on beyond CPU and memory. Custom (`pods`, `object`) metrics need an
 * adapter serving `custom.metrics.k8s.io` (prometheus-adapter); `external` metrics need one
 * serving `external.metrics.k8s.io` (prometheus-adapter or KEDA). Prometheus series with `:` in
 * their name (vLLM's `vllm:num_requests_waiting`) are exposed by the adapter under a renamed
 * name, e.g. `vllm_num_requests_waiting`.
 */
export class ScalingMetric {
  /** Average of a per-pod metric, e.g. requests in flight: `ScalingMetric.podsAverage('http_requests_in_flight', '10')`. */
  public static podsAverage(metric: string, averageValue: string, selector?: Record<string, string>): ScalingMetric {
    const checked = checkMetric(metric, averageValue, selector);
    return new ScalingMetric(`pods ${checked.name}`, {
      type: 'Pods',
      pods: { metric: { name: checked.name, selector: checked.selector }, target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(checked.target) } },
    }, checked.target, checked.problems);
  }

  /** A latency percentile per pod, in seconds (`'2'` or `'500m'` for 0.5 s): scale out when the p95 rises. */
  public static latency(metric: string, targetSeconds: string): ScalingMetric {
    return ScalingMetric.podsAverage(metric, targetSeconds);
  }

  /** A metric from outside the cluster or a queue, averaged over the replicas. */
  public static external(metric: string, averageValue: string, selector?: Record<string, string>): ScalingMetric {
    const checked = checkMetric(metric, averageValue, selector);
    return new ScalingMetric(`external ${checked.name}`, {
      type: 'External',
      external: { metric: { name: checked.name, selector: checked.selector }, target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(checked.target) } },
    }, checked.target, checked.problems);
  }

  /** Whether `value` is a `ScalingMetric` of any copy of the library. */
  public static isScalingMetric(value: unknown): value is ScalingMetric {
    return hasBrand(value, BrandKind.SCALING_METRIC);
  }

  private constructor(public readonly description: string, public readonly spec: k8s.MetricSpecV2, public readonly target: string, private readonly problems: readonly PropIssue[] = []) {
    brand(this, BrandKind.SCALING_METRIC);
  }

  /** @internal Problems with the factory's arguments, named under `field`. */
  public _issues(field: string): PropIssue[] {
    return this.problems.map((p) => ({ ...p, field: `${field}.${p.field}` }));
  }
}

const METRIC_NAME_MESSAGE = 'must be a metric name such as "http_requests_in_flight": a non-empty string without "/" or "%", not "." or ".."';

/** The factory arguments, usable even when they are wrong (the workload reports the problems). */
function checkMetric(metric: unknown, target: unknown, selector: unknown): { name: string; target: string; selector?: k8s.LabelSelector; problems: PropIssue[] } {
  const problems: PropIssue[] = [];
  const validName = typeof metric === 'string' && metric !== '' && metric !== '.' && metric !== '..' && !/[/%]/.test(metric);
  if (!validName) {
    problems.push({ field: 'metric', value: metric, message: METRIC_NAME_MESSAGE });
  }
  if (typeof target !== 'string') {
    problems.push({ field: 'averageValue', value: target, message: 'must be a Kubernetes quantity written as a string, such as "10", "500m" or "2"' });
  }
  const labels = checkProps(labelsSchema, selector ?? {});
  problems.push(...labels.issues.map((i) => ({ ...i, field: fieldPath([], i.field === '' ? 'selector' : `selector.${i.field}`) })));
  return {
    name: validName ? metric : PLACEHOLDER,
    target: typeof target === 'string' ? target : '1',
    selector: selector !== undefined && labels.value ? { matchLabels: { ...labels.value } } : undefined,
    problems,
  };
}

/** HorizontalPodAutoscaler settings. Giving any target replaces the environment's default targets. */
export interface AutoscalingOptions {
  /**
   * Whether an HPA is generated. An environment with autoscaling off (dev) never gets one.
   * @default - the environment's `autoscaling.enabled`
   */
  readonly enabled?: boolean;
  /**
   * Fewest replicas.
   * @default - the environment's `autoscaling.minReplicas`, at most `maxReplicas`
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default - the environment's `autoscaling.maxReplicas`
   */
  readonly maxReplicas?: number;
  /**
   * Target average CPU use, in % of the CPU request.
   * @default - the environment's target, when no target is given at all
   */
  readonly cpuUtilization?: number;
  /**
   * Target average memory use, in % of the memory request.
   * @default - the environment's target, when no target is given at all
   */
  readonly memoryUtilization?: number;
  /**
   * Targets beyond CPU and memory (custom or external metrics).
   * @default - none
   */
  readonly metrics?: ScalingMetric[];
  /**
   * Seconds of lower load before replicas are removed.
   * @default - the environment's `autoscaling.scaleDownStabilizationSeconds` (300 in the presets)
   */
  readonly scaleDownStabilizationSeconds?: number;
}

export const autoscalingSchema = z.object({
  enabled: z.boolean().optional(),
  minReplicas: positiveInt.optional(),
  maxReplicas: positiveInt.optional(),
  cpuUtilization: percentage.optional(),
  memoryUtilization: percentage.optional(),
  scaleDownStabilizationSeconds: nonNegativeInt.max(3600, { error: 'must be at most 3600 seconds' }).optional(),
  metrics: z.array(z.custom<ScalingMetric>((v) => ScalingMetric.isScalingMetric(v), { error: 'must be a ScalingMetric, e.g. ScalingMetric.podsAverage("http_requests_in_flight", "10")' })).optional(),
}).strict();

/** A metric target must be a quantity above 0: an HPA cannot aim at 0. */
function metricIssues(metrics: readonly ScalingMetric[]): PropIssue[] {
  return metrics.flatMap((metric, i): PropIssue[] => {
    const field = `autoscaling.metrics[${i}]`;
    const problems = metric._issues(field);
    if (problems.length > 0) {
      return problems;
    }
    if (!isQuantity(metric.target)) {
      return [{ field, value: metric.target, message: `the target of ${metric.description} must be a Kubernetes quantity such as "10", "500m" or "2"` }];
    }
    if (parseQuantity(metric.target) <= 0) {
      return [{ field, value: metric.target, message: `the target of ${metric.description} must be above 0: an HPA cannot aim at 0` }];
    }
    if (compareQuantities(metric.target, MAX_QUANTITY) > 0) {
      return [{ field, value: metric.target, message: `the target of ${metric.description} is larger than Kubernetes can represent (${MAX_QUANTITY})` }];
    }
    return [];
  });
}

/** The HPA a workload gets, fully resolved. */
export interface ResolvedAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly k8s.MetricSpecV2[];
  readonly scaleDownStabilizationSeconds: number;
}

function resourceMetric(name: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 {
  return { type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } };
}

/** Merges the options with the environment; undefined when the workload gets no HPA. */
export function resolveAutoscaling(
  options: AutoscalingOptions | undefined,
  defaults: AutoscalingDefaults,
  extraMetrics: readonly k8s.MetricSpecV2[] = [],
  enabledByDefault = true,
  cap = Number.MAX_SAFE_INTEGER,
): ResolvedAutoscaling | undefined {
  const enabled = options?.enabled ?? (enabledByDefault || options !== undefined);
  if (!defaults.enabled || !enabled) {
    return undefined;
  }
  // The environment's replicas.max bounds both ends (a notice says so when it lowers them).
  const maxReplicas = Math.min(options?.maxReplicas ?? Math.max(defaults.maxReplicas, options?.minReplicas ?? 0), cap);
  const minReplicas = Math.min(options?.minReplicas ?? Math.min(defaults.minReplicas, maxReplicas), cap);
  const custom = [...extraMetrics, ...(options?.metrics ?? []).map((m) => m.spec)];
  const explicit = options?.cpuUtilization !== undefined || options?.memoryUtilization !== undefined || custom.length > 0;
  const cpu = explicit ? options?.cpuUtilization : defaults.cpuUtilization;
  const memory = explicit ? options?.memoryUtilization : defaults.memoryUtilization;
  const metrics = [
    ...(cpu !== undefined ? [resourceMetric('cpu', cpu)] : []),
    ...(memory !== undefined ? [resourceMetric('memory', memory)] : []),
    ...custom,
  ];
  return {
    minReplicas,
    maxReplicas,
    metrics,
    scaleDownStabilizationSeconds: options?.scaleDownStabilizationSeconds ?? defaults.scaleDownStabilizationSeconds,
  };
}

/** Contradictions in the props themselves (reported in every environment) or in the resolved HPA. */
export function autoscalingIssues(resolved: ResolvedAutoscaling | undefined, options?: AutoscalingOptions): PropIssue[] {
  const metrics = metricIssues(options?.metrics ?? []);
  return [...metrics, ...boundIssues(resolved, options)];
}

function boundIssues(resolved: ResolvedAutoscaling | undefined, options?: AutoscalingOptions): PropIssue[] {
  const min = options?.minReplicas ?? resolved?.minReplicas;
  const max = options?.maxReplicas ?? resolved?.maxReplicas;
  if (min !== undefined && max !== undefined && min > max) {
    return [{
      field: 'autoscaling.minReplicas',
      value: min,
      message: `is above autoscaling.maxReplicas (${max}); minReplicas must be at most maxReplicas`,
    }];
  }
  if (resolved && resolved.minReplicas > resolved.maxReplicas) {
    return [{
      field: 'autoscaling.minReplicas',
      value: resolved.minReplicas,
      message: `is above autoscaling.maxReplicas (${resolved.maxReplicas}); minReplicas must be at most maxReplicas`,
    }];
  }
  return [];
}

export function horizontalPodAutoscalerSpec(target: { apiVersion: string; kind: string; name: string }, resolved: ResolvedAutoscaling): k8s.HorizontalPodAutoscalerSpecV2 {
  return {
    scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
    minReplicas: resolved.minReplicas,
    maxReplicas: resolved.maxReplicas,
    metrics: [...resolved.metrics],
    behavior: { scaleDown: { stabilizationWindowSeconds: resolved.scaleDownStabilizationSeconds } },
  };
}
