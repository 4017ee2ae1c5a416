import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { z } from 'zod';
import { type AutoscalingOptions, autoscalingIssues, autoscalingSchema, horizontalPodAutoscalerSpec, resolveAutoscaling, type ResolvedAutoscaling } from './autoscaling';
import { ScaledObject, TriggerAuthentication } from '../../imports/keda.sh';
import { type QueueScalingOptions, type QueueTrigger, queueScalingIssues, queueScalingSchema, type ResolvedQueueScaling, resolveQueueScaling } from './queue-scaling';
import { brand, BrandKind, hasBrand } from './brand';
import { allowedWording, type ParsedProps, toPropIssues } from './props';
import { formatImage, type ImageReference } from './image';
import { isPlaceholder, parseImageOrPlaceholder, PLACEHOLDER } from './placeholder';
import { containerPath, HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider, replicasValueSchema } from './helm-values';
import { toValuesKey, type WorkloadComponent } from './labels';
import { NamespacePeer, Protocol } from './network';
import { type ContainerSpec, podMetadata, renderContainer, renderPodSpec, tmpVolume, topologySpread } from './pod';
import { type ContainerProbes, type HealthCheckOptions, healthCheckSchema, httpProbes } from './probes';
import { type ResolvedResources, resourceIssues, type ResourcePreset, resolveResources } from './resources';
import { absolutePath, annotations as annotationsSchema, dnsSubdomain, envVarName, httpPath, nonNegativeInt, port, positiveInt } from './schemas';
import { containerSecurityContext, type SecurityOptions } from './security';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload } from './workload';
import { type ContainerWorkloadProps, containerWorkloadShape } from './container-workload';
import { type ConsumedQueue, type RequestMetrics, type RequestMetricsOptions, requestMetricsSchema, requestSignals, resolveRequestMetrics, type WorkloadSignals } from './signals';
import { crossPlatformIssue, type IRedisCache, wire } from './wiring';
import { brandedReference, REFERENCES } from './references';
import { CanaryRollout, type RolloutOptions, resolveRollout, rolloutOptionsSchema } from './canary-rollout';
import { type ContainerContext, containerImage, type InitContainerOptions, resolveContainer, type ResolvedContainer, type SidecarOptions } from './containers';
import { type ContainerMount, type IConfigFiles, type ISharedVolume, PodVolume, type VolumeMountOptions } from './volumes';
import { mountIssues, PodVolumeSet } from './pod-volume-set';
import { type ConfigFilesMountOptions, mountConfigFiles } from './config-mounts';
import { type EnvironmentConfig } from './environment-config';

export { type ISharedVolume } from './volumes';

/** Where Prometheus finds the workload's metrics. */
export interface MetricsOptions {
  /**
   * Whether the pods are annotated for scraping and scrapers are admitted by the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Port serving metrics; a separate container port named `metrics` when it differs from `port`,
   * so that scrapers are admitted to it and never to the app port. On a separate port the
   * container also gets `OTEL_METRICS_EXPORTER=prometheus`, `OTEL_EXPORTER_PROMETHEUS_HOST` and
   * `OTEL_EXPORTER_PROMETHEUS_PORT` (unless it sets them), which make an OpenTelemetry SDK serve
   * its metrics there. Set it to `port` for an app that serves `/metrics` on its own port.
   * @default - 9464 (the OpenTelemetry Prometheus exporter's port) for agents and MCP tools; the service port for model servers
   */
  readonly port?: number;
  /**
   * Path of the Prometheus endpoint.
   * @default "/metrics"
   */
  readonly path?: string;
  /**
   * The request metrics the dashboards and alerts read (rate, errors, latency), field by field
   * over the kind's conventions, e.g. `{ durationHistogram: 'request_latency_seconds' }`.
   * `false`: the app serves none (it exposes only its own metrics): no request panels or alerts.
   * @default - OpenTelemetry's HTTP server conventions (MCP conventions for tools); none for queue workers
   */
  readonly requests?: RequestMetricsOptions | false;
}

