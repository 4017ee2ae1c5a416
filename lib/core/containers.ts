import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { z } from 'zod';
import { type EnvMap, toEnvValue } from './env-value';
import { type PropIssue } from './errors';
import { formatImage, type ImageReference, imageSchema, type ImageTagPolicy, tagPolicyViolation } from './image';
import { type ExternalEndpoint } from './network';
import { parseImageOrPlaceholder } from './placeholder';
import { type ContainerSpec } from './pod';
import { type ContainerProbes, type HealthCheckOptions, healthCheckSchema, httpProbes } from './probes';
import { checkProps } from './props';
import { type ResolvedResources, type ResourceOptions, resourceIssues, resourceOptionsSchema, ResourcePreset, type ResourceProfile, resolveResources } from './resources';
import { httpPath, port as portSchema } from './schemas';
import { type SecurityOptions } from './security';
import { type ContainerMount, PodVolume, volumeMountOptionsSchema } from './volumes';
import { envMapSchema, externalEndpointSchema } from './container-workload';

/** A container of the library's own shape, beside or before the main one. */
export interface ContainerOptions {
  /** Name of the container, unique in the pod: a DNS label of at most 63 characters. */
  readonly name: string;
  /** Image, `[registry/]repository[:tag][@digest]`; outside development it must be pinned, like the main image. */
  readonly image: string;
  /**
   * Entrypoint override.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's command
   */
  readonly args?: string[];
  /**
   * Environment variables, with the main container's rules (no literal secrets outside development).
   * @default - none
   */
  readonly env?: EnvMap;
  /**
   * Requests and limits; they count against the namespace quota with the main container's.
   * @default - the `tool-worker` preset: 128Mi / 0.25 CPU requested, 512Mi / 1 CPU limit (halved by the small profile)
   */
  readonly resources?: ResourceOptions;
  /**
   * Volumes the container mounts; each is added to the pod once.
   * @default - none
   */
  readonly mounts?: ContainerMount[];
  /**
   * Endpoints outside the cluster the container calls; the pod's NetworkPolicy admits them (containers of a pod share its network).
   * @default - none
   */
  readonly externalEndpoints?: ExternalEndpoint[];
  /**
   * Whether the root filesystem is read-only; mount an emptyDir where the container writes.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/** A port a sidecar listens on. Only the pod reaches it, unless it serves metrics or `connections.allowFrom()` names it. */
export interface SidecarPort {
  /** Name of the port, unique in the pod (at most 15 characters). */
  readonly name: string;
  /** Port number, unique in the pod. */
  readonly port: number;
}

/** Where a sidecar serves Prometheus metrics. */
export interface SidecarMetricsOptions {
  /** Name of one of the sidecar's ports. */
  readonly port: string;
  /**
   * Path of the Prometheus endpoint.
   * @default "/metrics"
   */
  readonly path?: string;
}

/** A container running beside the main one for the life of the pod (a proxy, an exporter, a log shipper). */
export interface SidecarOptions extends ContainerOptions {
  /**
   * Ports the sidecar listens on.
   * @default - none
   */
  readonly ports?: SidecarPort[];
  /**
   * Startup, readiness and liveness probes: HTTP on `path` of the first port, or a `command`.
   * An unready sidecar makes the whole pod unready.
   * @default - TCP checks on the first port (60 s startup budget); none for a sidecar without ports
   */
  readonly healthCheck?: HealthCheckOptions;
  /**
   * Prometheus scraping of one of its ports: scrapers are admitted by the NetworkPolicy, and it is
   * a metrics endpoint of the workload (self-hosted Prometheus scrapes a pod on one port: the main
   * container's, unless its metrics are off).
   * @default - not scraped
   */
  readonly metrics?: SidecarMetricsOptions;
}

/** A container that runs to completion, in order, before the main container starts (a download, a migration, a copy). */
export type InitContainerOptions = ContainerOptions;

const containerName = z.string().max(63, { error: 'must be at most 63 characters' }).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  error: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "proxy")',
});

const portName = z.string().max(15, { error: 'must be at most 15 characters' }).regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  error: 'must be an IANA service name: lowercase letters, digits and "-", with at least one letter (e.g. "metrics")',
}).refine((n) => /[a-z]/.test(n) && !n.includes('--'), { error: 'must be an IANA service name: lowercase letters, digits and "-", with at least one letter (e.g. "metrics")' });

const mountSchema = volumeMountOptionsSchema.extend({
  volume: z.custom<PodVolume>((v) => PodVolume.isPodVolume(v), { error: 'must be a PodVolume (PodVolume.emptyDir(), .fromConfigMap(), .fromSecret(), .fromSharedVolume())' }),
}).strict();

const containerShape = {
  name: containerName,
  image: imageSchema,
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: envMapSchema.optional(),
  resources: resourceOptionsSchema.optional(),
  mounts: z.array(mountSchema).optional(),
  externalEndpoints: z.array(externalEndpointSchema).optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
};

export const initContainerOptionsSchema = z.object(containerShape).strict();

export const sidecarOptionsSchema = z.object({
  ...containerShape,
  ports: z.array(z.object({ name: portName, port: portSchema }).strict()).optional(),
  healthCheck: healthCheckSchema.optional(),
  metrics: z.object({ port: z.string(), path: httpPath.optional() }).strict().optional(),
}).strict();

