import { createHash } from 'crypto';
import { type ApiObject, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { z } from 'zod';
import { containerPath, HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider } from '../core/helm-values';
import { formatImage, type ImageReference, imageSchema } from '../core/image';
import { parseImageOrPlaceholder } from '../core/placeholder';
import { toValuesKey, WorkloadComponent } from '../core/labels';
import { Protocol } from '../core/network';
import { podMetadata, renderContainer, renderPodSpec } from '../core/pod';
import { persistentStatefulSetSpec } from '../core/stateful';
import { type ContainerProbes } from '../core/probes';
import { formatBytes, formatCpu, parseQuantity } from '../core/quantity';
import { type ResolvedResources, type ResourceQuantities, resourceIssues, ResourceProfile } from '../core/resources';
import { cpuQuantity, dnsSubdomain, memoryQuantity, storageQuantity } from '../core/schemas';
import { type WorkloadSignals } from '../core/signals';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload } from '../core/workload';

/** Requests and limits of one server, field by field over its defaults. */
export interface ServerResources {
  /**
   * Requests replacing the defaults, field by field.
   * @default - the server's defaults (halved in environments with the `small` resource profile)
   */
  readonly requests?: ResourceQuantities;
  /**
   * Limits replacing the defaults, field by field.
   * @default - the server's defaults (halved in environments with the `small` resource profile)
   */
  readonly limits?: ResourceQuantities;
}

/** What every server of the stack accepts. */
export interface ServerOptions {
  /**
   * Image, pinned (a version tag or a digest).
   * @default - the server's default image (see `ObservabilityStack.IMAGES`)
   */
  readonly image?: string;
  /**
   * Requests and limits.
   * @default - the server's defaults
   */
  readonly resources?: ServerResources;
}

const quantities = z.object({ cpu: cpuQuantity.optional(), memory: memoryQuantity.optional() }).strict();
export const serverResourcesSchema = z.object({ requests: quantities.optional(), limits: quantities.optional() }).strict();
export const serverOptionsShape = { image: imageSchema.optional(), resources: serverResourcesSchema.optional() };
export const persistenceShape = { storageSize: storageQuantity.optional(), storageClassName: dnsSubdomain.optional() };

/** A container port of a server, optionally published on its Service. */
export interface ServerPort {
  readonly name: string;
  readonly port: number;
  /** Whether clients reach it through the Service. */
  readonly service: boolean;
}

/** A ConfigMap of files the server reads, mounted read-only. */
export interface ConfigFiles {
  /** Suffix of the ConfigMap name (`<server><suffix>`, e.g. `-config`); without its dash, the volume name. */
  readonly suffix: string;
  readonly mountPath: string;
  /** Files by name; produced when the manifests render, so they see the whole app. */
  readonly files: () => Record<string, string>;
}

/** The shape of one server's pod. */
export interface ServerSpec {
  readonly args: readonly string[];
  readonly ports: readonly ServerPort[];
  readonly probes: ContainerProbes;
  /** UID, GID and fsGroup of the image's user. */
  readonly uid: number;
  readonly configs?: readonly ConfigFiles[];
  /** Volumes defined elsewhere (Secrets, shared ConfigMaps), with their mounts. */
  readonly volumes?: readonly { readonly volume: k8s.Volume; readonly mount: k8s.VolumeMount }[];
  /** Writable emptyDirs: the root filesystem stays read-only. `memory` keeps one in RAM (never on the node's disk). */
  readonly scratch?: readonly { readonly name: string; readonly mountPath: string; readonly sizeLimit: string; readonly memory?: boolean }[];
  /** Containers that run to completion before the server starts, in the server's image and security context. */
  readonly initContainers?: readonly { readonly name: string; readonly command: readonly string[]; readonly volumeMounts: readonly k8s.VolumeMount[] }[];
  /** A persistent volume per replica (volumeClaimTemplates): the server runs as a StatefulSet. */
  readonly persistence?: { readonly mountPath: string; readonly size: string; readonly storageClassName?: string };
  /** Whether the pod gets an API token (only servers that read the Kubernetes API). */
  readonly automountToken: boolean;
  readonly metrics?: MetricsEndpoint;
  readonly signals?: WorkloadSignals;
}

const INIT_RESOURCES: ResolvedResources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } };

