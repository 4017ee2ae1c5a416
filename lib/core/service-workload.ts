import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct, type IConstruct } from 'constructs';
import { z } from 'zod';
import { type AutoscalingOptions, autoscalingIssues, autoscalingSchema, horizontalPodAutoscalerSpec, resolveAutoscaling, type ResolvedAutoscaling } from './autoscaling';
import { ScaledObject, TriggerAuthentication } from '../../imports/keda.sh';
import { type QueueScalingOptions, type QueueTrigger, queueScalingIssues, queueScalingSchema, type ResolvedQueueScaling, resolveQueueScaling } from './queue-scaling';
import { brand, BrandKind, hasBrand } from './brand';
import { allowedWording, type ParsedProps, toPropIssues } from './props';
import { formatImage, type ImageReference, parseImage } from './image';
import { containerPath, HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider, replicasValueSchema } from './helm-values';
import { toValuesKey, type WorkloadComponent } from './labels';
import { NamespacePeer, Protocol } from './network';
import { type ContainerSpec, podMetadata, renderContainer, renderPodSpec, tmpVolume, topologySpread } from './pod';
import { type HealthCheckOptions, healthCheckSchema, httpProbes } from './probes';
import { type ResolvedResources, resourceIssues, type ResourcePreset, resolveResources } from './resources';
import { absolutePath, annotations as annotationsSchema, dnsSubdomain, httpPath, nonNegativeInt, port, positiveInt } from './schemas';
import { type SecurityOptions } from './security';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload } from './workload';
import { type ContainerWorkloadProps, containerWorkloadShape } from './container-workload';
import { HTTP_SERVER_SIGNALS, type WorkloadSignals } from './signals';
import { crossPlatformIssue, type IRedisCache, wire } from './wiring';
import { brandedReference, REFERENCES } from './references';
import { CanaryRollout, type RolloutOptions, resolveRollout, rolloutOptionsSchema } from './canary-rollout';

/** Where Prometheus finds the workload's metrics. */
export interface MetricsOptions {
  /**
   * Whether the pods are annotated for scraping and scrapers are admitted by the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Port serving metrics; a separate container port named `metrics` when it differs from `port`.
   * @default - the service port
   */
  readonly port?: number;
  /**
   * Path of the Prometheus endpoint.
   * @default "/metrics"
   */
  readonly path?: string;
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
   * @default - `/metrics` on the service port
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

/** Files several pods mount at once (implemented by `SharedVolume`). */
export interface ISharedVolume extends IConstruct {
  /** Name of the volume, unique in the namespace. */
  readonly name: string;
  /** The pod volume, named `volumeName`. */
  toVolume(volumeName: string): k8s.Volume;
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
  metrics: z.object({ enabled: z.boolean().optional(), port: port.optional(), path: httpPath.optional() }).strict().optional(),
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
}

const HTTP_PORT_NAME = 'http';
const METRICS_PORT_NAME = 'metrics';
const DEFAULT_PORT = 8080;

/**
 * A Deployment of an HTTP service with its Service, ServiceAccount, HPA, PodDisruptionBudget,
 * NetworkPolicy and optional Ingress. Every object renders lazily, so wiring added after
 * construction (`addEnv`, `connections.allowFrom`, ...) still reaches the manifests.
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
  /** Whether the main container serves HTTP on `port` (false for a worker that names no port). */
  private readonly servesHttp: boolean;
  private readonly defaults: ServiceWorkloadDefaults;
  private readonly volumes: k8s.Volume[] = [];
  private readonly volumeMounts: k8s.VolumeMount[] = [];
  private readonly initContainers: ContainerSpec[] = [];
  private cache?: IRedisCache;

