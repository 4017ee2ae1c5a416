import { z } from 'zod';
import { imageRegistryPrefixSchema, ImageTagPolicy } from './core/image';
import { type DeepPartial, mergeDeep } from './core/merge';
import { ResourceProfile } from './core/resources';
import { cpuQuantity, dnsSubdomain, labels, memoryQuantity, namespaceName, nonNegativeInt, percentage, positiveInt, resourceName } from './core/schemas';

/** How much safety an environment demands. Tiers drive defaults and checks, names are free. */
export enum EnvironmentTier {
  DEVELOPMENT = 'development',
  STAGING = 'staging',
  PRODUCTION = 'production',
}

/** Where secret values come from. Constructs only name the keys they need. */
export enum SecretBackend {
  /** Secrets created out of band (`kubectl create secret generic ...`); the manifests only reference them. */
  EXISTING = 'existing',
  /** External Secrets Operator syncs each secret from a SecretStore or ClusterSecretStore. */
  EXTERNAL_SECRETS = 'external-secrets',
  /** Bitnami SealedSecrets: encrypted data committed to Git, decrypted in the cluster. */
  SEALED_SECRETS = 'sealed-secrets',
}

/** How metrics, traces and dashboards are provided. */
export enum ObservabilityMode {
  /** No scraping rules, no telemetry wiring. */
  NONE = 'none',
  /** Prometheus, Grafana, Tempo and an OpenTelemetry Collector deployed with the app. */
  SELF_HOSTED = 'self-hosted',
  /** An existing Prometheus Operator (kube-prometheus-stack) selects ServiceMonitors and PrometheusRules. */
  OPERATOR = 'operator',
}

/** Pod Security Admission levels. */
export enum PodSecurityLevel {
  PRIVILEGED = 'privileged',
  BASELINE = 'baseline',
  RESTRICTED = 'restricted',
}

/** How hard replicas are spread across a topology domain. */
export enum SpreadPolicy {
  /** Never schedule a replica that would unbalance the domains (`DoNotSchedule`). */
  REQUIRED = 'required',
  /** Prefer balance, schedule anyway when impossible (`ScheduleAnyway`). */
  PREFERRED = 'preferred',
  /** No constraint. */
  NONE = 'none',
}

export interface ReplicaDefaults {
  /** Replicas of a workload that sets none and is not autoscaled. */
  readonly default: number;
  /** Upper bound for every workload (dev: 1, so the laptop runs one of everything). @default - no bound */
  readonly max?: number;
}

export interface AutoscalingDefaults {
  /** Whether HorizontalPodAutoscalers are generated at all (off in dev). */
  readonly enabled: boolean;
  /** Floor for workloads that enable autoscaling without a minimum. */
  readonly minReplicas: number;
  /** Ceiling for workloads that enable autoscaling without a maximum. */
  readonly maxReplicas: number;
  /** Target average CPU utilization (% of requests). */
  readonly cpuUtilization: number;
  /** Target average memory utilization (% of requests); memory is what AI workloads run out of. */
  readonly memoryUtilization: number;
  /** Seconds of lower load before scaling down, against flapping. */
  readonly scaleDownStabilizationSeconds: number;
  /** Namespace of the KEDA operator, admitted to the queues it reads (Redis lists). */
  readonly kedaNamespace: string;
}

export interface ImagePolicy {
  /** Registry host (and path) prefixed to images given without one, e.g. `registry.acme.io/agents`. @default - none (Docker Hub) */
  readonly registry?: string;
  /** Which tags are accepted. */
  readonly tagPolicy: ImageTagPolicy;
  /** Container imagePullPolicy. */
  readonly pullPolicy: 'IfNotPresent' | 'Always';
}

export interface StoragePolicy {
  /** StorageClass of ReadWriteOnce volumes (Redis, model caches). @default - the cluster default class */
  readonly storageClassName?: string;
  /** StorageClass of ReadWriteMany shared volumes, e.g. `efs-sc`. @default - the cluster default class */
  readonly sharedStorageClassName?: string;
  /** Whether hostPath volumes are allowed (single-node dev clusters only). */
  readonly allowHostPath: boolean;
}