/** Scales default resources by the environment's profile, then applies overrides. */
export function serverResources(defaults: ResolvedResources, profile: ResourceProfile, overrides: ServerResources | undefined): ResolvedResources {
  const factor = profile === ResourceProfile.SMALL ? 0.5 : 1;
  const scale = (q: { cpu: string; memory: string }) => (factor === 1 ? q : { cpu: formatCpu(parseQuantity(q.cpu) * factor), memory: formatBytes(parseQuantity(q.memory) * factor) });
  const requests = scale(defaults.requests);
  const limits = scale(defaults.limits);
  return {
    requests: { cpu: overrides?.requests?.cpu ?? requests.cpu, memory: overrides?.requests?.memory ?? requests.memory },
    limits: { cpu: overrides?.limits?.cpu ?? limits.cpu, memory: overrides?.limits?.memory ?? limits.memory },
  };
}

/** HTTP probes on a named port: a startup budget, then readiness and liveness. */
export function serverProbes(port: string, paths: { ready: string; live: string }, startupSeconds: number): ContainerProbes {
  const get = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromString(port), scheme: 'HTTP' } });
  return {
    startupProbe: { ...get(paths.ready), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: Math.ceil(startupSeconds / 5), successThreshold: 1 },
    readinessProbe: { ...get(paths.ready), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
    livenessProbe: { ...get(paths.live), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6, successThreshold: 1 },
  };
}

/**
 * One server of the self-hosted stack: a single-replica Deployment, or a StatefulSet with a
 * volumeClaimTemplate when it keeps data, with its ServiceAccount, Service(s), config
 * ConfigMaps (a checksum on the pod template rolls the pod when they change), the restricted
 * security context with a read-only root filesystem, probes, requests and limits, its own
 * NetworkPolicy (from `connections` and the stack's contributions) and chart values for its
 * image and resources.
 */
export abstract class ObservabilityServer extends Workload implements IHelmValuesProvider {
  public readonly image: ImageReference;
  public readonly resources: ResolvedResources;
  /** The Deployment or StatefulSet. */
  public controller!: ApiObject;
  private spec!: ServerSpec;

  protected constructor(scope: Construct, id: string, image: string | undefined, defaultImage: string, defaults: ResolvedResources, options: ServerOptions | undefined) {
    super(scope, id, { name: id, component: WorkloadComponent.OBSERVABILITY });
    this.image = parseImageOrPlaceholder(image ?? defaultImage);
    this.resources = serverResources(defaults, this.environment.resourceProfile, options?.resources);
    this.checkImagePolicy('image', this.image, image ?? defaultImage);
    this.issues.push(...resourceIssues(this.resources));
  }

  /** Renders the server; subclasses call it once their spec is known. */
  protected build(spec: ServerSpec): void {
    this.spec = spec;
    this.exposePorts(...spec.ports.filter((p) => p.service).map((p) => ({ port: p.port, protocol: Protocol.TCP })));
    this.createServiceAccount(spec.automountToken);
    for (const config of spec.configs ?? []) {
      new k8s.KubeConfigMap(this, `Config${config.suffix}`, { metadata: this.metadata(config.suffix), data: Lazy.any({ produce: () => config.files() }) });
    }
    if (spec.ports.some((p) => p.service)) {
      new k8s.KubeService(this, 'Service', { metadata: this.metadata(), spec: this.serviceSpec(false) });
    }
    if (spec.persistence) {
      new k8s.KubeService(this, 'Headless', { metadata: this.metadata('-headless'), spec: this.serviceSpec(true) });
      this.controller = new k8s.KubeStatefulSet(this, 'Resource', { metadata: this.metadata(), spec: Lazy.any({ produce: () => this.statefulSetSpec() }) });
    } else {
      this.controller = new k8s.KubeDeployment(this, 'Resource', { metadata: this.metadata(), spec: Lazy.any({ produce: () => this.deploymentSpec() }) });
    }
    if (this.environment.availability.podDisruptionBudgets) {
      this.createDisruptionBudget();
    }
    this.createNetworkPolicy();
  }

  /** Host and port of a port of the Service, e.g. `prometheus.ns.svc.cluster.local:9090`. */
  public address(port: number): string {
    return `${this.namespace ? `${this.name}.${this.namespace}.svc.cluster.local` : this.name}:${port}`;
  }

