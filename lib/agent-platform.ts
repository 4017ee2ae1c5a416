import { ApiObject, Chart, JsonPatch, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct, type IConstruct } from 'constructs';
import { type EnvironmentConfig, environmentConfigSchema, Environments, overrideProblems } from './environment';
import { brand, BrandKind, hasBrand } from './core/brand';
import { checkScope, type PropIssue, reportIssues } from './core/errors';
import { contextLabels } from './core/labels';
import { mergeDeep } from './core/merge';
import { PLACEHOLDER } from './core/placeholder';
import { checkProps, safeParse, toPropIssues } from './core/props';
import { compareQuantities, formatBytes, formatCpu, isQuantity, parseQuantity } from './core/quantity';
import { MAX_QUANTITY, quantityValue, resourceName } from './core/schemas';
import { HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider } from './core/helm-values';
import { z } from 'zod';
import { addContributor, contextOf, type IQuotaConsumer, provideContext, type QuotaDemand, Workload } from './core/workload';
import { provideCanaryAnalysis } from './core/canary-rollout';
import { CanaryAnalysis } from './delivery/canary-analysis';
import { applySyncWaves } from './synth/sync-waves';

/** Props of an `AgentPlatform`. */
export interface AgentPlatformProps {
  /**
   * Name of the app (the `app.kubernetes.io/part-of` label).
   * @default - the construct id
   */
  readonly appName?: string;
  /**
   * The environment the app is synthesized for.
   * @default Environments.DEFAULT (production-safe settings in namespace "default")
   */
  readonly environment?: EnvironmentConfig;
}

function isQuotaConsumer(construct: IConstruct): construct is IConstruct & IQuotaConsumer {
  return typeof (construct as Partial<IQuotaConsumer>).quotaDemand === 'function';
}

/**
 * One app in one environment: a cdk8s Chart whose namespace, labels and defaults come from the
 * environment. It creates the namespace with its Pod Security Admission labels, a ResourceQuota
 * sized from the declared workloads, a LimitRange, and a default-deny NetworkPolicy.
 */
export class AgentPlatform extends Chart {
  /** The nearest `AgentPlatform` above `scope`, if any. */
  public static find(scope: Construct): AgentPlatform | undefined {
    for (let node: Construct | undefined = scope; node; node = node.node.scope as Construct | undefined) {
      if (hasBrand(node, BrandKind.AGENT_PLATFORM)) {
        return node as unknown as AgentPlatform;
      }
    }
    return undefined;
  }

  /** The environment constructs below `scope` are synthesized for (production-safe defaults outside a platform). */
  public static environmentOf(scope: Construct): EnvironmentConfig {
    return contextOf(scope).environment;
  }

  public readonly environment: EnvironmentConfig;
  public readonly appName: string;

  constructor(scope: Construct, id: string, props: AgentPlatformProps = {}) {
    checkScope(scope, id, 'AgentPlatform', false);
    const parsed = checkProps(platformPropsSchema, props ?? {});
    const given = (parsed.value ?? {}) as AgentPlatformProps;
    const { environment, issues } = checkEnvironment(given.environment ?? Environments.DEFAULT);
    const nameCheck = resourceName(40).safeParse(given.appName ?? id);
    const appName = nameCheck.success ? nameCheck.data : PLACEHOLDER;
    super(scope, id, { namespace: environment.namespace, labels: contextLabels(appName, environment.name), disableResourceNameHashes: true });
    this.environment = environment;
    this.appName = appName;
    reportIssues(this, [...parsed.issues, ...issues, ...(nameCheck.success ? [] : [{ field: 'appName', value: given.appName ?? id, message: nameCheck.error.issues[0].message }])]);
    this.node.addValidation({ validate: () => quotaOverflow(this.workloadDemands(), environment) });
    this.node.addValidation({ validate: () => duplicateObjects(this) });
    provideContext(this, { environment, partOf: appName });
    const canaryAnalysis = new CanaryAnalysis();
    provideCanaryAnalysis(this, canaryAnalysis);
    addContributor(this, canaryAnalysis);
    brand(this, BrandKind.AGENT_PLATFORM);
    new NamespaceResources(this, 'namespace', environment);
  }

  /** The manifests, with their Argo CD sync waves (also when synthesized by `app.synth()`). */
  public override toJson(): unknown[] {
    applySyncWaves(this);
    return super.toJson();
  }

