import { ImageTagPolicy } from './image';
import { ResourceProfile } from './resources';

/*
 * What an environment is, and the production-safe settings constructs use outside an
 * AgentPlatform. They live in core, the ground floor, because every workload reads its
 * environment; the presets, their overrides and the validation are in lib/environment.ts, which
 * re-exports all of this where users import it.
 */

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
  /** Namespace whose Prometheus scrapes the workloads (operator mode); its Prometheus pods are admitted to the metrics ports. */
  readonly monitoringNamespace: string;
  /**
   * Labels of the Prometheus pods in `monitoringNamespace` (operator mode): only they are
   * admitted, and only to the metrics ports, never to the app ports.
   * @default { "app.kubernetes.io/name": "prometheus" } (set by the Prometheus Operator on every Prometheus it runs)
   */
  readonly prometheusPodLabels: Readonly<Record<string, string>>;
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

/** The production settings every preset starts from. */
const BASE: Omit<EnvironmentConfig, 'name' | 'tier' | 'namespace'> = {
  replicas: { default: 3 },
  autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 75, scaleDownStabilizationSeconds: 300, kedaNamespace: 'keda' },
  resourceProfile: ResourceProfile.STANDARD,
  images: { tagPolicy: ImageTagPolicy.PINNED, pullPolicy: 'IfNotPresent' },
  storage: { allowHostPath: false },
  ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx' },
  secrets: { backend: SecretBackend.EXISTING, remoteKeyPrefix: '', refreshInterval: '1h', allowLiteralValues: false },
  networkPolicies: { enabled: true, dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } },
  observability: { mode: ObservabilityMode.NONE, monitoringNamespace: 'monitoring', prometheusPodLabels: { 'app.kubernetes.io/name': 'prometheus' }, prometheusSelectorLabels: { release: 'kube-prometheus-stack' } },
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

/** Production: the settings constructs get outside an `AgentPlatform` (`Environments.DEFAULT`). */
export const PRODUCTION_ENVIRONMENT: EnvironmentConfig = { ...BASE, name: 'prod', tier: EnvironmentTier.PRODUCTION, namespace: 'default' };
