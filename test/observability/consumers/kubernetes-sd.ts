/**
 * Debian's Prometheus and promtool are built without Kubernetes service discovery, so the
 * `kubernetes_sd_configs` blocks are checked in two other ways:
 * - structurally, against the fields Prometheus documents for `kubernetes_sd_config` (unknown
 *   fields are errors, as in Prometheus' strict YAML), and every `__meta_kubernetes_*` label the
 *   relabelings read must be one that discovery sets for the block's role;
 * - behaviourally: each block is swapped for a `file_sd_configs` block listing the targets
 *   Kubernetes discovery would produce for the pods of the manifests (one per container port,
 *   with the documented meta labels: namespace, pod name, labels, annotations, container name,
 *   port name and number, phase), and the real Prometheus runs the relabelings on them.
 */
import { z } from 'zod';
import { type KubeObject } from '../../../lib';
import { at } from '../../helpers/synth';

/** The fields of `kubernetes_sd_config` (Prometheus configuration documentation), HTTP client settings included. */
export const kubernetesSdConfigSchema = z.object({
  api_server: z.string().optional(),
  role: z.enum(['node', 'service', 'pod', 'endpoints', 'endpointslice', 'ingress']),
  kubeconfig_file: z.string().optional(),
  basic_auth: z.object({ username: z.string().optional(), password: z.string().optional(), password_file: z.string().optional() }).strict().optional(),
  authorization: z.object({ type: z.string().optional(), credentials: z.string().optional(), credentials_file: z.string().optional() }).strict().optional(),
  oauth2: z.record(z.string(), z.unknown()).optional(),
  proxy_url: z.string().optional(),
  no_proxy: z.string().optional(),
  proxy_from_environment: z.boolean().optional(),
  proxy_connect_header: z.record(z.string(), z.array(z.string())).optional(),
  follow_redirects: z.boolean().optional(),
  enable_http2: z.boolean().optional(),
  tls_config: z.object({
    ca_file: z.string().optional(), cert_file: z.string().optional(), key_file: z.string().optional(), server_name: z.string().optional(),
    insecure_skip_verify: z.boolean().optional(), min_version: z.string().optional(),
  }).strict().optional(),
  namespaces: z.object({ own_namespace: z.boolean().optional(), names: z.array(z.string()).optional() }).strict().optional(),
  selectors: z.array(z.object({ role: z.string(), label: z.string().optional(), field: z.string().optional() }).strict()).optional(),
  attach_metadata: z.object({ node: z.boolean().optional() }).strict().optional(),
}).strict();

const PROMETHEUS_NAME = '[a-zA-Z0-9_]+';

/** The meta labels discovery documents per role; `<name>` parts are sanitized label or annotation names. */
export const META_LABELS: Readonly<Record<string, readonly RegExp[]>> = {
  pod: [
    /^__meta_kubernetes_namespace$/,
    ...['name', 'ip', 'container_init', 'container_name', 'container_id', 'container_image', 'container_port_name', 'container_port_number',
      'container_port_protocol', 'ready', 'phase', 'node_name', 'host_ip', 'uid', 'controller_kind', 'controller_name']
      .map((name) => new RegExp(`^__meta_kubernetes_pod_${name}$`)),
    ...['label', 'labelpresent', 'annotation', 'annotationpresent'].map((kind) => new RegExp(`^__meta_kubernetes_pod_${kind}_${PROMETHEUS_NAME}$`)),
  ],
  node: [
    /^__meta_kubernetes_node_name$/,
    /^__meta_kubernetes_node_provider_id$/,
    new RegExp(`^__meta_kubernetes_node_address_${PROMETHEUS_NAME}$`),
    ...['label', 'labelpresent', 'annotation', 'annotationpresent'].map((kind) => new RegExp(`^__meta_kubernetes_node_${kind}_${PROMETHEUS_NAME}$`)),
  ],
};

/** A label or annotation name as discovery writes it into a meta label. */
export function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** One file_sd target group. */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

interface PodTemplate {
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: {
    readonly containers?: readonly { name: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
    readonly initContainers?: readonly { name: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
  };
}

/** The pods a controller of the manifests runs, by name, with their template. */
export function podsOf(objects: readonly KubeObject[]): { name: string; owner: KubeObject; template: PodTemplate }[] {
  const pods: { name: string; owner: KubeObject; template: PodTemplate }[] = [];
  for (const object of objects) {
    if (object.kind === 'Deployment') {
      pods.push({ name: `${object.metadata.name}-7c9d8f6b5d-x2x4p`, owner: object, template: at(object, 'spec.template') as PodTemplate });
    } else if (object.kind === 'StatefulSet') {
      pods.push({ name: `${object.metadata.name}-0`, owner: object, template: at(object, 'spec.template') as PodTemplate });
    }
  }
  return pods;
}

/**
 * The targets Kubernetes pod discovery gives the pods of the manifests, all Running and Ready:
 * one per container port, and one without a port for a container that has none.
 */
export function podTargets(objects: readonly KubeObject[], namespace: string): TargetGroup[] {
  return podsOf(objects).flatMap((pod, index) => {
    const ip = `127.0.1.${index + 1}`;
    const podLabels: Record<string, string> = {
      __meta_kubernetes_namespace: namespace,
      __meta_kubernetes_pod_name: pod.name,
      __meta_kubernetes_pod_ip: ip,
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_controller_kind: pod.owner.kind === 'Deployment' ? 'ReplicaSet' : pod.owner.kind,
      __meta_kubernetes_pod_controller_name: pod.owner.kind === 'Deployment' ? `${pod.owner.metadata.name}-7c9d8f6b5d` : pod.owner.metadata.name,
    };
    for (const [name, value] of Object.entries(pod.template.metadata?.labels ?? {})) {
      podLabels[`__meta_kubernetes_pod_label_${sanitize(name)}`] = value;
      podLabels[`__meta_kubernetes_pod_labelpresent_${sanitize(name)}`] = 'true';
    }
    for (const [name, value] of Object.entries(pod.template.metadata?.annotations ?? {})) {
      podLabels[`__meta_kubernetes_pod_annotation_${sanitize(name)}`] = value;
      podLabels[`__meta_kubernetes_pod_annotationpresent_${sanitize(name)}`] = 'true';
    }
    const containers = [
      ...(pod.template.spec?.initContainers ?? []).map((c) => ({ ...c, init: 'true' })),
      ...(pod.template.spec?.containers ?? []).map((c) => ({ ...c, init: 'false' })),
    ];
    return containers.flatMap((container) => {
      const base = { ...podLabels, __meta_kubernetes_pod_container_name: container.name, __meta_kubernetes_pod_container_init: container.init };
      const ports = container.ports ?? [];
      if (ports.length === 0) {
        return [{ targets: [ip], labels: base }];
      }
      return ports.map((port) => ({
        targets: [`${ip}:${port.containerPort}`],
        labels: {
          ...base,
          __meta_kubernetes_pod_container_port_name: port.name ?? '',
          __meta_kubernetes_pod_container_port_number: String(port.containerPort),
          __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
        },
      }));
    });
  });
}

/** What node discovery gives for two nodes (the kubelet port is the node target's port). */
export function nodeTargets(): TargetGroup[] {
  return ['node-a', 'node-b'].map((name, index) => ({
    targets: [`127.0.2.${index + 1}:10250`],
    labels: { __meta_kubernetes_node_name: name, __meta_kubernetes_node_address_InternalIP: `127.0.2.${index + 1}`, __meta_kubernetes_node_label_kubernetes_io_hostname: name },
  }));
}
