import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { z } from 'zod';
import { brand, BrandKind, hasBrand } from './brand';
import { type PropIssue } from './errors';
import { checkProps } from './props';
import { cidr, cidrStrictlyInside, parseCidr, port as portSchema } from './schemas';

/** Transport protocol of a port. */
export enum Protocol {
  TCP = 'TCP',
  UDP = 'UDP',
}

/** A port a NetworkPolicy rule opens. */
export interface NetworkPort {
  /** Port number. */
  readonly port: number;
  /**
   * Protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
}

/** Something a NetworkPolicy can name as the other end of a connection. */
export interface INetworkPeer {
  /** Readable name, used in documentation and reachability reports. */
  readonly peerName: string;
  /** NetworkPolicy peers selecting it, seen from a policy in `policyNamespace`. */
  toPolicyPeers(policyNamespace: string | undefined): k8s.NetworkPolicyPeer[];
}

/** Pods selected by labels, in a namespace (undefined: the namespace of the policy). */
export class PodPeer implements INetworkPeer {
  constructor(public readonly peerName: string, private readonly labels: Record<string, string>, private readonly namespace?: string) {}

  public toPolicyPeers(policyNamespace: string | undefined): k8s.NetworkPolicyPeer[] {
    const podSelector = { matchLabels: { ...this.labels } };
    if (this.namespace === undefined || this.namespace === policyNamespace) {
      return [{ podSelector }];
    }
    return [{ podSelector, namespaceSelector: namespaceSelector(this.namespace) }];
  }
}

/** Every pod of a namespace, optionally narrowed by pod labels. */
export class NamespacePeer implements INetworkPeer {
  public readonly peerName: string;

  constructor(private readonly namespace: string, private readonly podLabels?: Record<string, string>) {
    this.peerName = podLabels ? `pods ${JSON.stringify(podLabels)} in namespace ${namespace}` : `namespace ${namespace}`;
  }

