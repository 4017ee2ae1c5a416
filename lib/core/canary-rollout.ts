import { ApiObject, Lazy } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { z } from 'zod';
import {
  type AnalysisArgument, type AnalysisTemplateSpec, ARGO_ROLLOUTS_API_VERSION, type CanaryStep, DeploymentScaleDown, type RolloutSpec,
} from './argo-rollouts';
import { brand, BrandKind, hasBrand } from './brand';
import { formatIssue, type PropIssue } from './errors';
import { namespaceName, nonNegativeInt, positiveInt } from './schemas';
import { type Workload } from './workload';

/** How each canary step is judged. */
export interface CanaryAnalysisOptions {
  /**
   * Whether each step waits for an AnalysisRun that measures the canary's pods: error rate,
   * p95 latency, restarts and OOMKills, with the thresholds of the generated alerts. Off, each
   * step pauses for `pauseSeconds` instead.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The Prometheus the Argo Rollouts controller queries.
   * @default - self-hosted observability: the ObservabilityStack's Prometheus; operator mode:
   * `http://prometheus-operated.<monitoringNamespace>.svc.cluster.local:9090`, the Service the
   * Prometheus Operator creates for every Prometheus
   */
  readonly prometheusUrl?: string;
  /**
   * Namespace of the Argo Rollouts controller, which runs the queries: the self-hosted
   * Prometheus admits it on its port.
   * @default "argo-rollouts"
   */
  readonly controllerNamespace?: string;
  /**
   * Seconds between two measurements.
   * @default 60
   */
  readonly intervalSeconds?: number;
  /**
   * Measurements per step; the step passes when at most one error-rate or latency measurement
   * failed, no restart or OOMKill was seen, and at least one measurement had enough requests.
   * @default 5
   */
  readonly measurements?: number;
  /**
   * Requests the canary's pods must have served in the last 5 minutes for a measurement of
   * error rate or latency to count. With fewer, the measurement is inconclusive, and a step
   * whose measurements are all inconclusive pauses the Rollout for a person to promote or abort.
   * @default 20
   */
  readonly minimumRequests?: number;
}

/**
 * A canary release with Argo Rollouts: a `Rollout` that takes the pod template of the
 * workload's Deployment (`workloadRef`), so the Deployment, its Service, PDB, NetworkPolicy and
 * chart values stay as they are, and the HPA or KEDA ScaledObject scale the Rollout instead.
 * Traffic follows the replica count (no mesh needed): at weight w the canary runs
 * ceil(w% of the replicas) pods behind the same Service.
 */
export interface RolloutOptions {
  /**
   * Canary weights in percent of the replicas, increasing, each below 100. After the last one
   * the Rollout goes to 100%.
   * @default [20, 50]
   */
  readonly steps?: number[];
  /**
   * The analysis that gates each step.
   * @default - on, against the environment's Prometheus
   */
  readonly analysis?: CanaryAnalysisOptions;
  /**
   * Seconds each step waits when the analysis is off.
   * @default 300
   */
  readonly pauseSeconds?: number;
  /**
   * Pods above the replica count during an update. 0 replaces stable pods by canary pods
   * (what a pool of GPU pods needs: no spare GPU).
   * @default 1
   */
  readonly maxSurge?: number;
  /**
   * Pods below the replica count during an update.
   * @default 0
   */
  readonly maxUnavailable?: number;
  /**
   * How the Deployment hands its pods over to the Rollout the first time.
   * @default DeploymentScaleDown.PROGRESSIVELY
   */
  readonly scaleDown?: DeploymentScaleDown;
}

const percentStep = z.number({ error: 'must be a whole percentage between 1 and 99' }).int({ error: 'must be a whole percentage between 1 and 99' })
  .min(1, { error: 'must be a whole percentage between 1 and 99' }).max(99, { error: 'must be a whole percentage between 1 and 99 (the Rollout goes to 100% after the last step)' });

export const rolloutOptionsSchema = z.object({
  steps: z.array(percentStep).min(1, { error: 'must list at least one canary weight, e.g. [20, 50]' }).max(10, { error: 'must list at most 10 canary weights' })
    .refine((steps) => steps.every((w, i) => i === 0 || w > steps[i - 1]), { error: 'must increase from one step to the next, e.g. [20, 50]' }).optional(),
  analysis: z.object({
    enabled: z.boolean().optional(),
    prometheusUrl: z.string().regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { error: 'must be an http(s) URL of a Prometheus, e.g. "http://prometheus-operated.monitoring.svc.cluster.local:9090"' }).optional(),
    controllerNamespace: namespaceName.optional(),
    intervalSeconds: positiveInt.min(10, { error: 'must be at least 10 seconds (Prometheus scrapes every 30 s by default)' }).max(3600, { error: 'must be at most 3600 seconds' }).optional(),
    measurements: positiveInt.max(60, { error: 'must be at most 60' }).optional(),
    minimumRequests: positiveInt.max(1_000_000, { error: 'must be at most 1000000' }).optional(),
  }).strict().optional(),
  pauseSeconds: positiveInt.max(86400, { error: 'must be at most 86400 seconds' }).optional(),
  maxSurge: nonNegativeInt.max(100, { error: 'must be at most 100 pods' }).optional(),
  maxUnavailable: nonNegativeInt.max(100, { error: 'must be at most 100 pods' }).optional(),
  scaleDown: z.enum(DeploymentScaleDown, { error: `must be one of ${Object.values(DeploymentScaleDown).map((v) => `"${v}"`).join(', ')}` }).optional(),
}).strict();