/** An Ingress in front of the Service, with TLS. */
export interface IngressOptions {
  /**
   * Host name.
   * @default - `<name>.<environment ingress domain>`
   */
  readonly host?: string;
  /**
   * Path prefix routed to the service.
   * @default "/"
   */
  readonly path?: string;
  /**
   * Whether TLS is terminated at the ingress.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Secret holding the TLS certificate (issued by cert-manager when the environment names a ClusterIssuer).
   * @default - `<name>-tls`
   */
  readonly tlsSecretName?: string;
  /**
   * Extra annotations for the ingress controller.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** Props shared by every HTTP service: agents, MCP tools, inference pools. */
export interface ServiceWorkloadProps extends ContainerWorkloadProps {
  /**
   * Port the container listens on.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Port of the Service.
   * @default - the same as `port`
   */
  readonly servicePort?: number;
  /**
   * HTTP readiness, liveness and startup probes.
   * @default - `/health`, with a startup budget that covers model warm-up
   */
  readonly healthCheck?: HealthCheckOptions;
  /**
   * Replicas when there is no HPA (capped by the environment: dev runs 1).
   * @default - the environment's `replicas.default`
   */
  readonly replicas?: number;
  /**
   * HorizontalPodAutoscaler. When it is on, the Deployment leaves `replicas` to the HPA.
   * @default - the environment's autoscaling defaults (CPU and memory targets; none in dev)
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Seconds between SIGTERM and SIGKILL, for in-flight LLM calls to finish.
   * @default 60
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Seconds a stopping pod keeps serving (a `sleep` preStop hook, so the image needs `sleep`)
   * while it is removed from the Service endpoints. 0 disables the hook.
   * @default 5
   */
  readonly preStopDelaySeconds?: number;
  /**
   * Prometheus scraping.
   * @default - `/metrics` on port 9464 for agents and MCP tools, on the service port for model servers
   */
  readonly metrics?: MetricsOptions;
  /**
   * An Ingress with TLS in front of the Service.
   * @default - none: reachable inside the cluster only
   */
  readonly ingress?: IngressOptions;
  /**
   * Whether the ServiceAccount token is mounted into the pods.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Scale on queues with KEDA (a ScaledObject, down to zero by default) instead of an HPA.
   * A workload cannot have both: KEDA owns the HPA it creates.
   * @default - none
   */
  readonly queueScaling?: QueueScalingOptions;
  /**
   * Redis this workload uses: it gets `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD` and `REDIS_URL`,
   * and the NetworkPolicies of both allow the connection. Same as calling `useCache()`.
   * @default - none
   */
  readonly cache?: IRedisCache;
  /**
   * Shared volumes mounted into the main container. Same as calling `mountSharedVolume()`.
   * @default - none
   */
  readonly sharedVolumes?: SharedVolumeMount[];
  /**
   * Release updates as an Argo Rollouts canary gated by the workload's metrics: a `Rollout`
   * that takes its pods from this workload's Deployment (`workloadRef`), with an
   * `AnalysisTemplate`; the HPA or KEDA ScaledObject then scales the Rollout.
   * @default - none: the Deployment's rolling update
   */
  readonly rollout?: RolloutOptions;
}

/** A shared volume and where the main container sees it. */
export interface SharedVolumeMount {
  readonly volume: ISharedVolume;
  /** Path in the container. */
  readonly mountPath: string;
  /**
   * Whether the container only reads it.
   * @default false
   */
  readonly readOnly?: boolean;
}

const shared = containerWorkloadShape;

const sharedVolumeMountSchema = z.object({
  volume: brandedReference<ISharedVolume>(REFERENCES.SHARED_VOLUME),
  mountPath: absolutePath('/vault'),
  readOnly: z.boolean().optional(),
}).strict();

export const serviceWorkloadSchema = z.object({
  name: shared.name,
  image: shared.image,
  port: port.optional(),
  servicePort: port.optional(),
  command: shared.command,
  args: shared.args,
  env: shared.env,
  resources: shared.resources,
  healthCheck: healthCheckSchema.optional(),
  replicas: positiveInt.max(1000, { error: 'must be at most 1000' }).optional(),
  autoscaling: autoscalingSchema.optional(),
  queueScaling: queueScalingSchema.optional(),
  security: shared.security,
  terminationGracePeriodSeconds: nonNegativeInt.max(3600, { error: 'must be at most 3600 seconds' }).optional(),
  preStopDelaySeconds: nonNegativeInt.max(300, { error: 'must be at most 300 seconds' }).optional(),
  metrics: z.object({
    enabled: z.boolean().optional(),
    port: port.optional(),
    path: httpPath.optional(),
    requests: z.union([z.literal(false), requestMetricsSchema], { error: 'must be false or the names of the request metrics, e.g. { durationHistogram: "request_latency_seconds" }' }).optional(),
  }).strict().optional(),
  ingress: z.object({
    host: dnsSubdomain.optional(),
    path: httpPath.optional(),
    tls: z.boolean().optional(),
    tlsSecretName: dnsSubdomain.optional(),
    annotations: annotationsSchema.optional(),
  }).strict().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  externalEndpoints: shared.externalEndpoints,
  tmpSizeLimit: shared.tmpSizeLimit,
  podAnnotations: shared.podAnnotations,
  configFiles: shared.configFiles,
  cache: brandedReference<IRedisCache>(REFERENCES.REDIS_CACHE).optional(),
  sharedVolumes: z.array(z.lazy(() => sharedVolumeMountSchema)).optional(),
  rollout: rolloutOptionsSchema.optional(),
}).strict();

export type ServiceWorkloadConfig = z.output<typeof serviceWorkloadSchema>;

/** What a subclass decides for its base. */
export interface ServiceWorkloadDefaults {
  readonly component: WorkloadComponent;
  readonly resourcePreset: ResourcePreset;
  /** Startup probe budget when the props give none. */
  readonly startupTimeoutSeconds: number;
  /** Whether the workload gets a Service (false for queue workers). */
  readonly service: boolean;
  /** Extra HPA metrics (custom or external). */
  readonly extraMetrics?: readonly k8s.MetricSpecV2[];
  /** Whether an HPA is created when the props say nothing about autoscaling (false for GPU pools). @default true */
  readonly autoscaleByDefault?: boolean;
  /** Whether pods are scraped when the props say nothing about metrics (false for a stdio bridge). @default true */
  readonly metricsByDefault?: boolean;
  /** Metrics port when the props give none. @default - the service port */
  readonly metricsPort?: number;
  /** The request metrics of the kind, when the props say nothing. @default - none: the workload declares no request metrics */
  readonly requestMetrics?: RequestMetrics;
}

/** The OpenTelemetry Prometheus exporter's default port: where agents and tools serve metrics unless told otherwise. */
export const OTEL_PROMETHEUS_PORT = 9464;

const HTTP_PORT_NAME = 'http';
const METRICS_PORT_NAME = 'metrics';
const DEFAULT_PORT = 8080;

/** Where the main container serves Prometheus metrics. */
export interface ResolvedMetrics {
  /** Container port. */
  readonly port: number;
  /** Name of the container port: `http` when it is the service port, else `metrics`. */
  readonly portName: string;
  /** HTTP path. */
  readonly path: string;
}

/** The Ingress, with its defaults applied. */
export interface ResolvedIngress {
  readonly host: string;
  readonly path: string;
  readonly tls: boolean;
  /** The TLS Secret, when TLS is on. */
  readonly tlsSecretName?: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Every setting of a service workload with its default applied, resolved once in the
 * constructor (as cdk8s-plus resolves a pod's): rendering and checks read only from it.
 */
export interface ResolvedServiceSettings {
  /** Whether the main container serves HTTP on `port` (false for a worker that names no port). */
  readonly servesHttp: boolean;
  readonly port: number;
  readonly servicePort: number;
  readonly terminationGracePeriodSeconds: number;
  readonly preStopDelaySeconds: number;
  readonly automountServiceAccountToken: boolean;
  readonly tmpSizeLimit: string;
  /** Undefined when the main container is not scraped. */
  readonly metrics: ResolvedMetrics | undefined;
  /** The request metrics the workload declares (its kind's conventions under `metrics.requests`); undefined: none. */
  readonly requestMetrics: RequestMetrics | undefined;
  /** Undefined for a worker without a port or a health command (which is refused). */
  readonly probes: ContainerProbes | undefined;
  readonly ingress: ResolvedIngress | undefined;
  readonly security: SecurityOptions | undefined;
}

/** Applies each documented default of the props once. */
export function resolveServiceSettings(config: ServiceWorkloadConfig, defaults: ServiceWorkloadDefaults, environment: EnvironmentConfig, name: string): ResolvedServiceSettings {
  const port = config.port ?? DEFAULT_PORT;
  const servesHttp = defaults.service || config.port !== undefined;
  // A worker without a port is scraped only where it names a metrics port.
  const metricsEnabled = config.metrics?.enabled ?? (servesHttp ? defaults.metricsByDefault ?? true : config.metrics?.port !== undefined);
  const metricsPort = config.metrics?.port ?? defaults.metricsPort ?? port;
  const requests = config.metrics?.requests;
  const ingress = config.ingress;
  const tls = ingress?.tls ?? true;
  return {
    servesHttp,
    port,
    servicePort: config.servicePort ?? port,
    terminationGracePeriodSeconds: config.terminationGracePeriodSeconds ?? 60,
    preStopDelaySeconds: config.preStopDelaySeconds ?? 5,
    automountServiceAccountToken: config.automountServiceAccountToken ?? false,
    tmpSizeLimit: config.tmpSizeLimit ?? '512Mi',
    metrics: metricsEnabled
      ? { port: metricsPort, portName: metricsPort === port && servesHttp ? HTTP_PORT_NAME : METRICS_PORT_NAME, path: config.metrics?.path ?? '/metrics' }
      : undefined,
    requestMetrics: metricsEnabled && requests !== false && defaults.requestMetrics ? resolveRequestMetrics(defaults.requestMetrics, requests) : undefined,
    probes: httpProbes(config.healthCheck, servesHttp ? HTTP_PORT_NAME : undefined, { startupTimeoutSeconds: defaults.startupTimeoutSeconds }),
    ingress: ingress && {
      host: ingress.host ?? `${name}.${environment.ingress.domain ?? PLACEHOLDER}`,
      path: ingress.path ?? '/',
      tls,
      tlsSecretName: tls ? ingress.tlsSecretName ?? `${name}-tls` : undefined,
      annotations: { ...(tls && environment.ingress.clusterIssuer ? { 'cert-manager.io/cluster-issuer': environment.ingress.clusterIssuer } : {}), ...ingress.annotations },
    },
    security: config.security as SecurityOptions | undefined,
  };
}

/** A container added with `addInitContainer`: the library's options, or a spec a subclass renders itself. */
type InitContainer = { readonly resolved: ResolvedContainer } | { readonly spec: ContainerSpec };

/**
 * A Deployment of an HTTP service with its Service, ServiceAccount, HPA, PodDisruptionBudget,
 * NetworkPolicy and optional Ingress. Every object renders lazily, so wiring added after
 * construction (`addEnv`, `connections.allowFrom`, `addSidecar`, ...) still reaches the manifests.
 */
export abstract class ServiceWorkload extends Workload implements IHelmValuesProvider {
  /** Whether `value` is a service workload (agent, worker, tool, inference pool) of any copy of the library. */
  public static isServiceWorkload(value: unknown): value is ServiceWorkload {
    return hasBrand(value, BrandKind.SERVICE_WORKLOAD);
  }

  /** The container image, split into the parts Helm values can override. */
  public readonly image: ImageReference;
  /** Port the container listens on. */
  public readonly port: number;
  /** Port clients use on the Service. */
  public readonly servicePort: number;
  /** Requests and limits of the main container. */
  public readonly resources: ResolvedResources;
  /** The HPA settings, when the workload has one. */
  public readonly autoscaling: ResolvedAutoscaling | undefined;
  /** Replicas when there is no HPA. */
  public readonly replicas: number;
  /** Seconds between SIGTERM and SIGKILL. */
  public readonly terminationGracePeriodSeconds: number;
  /** Seconds a stopping pod keeps serving (0: no preStop hook). */
  public readonly preStopDelaySeconds: number;
  /** Whether the ServiceAccount token is mounted into the pods. */
  public readonly automountServiceAccountToken: boolean;
  /** Where the main container serves metrics; undefined when it is not scraped. */
  public readonly metrics: ResolvedMetrics | undefined;
  /** The Ingress settings, when there is one. */
  public readonly ingress: ResolvedIngress | undefined;
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service (undefined for workers). */
  public readonly service: k8s.KubeService | undefined;
  /** The HorizontalPodAutoscaler, when there is one. */
  public readonly autoscaler: k8s.KubeHorizontalPodAutoscalerV2 | undefined;
  /** The KEDA scaling, when the workload scales on queues (and the environment autoscales). */
  public readonly queueScaling: ResolvedQueueScaling | undefined;
  /** The ScaledObject, when there is one. */
  public readonly scaledObject: ScaledObject | undefined;
  /** The Argo Rollouts canary, when `rollout` is set. */
  public readonly canary: CanaryRollout | undefined;

  protected readonly config: ServiceWorkloadConfig;
  /** Every setting with its default applied; rendering reads only from here. */
  protected readonly settings: ResolvedServiceSettings;
  private readonly podVolumes = new PodVolumeSet(this, (issue) => this.issues.push(issue));
  private readonly initContainers: InitContainer[] = [];
  private readonly typedSidecars: ResolvedContainer[] = [];
  private cache?: IRedisCache;

  protected constructor(scope: Construct, id: string, parsed: ParsedProps<ServiceWorkloadConfig>, rawName: unknown, defaults: ServiceWorkloadDefaults) {
    super(scope, id, { name: rawName, component: defaults.component });
    brand(this, BrandKind.SERVICE_WORKLOAD);
    this.issues.push(...parsed.issues);
    this.config = parsed.value ?? { image: PLACEHOLDER };
    this.settings = resolveServiceSettings(this.config, defaults, this.environment, this.name);
    this.image = parseImageOrPlaceholder(this.config.image);
    this.port = this.settings.port;
    this.servicePort = this.settings.servicePort;
    this.terminationGracePeriodSeconds = this.settings.terminationGracePeriodSeconds;
    this.preStopDelaySeconds = this.settings.preStopDelaySeconds;
    this.automountServiceAccountToken = this.settings.automountServiceAccountToken;
    this.metrics = this.settings.metrics;
    this.ingress = this.settings.ingress;
    this.resources = resolveResources(this.config.resources, defaults.resourcePreset, this.environment.resourceProfile);
    const queue = this.config.queueScaling;
    const cap = this.environment.replicas.max;
    this.queueScaling = queue && (queue.enabled ?? this.environment.autoscaling.enabled) ? resolveQueueScaling(queue, this.environment.autoscaling.maxReplicas, cap) : undefined;
    this.autoscaling = queue ? undefined : resolveAutoscaling(this.config.autoscaling, this.environment.autoscaling, defaults.extraMetrics, defaults.autoscaleByDefault ?? true, cap);
    this.replicas = Math.min(this.config.replicas ?? this.environment.replicas.default, cap ?? Number.MAX_SAFE_INTEGER);
    this.checkConfig();
    this.reportEnvironmentChanges();

    if (this.settings.servesHttp) {
      this.exposePorts({ port: this.port, protocol: Protocol.TCP });
    }
    this.addEnvMap(this.config.env);
    this.allowExternal(...(this.config.externalEndpoints ?? []));
    const tmp = tmpVolume(this.settings.tmpSizeLimit);
    this.addVolume(tmp.volume, tmp.mount);

    if (this.config.cache) {
      this.useCache(this.config.cache);
    }
    for (const mount of this.config.sharedVolumes ?? []) {
      this.mountSharedVolume(mount.volume, mount.mountPath, { readOnly: mount.readOnly });
    }
    (this.config.configFiles ?? []).forEach((mount, i) => mountConfigFiles(this, this.podVolumes, mount, `configFiles[${i}]`, (issue) => this.issues.push(issue)));
    this.createServiceAccount(this.settings.automountServiceAccountToken);
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.renderDeploymentSpec() }),
    });
    this.canary = this.config.rollout ? new CanaryRollout(this, 'Rollout', resolveRollout(this.config.rollout, this.name), {
      workload: this,
      replicas: () => (this.scaledAutomatically ? undefined : this.replicas),
      extendedResources: () => this.extendedResources(),
    }) : undefined;
    this.service = defaults.service ? this.createService() : undefined;
    this.autoscaler = this.autoscaling ? this.createAutoscaler(this.autoscaling) : undefined;
    this.scaledObject = this.queueScaling ? this.createScaledObject(this.queueScaling) : undefined;
    if (this.environment.availability.podDisruptionBudgets && this.maxPods > 1) {
      this.createDisruptionBudget();
    }
    this.createNetworkPolicy();
    if (this.settings.ingress && this.service) {
      this.createIngress(this.settings.ingress);
    }
  }

  /** What the environment changed in the scaling the props asked for: never silent. */
  private reportEnvironmentChanges(): void {
    const env = this.environment;
    const rendered = `${this.replicas} replica${this.replicas === 1 ? '' : 's'}`;
    const queue = this.config.queueScaling;
    if (queue && !this.queueScaling) {
      const asked = resolveQueueScaling(queue, env.autoscaling.maxReplicas);
      this.notice('queueScaling', `KEDA scaling (${asked.minReplicas}..${asked.maxReplicas} replicas on ${asked.triggers.map((t) => t.type).join(', ')})`, `${rendered} without KEDA`,
        `environment "${env.name}" has autoscaling.enabled false (set queueScaling.enabled: true to keep KEDA for this workload)`);
    } else if (queue && this.queueScaling && env.replicas.max !== undefined && (queue.maxReplicas ?? env.autoscaling.maxReplicas) > this.queueScaling.maxReplicas) {
      this.notice('queueScaling.maxReplicas', `up to ${queue.maxReplicas ?? env.autoscaling.maxReplicas} replicas`, `at most ${this.queueScaling.maxReplicas}`, `environment "${env.name}" runs at most ${env.replicas.max} (replicas.max)`);
    }
    const hpa = this.config.autoscaling;
    if (!queue && hpa && hpa.enabled !== false && !this.autoscaling) {
      this.notice('autoscaling', `an HPA${hpa.minReplicas !== undefined || hpa.maxReplicas !== undefined ? ` of ${hpa.minReplicas ?? '(default)'}..${hpa.maxReplicas ?? '(default)'} replicas` : ''}`, `${rendered} without an HPA, PDB or spread`,
        `environment "${env.name}" has autoscaling.enabled false`);
    } else if (!queue && hpa && this.autoscaling && env.replicas.max !== undefined && (hpa.maxReplicas ?? 0) > this.autoscaling.maxReplicas) {
      this.notice('autoscaling.maxReplicas', `up to ${hpa.maxReplicas} replicas`, `at most ${this.autoscaling.maxReplicas}`, `environment "${env.name}" runs at most ${env.replicas.max} (replicas.max)`);
    }
    if (this.config.replicas !== undefined && this.config.replicas > this.replicas && !hpa && !queue) {
      this.notice('replicas', String(this.config.replicas), rendered, `environment "${env.name}" runs at most ${env.replicas.max} (replicas.max)`);
    }
  }

  private checkConfig(): void {
    const servesHttp = this.settings.servesHttp;
    if (!servesHttp && !this.config.healthCheck?.command) {
      this.issues.push({
        field: 'healthCheck',
        ...(this.config.healthCheck ? { value: this.config.healthCheck } : {}),
        message: 'a worker without a port has no HTTP endpoint to probe: give healthCheck.command (a command whose exit code 0 means healthy), or set port to the port of its health server',
      });
    }
    if (!servesHttp && this.config.metrics?.enabled === true && this.config.metrics.port === undefined) {
      this.issues.push({ field: 'metrics.port', message: 'is required: a worker without a port serves metrics only on the port you name here' });
    }
    if (!isPlaceholder(this.config.image)) {
      this.checkImagePolicy('image', this.image, this.config.image);
    }
    this.issues.push(...resourceIssues(this.resources), ...autoscalingIssues(this.autoscaling, this.config.autoscaling));
    const { terminationGracePeriodSeconds: grace, preStopDelaySeconds: preStop } = this.settings;
    if (preStop > 0 && preStop >= grace) {
      this.issues.push({
        field: 'preStopDelaySeconds',
        value: preStop,
        message: `must be shorter than terminationGracePeriodSeconds (${grace}): the grace period includes the preStop delay, so the container would be killed before it could shut down`,
      });
    }
    if (this.config.queueScaling) {
      this.issues.push(...queueScalingIssues(resolveQueueScaling(this.config.queueScaling, this.environment.autoscaling.maxReplicas), this));
      if (this.config.autoscaling && this.config.autoscaling.enabled !== false) {
        this.issues.push({
          field: 'autoscaling',
          message: 'cannot be combined with queueScaling: KEDA creates and owns the HPA of a ScaledObject, and two autoscalers on one Deployment fight over its replicas. Remove autoscaling (or set enabled: false), or remove queueScaling',
        });
      }
    }
    if (this.config.ingress && !this.config.ingress.host && !this.environment.ingress.domain) {
      this.issues.push({ field: 'ingress.host', message: `is required: the environment "${this.environment.name}" has no ingress.domain to derive "<name>.<domain>" from` });
    }
  }

  /** Most pods that can run at once. */
  protected get maxPods(): number {
    return this.queueScaling?.maxReplicas ?? this.autoscaling?.maxReplicas ?? this.replicas;
  }

  /** Whether an autoscaler (HPA or KEDA) owns the replica count. */
  private get scaledAutomatically(): boolean {
    return this.autoscaling !== undefined || this.queueScaling !== undefined;
  }

  /** What the HPA or ScaledObject scales: the Rollout when there is one, else the Deployment. */
  private get scaleTargetRef(): { apiVersion: string; kind: string; name: string } {
    return this.canary?.scaleTargetRef ?? { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name };
  }

  /** Pods above the replica count while an update runs: the canary's, else the Deployment's rolling update's. */
  private get surgePods(): number {
    return this.canary?.surgePods ?? this.rollingUpdateSurge();
  }

  /**
   * Adds a volume to the pod, mounted into the main container when `mount` is given (a volume
   * is added once, however many containers mount it):
   * `addVolume(PodVolume.emptyDir('cache', { sizeLimit: '1Gi' }), { mountPath: '/cache' })`.
   */
  public addVolume(volume: PodVolume, mount?: VolumeMountOptions): void;
  /** @internal A Kubernetes volume a subclass builds itself (kept for subclasses written before PodVolume). */
  public addVolume(volume: k8s.Volume, mount?: k8s.VolumeMount): void;
  public addVolume(volume: PodVolume | k8s.Volume, mount?: VolumeMountOptions | k8s.VolumeMount): void {
    if (PodVolume.isPodVolume(volume)) {
      this.podVolumes.addAndMount(volume, mount as VolumeMountOptions | undefined, 'volumes');
      return;
    }
    this.podVolumes.add(volume, 'volumes');
    if (mount) {
      this.podVolumes.mountMain(mount as k8s.VolumeMount, 'volumes');
    }
  }

  /**
   * Mounts configuration files (a `ConfigFiles` map) read-only into the main container: the
   * whole map as a folder at `mountPath`, or one file (`file`, its key) at `mountPath` with
   * `subPath`. The map's content hash goes on the pod template, so a change rolls the pods
   * (files mounted with `subPath` are never updated in place), and the map is applied first.
   */
  public mountConfigFiles(files: IConfigFiles, mountPath: string, options: ConfigFilesMountOptions = {}): void {
    mountConfigFiles(this, this.podVolumes, { files, mountPath, ...options }, 'configFiles', (issue) => this.issues.push(issue));
  }

  /**
   * Mounts a shared volume (a node folder in single-node development, a ReadWriteMany claim
   * elsewhere) into the main container.
   */
  public mountSharedVolume(volume: ISharedVolume, mountPath: string, options: { readOnly?: boolean } = {}): void {
    const field = 'sharedVolumes';
    const mount = sharedVolumeMountSchema.safeParse({ volume, mountPath, ...(options?.readOnly !== undefined ? { readOnly: options.readOnly } : {}) }, { error: allowedWording });
    if (!mount.success) {
      this.issues.push(...toPropIssues(sharedVolumeMountSchema, mount.error.issues, { volume, mountPath, readOnly: options?.readOnly }, field));
      return;
    }
    const crossing = crossPlatformIssue(this, volume, field, `shared volume "${volume.name}"`);
    if (crossing) {
      this.issues.push(crossing);
      return;
    }
    const podVolume = PodVolume.fromSharedVolume(volume);
    this.podVolumes.add(podVolume, field);
    this.podVolumes.mountMain({ name: podVolume.name, mountPath, readOnly: options.readOnly }, `${field}.mountPath`);
  }

  /**
   * Adds a container beside the main one, of the library's own shape: the restricted security
   * context, requests and limits (counted in the namespace quota), probes on its ports, its
   * metrics scraped and its external endpoints admitted by the NetworkPolicy, its image pinned
   * like the main one and in the chart values.
   */
  public addSidecar(options: SidecarOptions): void {
    const container = this.resolveExtraContainer('sidecar', options, 'sidecars');
    if (container) {
      this.typedSidecars.push(container);
    }
  }

  /**
   * Adds a container that runs to completion before the main container starts (in the order
   * added), with the same security context and resource rules; the namespace quota counts the
   * largest init container when it needs more than the running containers together.
   */
  public addInitContainer(options: InitContainerOptions): void;
  /** @internal A container spec a subclass renders itself (kept for subclasses written before InitContainerOptions). */
  public addInitContainer(spec: ContainerSpec): void;
  public addInitContainer(container: InitContainerOptions | ContainerSpec): void {
    if (isContainerSpec(container)) {
      this.initContainers.push({ spec: container });
      return;
    }
    const resolved = this.resolveExtraContainer('init', container, 'initContainers');
    if (resolved) {
      this.initContainers.push({ resolved });
    }
  }

  private resolveExtraContainer(kind: 'sidecar' | 'init', options: unknown, field: string): ResolvedContainer | undefined {
    const name = (options as { name?: unknown } | null)?.name;
    const prefix = `${field}.${typeof name === 'string' && name !== '' ? name : String(kind === 'sidecar' ? this.typedSidecars.length : this.initContainers.length)}.`;
    const { container, issues } = resolveContainer(kind, options, this.containerContext(), prefix);
    this.issues.push(...issues);
    if (!container) {
      return undefined;
    }
    if (this.containerNames().includes(container.name)) {
      this.issues.push({ field: `${prefix}name`, value: container.name, message: `is already the name of a container of this pod (${this.containerNames().join(', ')}); give each container its own name` });
    }
    for (const p of container.ports) {
      if (p.port === this.port || p.port === this.settings.metrics?.port || this.typedSidecars.some((s) => s.ports.some((q) => q.port === p.port || q.name === p.name)) || [HTTP_PORT_NAME, METRICS_PORT_NAME].includes(p.name)) {
        this.issues.push({ field: `${prefix}ports`, value: p, message: 'is already used by another container of this pod; the containers of a pod share its ports: use another port number and name' });
      }
    }
    for (const mount of container.mounts) {
      this.podVolumes.add(mount.volume, prefix + 'mounts');
    }
    this.issues.push(...mountIssues(container.mounts, `${prefix}mounts`));
    this.allowExternal(...container.externalEndpoints);
    return container;
  }

  private containerContext(): ContainerContext {
    return {
      profile: this.environment.resourceProfile,
      registry: this.environment.images.registry,
      pullPolicy: this.environment.images.pullPolicy,
      tagPolicy: this.environment.images.tagPolicy,
      security: this.settings.security,
      envIssues: (name, value, field) => {
        const nameCheck = envVarName.safeParse(name);
        return nameCheck.success ? this.envValueIssues(name, value, field) : [{ field, value: name, message: nameCheck.error.issues[0].message }];
      },
    };
  }

  private containerNames(): string[] {
    const init = this.initContainers.map((c) => ('resolved' in c ? c.resolved.name : c.spec.name));
    return [this.name, ...this.typedSidecars.map((c) => c.name), ...init];
  }

  private renderMounts(mounts: readonly ContainerMount[]): k8s.VolumeMount[] {
    return this.podVolumes.renderMounts(mounts);
  }

  /** Wires this workload to a Redis: connection settings, NetworkPolicy paths, ordering. */
  public useCache(cache: IRedisCache): IRedisCache {
    if (this.cache) {
      this.issues.push({ field: 'cache', message: `is already ${this.cache.wireName}; a workload uses one Redis (wire ${cache.wireName} elsewhere)` });
      return cache;
    }
    if (wire(this, cache, 'cache', REFERENCES.REDIS_CACHE)) {
      this.cache = cache;
    }
    return cache;
  }

  /** The Redis this workload is wired to, if any. */
  public get wiredCache(): IRedisCache | undefined {
    return this.cache;
  }

  /** The queues the props scale it on, also in an environment that renders no KEDA objects. */
  public get queueTriggers(): readonly QueueTrigger[] {
    return this.config.queueScaling?.triggers ?? [];
  }

  /** The image reference a container gets, with the environment's registry. */
  public get imageName(): string {
    return formatImage(this.image, this.environment.images.registry);
  }

  /** The in-cluster URL of the Service, e.g. `http://jd-classifier.agentic-ai.svc.cluster.local:8080`. */
  public get url(): string {
    const host = this.namespace ? `${this.name}.${this.namespace}.svc.cluster.local` : this.name;
    return `http://${host}:${this.servicePort}`;
  }

  /** On a separate port, the variables that make an OpenTelemetry SDK serve Prometheus metrics there. */
  private metricsEnv(): k8s.EnvVar[] {
    const metrics = this.settings.metrics;
    if (!metrics || (this.settings.servesHttp && metrics.port === this.port)) {
      return [];
    }
    return [
      { name: 'OTEL_METRICS_EXPORTER', value: 'prometheus' },
      { name: 'OTEL_EXPORTER_PROMETHEUS_HOST', value: '0.0.0.0' },
      { name: 'OTEL_EXPORTER_PROMETHEUS_PORT', value: String(metrics.port) },
    ];
  }

  /** The request metrics the workload declares, if any. */
  public get requestMetrics(): RequestMetrics | undefined {
    return this.settings.requestMetrics;
  }

  protected renderContainerPorts(): k8s.ContainerPort[] {
    const ports: k8s.ContainerPort[] = this.settings.servesHttp ? [{ name: HTTP_PORT_NAME, containerPort: this.port, protocol: 'TCP' }] : [];
    const metrics = this.settings.metrics;
    if (metrics && (metrics.port !== this.port || !this.settings.servesHttp)) {
      ports.push({ name: METRICS_PORT_NAME, containerPort: metrics.port, protocol: 'TCP' });
    }
    return ports;
  }

  /** The main container; subclasses add to it through `mainContainerSpec()`. */
  protected mainContainerSpec(): ContainerSpec {
    return {
      name: this.name,
      image: this.imageName,
      imagePullPolicy: this.environment.images.pullPolicy,
      command: this.config.command,
      args: this.config.args,
      ports: this.renderContainerPorts(),
      env: withDefaults(this.renderEnv(), this.metricsEnv()),
      resources: this.resources,
      extendedResources: this.extendedResources(),
      probes: this.settings.probes,
      security: this.settings.security,
      volumeMounts: this.podVolumes.mainMounts,
      preStopDelaySeconds: this.settings.preStopDelaySeconds,
    };
  }

  /** Extended resources of the main container (GPUs), set on both requests and limits. */
  protected extendedResources(): Record<string, number> {
    return {};
  }

  /**
   * Containers running beside the main one, built by a subclass as Kubernetes containers (kept
   * for subclasses written before `addSidecar`). They get the restricted security context
   * whatever they set, and their requests and limits count in the quota.
   */
  protected sidecars(): k8s.Container[] {
    return [];
  }

  /** Pod-level additions of subclasses (node selection, tolerations, init containers...). */
  protected podSpecExtras(): Partial<Parameters<typeof renderPodSpec>[0]> {
    return {};
  }

  private podAnnotations(): Record<string, string> {
    const [scraped] = this.metricsEndpoints();
    const scrape: Record<string, string> = scraped
      ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(scraped.port), 'prometheus.io/path': scraped.path }
      : {};
    return { ...scrape, ...this.podVolumes.contentHashes(), ...this.contributedPodAnnotations(), ...this.config.podAnnotations };
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    const main = this.settings.metrics;
    const sidecars = this.typedSidecars.flatMap((c) => (c.metrics ? [c.metrics] : []));
    return [...(main ? [main] : []), ...sidecars];
  }

  /** The request metrics of its contract (`metrics.requests` over its kind's conventions) and the queues KEDA scales it on. */
  public signals(): WorkloadSignals {
    const requests = this.requestMetrics;
    const own: WorkloadSignals = requests ? requestSignals(requests) : { metrics: [] };
    const queues = this.consumedQueues();
    return queues.length > 0 ? { ...own, consumedQueues: queues } : own;
  }

  /** The queues KEDA scales this workload on, whose length an exporter reports; their backlog is the most replicas can hold. */
  private consumedQueues(): ConsumedQueue[] {
    const scaling = this.queueScaling;
    if (!scaling) {
      return [];
    }
    return scaling.triggers.flatMap((trigger) => {
      const queue = trigger.queueLength();
      return queue ? [{ source: queue.source, metric: queue.metric, labels: queue.labels, backlogAbove: queue.itemsPerReplica * scaling.maxReplicas }] : [];
    });
  }

  public override get emitsTraces(): boolean {
    return true;
  }

  private renderSidecars(): k8s.Container[] {
    const typed = this.typedSidecars.map((c) => renderContainer({
      ...c.spec,
      image: containerImage(c, this.containerContext()),
      volumeMounts: this.renderMounts(c.mounts),
    }));
    const raw = this.sidecars().map((c) => ({
      ...c,
      securityContext: containerSecurityContext({ ...this.settings.security, readOnlyRootFilesystem: c.securityContext?.readOnlyRootFilesystem ?? true }),
    }));
    return [...typed, ...raw];
  }

  private renderInitContainers(): k8s.Container[] {
    return this.initContainers.map((c) => ('spec' in c
      ? renderContainer(c.spec)
      : renderContainer({ ...c.resolved.spec, image: containerImage(c.resolved, this.containerContext()), volumeMounts: this.renderMounts(c.resolved.mounts) })));
  }

  private renderDeploymentSpec(): k8s.DeploymentSpec {
    const spread = this.maxPods > 1 ? topologySpread(this.selectorLabels, this.environment.availability) : [];
    return {
      // With a canary the Rollout runs the pods; the Deployment only holds their template.
      replicas: this.scaledAutomatically || this.canary ? undefined : this.replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { ...this.selectorLabels } },
      strategy: this.deploymentStrategy(),
      template: {
        metadata: podMetadata(this.labels, this.podAnnotations()),
        spec: renderPodSpec({
          serviceAccountName: this.name,
          automountServiceAccountToken: this.settings.automountServiceAccountToken,
          initContainers: this.renderInitContainers(),
          containers: [renderContainer(this.mainContainerSpec()), ...this.renderSidecars()],
          volumes: this.podVolumes.render(),
          security: this.settings.security,
          terminationGracePeriodSeconds: this.settings.terminationGracePeriodSeconds,
          topologySpreadConstraints: spread,
          ...this.podSpecExtras(),
        }),
      },
    };
  }

  /** Zero-downtime rollouts: one extra pod at a time, none taken away before its successor is ready. */
  protected deploymentStrategy(): k8s.DeploymentStrategy {
    return { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } };
  }

  /** Pods the Deployment's rolling update adds beyond the replica count (the quota and the chart's pod count include them). */
  protected rollingUpdateSurge(): number {
    return 1;
  }

  /** Extra Service settings (session affinity for stateful MCP tools). */
  protected serviceSpecExtras(): Partial<k8s.ServiceSpec> {
    return {};
  }

  private createService(): k8s.KubeService {
    return new k8s.KubeService(this, 'Service', {
      metadata: this.metadata(),
      spec: Lazy.any({
        produce: (): k8s.ServiceSpec => ({
          type: 'ClusterIP',
          selector: { ...this.selectorLabels },
          ports: [{ name: HTTP_PORT_NAME, port: this.servicePort, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP', appProtocol: 'http' }],
          ...this.serviceSpecExtras(),
        }),
      }),
    });
  }

  private createAutoscaler(autoscaling: ResolvedAutoscaling): k8s.KubeHorizontalPodAutoscalerV2 {
    return new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
      metadata: this.metadata(),
      spec: horizontalPodAutoscalerSpec(this.scaleTargetRef, autoscaling),
    });
  }

  private createScaledObject(scaling: ResolvedQueueScaling): ScaledObject {
    const rendered = scaling.triggers.map((t) => t.render());
    const authNames = rendered.map((r, i) => (r.authentication ? `${this.name}-${r.trigger.type}${rendered.length > 1 ? `-${i}` : ''}` : undefined));
    rendered.forEach((r, i) => {
      const name = authNames[i];
      if (r.authentication && name) {
        new TriggerAuthentication(this, `TriggerAuthentication${i}`, { metadata: { name, labels: { ...this.labels } }, spec: r.authentication });
      }
    });
    for (const trigger of scaling.triggers) {
      trigger.admitKeda(this.environment.autoscaling.kedaNamespace);
    }
    return new ScaledObject(this, 'ScaledObject', {
      metadata: this.metadata(),
      spec: {
        scaleTargetRef: this.scaleTargetRef,
        minReplicaCount: scaling.minReplicas,
        maxReplicaCount: scaling.maxReplicas,
        pollingInterval: scaling.pollingIntervalSeconds,
        cooldownPeriod: scaling.cooldownPeriodSeconds,
        triggers: rendered.map((r, i) => ({ ...r.trigger, ...(authNames[i] ? { authenticationRef: { name: authNames[i] as string } } : {}) })),
      },
    });
  }

  private createIngress(ingress: ResolvedIngress): k8s.KubeIngress {
    this.connections.allowIngress(new NamespacePeer(this.environment.ingress.controllerNamespace), [{ port: this.port, protocol: Protocol.TCP }]);
    return new k8s.KubeIngress(this, 'Ingress', {
      metadata: this.metadata('', { annotations: { ...ingress.annotations } }),
      spec: {
        ingressClassName: this.environment.ingress.className,
        tls: ingress.tls ? [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] : undefined,
        rules: [{
          host: ingress.host,
          http: {
            paths: [{
              path: ingress.path,
              pathType: 'Prefix',
              backend: { service: { name: this.name, port: { name: HTTP_PORT_NAME } } },
            }],
          },
        }],
      },
    });
  }

  /**
   * The chart values of this workload: image, replicas (or autoscaling bounds) and resources of
   * the main container, and the images of its sidecars and init containers.
   */
  public helmValues(): HelmValueSection {
    const builder = new HelmSectionBuilder(toValuesKey(this.name), this.node.path);
    this.addHelmImages(builder);
    if (this.queueScaling && this.scaledObject) {
      builder.replicaBounds(['queueScaling'], {
        min: this.queueScaling.minReplicas, max: this.queueScaling.maxReplicas, minSchema: nonNegativeInt.max(1000), maxSchema: replicasValueSchema,
      }, this.scaledObject, { min: 'minReplicaCount', max: 'maxReplicaCount' }, 'KEDA (0 replicas scales to zero)', this.surgePods);
    } else if (this.autoscaling && this.autoscaler) {
      builder.replicaBounds(['autoscaling'], {
        min: this.autoscaling.minReplicas, max: this.autoscaling.maxReplicas, minSchema: replicasValueSchema, maxSchema: replicasValueSchema,
      }, this.autoscaler, { min: 'minReplicas', max: 'maxReplicas' }, 'The HPA', this.surgePods);
    } else {
      builder.replicas(this.replicas, replicasValueSchema, this.canary?.rollout ?? this.deployment, this.canary ? 'Replicas of the Rollout' : 'Replicas of the Deployment', this.surgePods);
    }
    builder.resources(['resources'], this.resources, this.deployment, containerPath(this.name), 'Requests and limits of the main container', this.extendedResources());
    return builder.build();
  }

  /** Declares the images of the pod in the chart values; subclasses with more images add theirs (and call this for the added containers). */
  protected addHelmImages(builder: HelmSectionBuilder): void {
    builder.image(['image'], this.image, this.deployment, containerPath(this.name), 'Image of the main container');
    this.addAddedContainerImages(builder);
  }

  /** The images of the containers added with `addSidecar` and `addInitContainer(options)`. */
  protected addAddedContainerImages(builder: HelmSectionBuilder): void {
    for (const c of this.typedSidecars) {
      builder.image(['sidecars', toValuesKey(c.name), 'image'], c.image, this.deployment, containerPath(c.name), `Image of the sidecar ${c.name}`);
    }
    for (const c of this.initContainers) {
      if ('resolved' in c) {
        builder.image(['initContainers', toValuesKey(c.resolved.name), 'image'], c.resolved.image, this.deployment, containerPath(c.resolved.name, true), `Image of the init container ${c.resolved.name}`);
      }
    }
  }

  /** Requests and limits of the first container of the pod (a subclass that puts another container first says so). */
  protected mainContainerResources(): ResolvedResources {
    return this.resources;
  }

  /** What the pods ask of the quota: the main container, the sidecars and the largest init container, as Kubernetes counts them. */
  public quotaDemand(): QuotaDemand {
    const extended = this.extendedResources();
    const sidecars = [...this.typedSidecars.map((c) => c.resources), ...this.sidecars().map(rawResources)];
    const init = this.initContainers.map((c) => ('resolved' in c ? c.resolved.resources : c.spec.resources));
    return podDemand(this.maxPods + this.surgePods, [this.mainContainerResources(), ...sidecars], { gpus: Object.values(extended).reduce((sum, n) => sum + n, 0), extendedResources: extended }, init);
  }
}

/** `env` followed by each default whose name it does not set. */
function withDefaults(env: readonly k8s.EnvVar[], defaults: readonly k8s.EnvVar[]): k8s.EnvVar[] {
  const names = new Set(env.map((e) => e.name));
  return [...env, ...defaults.filter((d) => !names.has(d.name))];
}

/** A subclass's own container spec carries its resolved pull policy; the library's options never do. */
function isContainerSpec(container: InitContainerOptions | ContainerSpec): container is ContainerSpec {
  return typeof container === 'object' && container !== null && 'imagePullPolicy' in container;
}

/** Requests and limits of a Kubernetes container, zero where it sets none. */
function rawResources(container: k8s.Container): ResolvedResources {
  const value = (q: k8s.Quantity | undefined) => (q === undefined ? '0' : String(q.value));
  const r = container.resources;
  return {
    requests: { cpu: value(r?.requests?.cpu), memory: value(r?.requests?.memory) },
    limits: { cpu: value(r?.limits?.cpu), memory: value(r?.limits?.memory) },
  };
}