  public toPolicyPeers(): k8s.NetworkPolicyPeer[] {
    return [{
      namespaceSelector: namespaceSelector(this.namespace),
      ...(this.podLabels ? { podSelector: { matchLabels: { ...this.podLabels } } } : {}),
    }];
  }
}

function namespaceSelector(namespace: string): k8s.LabelSelector {
  return { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
}

/** Private, link-local and shared address ranges: never "the internet". */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

export interface ExternalEndpointOptions {
  /**
   * Ports the endpoint is reached on.
   * @default [443]
   */
  readonly ports?: number[];
  /**
   * Ranges excluded from the CIDR.
   * @default - none
   */
  readonly except?: string[];
  /**
   * Host names this endpoint stands for, for documentation (NetworkPolicies match addresses, not names).
   * @default - none
   */
  readonly hosts?: string[];
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?$/i;
const HOST_MESSAGE = 'must be a host name such as "api.openai.com", without scheme, port or path (for another port than 443 use ExternalEndpoint.internet({ ports: [8443], hosts: ["..."] }))';

export const externalEndpointOptionsSchema = z.object({
  ports: z.array(portSchema).min(1, { error: 'must list at least one port' }).optional(),
  except: z.array(cidr).optional(),
  hosts: z.array(z.string({ error: HOST_MESSAGE }).regex(HOST_NAME, { error: HOST_MESSAGE })).optional(),
}).strict();

/** Options after checking: what renders, and the problems reported where the endpoint is used. */
function checkEndpoint(block: unknown, options: unknown, what: string): { block: string; options: ExternalEndpointOptions; issues: PropIssue[] } {
  const issues: PropIssue[] = [];
  const parsed = checkProps(externalEndpointOptionsSchema, options ?? {});
  issues.push(...parsed.issues.map((i) => ({ ...i, field: i.field === '' ? 'options' : i.field })));
  const value: ExternalEndpointOptions = parsed.value ?? {};
  const outer = typeof block === 'string' ? parseCidr(block) : undefined;
  if (!outer) {
    issues.push({ field: 'cidr', value: block, message: cidr.safeParse(block).error?.issues[0].message ?? 'must be a CIDR block' });
  }
  const except = (value.except ?? []).filter((e, i) => {
    const inner = parseCidr(e);
    if (outer && inner && !cidrStrictlyInside(inner, outer)) {
      issues.push({ field: `except[${i}]`, value: e, message: `must lie strictly inside ${what} ${JSON.stringify(block)} (same address family, longer prefix): Kubernetes refuses a NetworkPolicy whose except range is not` });
      return false;
    }
    return true;
  });
  return { block: outer ? (block as string) : '0.0.0.0/32', options: { ...value, except }, issues };
}

/**
 * A destination outside the cluster that a workload may call (an LLM API, a SaaS, a database).
 * Kubernetes NetworkPolicies match IP ranges, not host names: for a public API use
 * `ExternalEndpoint.internet()` (every public address on the given ports) or the provider's ranges.
 * The factories never throw: bad arguments are reported by the workload the endpoint is given to.
 */
export class ExternalEndpoint implements INetworkPeer {
  /** Every public IPv4 address (private ranges excluded), on port 443 unless told otherwise. */
  public static internet(options: ExternalEndpointOptions = {}): ExternalEndpoint {
    const checked = checkEndpoint('0.0.0.0/0', options, 'the internet block');
    return new ExternalEndpoint(checked.block, { ...checked.options, except: [...PRIVATE_RANGES, ...(checked.options.except ?? [])] }, checked.issues);
  }

  /** An HTTPS API on the internet, e.g. `ExternalEndpoint.https('api.openai.com')`. */
  public static https(...hosts: string[]): ExternalEndpoint {
    return ExternalEndpoint.internet({ ports: [443], hosts });
  }

  /** A CIDR block, e.g. a managed database subnet: `ExternalEndpoint.cidr('10.20.0.0/16', { ports: [5432] })`. */
  public static cidr(block: string, options: ExternalEndpointOptions = {}): ExternalEndpoint {
    const checked = checkEndpoint(block, options, 'the block');
    return new ExternalEndpoint(checked.block, checked.options, checked.issues);
  }

  public readonly peerName: string;
  public readonly ports: readonly NetworkPort[];

  /** Whether `value` is an `ExternalEndpoint` of any copy of the library. */
  public static isExternalEndpoint(value: unknown): value is ExternalEndpoint {
    return hasBrand(value, BrandKind.EXTERNAL_ENDPOINT);
  }

  private constructor(public readonly block: string, public readonly options: ExternalEndpointOptions, private readonly problems: readonly PropIssue[] = []) {
    brand(this, BrandKind.EXTERNAL_ENDPOINT);
    this.ports = (options.ports ?? [443]).map((p) => ({ port: p, protocol: Protocol.TCP }));
    this.peerName = options.hosts && options.hosts.length > 0 ? options.hosts.join(', ') : block;
  }

  /** @internal Problems with the factory's arguments, named under `field` (the prop holding the endpoint). */
  public _issues(field: string): PropIssue[] {
    return this.problems.map((i) => ({ ...i, field: `${field}.${i.field}` }));
  }

  public toPolicyPeers(): k8s.NetworkPolicyPeer[] {
    const except = this.options.except ?? [];
    return [{ ipBlock: { cidr: this.block, ...(except.length > 0 ? { except: [...except] } : {}) } }];
  }
}

/** One allowed path: a peer and the ports. */
export interface PolicyRule {
  readonly peer: INetworkPeer;
  readonly ports: readonly NetworkPort[];
}

/** Something that has network connections: a workload of this app, or one outside it. */
export interface IConnectable {
  readonly connections: Connections;
}

/**
 * The allowed paths of one workload, in both directions. Calls that name another workload record
 * the rule on both ends, so that the two NetworkPolicies always agree.
 */
export class Connections {
  private readonly ingress: PolicyRule[] = [];
  private readonly egress: PolicyRule[] = [];
  private readonly known = new Set<string>();

  /**
   * @param peer how other policies select this workload's pods
   * @param ports the ports clients reach it on (used when a caller names no ports)
   * @param managed whether this workload gets a NetworkPolicy of its own (false for things outside the app)
   */
  constructor(public readonly peer: INetworkPeer, public readonly ports: readonly NetworkPort[], public readonly managed = true) {}

  /** Lets `client` connect to this workload: ingress here, egress on the client. */
  public allowFrom(client: IConnectable, ports: readonly NetworkPort[] = this.ports): void {
    this.allowIngress(client.connections.peer, ports);
    client.connections.allowEgress(this.peer, ports);
  }

  /** Lets this workload connect to `server`: egress here, ingress on the server. */
  public allowTo(server: IConnectable, ports: readonly NetworkPort[] = server.connections.ports): void {
    server.connections.allowFrom({ connections: this }, ports);
  }

  /** Admits traffic from a peer that is not a workload of this app (a namespace, a CIDR). */
  public allowIngress(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.addRule('in', this.ingress, peer, ports);
  }

  /** Allows traffic to a peer that is not a workload of this app (an external API, a namespace). */
  public allowEgress(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.addRule('out', this.egress, peer, ports);
  }

  /** Adds a rule unless the same peer already has it on the same ports (constant time: a shared tool gets one rule per agent). */
  private addRule(direction: string, rules: PolicyRule[], peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    const key = `${direction} ${peerId(peer)} ${portsKey(ports)}`;
    if (!this.known.has(key)) {
      this.known.add(key);
      rules.push({ peer, ports: [...ports] });
    }
  }

  public get ingressRules(): readonly PolicyRule[] {
    return this.ingress;
  }

  public get egressRules(): readonly PolicyRule[] {
    return this.egress;
  }
}

const PEER_IDS = new WeakMap<INetworkPeer, number>();
let nextPeerId = 0;

/** A number per peer object: rules name peers by identity. */
function peerId(peer: INetworkPeer): number {
  let id = PEER_IDS.get(peer);
  if (id === undefined) {
    id = nextPeerId++;
    PEER_IDS.set(peer, id);
  }
  return id;
}

function portsKey(ports: readonly NetworkPort[]): string {
  return ports.map((p) => `${p.protocol ?? Protocol.TCP}/${p.port}`).sort().join(',');
}

function toPolicyPorts(ports: readonly NetworkPort[]): k8s.NetworkPolicyPort[] {
  return ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? Protocol.TCP }));
}