/** The analysis of one workload's canary, resolved. */
export interface ResolvedCanaryAnalysis {
  /** Name of the AnalysisTemplate, `<workload>-canary`. */
  readonly templateName: string;
  /** Given explicitly; otherwise the analysis provider derives it from the environment. */
  readonly prometheusUrl?: string;
  readonly controllerNamespace: string;
  readonly intervalSeconds: number;
  readonly measurements: number;
  readonly minimumRequests: number;
}

export interface ResolvedRollout {
  readonly steps: readonly number[];
  readonly analysis?: ResolvedCanaryAnalysis;
  readonly pauseSeconds: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly scaleDown: DeploymentScaleDown;
}

/** The argument carrying the canary's pod-template hash into the analysis queries. */
export const CANARY_HASH_ARG = 'canary-hash';

/**
 * What builds a canary's AnalysisTemplate from the workload's metrics and the environment's
 * Prometheus. It lives above core (it needs the observability model); the AgentPlatform
 * provides it, as it provides the environment.
 */
export interface ICanaryAnalysis {
  /** Problems that keep the analysis from working, reported with the app's other problems. */
  problems(workload: Workload, analysis: ResolvedCanaryAnalysis): PropIssue[];
  /** The AnalysisTemplate's spec; asked when the manifests are rendered. */
  templateSpec(workload: Workload, analysis: ResolvedCanaryAnalysis): AnalysisTemplateSpec;
}

const ANALYSIS_SYMBOL = Symbol.for('cdk8s-agents.CanaryAnalysis');

/** Makes `analysis` build the canary analyses of every workload below `scope` (an AgentPlatform). */
export function provideCanaryAnalysis(scope: IConstruct, analysis: ICanaryAnalysis): void {
  Object.defineProperty(scope, ANALYSIS_SYMBOL, { value: analysis });
}

function canaryAnalysisOf(scope: IConstruct): ICanaryAnalysis | undefined {
  for (let node: IConstruct | undefined = scope; node; node = node.node.scope) {
    const provided = (node as unknown as Record<symbol, ICanaryAnalysis | undefined>)[ANALYSIS_SYMBOL];
    if (provided) {
      return provided;
    }
  }
  return undefined;
}

/** Resolves the options with their defaults. */
export function resolveRollout(options: z.output<typeof rolloutOptionsSchema>, workloadName: string): ResolvedRollout {
  const analysis = options.analysis ?? {};
  return {
    steps: options.steps ?? [20, 50],
    analysis: analysis.enabled === false ? undefined : {
      templateName: `${workloadName}-canary`,
      prometheusUrl: analysis.prometheusUrl,
      controllerNamespace: analysis.controllerNamespace ?? 'argo-rollouts',
      intervalSeconds: analysis.intervalSeconds ?? 60,
      measurements: analysis.measurements ?? 5,
      minimumRequests: analysis.minimumRequests ?? 20,
    },
    pauseSeconds: options.pauseSeconds ?? 300,
    maxSurge: options.maxSurge ?? 1,
    maxUnavailable: options.maxUnavailable ?? 0,
    scaleDown: options.scaleDown ?? DeploymentScaleDown.PROGRESSIVELY,
  };
}

/** What the Rollout needs to know of its workload. */
export interface CanaryRolloutHost {
  /** The workload whose Deployment the Rollout takes its pods from (same name). */
  readonly workload: Workload;
  /** Replicas when no autoscaler owns the count (undefined: an HPA or KEDA scales the Rollout). */
  readonly replicas: () => number | undefined;
  /** Extended resources (GPUs) of one pod. */
  readonly extendedResources: () => Readonly<Record<string, number>>;
}

/**
 * An Argo Rollouts canary for a workload's Deployment, and the AnalysisTemplate gating its
 * steps. The Rollout references the Deployment (`workloadRef`) instead of copying its pod
 * template, so the Deployment is rendered as before (without `replicas`: the Rollout runs the
 * pods), the Service, PodDisruptionBudget and NetworkPolicy select the Rollout's pods by the
 * same labels, and chart values for the image and resources still reach the pods.
 */
export class CanaryRollout extends Construct {
  /** Whether `value` is a canary of any copy of the library. */
  public static isCanaryRollout(value: unknown): value is CanaryRollout {
    return hasBrand(value, BrandKind.CANARY_ROLLOUT);
  }

  /** The `Rollout`. */
  public readonly rollout: ApiObject;
  /** The `AnalysisTemplate`, when the analysis is on. */
  public readonly analysisTemplate?: ApiObject;
  public readonly options: ResolvedRollout;