export interface IngressPolicy {
  /** IngressClass of generated Ingresses. */
  readonly className: string;
  /** Domain under which hosts are generated (`<service>.<domain>`). @default - a host must be given per Ingress */
  readonly domain?: string;
  /** Namespace of the ingress controller, admitted by the NetworkPolicies of exposed services. */
  readonly controllerNamespace: string;
  /** cert-manager ClusterIssuer annotated on TLS Ingresses. @default - none: the TLS secret is provided otherwise */
  readonly clusterIssuer?: string;
}

export interface SecretStoreReference {
  /** Name of the SecretStore or ClusterSecretStore. */
  readonly name: string;
  /** Kind of the store. */
  readonly kind: 'SecretStore' | 'ClusterSecretStore';
}

export interface SecretPolicy {
  /** Where secret values come from. */
  readonly backend: SecretBackend;
  /** Store the ExternalSecrets read from (external-secrets backend). @default - none; required for that backend */
  readonly store?: SecretStoreReference;
  /** Prefix of remote keys, e.g. `prod/` turns key `confluence/password` into `prod/confluence/password`. @default "" */
  readonly remoteKeyPrefix: string;
  /** How often External Secrets refreshes a secret. */
  readonly refreshInterval: string;
  /** Whether literal secret values may be rendered into manifests. Only a development environment may allow it. */
  readonly allowLiteralValues: boolean;
}

export interface NetworkPolicyDefaults {
  /** Whether NetworkPolicies are generated: a namespace default deny plus the paths the wiring declares. */
  readonly enabled: boolean;
  /** Namespace of the cluster DNS. */
  readonly dnsNamespace: string;
  /** Labels of the cluster DNS pods. */
  readonly dnsPodLabels: Readonly<Record<string, string>>;
}

export interface ObservabilityDefaults {
  /** How metrics and traces are provided. */
  readonly mode: ObservabilityMode;
  /** Namespace whose Prometheus scrapes the workloads (operator mode); admitted to metrics ports. */
  readonly monitoringNamespace: string;
  /** Labels the cluster's Prometheus selects ServiceMonitors and PrometheusRules by (operator mode). */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
}

export interface GpuPolicy {
  /** Whether the cluster has GPU nodes; without them GPU pools use their fallback. */
  readonly available: boolean;
}

export interface AvailabilityDefaults {
  /** Whether PodDisruptionBudgets are generated for workloads that can run more than one replica. */
  readonly podDisruptionBudgets: boolean;
  /** Spread of replicas across nodes. */
  readonly spreadAcrossNodes: SpreadPolicy;
  /** Spread of replicas across zones. */
  readonly spreadAcrossZones: SpreadPolicy;
}

export interface NamespacePolicy {
  /** Whether the Namespace object itself is generated. */
  readonly create: boolean;
  /** Pod Security Admission level enforced. */
  readonly enforce: PodSecurityLevel;
  /** Level audited and warned about. */
  readonly warn: PodSecurityLevel;
}

export interface QuotaPolicy {
  /** Whether a ResourceQuota and a LimitRange are generated. */
  readonly enabled: boolean;
  /** Headroom over what the declared workloads need at their maximum scale plus one surge pod each (1.25 = 25%). */
  readonly headroom: number;
  /** Extra pods allowed beyond the declared workloads (jobs run by hand, debugging). */
  readonly extraPods: number;
  /** LimitRange default request for containers that declare none. */
  readonly defaultRequest: { readonly cpu: string; readonly memory: string };
  /** LimitRange default limit for containers that declare none. */
  readonly defaultLimit: { readonly cpu: string; readonly memory: string };
}

/** Everything that differs between environments. Create one with `Environments.dev()` / `.staging()` / `.prod()`. */
export interface EnvironmentConfig {
  /** Short name used in paths and labels, e.g. `prod`. */
  readonly name: string;
  readonly tier: EnvironmentTier;
  /** Namespace every object goes into. */
  readonly namespace: string;
  readonly replicas: ReplicaDefaults;
  readonly autoscaling: AutoscalingDefaults;
  /** How the resource presets are scaled. */
  readonly resourceProfile: ResourceProfile;
  readonly images: ImagePolicy;
  readonly storage: StoragePolicy;
  readonly ingress: IngressPolicy;
  readonly secrets: SecretPolicy;
  readonly networkPolicies: NetworkPolicyDefaults;
  readonly observability: ObservabilityDefaults;
  readonly availability: AvailabilityDefaults;
  readonly namespacePolicy: NamespacePolicy;
  readonly quota: QuotaPolicy;
  readonly gpu: GpuPolicy;
}

