/**
 * A faithful, self-contained model of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1),
 * used to compute who may connect to whom from synthesized manifests alone.
 *
 * Semantics implemented (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * - A policy selects the pods of ITS OWN namespace matching `spec.podSelector` ({} selects all).
 * - `policyTypes` defaults to ["Ingress"] plus "Egress" when the policy has an `egress` section.
 * - A pod is isolated for egress (ingress) when at least one policy selecting it has that type;
 *   an isolated pod only gets what the union of the rules of those policies allows.
 * - A connection needs BOTH the egress side of the source and the ingress side of the destination.
 * - A rule with no (or empty) `to` / `from` matches every peer; with no (or empty) `ports`, every port.
 * - A peer with `podSelector` only: pods of the policy's namespace. With `namespaceSelector` only:
 *   every pod of the matching namespaces. With both: matching pods in matching namespaces.
 *   With `ipBlock`: addresses in `cidr` and not in any `except` range.
 * - A port entry: protocol defaults to TCP; no `port` means every port of that protocol; a named
 *   port matches the destination pod's container port of that name; `endPort` makes a range.
 * - Label selectors: `matchLabels` AND every `matchExpressions` (In, NotIn, Exists, DoesNotExist).
 */

export type Labels = Readonly<Record<string, string>>;

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface PolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

export interface PolicyRule {
  readonly to?: readonly PolicyPeer[];
  readonly from?: readonly PolicyPeer[];
  readonly ports?: readonly PolicyPort[];
}

export interface NetworkPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly PolicyRule[];
  readonly egress?: readonly PolicyRule[];
}

export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
}

/** A pod of the cluster (one per workload: every replica carries the same template labels). */
export interface Pod {
  readonly kind: 'pod';
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly ip: string;
  readonly ports: readonly ContainerPort[];
}

/** An address outside the cluster's pods (the internet, a cloud metadata service...). */
export interface ExternalHost {
  readonly kind: 'external';
  readonly name: string;
  readonly ip: string;
}

export type Endpoint = Pod | ExternalHost;