  constructor(scope: Construct, id: string, options: ResolvedRollout, private readonly host: CanaryRolloutHost) {
    super(scope, id);
    brand(this, BrandKind.CANARY_ROLLOUT);
    this.options = options;
    const workload = host.workload;
    const metadata = { name: workload.name, labels: { ...workload.labels } };
    this.rollout = new ApiObject(this, 'Resource', {
      apiVersion: ARGO_ROLLOUTS_API_VERSION,
      kind: 'Rollout',
      metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    const analysis = options.analysis;
    if (analysis) {
      this.analysisTemplate = new ApiObject(this, 'AnalysisTemplate', {
        apiVersion: ARGO_ROLLOUTS_API_VERSION,
        kind: 'AnalysisTemplate',
        metadata: { ...metadata, name: analysis.templateName },
        spec: Lazy.any({ produce: () => this.analysisSpec(analysis) }),
      });
    }
    workload.node.addValidation({ validate: () => this.problems().map(formatIssue) });
  }

  /** The object HPAs and ScaledObjects scale. */
  public get scaleTargetRef(): { apiVersion: string; kind: string; name: string } {
    return { apiVersion: ARGO_ROLLOUTS_API_VERSION, kind: 'Rollout', name: this.host.workload.name };
  }

  /** The workload whose pods the Rollout runs. */
  public get workload(): Workload {
    return this.host.workload;
  }

  /** Pods above the replica count during an update (at least one: the Deployment's first pod while the Rollout takes over). */
  public get surgePods(): number {
    return Math.max(1, this.options.maxSurge);
  }

  private renderSpec(): RolloutSpec {
    const workload = this.host.workload;
    const replicas = this.host.replicas();
    return {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { ...workload.selectorLabels } },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: workload.name, scaleDown: this.options.scaleDown },
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      // A canary that cannot become ready in time is rolled back, not left half-deployed.
      progressDeadlineAbort: true,
      strategy: { canary: { maxSurge: this.options.maxSurge, maxUnavailable: this.options.maxUnavailable, steps: this.steps() } },
    };
  }

  private steps(): CanaryStep[] {
    const analysis = this.options.analysis;
    const gate: CanaryStep = analysis
      ? { analysis: { templates: [{ templateName: analysis.templateName }], args: [canaryHashArgument()] } }
      : { pause: { duration: `${this.options.pauseSeconds}s` } };
    return this.options.steps.flatMap((weight): CanaryStep[] => [{ setWeight: weight }, gate]);
  }

  private analysisSpec(analysis: ResolvedCanaryAnalysis): AnalysisTemplateSpec {
    const provider = canaryAnalysisOf(this);
    if (!provider) {
      return { args: [{ name: CANARY_HASH_ARG }], metrics: [] };
    }
    return provider.templateSpec(this.host.workload, analysis);
  }

  /** Everything that would make the canary fail in the cluster, found before anything is written. */
  private problems(): PropIssue[] {
    const issues: PropIssue[] = [...this.surgeProblems()];
    const analysis = this.options.analysis;
    if (analysis) {
      issues.push(...this.analysisProblems(analysis));
    }
    return issues;
  }

  private surgeProblems(): PropIssue[] {
    const { maxSurge, maxUnavailable } = this.options;
    if (maxSurge === 0 && maxUnavailable === 0) {
      return [{ field: 'rollout.maxSurge', message: 'and rollout.maxUnavailable are both 0: no canary pod could ever start. Allow one extra pod (maxSurge: 1) or one pod less (maxUnavailable: 1)' }];
    }
    const gpus = Object.entries(this.host.extendedResources()).filter(([, count]) => count > 0);
    if (gpus.length > 0 && maxSurge > 0) {
      const perPod = gpus.map(([resource, count]) => `${count} ${resource}`).join(' and ');
      return [{
        field: 'rollout.maxSurge',
        value: maxSurge,
        message: `a canary pod of this pool starts beside the stable ones and needs ${perPod} of its own, which a cluster of GPU nodes rarely keeps spare: the step would wait for a GPU forever. Set rollout.maxSurge: 0 and maxUnavailable: 1 (each canary pod replaces a stable one; the pool serves with one replica less during the steps), or remove rollout`,
      }];
    }
    return [];
  }

  private analysisProblems(analysis: ResolvedCanaryAnalysis): PropIssue[] {
    const workload = this.host.workload;
    const signals = workload.signals();
    const issues: PropIssue[] = [];
    if (!signals.requests && !signals.latencyBucket) {
      issues.push({
        field: 'rollout.analysis',
        message: `the workload serves no request metrics (error rate, latency) for the analysis to judge a canary by (metrics disabled, or a stdio bridge): enable metrics, or set rollout.analysis.enabled: false to step by time (rollout.pauseSeconds)`,
      });
    }
    const provider = canaryAnalysisOf(this);
    if (!provider) {
      issues.push({ field: 'rollout.analysis', message: 'the canary analysis is built by an AgentPlatform (it needs the environment\'s Prometheus and the generated alerts): create the workload in an AgentPlatform, or set rollout.analysis.enabled: false' });
      return issues;
    }
    return [...issues, ...provider.problems(workload, analysis)];
  }
}

function canaryHashArgument(): AnalysisArgument {
  return { name: CANARY_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } };
}
