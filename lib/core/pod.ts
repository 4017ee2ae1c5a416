import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { SpreadPolicy, type AvailabilityDefaults } from './environment-config';
import { type ContainerProbes } from './probes';
import { type ResolvedResources } from './resources';
import { containerSecurityContext, podSecurityContext, type SecurityOptions } from './security';

/** Everything that shapes one container. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly ports?: readonly k8s.ContainerPort[];
  readonly env?: readonly k8s.EnvVar[];
  readonly resources: ResolvedResources;
  /** Extended resources (GPUs) set on both requests and limits. */
  readonly extendedResources?: Readonly<Record<string, number>>;
  readonly probes?: ContainerProbes;
  readonly security?: SecurityOptions;
  readonly volumeMounts?: readonly k8s.VolumeMount[];
  /** Seconds the container keeps serving after it is told to stop, while endpoints are updated. */
  readonly preStopDelaySeconds?: number;
}

function quantities(values: Readonly<Record<string, string>>, extended: Readonly<Record<string, number>>): Record<string, k8s.Quantity> {
  const out: Record<string, k8s.Quantity> = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = k8s.Quantity.fromString(value);
  }
  for (const [name, count] of Object.entries(extended)) {
    out[name] = k8s.Quantity.fromNumber(count);
  }
  return out;
}

export function renderResources(resources: ResolvedResources, extended: Readonly<Record<string, number>> = {}): k8s.ResourceRequirements {
  return { requests: quantities(resources.requests, extended), limits: quantities(resources.limits, extended) };
}

export function renderContainer(spec: ContainerSpec): k8s.Container {
  const delay = spec.preStopDelaySeconds ?? 0;
  return {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: spec.imagePullPolicy,
    command: spec.command ? [...spec.command] : undefined,
    args: spec.args ? [...spec.args] : undefined,
    ports: spec.ports && spec.ports.length > 0 ? [...spec.ports] : undefined,
    env: spec.env && spec.env.length > 0 ? [...spec.env] : undefined,
    resources: renderResources(spec.resources, spec.extendedResources),
    securityContext: containerSecurityContext(spec.security),
    ...spec.probes,
    lifecycle: delay > 0 ? { preStop: { exec: { command: ['sleep', String(delay)] } } } : undefined,
    volumeMounts: spec.volumeMounts && spec.volumeMounts.length > 0 ? [...spec.volumeMounts] : undefined,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** A pod template's metadata; an empty annotation map is left out. */
export function podMetadata(labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>): k8s.ObjectMeta {
  return { labels: { ...labels }, ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}) };
}

/** The pod-level settings of the restricted profile and scheduling. */
export interface PodSpecOptions {
  readonly serviceAccountName: string;
  readonly automountServiceAccountToken: boolean;
  readonly containers: readonly k8s.Container[];
  readonly initContainers?: readonly k8s.Container[];
  readonly volumes?: readonly k8s.Volume[];
  readonly security?: SecurityOptions;
  readonly terminationGracePeriodSeconds: number;
  readonly topologySpreadConstraints?: readonly k8s.TopologySpreadConstraint[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly k8s.Toleration[];
  readonly affinity?: k8s.Affinity;
  readonly priorityClassName?: string;
  readonly runtimeClassName?: string;
  readonly restartPolicy?: string;
}

export function renderPodSpec(options: PodSpecOptions): k8s.PodSpec {
  const nonEmpty = <T>(items: readonly T[] | undefined): T[] | undefined => (items && items.length > 0 ? [...items] : undefined);
  return {
    serviceAccountName: options.serviceAccountName,
    automountServiceAccountToken: options.automountServiceAccountToken,
    enableServiceLinks: false,
    securityContext: podSecurityContext(options.security),
    terminationGracePeriodSeconds: options.terminationGracePeriodSeconds,
    restartPolicy: options.restartPolicy,
    initContainers: nonEmpty(options.initContainers),
    containers: [...options.containers],
    volumes: nonEmpty(options.volumes),
    topologySpreadConstraints: nonEmpty(options.topologySpreadConstraints),
    nodeSelector: options.nodeSelector && Object.keys(options.nodeSelector).length > 0 ? { ...options.nodeSelector } : undefined,
    tolerations: nonEmpty(options.tolerations),
    affinity: options.affinity,
    priorityClassName: options.priorityClassName,
    runtimeClassName: options.runtimeClassName,
  };
}

const WHEN_UNSATISFIABLE: Readonly<Record<SpreadPolicy, string | undefined>> = {
  [SpreadPolicy.REQUIRED]: 'DoNotSchedule',
  [SpreadPolicy.PREFERRED]: 'ScheduleAnyway',
  [SpreadPolicy.NONE]: undefined,
};

/**
 * Spreads replicas across nodes and zones. Only pods of the current revision count
 * (`matchLabelKeys: [pod-template-hash]`), so a rolling update is not blocked by old pods.
 */
export function topologySpread(selector: Readonly<Record<string, string>>, availability: AvailabilityDefaults, revisionKey = 'pod-template-hash'): k8s.TopologySpreadConstraint[] {
  const constraints: k8s.TopologySpreadConstraint[] = [];
  const add = (topologyKey: string, policy: SpreadPolicy) => {
    const whenUnsatisfiable = WHEN_UNSATISFIABLE[policy];
    if (whenUnsatisfiable) {
      constraints.push({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable,
        labelSelector: { matchLabels: { ...selector } },
        matchLabelKeys: revisionKey ? [revisionKey] : undefined,
      });
    }
  };
  add('kubernetes.io/hostname', availability.spreadAcrossNodes);
  add('topology.kubernetes.io/zone', availability.spreadAcrossZones);
  return constraints;
}

/** The writable /tmp every container gets on its read-only root filesystem. */
export function tmpVolume(sizeLimit: string): { volume: k8s.Volume; mount: k8s.VolumeMount } {
  return {
    volume: { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } },
    mount: { name: 'tmp', mountPath: '/tmp' },
  };
}