export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) {
      return false;
    }
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!has || !values.includes(labels[requirement.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[requirement.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown label selector operator "${requirement.operator}"`);
    }
  }
  return true;
}

function ipv4ToNumber(ip: string): number {
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`not an IPv4 address: "${ip}"`);
  }
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

/** Whether an IPv4 address lies in a CIDR block. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (base.includes(':')) {
    return false; // IPv6 blocks never contain the IPv4 addresses of this model
  }
  if (bits === 0) {
    return true;
  }
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return ((ipv4ToNumber(base) & mask) >>> 0) === ((ipv4ToNumber(ip) & mask) >>> 0);
}

/** The cluster the policies are evaluated in: its namespaces and their labels. */
export class NetworkModel {
  private readonly namespaceLabels = new Map<string, Labels>();

  constructor(public readonly policies: readonly NetworkPolicy[], namespaces: Readonly<Record<string, Labels>>) {
    for (const [name, labels] of Object.entries(namespaces)) {
      // The API server stamps every namespace with this immutable label.
      this.namespaceLabels.set(name, { ...labels, 'kubernetes.io/metadata.name': name });
    }
  }

  private labelsOfNamespace(namespace: string): Labels {
    return this.namespaceLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
  }

  /** Policies of the pod's namespace that select it and have the given type. */
  public policiesSelecting(pod: Pod, type: 'Ingress' | 'Egress'): NetworkPolicy[] {
    return this.policies.filter((p) => p.namespace === pod.namespace && selectorMatches(p.podSelector, pod.labels) && typesOf(p).includes(type));
  }

  private peerMatches(peer: PolicyPeer, other: Endpoint, policyNamespace: string): boolean {
    if (peer.ipBlock) {
      return cidrContains(peer.ipBlock.cidr, other.ip) && !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, other.ip));
    }
    if (other.kind !== 'pod') {
      return false; // pod and namespace selectors only select pods
    }
    if (peer.namespaceSelector) {
      if (!selectorMatches(peer.namespaceSelector, this.labelsOfNamespace(other.namespace))) {
        return false;
      }
    } else if (other.namespace !== policyNamespace) {
      return false;
    }
    return peer.podSelector ? selectorMatches(peer.podSelector, other.labels) : true;
  }

  private peersMatch(peers: readonly PolicyPeer[] | undefined, other: Endpoint, policyNamespace: string): boolean {
    return peers === undefined || peers.length === 0 || peers.some((peer) => this.peerMatches(peer, other, policyNamespace));
  }

  /** Whether a rule's ports admit `port`/`protocol` on the destination (named ports resolve there). */
  private portsMatch(ports: readonly PolicyPort[] | undefined, destination: Endpoint, port: number, protocol: string): boolean {
    if (ports === undefined || ports.length === 0) {
      return true;
    }
    return ports.some((entry) => {
      if ((entry.protocol ?? 'TCP') !== protocol) {
        return false;
      }
      if (entry.port === undefined) {
        return true;
      }
      if (typeof entry.port === 'string') {
        return destination.kind === 'pod' && destination.ports.some((p) => p.name === entry.port && p.port === port && p.protocol === protocol);
      }
      return entry.endPort === undefined ? entry.port === port : port >= entry.port && port <= entry.endPort;
    });
  }

  /** Whether the source side lets `source` open `port`/`protocol` to `destination`. */
  public egressAllows(source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
    if (source.kind !== 'pod') {
      return true;
    }
    const selecting = this.policiesSelecting(source, 'Egress');
    if (selecting.length === 0) {
      return true;
    }
    return selecting.some((p) => (p.egress ?? []).some((rule) => this.peersMatch(rule.to, destination, p.namespace) && this.portsMatch(rule.ports, destination, port, protocol)));
  }

  /** Whether the destination side admits `source` on `port`/`protocol`. */
  public ingressAllows(source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
    if (destination.kind !== 'pod') {
      return true;
    }
    const selecting = this.policiesSelecting(destination, 'Ingress');
    if (selecting.length === 0) {
      return true;
    }
    return selecting.some((p) => (p.ingress ?? []).some((rule) => this.peersMatch(rule.from, source, p.namespace) && this.portsMatch(rule.ports, destination, port, protocol)));
  }

  /** Whether a connection from `source` to `destination` on `port`/`protocol` is allowed by both sides. */
  public allows(source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
    return this.egressAllows(source, destination, port, protocol) && this.ingressAllows(source, destination, port, protocol);
  }
}

function typesOf(policy: NetworkPolicy): readonly string[] {
  if (policy.policyTypes && policy.policyTypes.length > 0) {
    return policy.policyTypes;
  }
  return policy.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

// ---------------------------------------------------------------------------------------------
// Reading synthesized manifests

interface ManifestLike {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: unknown };
  readonly [key: string]: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) {
    throw new Error(`${what} is not an object`);
  }
  return value;
}

function asLabels(value: unknown): Labels {
  if (value === undefined) {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(value, 'labels'))) {
    out[k] = String(v);
  }
  return out;
}

/** The NetworkPolicies of a manifest set, as the model reads them. */
export function policiesOf(objects: readonly ManifestLike[], defaultNamespace: string): NetworkPolicy[] {
  return objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => {
    const spec = asRecord(o.spec, `NetworkPolicy ${o.metadata.name} spec`);
    return {
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? defaultNamespace,
      podSelector: (spec.podSelector ?? {}) as LabelSelector,
      policyTypes: spec.policyTypes as string[] | undefined,
      ingress: spec.ingress as PolicyRule[] | undefined,
      egress: spec.egress as PolicyRule[] | undefined,
    };
  });
}

/** One pod per Deployment / StatefulSet, with its template labels and container ports, and a pod IP. */
export function podsOf(objects: readonly ManifestLike[], defaultNamespace: string, firstIp = 10): Pod[] {
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  return workloads.map((o, index) => {
    const template = asRecord(asRecord(o.spec, `${o.kind} ${o.metadata.name} spec`).template, `${o.kind} ${o.metadata.name} template`);
    const metadata = asRecord(template.metadata ?? {}, 'template metadata');
    const podSpec = asRecord(template.spec, 'pod spec');
    const containers = (podSpec.containers ?? []) as { ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
    const ports = containers.flatMap((c) => (c.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
    return {
      kind: 'pod' as const,
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? defaultNamespace,
      labels: asLabels(metadata.labels),
      ip: `10.244.${Math.floor((firstIp + index) / 250)}.${(firstIp + index) % 250 + 1}`,
      ports,
    };
  });
}

/** Namespace labels from the Namespace objects of the set. */
export function namespacesOf(objects: readonly ManifestLike[]): Record<string, Labels> {
  const out: Record<string, Labels> = {};
  for (const o of objects.filter((x) => x.kind === 'Namespace')) {
    out[o.metadata.name] = asLabels(o.metadata.labels);
  }
  return out;
}

/** A connection `source -> destination:port/protocol`, as text. */
export function edgeKey(source: string, destination: string, port: number, protocol = 'TCP'): string {
  return `${source} -> ${destination}:${port}/${protocol}`;
}

/**
 * A readable comparison of two edge sets: one line per edge in either, with its status.
 * Empty when they are equal.
 */
export function edgeDiff(declared: ReadonlySet<string>, allowed: ReadonlySet<string>): string {
  const all = [...new Set([...declared, ...allowed])].sort();
  const bad = all.filter((e) => declared.has(e) !== allowed.has(e));
  if (bad.length === 0) {
    return '';
  }
  const width = Math.max(...all.map((e) => e.length));
  const lines = all.map((e) => {
    const status = declared.has(e) && allowed.has(e) ? 'ok' : declared.has(e) ? 'DECLARED BUT BLOCKED' : 'ALLOWED BUT NOT DECLARED';
    return `${e.padEnd(width)}  ${status}`;
  });
  return [`${bad.length} mismatch(es) between declared wiring and NetworkPolicies:`, `${'connection'.padEnd(width)}  status`, ...lines].join('\n');
}
