import { type Chart } from 'cdk8s';
import { type INetworkPeer, type NetworkPort, type PolicyRule, Protocol } from '../core/network';
import { contextOf, Workload } from '../core/workload';
import { WorkloadComponent } from '../core/labels';
import { ExternalEndpoint } from '../core/network';

/** What a node of the topology picture stands for. */
export enum TopologyNodeKind {
  AGENT = 'agent',
  WORKER = 'worker',
  BATCH = 'batch',
  TOOL = 'mcp-tool',
  CACHE = 'cache',
  INFERENCE = 'inference',
  /** The endpoint picker that routes requests to the model servers (Gateway API Inference Extension). */
  ROUTER = 'inference-router',
  /** A job that prepares something once (model weights). */
  SETUP = 'setup',
  OBSERVABILITY = 'observability',
  /** The ingress controller in front of the workloads that have an Ingress. */
  INGRESS = 'ingress',
  /** The cluster's Prometheus (operator mode), outside the app. */
  SCRAPER = 'scraper',
  /** The KEDA operator, which reads the queues it scales on. */
  AUTOSCALER = 'autoscaler',
  /** Pods or a namespace of the cluster outside the app. */
  CLUSTER = 'cluster',
  /** Addresses outside the cluster (an LLM API, a managed database). */
  EXTERNAL = 'external',
}

/** The pods a node stands for, as a NetworkPolicy selects them: for tests and tools that check the picture against the policies. */
export interface TopologySelector {
  /** Namespace of the pods (undefined for an address block). */
  readonly namespace?: string;
  /** Labels the pods carry (empty: every pod of the namespace). */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Addresses, for a node outside the cluster. */
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

/** One box of the picture. */
export interface TopologyNode {
  /** Stable identifier (a workload's name, or a derived id for nodes outside the app). */
  readonly id: string;
  /** Text shown in the box. */
  readonly label: string;
  readonly kind: TopologyNodeKind;
  /** Whether the node is a workload of the app (inside its namespace box). */
  readonly inApp: boolean;
  /** The pods or addresses the node stands for; one entry per NetworkPolicy peer. */
  readonly selectors: readonly TopologySelector[];
}

/** One arrow: `from` may open connections to `to` on these ports (both NetworkPolicies agree). */
export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  /** Sorted by protocol, then number. */
  readonly ports: readonly Required<NetworkPort>[];
  /** Whether the path serves monitoring (scraping, traces, dashboards), drawn lighter. */
  readonly observability: boolean;
}

/** What talks to what in one app and environment. */
export interface Topology {
  readonly app: string;
  readonly environment: string;
  readonly namespace: string | undefined;
  /** Whether the environment renders NetworkPolicies; when false every path is open and the edges show the wiring only. */
  readonly networkPolicies: boolean;
  /** Workloads first (in creation order), then nodes outside the app. */
  readonly nodes: readonly TopologyNode[];
  /** Sorted by `from`, then `to`. */
  readonly edges: readonly TopologyEdge[];
}

const KIND_OF_COMPONENT: Readonly<Record<WorkloadComponent, TopologyNodeKind>> = {
  [WorkloadComponent.AGENT]: TopologyNodeKind.AGENT,
  [WorkloadComponent.WORKER]: TopologyNodeKind.WORKER,
  [WorkloadComponent.BATCH]: TopologyNodeKind.BATCH,
  [WorkloadComponent.MCP_TOOL]: TopologyNodeKind.TOOL,
  [WorkloadComponent.CACHE]: TopologyNodeKind.CACHE,
  [WorkloadComponent.INFERENCE]: TopologyNodeKind.INFERENCE,
  [WorkloadComponent.INFERENCE_ROUTER]: TopologyNodeKind.ROUTER,
  [WorkloadComponent.SETUP]: TopologyNodeKind.SETUP,
  [WorkloadComponent.OBSERVABILITY]: TopologyNodeKind.OBSERVABILITY,
};

const MONITORING_KINDS: ReadonlySet<TopologyNodeKind> = new Set([TopologyNodeKind.OBSERVABILITY, TopologyNodeKind.SCRAPER]);