  /** What every workload of the platform needs at full scale. */
  public workloadDemands(): QuotaDemand[] {
    return this.node.findAll().filter(isQuotaConsumer).map((c) => c.quotaDemand()).filter((d): d is QuotaDemand => d !== undefined);
  }
}

export const platformPropsSchema = z.object({ appName: z.unknown().optional(), environment: z.unknown().optional() }).strict();

/** A quota Kubernetes cannot represent would be capped by the API server: refused instead. */
function quotaOverflow(demands: readonly QuotaDemand[], env: EnvironmentConfig): string[] {
  if (!env.quota.enabled) {
    return [];
  }
  return Object.entries(quotaHard(demands, env)).filter(([, quantity]) => {
    const text = String(quantity.value);
    return !isQuantity(text) || compareQuantities(text, MAX_QUANTITY) > 0;
  }).map(([resource, quantity]) => `ResourceQuota "workloads" ${resource}: the workloads need ${String(quantity.value)} at full scale (replicas, surge and ${env.quota.headroom}x headroom), more than Kubernetes can represent (${MAX_QUANTITY}); lower the resources or the replicas of the largest workloads`);
}

/** Two objects with the same kind, namespace and name: the second would silently replace the first. */
function duplicateObjects(chart: Chart): string[] {
  const seen = new Map<string, ApiObject>();
  const problems: string[] = [];
  for (const object of chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c))) {
    const key = `${object.apiGroup}/${object.kind}/${object.metadata.namespace ?? ''}/${object.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, object);
    } else if (!sameNamedWorkloads(first, object)) {
      problems.push(`${object.kind} "${object.name}" is defined by both ${first.node.path} and ${object.node.path}; give one of the constructs another name`);
    }
  }
  return problems;
}

/** Two workloads with one name: each workload reports that itself, once. */
function sameNamedWorkloads(a: ApiObject, b: ApiObject): boolean {
  const owner = (o: ApiObject) => o.node.scopes.find((s): s is Workload => Workload.isWorkload(s));
  const x = owner(a);
  const y = owner(b);
  return x !== undefined && y !== undefined && x !== y && x.name === y.name;
}

function checkEnvironment(environment: EnvironmentConfig): { environment: EnvironmentConfig; issues: PropIssue[] } {
  const given = overrideProblems(environment).map((p) => ({ ...p, field: `environment ${p.field}` }));
  const result = safeParse(environmentConfigSchema, environment);
  if (result.success) {
    return { environment: result.data as EnvironmentConfig, issues: given };
  }
  const issues = [...given, ...toPropIssues(environmentConfigSchema, result.error.issues, environment, 'environment')];
  const bad = new Set(result.error.issues.map((i) => i.path[0]));
  try {
    const usable = typeof environment === 'object' && environment !== null && !Array.isArray(environment)
      ? Object.fromEntries(Object.entries(environment).filter(([k]) => !bad.has(k)))
      : {};
    const fallback = safeParse(environmentConfigSchema, mergeDeep(Environments.DEFAULT, usable));
    return { environment: fallback.success ? (fallback.data as EnvironmentConfig) : Environments.DEFAULT, issues };
  } catch {
    return { environment: Environments.DEFAULT, issues };
  }
}

/** The chart values key of the namespace ResourceQuota. */
export const QUOTA_VALUES_KEY = 'resourceQuota';

/** The namespace and its guard rails; written to `00-namespace.yaml`. */
class NamespaceResources extends Construct implements IHelmValuesProvider {
  public readonly manifestFileName = '00-namespace';
  private quota?: k8s.KubeResourceQuota;

  constructor(private readonly platform: AgentPlatform, id: string, private readonly env: EnvironmentConfig) {
    const scope = platform;
    super(scope, id);
    if (env.namespacePolicy.create) {
      this.createNamespace(env);
    }
    if (env.quota.enabled) {
      this.createQuota(scope, env);
      this.createLimitRange(env);
    }
    if (env.networkPolicies.enabled) {
      new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
        metadata: { name: 'default-deny' },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
    }
  }

  private createNamespace(env: EnvironmentConfig): void {
    const { enforce, warn } = env.namespacePolicy;
    const version = 'v1.28';
    const namespace = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: env.namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': enforce,
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/warn': warn,
          'pod-security.kubernetes.io/warn-version': version,
          'pod-security.kubernetes.io/audit': warn,
          'pod-security.kubernetes.io/audit-version': version,
        },
      },
    });
    // A Namespace is cluster scoped, but cdk8s stamps the chart's namespace on every object.
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }

  /** The quota's hard limits are chart values, so a release that scales far beyond the declared system can raise them. */
  public helmValues(): HelmValueSection | undefined {
    if (!this.quota) {
      return undefined;
    }
    const hard = Object.fromEntries(Object.entries(quotaHard(this.platform.workloadDemands(), this.env)).map(([k, v]) => [k, v.value]));
    return new HelmSectionBuilder(QUOTA_VALUES_KEY, this.node.path)
      .json(['hard'], hard, z.record(z.string(), quantityValue), this.quota, ['spec', 'hard'], 'Hard limits of the namespace ResourceQuota (derived from the workloads at full scale)')
      .build();
  }

  private createQuota(platform: AgentPlatform, env: EnvironmentConfig): void {
    this.quota = new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'workloads' },
      spec: Lazy.any({ produce: (): k8s.ResourceQuotaSpec => ({ hard: quotaHard(platform.workloadDemands(), env) }) }),
    });
  }

  private createLimitRange(env: EnvironmentConfig): void {
    new k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: { name: 'container-defaults' },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: { cpu: k8s.Quantity.fromString(env.quota.defaultRequest.cpu), memory: k8s.Quantity.fromString(env.quota.defaultRequest.memory) },
          default: { cpu: k8s.Quantity.fromString(env.quota.defaultLimit.cpu), memory: k8s.Quantity.fromString(env.quota.defaultLimit.memory) },
        }],
      },
    });
  }
}

/** Extended resources (GPUs, MIG slices) at full scale, by resource name. */
function extendedDemand(demands: readonly QuotaDemand[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const d of demands) {
    const perPod = d.extendedResources ?? (d.gpus > 0 ? { 'nvidia.com/gpu': d.gpus } : {});
    for (const [resource, count] of Object.entries(perPod)) {
      totals[resource] = (totals[resource] ?? 0) + d.pods * count;
    }
  }
  return totals;
}

/**
 * Quota sized from the declared workloads at full scale, one surge pod each, plus headroom for
 * pods nobody declared (jobs run by hand, debug pods sized by the LimitRange defaults).
 */
export function quotaHard(demands: readonly QuotaDemand[], env: EnvironmentConfig): Record<string, k8s.Quantity> {
  const sum = (pick: (d: QuotaDemand) => number) => demands.reduce((total, d) => total + pick(d), 0);
  const extra = env.quota.extraPods;
  const headroom = env.quota.headroom;
  const cpu = (n: number) => k8s.Quantity.fromString(formatCpu(n * headroom));
  const bytes = (n: number) => k8s.Quantity.fromString(formatBytes(Math.ceil((n * headroom) / 2 ** 20) * 2 ** 20));
  const defaults = {
    cpuRequest: parseQuantity(env.quota.defaultRequest.cpu),
    memoryRequest: parseQuantity(env.quota.defaultRequest.memory),
    cpuLimit: parseQuantity(env.quota.defaultLimit.cpu),
    memoryLimit: parseQuantity(env.quota.defaultLimit.memory),
  };
  const hard: Record<string, k8s.Quantity> = {
    pods: k8s.Quantity.fromNumber(Math.ceil((sum((d) => d.pods) + extra) * headroom)),
    'requests.cpu': cpu(sum((d) => d.pods * d.cpuRequest) + extra * defaults.cpuRequest),
    'requests.memory': bytes(sum((d) => d.pods * d.memoryRequest) + extra * defaults.memoryRequest),
    'limits.cpu': cpu(sum((d) => d.pods * d.cpuLimit) + extra * defaults.cpuLimit),
    'limits.memory': bytes(sum((d) => d.pods * d.memoryLimit) + extra * defaults.memoryLimit),
  };
  for (const [resource, count] of Object.entries(extendedDemand(demands))) {
    hard[`requests.${resource}`] = k8s.Quantity.fromNumber(count);
  }
  const claims = sum((d) => d.volumeClaims);
  if (claims > 0) {
    hard.persistentvolumeclaims = k8s.Quantity.fromNumber(claims + extra);
    hard['requests.storage'] = bytes(sum((d) => d.storageBytes));
  }
  return hard;
}