/** Overrides of a preset: any field, at any depth. */
export type EnvironmentOptions = DeepPartial<EnvironmentConfig>;

const enumOf = <T extends Record<string, string>>(values: T) =>
  z.enum(values, { error: `must be one of ${Object.values(values).map((v) => `"${v}"`).join(', ')}` });

const resourcePair = z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict();

const environmentShape = z.object({
  name: resourceName(30),
  tier: enumOf(EnvironmentTier),
  namespace: namespaceName,
  replicas: z.object({ default: positiveInt, max: positiveInt.optional() }).strict(),
  autoscaling: z.object({
    enabled: z.boolean(),
    minReplicas: positiveInt,
    maxReplicas: positiveInt,
    cpuUtilization: percentage,
    memoryUtilization: percentage,
    scaleDownStabilizationSeconds: nonNegativeInt.max(3600, { error: 'must be at most 3600 seconds' }),
    kedaNamespace: namespaceName,
  }).strict(),
  resourceProfile: enumOf(ResourceProfile),
  images: z.object({
    registry: imageRegistryPrefixSchema.optional(),
    tagPolicy: enumOf(ImageTagPolicy),
    pullPolicy: z.enum(['IfNotPresent', 'Always'], { error: 'must be "IfNotPresent" or "Always"' }),
  }).strict(),
  storage: z.object({
    storageClassName: dnsSubdomain.optional(),
    sharedStorageClassName: dnsSubdomain.optional(),
    allowHostPath: z.boolean(),
  }).strict(),
  ingress: z.object({
    className: dnsSubdomain,
    domain: dnsSubdomain.optional(),
    controllerNamespace: namespaceName,
    clusterIssuer: dnsSubdomain.optional(),
  }).strict(),
  secrets: z.object({
    backend: enumOf(SecretBackend),
    store: z.object({ name: dnsSubdomain, kind: z.enum(['SecretStore', 'ClusterSecretStore'], { error: 'must be "SecretStore" or "ClusterSecretStore"' }) }).strict().optional(),
    remoteKeyPrefix: z.string(),
    refreshInterval: z.string().regex(/^([0-9]+(ns|us|ms|s|m|h))+$/, { error: 'must be a Go duration such as "1h" or "15m"' }),
    allowLiteralValues: z.boolean(),
  }).strict(),
  networkPolicies: z.object({ enabled: z.boolean(), dnsNamespace: namespaceName, dnsPodLabels: labels }).strict(),
  observability: z.object({ mode: enumOf(ObservabilityMode), monitoringNamespace: namespaceName, prometheusSelectorLabels: labels }).strict(),
  availability: z.object({
    podDisruptionBudgets: z.boolean(),
    spreadAcrossNodes: enumOf(SpreadPolicy),
    spreadAcrossZones: enumOf(SpreadPolicy),
  }).strict(),
  namespacePolicy: z.object({ create: z.boolean(), enforce: enumOf(PodSecurityLevel), warn: enumOf(PodSecurityLevel) }).strict(),
  gpu: z.object({ available: z.boolean() }).strict(),
  quota: z.object({
    enabled: z.boolean(),
    headroom: z.number().min(1, { error: 'must be at least 1 (1.25 means 25% above what the workloads need)' }).max(10, { error: 'must be at most 10' }),
    extraPods: nonNegativeInt,
    defaultRequest: resourcePair,
    defaultLimit: resourcePair,
  }).strict(),
}).strict();