  protected constructor(scope: Construct, id: string, parsed: ParsedProps<ServiceWorkloadConfig>, rawName: unknown, defaults: ServiceWorkloadDefaults) {
    super(scope, id, { name: rawName, component: defaults.component });
    brand(this, BrandKind.SERVICE_WORKLOAD);
    this.issues.push(...parsed.issues);
    this.defaults = defaults;
    this.config = parsed.value ?? { image: 'invalid' };
    this.image = parseImage(this.config.image) ?? { repository: 'invalid' };
    this.port = this.config.port ?? DEFAULT_PORT;
    this.servicePort = this.config.servicePort ?? this.port;
    this.resources = resolveResources(this.config.resources, defaults.resourcePreset, this.environment.resourceProfile);
    this.servesHttp = defaults.service || this.config.port !== undefined;
    const queue = this.config.queueScaling;
    const cap = this.environment.replicas.max;
    this.queueScaling = queue && (queue.enabled ?? this.environment.autoscaling.enabled) ? resolveQueueScaling(queue, this.environment.autoscaling.maxReplicas, cap) : undefined;
    this.autoscaling = queue ? undefined : resolveAutoscaling(this.config.autoscaling, this.environment.autoscaling, defaults.extraMetrics, defaults.autoscaleByDefault ?? true, cap);
    this.replicas = Math.min(this.config.replicas ?? this.environment.replicas.default, cap ?? Number.MAX_SAFE_INTEGER);
    this.checkConfig();
    this.reportEnvironmentChanges();

    if (this.servesHttp) {
      this.exposePorts({ port: this.port, protocol: Protocol.TCP });
    }
    this.addEnvMap(this.config.env);
    this.allowExternal(...(this.config.externalEndpoints ?? []));
    const tmp = tmpVolume(this.config.tmpSizeLimit ?? '512Mi');
    this.addVolume(tmp.volume, tmp.mount);

    if (this.config.cache) {
      this.useCache(this.config.cache);
    }
    for (const mount of this.config.sharedVolumes ?? []) {
      this.mountSharedVolume(mount.volume, mount.mountPath, { readOnly: mount.readOnly });
    }
    this.createServiceAccount(this.config.automountServiceAccountToken ?? false);
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
    if (this.config.ingress && this.service) {
      this.createIngress(this.config.ingress);
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
    if (!this.servesHttp && !this.config.healthCheck?.command) {
      this.issues.push({
        field: 'healthCheck',
        ...(this.config.healthCheck ? { value: this.config.healthCheck } : {}),
        message: 'a worker without a port has no HTTP endpoint to probe: give healthCheck.command (a command whose exit code 0 means healthy), or set port to the port of its health server',
      });
    }
    if (!this.servesHttp && this.config.metrics?.enabled === true && this.config.metrics.port === undefined) {
      this.issues.push({ field: 'metrics.port', message: 'is required: a worker without a port serves metrics only on the port you name here' });
    }
    if (this.config.image !== 'invalid') {
      this.checkImagePolicy('image', this.image, this.config.image);
    }
    this.issues.push(...resourceIssues(this.resources), ...autoscalingIssues(this.autoscaling, this.config.autoscaling));
    const grace = this.config.terminationGracePeriodSeconds ?? 60;
    const preStop = this.config.preStopDelaySeconds ?? 5;
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

  /** Adds a pod volume, mounted into the main container when `mount` is given. */
  public addVolume(volume: k8s.Volume, mount?: k8s.VolumeMount): void {
    this.volumes.push(volume);
    if (mount) {
      this.addVolumeMount(mount, 'volumes');
    }
  }

  /** Kubernetes refuses a container that mounts two volumes at one path. */
  private addVolumeMount(mount: k8s.VolumeMount, field: string): void {
    const taken = this.volumeMounts.find((m) => m.mountPath === mount.mountPath);
    if (taken) {
      this.issues.push({ field, value: mount.mountPath, message: `is already the mount path of volume "${taken.name}"; Kubernetes refuses two mounts at one path: choose another mountPath` });
      return;
    }
    this.volumeMounts.push(mount);
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
    const volumeName = `shared-${volume.name}`;
    if (!this.volumes.some((v) => v.name === volumeName)) {
      this.addVolume(volume.toVolume(volumeName));
      this.node.addDependency(volume);
    }
    this.addVolumeMount({ name: volumeName, mountPath, readOnly: options.readOnly }, `${field}.mountPath`);
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

  /** Adds a container that runs to completion before the main container starts. */
  protected addInitContainer(spec: ContainerSpec): void {
    this.initContainers.push(spec);
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

  private get metricsEnabled(): boolean {
    // A worker without a port is scraped only where it names a metrics port.
    const byDefault = this.servesHttp ? this.defaults.metricsByDefault ?? true : this.config.metrics?.port !== undefined;
    return this.config.metrics?.enabled ?? byDefault;
  }

  private get metricsPort(): number {
    return this.config.metrics?.port ?? this.port;
  }

  protected renderContainerPorts(): k8s.ContainerPort[] {
    const ports: k8s.ContainerPort[] = this.servesHttp ? [{ name: HTTP_PORT_NAME, containerPort: this.port, protocol: 'TCP' }] : [];
    if (this.metricsEnabled && (this.metricsPort !== this.port || !this.servesHttp)) {
      ports.push({ name: METRICS_PORT_NAME, containerPort: this.metricsPort, protocol: 'TCP' });
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
      env: this.renderEnv(),
      resources: this.resources,
      extendedResources: this.extendedResources(),
      probes: httpProbes(this.config.healthCheck, this.servesHttp ? HTTP_PORT_NAME : undefined, { startupTimeoutSeconds: this.defaults.startupTimeoutSeconds }),
      security: this.config.security as SecurityOptions | undefined,
      volumeMounts: this.volumeMounts,
      preStopDelaySeconds: this.config.preStopDelaySeconds ?? 5,
    };
  }

  /** Extended resources of the main container (GPUs), set on both requests and limits. */
  protected extendedResources(): Record<string, number> {
    return {};
  }

  /** Containers running beside the main one. */
  protected sidecars(): k8s.Container[] {
    return [];
  }

  /** Pod-level additions of subclasses (node selection, tolerations, init containers...). */
  protected podSpecExtras(): Partial<Parameters<typeof renderPodSpec>[0]> {
    return {};
  }

  private podAnnotations(): Record<string, string> {
    const scrape: Record<string, string> = this.metricsEnabled
      ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.metricsPort), 'prometheus.io/path': this.metricsPath }
      : {};
    return { ...scrape, ...this.contributedPodAnnotations(), ...this.config.podAnnotations };
  }



  private get metricsPath(): string {
    return this.config.metrics?.path ?? '/metrics';
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    if (!this.metricsEnabled) {
      return [];
    }
    const portName = this.metricsPort === this.port && this.servesHttp ? HTTP_PORT_NAME : METRICS_PORT_NAME;
    return [{ port: this.metricsPort, portName, path: this.metricsPath }];
  }

  /** HTTP services follow the OpenTelemetry HTTP server conventions; subclasses say otherwise. */
  public signals(): WorkloadSignals {
    return this.metricsEnabled && this.servesHttp ? HTTP_SERVER_SIGNALS : { metrics: [] };
  }

  public override get emitsTraces(): boolean {
    return true;
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
          automountServiceAccountToken: this.config.automountServiceAccountToken ?? false,
          initContainers: this.initContainers.map(renderContainer),
          containers: [renderContainer(this.mainContainerSpec()), ...this.sidecars()],
          volumes: this.volumes,
          security: this.config.security as SecurityOptions | undefined,
          terminationGracePeriodSeconds: this.config.terminationGracePeriodSeconds ?? 60,
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

  private createIngress(options: IngressOptions): k8s.KubeIngress {
    const host = options.host ?? `${this.name}.${this.environment.ingress.domain ?? 'invalid'}`;
    const tls = options.tls ?? true;
    const issuer = this.environment.ingress.clusterIssuer;
    this.connections.allowIngress(new NamespacePeer(this.environment.ingress.controllerNamespace), [{ port: this.port, protocol: Protocol.TCP }]);
    return new k8s.KubeIngress(this, 'Ingress', {
      metadata: this.metadata('', {
        annotations: { ...(tls && issuer ? { 'cert-manager.io/cluster-issuer': issuer } : {}), ...options.annotations },
      }),
      spec: {
        ingressClassName: this.environment.ingress.className,
        tls: tls ? [{ hosts: [host], secretName: options.tlsSecretName ?? `${this.name}-tls` }] : undefined,
        rules: [{
          host,
          http: {
            paths: [{
              path: options.path ?? '/',
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
   * the main container.
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

  /** Declares the images of the pod in the chart values; subclasses with more images add theirs. */
  protected addHelmImages(builder: HelmSectionBuilder): void {
    builder.image(['image'], this.image, this.deployment, containerPath(this.name), 'Image of the main container');
  }

  public quotaDemand(): QuotaDemand {
    const extended = this.extendedResources();
    return podDemand(this.maxPods + this.surgePods, [this.resources], { gpus: Object.values(extended).reduce((sum, n) => sum + n, 0), extendedResources: extended });
  }
}