/** Builds nodes and edges; outside peers become nodes keyed by what their policies select. */
class TopologyBuilder {
  public readonly nodes = new Map<string, TopologyNode>();
  private readonly workloadOfPeer = new Map<INetworkPeer, Workload>();
  private readonly outsideIds = new Map<string, string>();
  private readonly hostsOf = new Map<string, Set<string>>();
  private readonly edges = new Map<string, { from: string; to: string; ports: Map<string, Required<NetworkPort>> }>();

  constructor(private readonly chart: Chart, private readonly workloads: readonly Workload[]) {
    for (const workload of workloads) {
      this.workloadOfPeer.set(workload.connections.peer, workload);
      this.nodes.set(workload.name, {
        id: workload.name,
        label: workload.name,
        kind: KIND_OF_COMPONENT[workload.component],
        inApp: true,
        selectors: [{ namespace: workload.namespace, podLabels: { ...workload.selectorLabels } }],
      });
    }
  }

  public build(): TopologyEdge[] {
    for (const workload of this.workloads) {
      const paths = workload.allowedPaths();
      for (const rule of paths.egress) {
        this.addEgress(workload, rule);
      }
      for (const rule of paths.ingress) {
        if (!this.workloadOfPeer.has(rule.peer)) {
          this.addEdge(this.outsideNode(rule.peer), workload.name, rule.ports);
        }
      }
    }
    return [...this.edges.values()]
      .map((e) => {
        const kinds = [this.nodes.get(e.from)?.kind, this.nodes.get(e.to)?.kind];
        return { from: e.from, to: e.to, ports: sortPorts([...e.ports.values()]), observability: kinds.some((k) => k !== undefined && MONITORING_KINDS.has(k)) };
      })
      .sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
  }

  /** An egress rule to a workload of the app counts on the ports that workload's ingress also admits from this one. */
  private addEgress(source: Workload, rule: PolicyRule): void {
    const target = this.workloadOfPeer.get(rule.peer);
    if (!target) {
      this.addEdge(source.name, this.outsideNode(rule.peer), rule.ports);
      return;
    }
    const admitted = new Set(target.allowedPaths().ingress.filter((r) => r.peer === source.connections.peer).flatMap((r) => r.ports.map(portKey)));
    this.addEdge(source.name, target.name, rule.ports.filter((p) => admitted.has(portKey(p))));
  }

  private addEdge(from: string, to: string, ports: readonly NetworkPort[]): void {
    if (ports.length === 0) {
      return;
    }
    const key = `${from}\u0000${to}`;
    const edge = this.edges.get(key) ?? { from, to, ports: new Map() };
    for (const port of ports) {
      edge.ports.set(portKey(port), { port: port.port, protocol: port.protocol ?? Protocol.TCP });
    }
    this.edges.set(key, edge);
  }

  /** The node of a peer outside the app; peers selecting the same pods or addresses share one. */
  private outsideNode(peer: INetworkPeer): string {
    const namespace = this.chart.namespace;
    const selectors = peer.toPolicyPeers(namespace).map((p): TopologySelector => ({
      ...(p.ipBlock ? { ipBlock: { cidr: p.ipBlock.cidr, ...(p.ipBlock.except ? { except: [...p.ipBlock.except] } : {}) } } : {}),
      ...(p.ipBlock ? {} : { namespace: p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? namespace }),
      ...(p.podSelector ? { podLabels: { ...p.podSelector.matchLabels } } : {}),
    }));
    const key = JSON.stringify(selectors);
    const id = this.outsideIds.get(key) ?? this.addOutsideNode(key, peer, selectors);
    if (ExternalEndpoint.isExternalEndpoint(peer)) {
      // Endpoints on the same addresses are one node (a NetworkPolicy cannot tell them apart): it names every host.
      const hosts = this.hostsOf.get(id) ?? new Set<string>();
      (peer.options.hosts ?? []).forEach((h) => hosts.add(h));
      this.hostsOf.set(id, hosts);
    }
    return id;
  }

  private addOutsideNode(key: string, peer: INetworkPeer, selectors: readonly TopologySelector[]): string {
    const kind = this.outsideKind(peer, selectors);
    const id = uniqueId(`${kind}-${slug(peer.peerName)}`, this.nodes);
    this.outsideIds.set(key, id);
    this.nodes.set(id, { id, label: outsideLabel(kind, peer, selectors), kind, inApp: false, selectors });
    return id;
  }