export const environmentConfigSchema = environmentShape.superRefine((env, ctx) => {
  if (env.autoscaling.minReplicas > env.autoscaling.maxReplicas) {
    ctx.addIssue({ code: 'custom', path: ['autoscaling', 'minReplicas'], input: env.autoscaling.minReplicas, message: `must be at most autoscaling.maxReplicas (${env.autoscaling.maxReplicas})` });
  }
  if (env.tier !== EnvironmentTier.DEVELOPMENT) {
    if (env.secrets.allowLiteralValues) {
      ctx.addIssue({ code: 'custom', path: ['secrets', 'allowLiteralValues'], input: true, message: `only a development environment may render literal secret values; this one is "${env.tier}": use an existing Secret, an ExternalSecret or a SealedSecret` });
    }
    if (env.storage.allowHostPath) {
      ctx.addIssue({ code: 'custom', path: ['storage', 'allowHostPath'], input: true, message: `hostPath volumes only work on a single-node development cluster; this environment is "${env.tier}": use a ReadWriteMany storage class (storage.sharedStorageClassName)` });
    }
  }
  checkMultiReplicaSafety(env, ctx);
  if (env.secrets.backend === SecretBackend.EXTERNAL_SECRETS && !env.secrets.store) {
    ctx.addIssue({ code: 'custom', path: ['secrets', 'store'], message: 'the external-secrets backend needs the SecretStore or ClusterSecretStore to read from, e.g. { name: "aws-secretsmanager", kind: "ClusterSecretStore" }' });
  }
});

/**
 * Never a multi-replica workload without a PodDisruptionBudget and topology spread: an environment
 * that turns either off must keep every workload at one replica (`replicas.max: 1`, as dev does).
 */
function checkMultiReplicaSafety(env: z.output<typeof environmentShape>, ctx: z.core.$RefinementCtx<unknown>): void {
  const missing = [
    ...(env.availability.podDisruptionBudgets ? [] : ['PodDisruptionBudgets (availability.podDisruptionBudgets is false)']),
    ...(env.availability.spreadAcrossNodes === SpreadPolicy.NONE && env.availability.spreadAcrossZones === SpreadPolicy.NONE ? ['topology spread (availability.spreadAcrossNodes and spreadAcrossZones are "none")'] : []),
  ];
  if (missing.length === 0 || env.replicas.max === 1) {
    return;
  }
  ctx.addIssue({
    code: 'custom',
    path: ['replicas', 'max'],
    input: env.replicas.max,
    message: `must be 1: this environment renders no ${missing.join(' and no ')}, and a workload running several replicas needs both to survive node drains; set replicas.max: 1 (as dev does), or turn on availability.podDisruptionBudgets and a spread`,
  });
}

const BASE: Omit<EnvironmentConfig, 'name' | 'tier' | 'namespace'> = {
  replicas: { default: 3 },
  autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 75, scaleDownStabilizationSeconds: 300, kedaNamespace: 'keda' },
  resourceProfile: ResourceProfile.STANDARD,
  images: { tagPolicy: ImageTagPolicy.PINNED, pullPolicy: 'IfNotPresent' },
  storage: { allowHostPath: false },
  ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx' },
  secrets: { backend: SecretBackend.EXISTING, remoteKeyPrefix: '', refreshInterval: '1h', allowLiteralValues: false },
  networkPolicies: { enabled: true, dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } },
  observability: { mode: ObservabilityMode.NONE, monitoringNamespace: 'monitoring', prometheusSelectorLabels: { release: 'kube-prometheus-stack' } },
  availability: { podDisruptionBudgets: true, spreadAcrossNodes: SpreadPolicy.REQUIRED, spreadAcrossZones: SpreadPolicy.PREFERRED },
  namespacePolicy: { create: true, enforce: PodSecurityLevel.RESTRICTED, warn: PodSecurityLevel.RESTRICTED },
  quota: {
    enabled: true,
    headroom: 1.25,
    extraPods: 10,
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    defaultLimit: { cpu: '500m', memory: '512Mi' },
  },
  gpu: { available: true },
};

const PRODUCTION: EnvironmentConfig = { ...BASE, name: 'prod', tier: EnvironmentTier.PRODUCTION, namespace: 'default' };

/** Environment fields that are label maps: an override replaces them whole. */
const LABEL_MAPS: ReadonlySet<string> = new Set(['dnsPodLabels', 'prometheusSelectorLabels']);

const STAGING: EnvironmentConfig = mergeDeep<EnvironmentConfig>(PRODUCTION, {
  name: 'staging',
  tier: EnvironmentTier.STAGING,
  replicas: { default: 2 },
  autoscaling: { minReplicas: 2, maxReplicas: 4 },
  availability: { spreadAcrossNodes: SpreadPolicy.PREFERRED },
});

