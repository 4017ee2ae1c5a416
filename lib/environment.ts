import { z } from 'zod';
import { imageRegistryPrefixSchema, ImageTagPolicy } from './core/image';
import { type DeepPartial, mergeDeep } from './core/merge';
import { ResourceProfile } from './core/resources';
import { cpuQuantity, dnsSubdomain, labels, memoryQuantity, namespaceName, nonNegativeInt, percentage, positiveInt, resourceName } from './core/schemas';
import { type EnvironmentConfig, EnvironmentTier, ObservabilityMode, PodSecurityLevel, PRODUCTION_ENVIRONMENT, SecretBackend, SpreadPolicy } from './core/environment-config';

export {
  type AutoscalingDefaults, type AvailabilityDefaults, type EnvironmentConfig, EnvironmentTier, type GpuPolicy, type ImagePolicy, type IngressPolicy, type NamespacePolicy,
  type NetworkPolicyDefaults, type ObservabilityDefaults, ObservabilityMode, PodSecurityLevel, type QuotaPolicy, type ReplicaDefaults, SecretBackend, type SecretPolicy,
  type SecretStoreReference, SpreadPolicy, type StoragePolicy,
} from './core/environment-config';

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
  observability: z.object({
    mode: enumOf(ObservabilityMode),
    monitoringNamespace: namespaceName,
    prometheusPodLabels: labels.refine((l) => Object.keys(l).length > 0, { error: 'must select the Prometheus pods with at least one label, e.g. { "app.kubernetes.io/name": "prometheus" }: an empty selector admits every pod of the namespace' }),
    prometheusSelectorLabels: labels,
  }).strict(),
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

const PRODUCTION: EnvironmentConfig = PRODUCTION_ENVIRONMENT;

/** Environment fields that are label maps: an override replaces them whole. */
const LABEL_MAPS: ReadonlySet<string> = new Set(['dnsPodLabels', 'prometheusSelectorLabels', 'prometheusPodLabels']);

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
