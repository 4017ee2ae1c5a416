import { k8s } from 'cdk8s-plus-28';
import { z } from 'zod';
import { type AutoscalingDefaults } from '../environment';
import { type PropIssue } from './errors';
import { nonNegativeInt, percentage, positiveInt } from './schemas';

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
}).strict();

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
export function resolveAutoscaling(options: AutoscalingOptions | undefined, defaults: AutoscalingDefaults, extraMetrics: readonly k8s.MetricSpecV2[] = []): ResolvedAutoscaling | undefined {
  if (!defaults.enabled || options?.enabled === false) {
    return undefined;
  }
  const maxReplicas = options?.maxReplicas ?? Math.max(defaults.maxReplicas, options?.minReplicas ?? 0);
  const minReplicas = options?.minReplicas ?? Math.min(defaults.minReplicas, maxReplicas);
  const explicit = options?.cpuUtilization !== undefined || options?.memoryUtilization !== undefined || extraMetrics.length > 0;
  const cpu = explicit ? options?.cpuUtilization : defaults.cpuUtilization;
  const memory = explicit ? options?.memoryUtilization : defaults.memoryUtilization;
  const metrics = [
    ...(cpu !== undefined ? [resourceMetric('cpu', cpu)] : []),
    ...(memory !== undefined ? [resourceMetric('memory', memory)] : []),
    ...extraMetrics,
  ];
  return {
    minReplicas,
    maxReplicas,
    metrics,
    scaleDownStabilizationSeconds: options?.scaleDownStabilizationSeconds ?? defaults.scaleDownStabilizationSeconds,
  };
}

export function autoscalingIssues(resolved: ResolvedAutoscaling | undefined): PropIssue[] {
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
