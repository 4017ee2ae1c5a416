/**
 * The fields of Argo Rollouts objects (argoproj.io/v1alpha1, Argo Rollouts v1.9) that the
 * library writes, typed here instead of imported with `cdk8s import`: the generated module of
 * the Rollout and AnalysisTemplate CRDs is 1.07 MB of TypeScript (about 2 to 3 s of strict
 * type checking and 0.7 s of ts-jest transpiling, measured in docs/delivery.md) for the dozen
 * fields used. Tests validate every object strictly against the CRD schemas in
 * test/schemas/crds/.
 */

export const ARGO_ROLLOUTS_API_VERSION = 'argoproj.io/v1alpha1';

/** How the Deployment a Rollout takes its pod template from is scaled down (`workloadRef.scaleDown`). */
export enum DeploymentScaleDown {
  /** The Deployment keeps its pods: only for a Deployment that runs none. */
  NEVER = 'never',
  /** The Deployment is scaled to zero once the Rollout's first revision is healthy. */
  ON_SUCCESS = 'onsuccess',
  /** The Deployment is scaled down while the Rollout's first revision scales up (no capacity gap, no doubled capacity). */
  PROGRESSIVELY = 'progressively',
}

export interface WorkloadReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly scaleDown: DeploymentScaleDown;
}

/** An argument of an AnalysisRun, given by a Rollout step. */
export interface AnalysisArgument {
  readonly name: string;
  readonly value?: string;
  /** `Latest`: the hash of the canary's pod template (label `rollouts-pod-template-hash`); `Stable`: the stable one's. */
  readonly valueFrom?: { readonly podTemplateHashValue: 'Latest' | 'Stable' };
}

export interface RolloutAnalysisStep {
  readonly templates: readonly { readonly templateName: string }[];
  readonly args?: readonly AnalysisArgument[];
}

export type CanaryStep =
  | { readonly setWeight: number }
  | { readonly pause: { readonly duration?: string } }
  | { readonly analysis: RolloutAnalysisStep };

export interface CanaryStrategy {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly steps: readonly CanaryStep[];
}

export interface RolloutSpec {
  /** Left out when an autoscaler owns the count. */
  readonly replicas?: number;
  readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly workloadRef: WorkloadReference;
  readonly revisionHistoryLimit: number;
  readonly progressDeadlineSeconds: number;
  readonly progressDeadlineAbort: boolean;
  readonly strategy: { readonly canary: CanaryStrategy };
}

/** One metric of an AnalysisTemplate, measured with Prometheus. */
export interface AnalysisMetric {
  readonly name: string;
  readonly interval: string;
  readonly count: number;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly successCondition: string;
  readonly failureCondition: string;
  readonly provider: { readonly prometheus: { readonly address: string; readonly query: string; readonly timeout?: number } };
}

export interface AnalysisTemplateSpec {
  readonly args: readonly { readonly name: string }[];
  readonly metrics: readonly AnalysisMetric[];
}