  private serviceSpec(headless: boolean): k8s.ServiceSpec {
    const ports = headless ? this.spec.ports : this.spec.ports.filter((p) => p.service);
    return {
      type: 'ClusterIP',
      clusterIp: headless ? 'None' : undefined,
      publishNotReadyAddresses: headless ? true : undefined,
      selector: { ...this.selectorLabels },
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
    };
  }

  private configChecksum(): string {
    const files = (this.spec.configs ?? []).map((c) => c.files());
    return createHash('sha256').update(JSON.stringify(files)).digest('hex');
  }

  private podTemplate(): k8s.PodTemplateSpec {
    const spec = this.spec;
    const security = { runAsUser: spec.uid, runAsGroup: spec.uid, fsGroup: spec.uid };
    const volumes: k8s.Volume[] = [
      ...(spec.configs ?? []).map((c) => ({ name: c.suffix.slice(1), configMap: { name: `${this.name}${c.suffix}` } })),
      ...(spec.volumes ?? []).map((v) => v.volume),
      ...(spec.scratch ?? []).map((s) => ({ name: s.name, emptyDir: { ...(s.memory ? { medium: 'Memory' } : {}), sizeLimit: k8s.Quantity.fromString(s.sizeLimit) } })),
    ];
    const mounts: k8s.VolumeMount[] = [
      ...(spec.configs ?? []).map((c) => ({ name: c.suffix.slice(1), mountPath: c.mountPath, readOnly: true })),
      ...(spec.volumes ?? []).map((v) => v.mount),
      ...(spec.scratch ?? []).map((s) => ({ name: s.name, mountPath: s.mountPath })),
      ...(spec.persistence ? [{ name: 'data', mountPath: spec.persistence.mountPath }] : []),
    ];
    const container = renderContainer({
      name: this.name,
      image: formatImage(this.image, this.environment.images.registry),
      imagePullPolicy: this.environment.images.pullPolicy,
      args: spec.args,
      ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
      env: this.renderEnv(),
      resources: this.resources,
      probes: spec.probes,
      security,
      volumeMounts: mounts,
    });
    const initContainers = (spec.initContainers ?? []).map((init) => renderContainer({
      name: init.name,
      image: formatImage(this.image, this.environment.images.registry),
      imagePullPolicy: this.environment.images.pullPolicy,
      command: init.command,
      resources: INIT_RESOURCES,
      security,
      volumeMounts: init.volumeMounts,
    }));
    const checksum: Record<string, string> = spec.configs && spec.configs.length > 0 ? { 'checksum/config': this.configChecksum() } : {};
    return {
      metadata: podMetadata(this.labels, { ...checksum, ...this.contributedPodAnnotations() }),
      spec: renderPodSpec({
        serviceAccountName: this.name,
        automountServiceAccountToken: spec.automountToken,
        containers: [container],
        initContainers,
        volumes,
        security,
        terminationGracePeriodSeconds: 30,
      }),
    };
  }

  private deploymentSpec(): k8s.DeploymentSpec {
    return {
      replicas: 1,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { ...this.selectorLabels } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
      template: this.podTemplate(),
    };
  }

  private statefulSetSpec(): k8s.StatefulSetSpec {
    const persistence = this.spec.persistence;
    return persistentStatefulSetSpec({
      name: this.name,
      selectorLabels: this.selectorLabels,
      template: this.podTemplate(),
      storage: persistence && { size: persistence.size, storageClassName: persistence.storageClassName ?? this.environment.storage.storageClassName },
    });
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    return this.spec?.metrics ? [this.spec.metrics] : [];
  }

  public signals(): WorkloadSignals {
    return this.spec?.signals ?? { metrics: [] };
  }

  public helmValues(): HelmValueSection {
    return new HelmSectionBuilder(toValuesKey(this.name), this.node.path)
      .image(['image'], this.image, this.controller, containerPath(this.name), `Image of ${this.name}`, (this.spec?.initContainers ?? []).map((c) => containerPath(c.name, true)))
      .resources(['resources'], this.resources, this.controller, containerPath(this.name), `Requests and limits of ${this.name}`)
      .build();
  }

  public quotaDemand(): QuotaDemand {
    const persistence = this.spec?.persistence;
    // A Deployment surges one pod during a rollout; a StatefulSet replaces its pod in place.
    return persistence
      ? podDemand(1, [this.resources], { volumeClaims: 1, storageBytes: parseQuantity(persistence.size) })
      : podDemand(2, [this.resources]);
  }
}
