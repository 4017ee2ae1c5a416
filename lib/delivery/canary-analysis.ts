import { Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { type AnalysisMetric, type AnalysisTemplateSpec } from '../core/argo-rollouts';
import { BrandKind, hasBrand } from '../core/brand';
import { CANARY_HASH_ARG, CanaryRollout, type ICanaryAnalysis, type ResolvedCanaryAnalysis } from '../core/canary-rollout';
import { type PropIssue } from '../core/errors';
import { WorkloadComponent } from '../core/labels';
import { NamespacePeer, Protocol } from '../core/network';
import { type WorkloadSignals } from '../core/signals';
import { type IWorkloadContributor, type Workload, type WorkloadContribution } from '../core/workload';
import { ObservabilityMode } from '../environment';
import { type AlertThresholds, DEFAULT_THRESHOLDS } from '../observability/alerts';
import { CLUSTER_METRICS } from '../observability/catalog';
import { errorMatcher, increase, matcher, quantile, selector, sumBy } from '../observability/promql';
import { type ObservabilityStack } from '../observability-stack';

/** The canary's own series: its namespace and workload, and its pods by the pod-template hash in their names. */
export interface CanaryScope {
  readonly namespace: string;
  readonly workload: string;
  /** Regular expression matching exactly the canary's pod names. */
  readonly podPattern: string;
}

/** One measurement of a canary: a PromQL query that always returns one sample, and how to judge it. */
export interface CanaryQuery {
  /** Metric name in the AnalysisTemplate. */
  readonly name: string;
  readonly query: string;
  /** Argo Rollouts conditions on `result[0]`; NaN (too little data) satisfies neither, so the measurement is inconclusive. */
  readonly successCondition: string;
  readonly failureCondition: string;
  /** Failed measurements tolerated per step. */
  readonly failureLimit: number;
}

/** The thresholds the canary is held to: those of the generated alerts. */
export type CanaryThresholds = Pick<AlertThresholds, 'errorRatio' | 'latencyP95Seconds'>;

/** `A or vector(NaN)`: a query that returns NaN instead of nothing, so a condition can always read `result[0]`. */
function orNaN(expr: string): string {
  return `(${expr}) or vector(NaN)`;
}

/** `expr`, kept only when the canary served at least `minimum` requests in the window (counted by `volume`). */
function withVolume(expr: string, volume: string, minimum: number): string {
  return `(${expr}) and on () (${volume} >= ${minimum})`;
}

/**
 * The measurements of a canary, from the workload's declared signals (the same request counter,
 * error matcher and latency histogram the alerts use) and the cluster series of the catalog
 * (restarts and OOMKills from kube-state-metrics), scoped to the canary's pods. This is the one
 * place the analysis reads metric names: a workload that names its metrics differently changes
 * its `signals()`, and the analysis follows.
 */
export function canaryQueries(signals: WorkloadSignals, scope: CanaryScope, thresholds: CanaryThresholds, minimumRequests: number): CanaryQuery[] {
  const pods = [matcher('namespace', '=', scope.namespace), matcher('pod', '=~', scope.podPattern)];
  const own = [matcher('namespace', '=', scope.namespace), matcher('workload', '=', scope.workload), matcher('pod', '=~', scope.podPattern)];
  const queries: CanaryQuery[] = [];
  const requests = signals.requests;
  if (requests) {
    const all = sumBy([], increase(selector(requests.counter, own)));
    const failed = sumBy([], increase(selector(requests.counter, [...own, errorMatcher(requests)])));
    // No failed-request series at all means no failures: `or vector(0)` keeps the ratio defined.
    queries.push({
      name: 'error-rate',
      query: orNaN(`(${failed} or vector(0)) / (${all} >= ${minimumRequests})`),
      successCondition: `result[0] <= ${thresholds.errorRatio}`,
      failureCondition: `result[0] > ${thresholds.errorRatio}`,
      failureLimit: 1,
    });
  }
  if (signals.latencyBucket) {
    const served = sumBy([], increase(selector(signals.latencyBucket, [...own, matcher('le', '=', '+Inf')])));
    queries.push({
      name: 'p95-latency',
      query: orNaN(withVolume(quantile(0.95, selector(signals.latencyBucket, own), []), served, minimumRequests)),
      successCondition: `result[0] <= ${thresholds.latencyP95Seconds}`,
      failureCondition: `result[0] > ${thresholds.latencyP95Seconds}`,
      failureLimit: 1,
    });
  }
  // A canary pod's counters start at zero, so any restart at all is the canary's.
  queries.push({
    name: 'restarts',
    query: orNaN(sumBy([], selector(CLUSTER_METRICS.restarts.name, pods))),
    successCondition: 'result[0] == 0',
    failureCondition: 'result[0] > 0',
    failureLimit: 0,
  });
  queries.push({
    name: 'oom-kills',
    query: `(${sumBy([], selector(CLUSTER_METRICS.lastTerminated.name, [...pods, matcher('reason', '=', 'OOMKilled')]))}) or vector(0)`,
    successCondition: 'result[0] == 0',
    failureCondition: 'result[0] > 0',
    failureLimit: 0,
  });
  return queries;
}

/** The regular expression of the pods of a Rollout's revision: `<rollout>-<pod-template hash>-<random>`. */
export function revisionPodPattern(rollout: string, hash: string): string {
  return `${rollout}-${hash}-[a-z0-9]+`;
}

function stackOf(scope: IConstruct): ObservabilityStack | undefined {
  return Chart.of(scope).node.findAll().find((c) => hasBrand(c, BrandKind.OBSERVABILITY_STACK)) as ObservabilityStack | undefined;
}

/** Where the Prometheus of the environment answers, when the library knows it. */
function prometheusUrl(workload: Workload, analysis: ResolvedCanaryAnalysis): string | undefined {
  if (analysis.prometheusUrl) {
    return analysis.prometheusUrl;
  }
  const observability = workload.environment.observability;
  if (observability.mode === ObservabilityMode.OPERATOR) {
    return `http://prometheus-operated.${observability.monitoringNamespace}.svc.cluster.local:9090`;
  }
  const prometheus = observability.mode === ObservabilityMode.SELF_HOSTED ? stackOf(workload)?.prometheus : undefined;
  return prometheus ? `http://${prometheus.address(prometheus.port)}` : undefined;
}

/**
 * Builds the AnalysisTemplate of every canary of an AgentPlatform, and admits the Argo Rollouts
 * controller to the self-hosted Prometheus that the analyses query (the other end of that path
 * is the controller's, outside the app). The AgentPlatform provides it to its workloads.
 */
export class CanaryAnalysis implements ICanaryAnalysis, IWorkloadContributor {
  public problems(workload: Workload, analysis: ResolvedCanaryAnalysis): PropIssue[] {
    if (prometheusUrl(workload, analysis)) {
      return [];
    }
    const mode = workload.environment.observability.mode;
    const why = mode === ObservabilityMode.NONE
      ? `environment "${workload.environment.name}" has no observability (mode "none"), so there is no Prometheus to measure the canary: set observability.mode to "self-hosted" or "operator"`
      : `environment "${workload.environment.name}" runs a self-hosted Prometheus, but the app has no ObservabilityStack to run it: create one (last, it walks the app)`;
    return [{ field: 'rollout.analysis.prometheusUrl', message: `${why}, give rollout.analysis.prometheusUrl, or set rollout.analysis.enabled: false` }];
  }

  public templateSpec(workload: Workload, analysis: ResolvedCanaryAnalysis): AnalysisTemplateSpec {
    const address = prometheusUrl(workload, analysis) ?? '';
    const thresholds = stackOf(workload)?.thresholds ?? DEFAULT_THRESHOLDS;
    const scope: CanaryScope = {
      namespace: workload.namespace ?? workload.environment.namespace,
      workload: workload.name,
      podPattern: revisionPodPattern(workload.name, `{{args.${CANARY_HASH_ARG}}}`),
    };
    const metrics = canaryQueries(workload.signals(), scope, thresholds, analysis.minimumRequests).map((q): AnalysisMetric => ({
      name: q.name,
      interval: `${analysis.intervalSeconds}s`,
      count: analysis.measurements,
      failureLimit: q.failureLimit,
      // Early measurements see too few requests; the step fails only on failures, and is
      // inconclusive only when every measurement was.
      inconclusiveLimit: analysis.measurements - 1,
      successCondition: q.successCondition,
      failureCondition: q.failureCondition,
      provider: { prometheus: { address, query: q.query } },
    }));
    return { args: [{ name: CANARY_HASH_ARG }], metrics };
  }

  /** The self-hosted Prometheus admits the Argo Rollouts controller of every canary that queries it. */
  public contributionFor(workload: Workload): WorkloadContribution | undefined {
    // Asked for every workload at every render: only the stack's own servers are worth a look.
    if (workload.component !== WorkloadComponent.OBSERVABILITY) {
      return undefined;
    }
    const prometheus = stackOf(workload)?.prometheus;
    if (!prometheus || workload !== prometheus) {
      return undefined;
    }
    const namespaces = new Set<string>();
    for (const canary of Chart.of(workload).node.findAll().filter(CanaryRollout.isCanaryRollout)) {
      const analysis = canary.options.analysis;
      if (analysis && !analysis.prometheusUrl && canary.workload.environment.observability.mode === ObservabilityMode.SELF_HOSTED) {
        namespaces.add(analysis.controllerNamespace);
      }
    }
    return { ingress: [...namespaces].map((namespace) => ({ peer: new NamespacePeer(namespace), ports: [{ port: prometheus.port, protocol: Protocol.TCP }] })) };
  }
}