/** What the pod needs to know to resolve a container. */
export interface ContainerContext {
  readonly profile: ResourceProfile;
  readonly registry?: string;
  readonly pullPolicy: string;
  readonly tagPolicy: ImageTagPolicy;
  /** The pod's user and group settings (the container's own read-only root filesystem setting wins). */
  readonly security?: SecurityOptions;
  /** Checks one environment variable as the main container's are checked. */
  readonly envIssues: (name: string, value: ReturnType<typeof toEnvValue>, field: string) => PropIssue[];
}

/** A sidecar or init container, resolved once: every default applied. */
export interface ResolvedContainer {
  readonly name: string;
  readonly image: ImageReference;
  readonly resources: ResolvedResources;
  readonly mounts: readonly ContainerMount[];
  readonly externalEndpoints: readonly ExternalEndpoint[];
  readonly ports: readonly SidecarPort[];
  readonly metrics?: { readonly port: number; readonly portName: string; readonly path: string };
  /** Everything but the image and the volume mounts, which the pod fills in when it renders. */
  readonly spec: Omit<ContainerSpec, 'image' | 'volumeMounts'>;
}

const SIDECAR_STARTUP_SECONDS = 60;

/**
 * Resolves a sidecar (`ports`, probes and metrics allowed) or an init container; every problem
 * is returned with its field under `prefix` (e.g. `sidecars.proxy.`), none is thrown.
 */
export function resolveContainer(kind: 'sidecar' | 'init', options: unknown, context: ContainerContext, prefix: string): { container?: ResolvedContainer; issues: PropIssue[] } {
  const parsed = checkProps(kind === 'sidecar' ? sidecarOptionsSchema : initContainerOptionsSchema, options, prefix.replace(/\.$/, ''));
  const issues: PropIssue[] = [...parsed.issues];
  const value = parsed.value as (z.output<typeof sidecarOptionsSchema> | undefined);
  if (!value) {
    return { issues };
  }
  const image = parseImageOrPlaceholder(value.image);
  const violation = tagPolicyViolation(image, context.tagPolicy);
  if (violation) {
    issues.push({ field: `${prefix}image`, value: value.image, message: violation });
  }
  const resources = resolveResources(value.resources, ResourcePreset.TOOL_WORKER, context.profile);
  issues.push(...resourceIssues(resources, `${prefix}resources`));
  const env: k8s.EnvVar[] = [];
  for (const [name, raw] of Object.entries(value.env ?? {})) {
    const envValue = toEnvValue(raw);
    issues.push(...context.envIssues(name, envValue, `${prefix}env.${name}`));
    env.push(envValue._toEnvVar(name));
  }
  const ports = value.ports ?? [];
  const metrics = value.metrics ? metricsOf(value.metrics, ports, prefix, issues) : undefined;
  const probes = kind === 'sidecar' ? sidecarProbes(value.healthCheck, ports, prefix, issues) : undefined;
  return {
    issues,
    container: {
      name: value.name,
      image,
      resources,
      mounts: (value.mounts ?? []) as ContainerMount[],
      externalEndpoints: value.externalEndpoints ?? [],
      ports,
      metrics,
      spec: {
        name: value.name,
        imagePullPolicy: context.pullPolicy,
        command: value.command,
        args: value.args,
        ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
        env,
        resources,
        probes,
        security: { ...context.security, readOnlyRootFilesystem: value.readOnlyRootFilesystem ?? true },
      },
    },
  };
}

/** The image string of a resolved container, with the environment's registry. */
export function containerImage(container: ResolvedContainer, context: Pick<ContainerContext, 'registry'>): string {
  return formatImage(container.image, context.registry);
}

function metricsOf(metrics: { port: string; path?: string }, ports: readonly SidecarPort[], prefix: string, issues: PropIssue[]): ResolvedContainer['metrics'] {
  const served = ports.find((p) => p.name === metrics.port);
  if (!served) {
    issues.push({ field: `${prefix}metrics.port`, value: metrics.port, message: `must name one of the sidecar's ports (${ports.map((p) => p.name).join(', ') || 'it has none'})` });
    return undefined;
  }
  return { port: served.port, portName: served.name, path: metrics.path ?? '/metrics' };
}

function sidecarProbes(healthCheck: HealthCheckOptions | undefined, ports: readonly SidecarPort[], prefix: string, issues: PropIssue[]): ContainerProbes | undefined {
  const first = ports[0];
  if (!healthCheck && !first) {
    return undefined;
  }
  if (!first && !healthCheck?.command) {
    issues.push({ field: `${prefix}healthCheck`, message: 'an HTTP check needs a port: declare one in ports, or check with a command' });
    return undefined;
  }
  const probes = httpProbes(healthCheck, first?.name, { startupTimeoutSeconds: SIDECAR_STARTUP_SECONDS });
  if (!probes || healthCheck || !first) {
    return probes;
  }
  const tcp = { tcpSocket: { port: k8s.IntOrString.fromString(first.name) } };
  return {
    startupProbe: { ...probes.startupProbe, httpGet: undefined, ...tcp },
    readinessProbe: { ...probes.readinessProbe, httpGet: undefined, ...tcp },
    livenessProbe: { ...probes.livenessProbe, httpGet: undefined, ...tcp },
  };
}