const DEVELOPMENT: EnvironmentConfig = mergeDeep<EnvironmentConfig>(PRODUCTION, {
  name: 'dev',
  tier: EnvironmentTier.DEVELOPMENT,
  replicas: { default: 1, max: 1 },
  autoscaling: { enabled: false, minReplicas: 1, maxReplicas: 1 },
  resourceProfile: ResourceProfile.SMALL,
  images: { tagPolicy: ImageTagPolicy.ANY },
  storage: { allowHostPath: true },
  availability: { podDisruptionBudgets: false, spreadAcrossNodes: SpreadPolicy.NONE, spreadAcrossZones: SpreadPolicy.NONE },
  namespacePolicy: { enforce: PodSecurityLevel.PRIVILEGED, warn: PodSecurityLevel.RESTRICTED },
  gpu: { available: false },
});

/** Problems with the overrides given to `Environments.*`, reported by the `AgentPlatform` using the result. */
const OVERRIDE_PROBLEMS = new WeakMap<object, readonly { field: string; message: string; value?: unknown }[]>();

/** The problems of the overrides that produced `environment` (none for a config built by hand). */
export function overrideProblems(environment: unknown): readonly { field: string; message: string; value?: unknown }[] {
  return typeof environment === 'object' && environment !== null ? OVERRIDE_PROBLEMS.get(environment) ?? [] : [];
}

function isPlainObject(value: unknown): boolean {
  try {
    const prototype = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) as unknown : undefined;
    return !Array.isArray(value) && (prototype === Object.prototype || prototype === null);
  } catch {
    return false;
  }
}

/**
 * Applies the overrides in order. It never throws: an override that is not an object is skipped
 * and reported, and every other problem is found when the platform validates the result.
 */
function applyOverrides(preset: EnvironmentConfig, factory: string, overrides: readonly unknown[]): EnvironmentConfig {
  const problems: { field: string; message: string; value?: unknown }[] = [];
  let env = preset;
  overrides.forEach((override, i) => {
    if (override === undefined) {
      return;
    }
    if (!isPlainObject(override)) {
      problems.push({ field: `(Environments.${factory}() argument ${i + 1})`, value: override, message: 'must be an object of overrides, e.g. { namespace: "agents", ingress: { domain: "agents.acme.io" } }' });
      return;
    }
    try {
      env = mergeDeep<EnvironmentConfig>(env, override as EnvironmentOptions, LABEL_MAPS);
    } catch (error) {
      problems.push({ field: `(Environments.${factory}() argument ${i + 1})`, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` });
    }
  });
  const result = { ...env };
  OVERRIDE_PROBLEMS.set(result, problems);
  return result;
}

/**
 * Environment presets. Each takes overrides at any depth, applied in order, e.g.
 * `Environments.prod(shared, { namespace: 'agentic-ai', ingress: { domain: 'agents.acme.io' } })`.
 */
export class Environments {
  /**
   * Single-node development: 1 replica of everything, half-size presets, no HPA, no PDB,
   * any image tag, hostPath allowed, Pod Security enforced at `privileged` (warned at `restricted`),
   * no GPUs (GPU pools use their fallback).
   */
  public static dev(...overrides: EnvironmentOptions[]): EnvironmentConfig {
    return applyOverrides(DEVELOPMENT, 'dev', overrides);
  }

  /** Pre-production: 2 replicas, HPA 2..4, PDBs, preferred spread, pinned images, restricted Pod Security. */
  public static staging(...overrides: EnvironmentOptions[]): EnvironmentConfig {
    return applyOverrides(STAGING, 'staging', overrides);
  }

  /**
   * Production: 3 replicas or an HPA (3..10 on CPU and memory), PDBs, spread across nodes (required)
   * and zones (preferred), pinned images, restricted Pod Security, deny-by-default NetworkPolicies.
   */
  public static prod(...overrides: EnvironmentOptions[]): EnvironmentConfig {
    return applyOverrides(PRODUCTION, 'prod', overrides);
  }

  /** The production-safe defaults constructs use outside an `AgentPlatform`. */
  public static readonly DEFAULT: EnvironmentConfig = PRODUCTION;

  private constructor() {}
}