  /** External nodes named after the hosts they stand for, where the endpoints named any. */
  public nameExternalNodes(): void {
    for (const [id, hosts] of this.hostsOf) {
      const node = this.nodes.get(id);
      if (node && hosts.size > 0) {
        const names = [...hosts].sort();
        const shown = names.length > 4 ? [...names.slice(0, 3), `+${names.length - 3} more`] : names;
        this.nodes.set(id, { ...node, label: shown.join(', ') });
      }
    }
  }

  private outsideKind(peer: INetworkPeer, selectors: readonly TopologySelector[]): TopologyNodeKind {
    if (ExternalEndpoint.isExternalEndpoint(peer) || selectors.every((s) => s.ipBlock)) {
      return TopologyNodeKind.EXTERNAL;
    }
    const environment = contextOf(this.chart).environment;
    const namespaces = new Set(selectors.map((s) => s.namespace));
    if (namespaces.size === 1) {
      const [only] = namespaces;
      if (only === environment.ingress.controllerNamespace) {
        return TopologyNodeKind.INGRESS;
      }
      if (only === environment.observability.monitoringNamespace) {
        return TopologyNodeKind.SCRAPER;
      }
      if (only === environment.autoscaling.kedaNamespace) {
        return TopologyNodeKind.AUTOSCALER;
      }
    }
    return TopologyNodeKind.CLUSTER;
  }
}

function outsideLabel(kind: TopologyNodeKind, peer: INetworkPeer, selectors: readonly TopologySelector[]): string {
  if (kind === TopologyNodeKind.EXTERNAL) {
    return selectors.map((s) => addressesText(s.ipBlock)).join(', ');
  }
  if (!selectors.every((s) => s.namespace !== undefined)) {
    return peer.peerName;
  }
  const where = selectors.map((s) => {
    const pods = Object.values(s.podLabels ?? {});
    return pods.length > 0 ? `${pods.join('/')} in namespace ${s.namespace}` : `namespace ${s.namespace}`;
  }).join(', ');
  const role: Partial<Record<TopologyNodeKind, string>> = {
    [TopologyNodeKind.INGRESS]: 'ingress controller',
    [TopologyNodeKind.SCRAPER]: 'monitoring',
    [TopologyNodeKind.AUTOSCALER]: 'KEDA',
  };
  return role[kind] ? `${role[kind]} (${where})` : where;
}

/** `public internet`, `any address` or the CIDR. */
function addressesText(block: TopologySelector['ipBlock']): string {
  if (block?.cidr === '0.0.0.0/0') {
    return (block.except ?? []).length > 0 ? 'public internet' : 'any address';
  }
  return block?.cidr ?? 'unknown addresses';
}

function portKey(port: NetworkPort): string {
  return `${port.protocol ?? Protocol.TCP}/${port.port}`;
}

function sortPorts(ports: Required<NetworkPort>[]): Required<NetworkPort>[] {
  return ports.sort((a, b) => compare(a.protocol, b.protocol) || a.port - b.port);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'peer';
}

function uniqueId(base: string, taken: ReadonlyMap<string, unknown>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) {
    id = `${base}-${n}`;
  }
  return id;
}

/**
 * What talks to what in a chart (an `AgentPlatform` or any cdk8s Chart holding this library's
 * workloads), drawn from the construct graph: every workload, every peer outside the app its
 * NetworkPolicy names, and an edge wherever both ends' policies allow the path (DNS, which every
 * workload may reach, is left out). Call it after the app is complete, as synthesis does.
 */
export function topologyOf(chart: Chart, names: { readonly app?: string; readonly environment?: string } = {}): Topology {
  const workloads = chart.node.findAll().filter((c): c is Workload => Workload.isWorkload(c));
  const environment = contextOf(chart).environment;
  const builder = new TopologyBuilder(chart, workloads);
  const edges = builder.build();
  builder.nameExternalNodes();
  const inApp = [...builder.nodes.values()].filter((n) => n.inApp);
  const outside = [...builder.nodes.values()].filter((n) => !n.inApp).sort((a, b) => compare(a.kind, b.kind) || compare(a.id, b.id));
  return {
    app: names.app ?? contextOf(chart).partOf ?? chart.node.id,
    environment: names.environment ?? environment.name,
    namespace: chart.namespace,
    networkPolicies: environment.networkPolicies.enabled,
    nodes: [...inApp, ...outside],
    edges,
  };
}