/** Rules on the same ports become one rule listing every peer: the same policy, half the YAML. */
function groupByPorts(rules: readonly PolicyRule[], namespace: string | undefined): { peers: k8s.NetworkPolicyPeer[]; ports: k8s.NetworkPolicyPort[] }[] {
  const groups = new Map<string, { peers: k8s.NetworkPolicyPeer[]; ports: k8s.NetworkPolicyPort[] }>();
  for (const rule of rules) {
    const key = rule.ports.map((p) => `${p.protocol ?? Protocol.TCP}/${p.port}`).join(',');
    const group = groups.get(key) ?? { peers: [], ports: toPolicyPorts(rule.ports) };
    group.peers.push(...rule.peer.toPolicyPeers(namespace));
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Where the cluster DNS runs; every managed workload may query it. */
export interface DnsTarget {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** The spec of a workload's NetworkPolicy: only the recorded paths, plus DNS. */
export function networkPolicySpec(
  podLabels: Record<string, string>,
  namespace: string | undefined,
  dns: DnsTarget,
  paths: { readonly ingress: readonly PolicyRule[]; readonly egress: readonly PolicyRule[] },
): k8s.NetworkPolicySpec {
  const dnsPeer = new NamespacePeer(dns.namespace, { ...dns.podLabels });
  const dnsRule: PolicyRule = { peer: dnsPeer, ports: [{ port: 53, protocol: Protocol.UDP }, { port: 53, protocol: Protocol.TCP }] };
  return {
    podSelector: { matchLabels: { ...podLabels } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: groupByPorts(paths.ingress, namespace).map((g) => ({ from: g.peers, ports: g.ports })),
    egress: groupByPorts([dnsRule, ...paths.egress], namespace).map((g) => ({ to: g.peers, ports: g.ports })),
  };
}
