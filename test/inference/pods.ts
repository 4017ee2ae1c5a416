/**
 * Typed views of the rendered pod templates, shared by the inference, scaling, batch and
 * support-copilot tests. Every reader works on the plain JSON the synthesizer writes.
 */
import { type KubeObject } from '../../lib';
import { at } from '../helpers/synth';

export interface EnvVarJson {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string };
  };
}

export interface ProbeJson {
  readonly httpGet?: { readonly path: string; readonly port: string | number; readonly scheme?: string };
  readonly exec?: { readonly command: string[] };
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly successThreshold?: number;
}

export interface ContainerJson {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: EnvVarJson[];
  readonly ports?: { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[];
  readonly resources?: { readonly requests?: Record<string, string | number>; readonly limits?: Record<string, string | number> };
  readonly volumeMounts?: { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
  readonly startupProbe?: ProbeJson;
  readonly readinessProbe?: ProbeJson;
  readonly livenessProbe?: ProbeJson;
  readonly securityContext?: Record<string, unknown>;
}

export interface VolumeJson {
  readonly name: string;
  readonly emptyDir?: { readonly medium?: string; readonly sizeLimit?: string };
  readonly persistentVolumeClaim?: { readonly claimName: string };
  readonly ephemeral?: { readonly volumeClaimTemplate: { readonly metadata?: unknown; readonly spec: Record<string, unknown> } };
}

export interface TolerationJson {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

export interface PodSpecJson {
  readonly containers: ContainerJson[];
  readonly initContainers?: ContainerJson[];
  readonly volumes?: VolumeJson[];
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: TolerationJson[];
  readonly runtimeClassName?: string;
  readonly priorityClassName?: string;
  readonly topologySpreadConstraints?: { readonly topologyKey: string; readonly whenUnsatisfiable: string }[];
  readonly restartPolicy?: string;
  readonly securityContext?: Record<string, unknown>;
  readonly terminationGracePeriodSeconds?: number;
  readonly serviceAccountName?: string;
}

export interface PolicyPortJson {
  readonly port: number;
  readonly protocol: string;
}

export interface PolicyPeerJson {
  readonly podSelector?: { readonly matchLabels?: Record<string, string> };
  readonly namespaceSelector?: { readonly matchLabels?: Record<string, string> };
  readonly ipBlock?: { readonly cidr: string; readonly except?: string[] };
}

export interface PolicyRuleJson {
  readonly to?: PolicyPeerJson[];
  readonly from?: PolicyPeerJson[];
  readonly ports: PolicyPortJson[];
}

/** The kinds whose objects hold a pod template. */
export const POD_TEMPLATE_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];

/** The pod spec of a Deployment, StatefulSet, Job or CronJob; undefined for any other object. */
export function podSpecOf(object: KubeObject): PodSpecJson | undefined {
  if (!POD_TEMPLATE_KINDS.includes(object.kind)) {
    return undefined;
  }
  const path = object.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec';
  return at(object, path) as PodSpecJson | undefined;
}

/** The pod spec of an object that must have one; fails the test otherwise. */
export function podSpec(object: KubeObject): PodSpecJson {
  const spec = podSpecOf(object);
  if (!spec) {
    throw new Error(`${object.kind}/${object.metadata.name} has no pod template`);
  }
  return spec;
}

/** The first (main) container. */
export function mainContainer(object: KubeObject): ContainerJson {
  return podSpec(object).containers[0];
}

/** Init containers and containers of every pod template among the objects. */
export function everyContainer(objects: readonly KubeObject[]): { owner: string; container: ContainerJson }[] {
  return objects.flatMap((o) => {
    const spec = podSpecOf(o);
    return spec ? [...(spec.initContainers ?? []), ...spec.containers].map((container) => ({ owner: `${o.kind}/${o.metadata.name}`, container })) : [];
  });
}

/** A container's environment by name (the entry without its name). */
export function envOf(container: ContainerJson): Record<string, Omit<EnvVarJson, 'name'>> {
  const out: Record<string, Omit<EnvVarJson, 'name'>> = {};
  for (const { name, ...rest } of container.env ?? []) {
    out[name] = rest;
  }
  return out;
}

/** A volume of a pod spec by name; fails the test when it is missing. */
export function volumeNamed(spec: PodSpecJson, name: string): VolumeJson {
  const volume = (spec.volumes ?? []).find((v) => v.name === name);
  if (!volume) {
    throw new Error(`no volume "${name}" (there are: ${(spec.volumes ?? []).map((v) => v.name).join(', ') || 'none'})`);
  }
  return volume;
}

/** The egress rules of a NetworkPolicy. */
export function egressOf(policy: KubeObject): PolicyRuleJson[] {
  return (at(policy, 'spec.egress') as PolicyRuleJson[] | undefined) ?? [];
}

/** The ingress rules of a NetworkPolicy. */
export function ingressOf(policy: KubeObject): PolicyRuleJson[] {
  return (at(policy, 'spec.ingress') as PolicyRuleJson[] | undefined) ?? [];
}

function peerText(peer: PolicyPeerJson): string {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except ?? [];
    return `cidr ${peer.ipBlock.cidr}${except.length > 0 ? ` except ${except.join(',')}` : ''}`;
  }
  const labels = peer.podSelector?.matchLabels;
  const names = Object.keys(labels ?? {});
  const pods = labels === undefined ? undefined
    : names.length === 1 && names[0] === 'app.kubernetes.io/name' ? `pods ${labels['app.kubernetes.io/name']}`
      : `pods ${names.map((k) => `${k}=${labels[k]}`).join(',')}`;
  const namespace = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  if (namespace !== undefined) {
    return pods ? `${pods} in namespace ${namespace}` : `namespace ${namespace}`;
  }
  return pods ?? 'every pod of the namespace';
}

/**
 * Every (peer, port) pair the rules allow, as `<peer> <protocol>/<port>` (`<peer> all ports` for a
 * rule without ports), sorted: the meaning of the rules, whether a rule lists one peer or several.
 */
export function paths(rules: readonly PolicyRuleJson[]): string[] {
  return rules.flatMap((rule) => (rule.to ?? rule.from ?? []).flatMap((peer) => (rule.ports.length === 0
    ? [`${peerText(peer)} all ports`]
    : rule.ports.map((p) => `${peerText(peer)} ${p.protocol}/${p.port}`)))).sort();
}

/** The paths a NetworkPolicy allows out. */
export function egressPaths(policy: KubeObject): string[] {
  return paths(egressOf(policy));
}

/** The paths a NetworkPolicy allows in. */
export function ingressPaths(policy: KubeObject): string[] {
  return paths(ingressOf(policy));
}

/** The cluster DNS, which every managed workload may query. */
export const DNS_PATHS: readonly string[] = ['pods k8s-app=kube-dns in namespace kube-system TCP/53', 'pods k8s-app=kube-dns in namespace kube-system UDP/53'];

/** Private, link-local and shared address ranges `ExternalEndpoint.internet()` excludes. */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

/** Every public address on 443 (an `ExternalEndpoint.https(...)`). */
export const INTERNET_HTTPS = `cidr 0.0.0.0/0 except ${PRIVATE_RANGES.join(',')} TCP/443`;

/** The pods named `name` on a TCP port. */
export const podPath = (name: string, port: number): string => `pods ${name} TCP/${port}`;

/** Every pod of a namespace on a TCP port. */
export const namespacePath = (namespace: string, port: number): string => `namespace ${namespace} TCP/${port}`;

/** A CIDR block on a TCP port. */
export const cidrPath = (block: string, port: number): string => `cidr ${block} TCP/${port}`;

/** `expected` plus DNS, sorted like `paths()`. */
export const withDns = (...expected: string[]): string[] => [...DNS_PATHS, ...expected].sort();

/** Resource names of a container's requests and limits. */
export function resourceNames(container: ContainerJson): string[] {
  return [...Object.keys(container.resources?.requests ?? {}), ...Object.keys(container.resources?.limits ?? {})];
}

/** The position of `kind/name` among the objects, for order assertions; fails the test when missing. */
export function indexOf(objects: readonly KubeObject[], kind: string, name: string): number {
  const index = objects.findIndex((o) => o.kind === kind && o.metadata.name === name);
  if (index < 0) {
    throw new Error(`no ${kind}/${name} among the objects`);
  }
  return index;
}

/** The `app.kubernetes.io/name` label of an object. */
export function nameLabel(object: KubeObject): string | undefined {
  return (object.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/name'];
}
