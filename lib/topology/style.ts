import { type NetworkPort, Protocol } from '../core/network';
import { type TopologyEdge, TopologyNodeKind } from './topology';

/** How each kind of node is drawn, in both renderers. */
export interface KindStyle {
  /** Legend text. */
  readonly title: string;
  /** Fill and stroke colours (colour-blind safe pairs, readable in light and dark themes). */
  readonly fill: string;
  readonly stroke: string;
  /** Graphviz node shape. */
  readonly graphvizShape: string;
  /** Mermaid node shape: opening and closing brackets around the label. */
  readonly mermaidShape: readonly [string, string];
}

export const KIND_STYLES: Readonly<Record<TopologyNodeKind, KindStyle>> = {
  [TopologyNodeKind.AGENT]: { title: 'agent', fill: '#dbeafe', stroke: '#1d4ed8', graphvizShape: 'box', mermaidShape: ['([', '])'] },
  [TopologyNodeKind.WORKER]: { title: 'queue worker', fill: '#dbeafe', stroke: '#1d4ed8', graphvizShape: 'box3d', mermaidShape: ['[/', '/]'] },
  [TopologyNodeKind.BATCH]: { title: 'batch job', fill: '#e0e7ff', stroke: '#4338ca', graphvizShape: 'folder', mermaidShape: ['[\\', '\\]'] },
  [TopologyNodeKind.TOOL]: { title: 'MCP tool', fill: '#dcfce7', stroke: '#15803d', graphvizShape: 'component', mermaidShape: ['[[', ']]'] },
  [TopologyNodeKind.CACHE]: { title: 'Redis', fill: '#fee2e2', stroke: '#b91c1c', graphvizShape: 'cylinder', mermaidShape: ['[(', ')]'] },
  [TopologyNodeKind.INFERENCE]: { title: 'inference pool', fill: '#fef3c7', stroke: '#b45309', graphvizShape: 'hexagon', mermaidShape: ['{{', '}}'] },
  [TopologyNodeKind.ROUTER]: { title: 'inference router', fill: '#fef3c7', stroke: '#b45309', graphvizShape: 'diamond', mermaidShape: ['{', '}'] },
  [TopologyNodeKind.SETUP]: { title: 'setup job', fill: '#e0e7ff', stroke: '#4338ca', graphvizShape: 'folder', mermaidShape: ['[\\', '\\]'] },
  [TopologyNodeKind.OBSERVABILITY]: { title: 'observability', fill: '#f3f4f6', stroke: '#6b7280', graphvizShape: 'note', mermaidShape: ['[', ']'] },
  [TopologyNodeKind.INGRESS]: { title: 'ingress controller', fill: '#ede9fe', stroke: '#6d28d9', graphvizShape: 'invhouse', mermaidShape: ['[/', '\\]'] },
  [TopologyNodeKind.SCRAPER]: { title: 'cluster monitoring', fill: '#f3f4f6', stroke: '#6b7280', graphvizShape: 'tab', mermaidShape: ['[', ']'] },
  [TopologyNodeKind.AUTOSCALER]: { title: 'KEDA', fill: '#ede9fe', stroke: '#6d28d9', graphvizShape: 'octagon', mermaidShape: ['{{', '}}'] },
  [TopologyNodeKind.CLUSTER]: { title: 'other cluster pods', fill: '#ffffff', stroke: '#374151', graphvizShape: 'box', mermaidShape: ['[', ']'] },
  [TopologyNodeKind.EXTERNAL]: { title: 'outside the cluster', fill: '#ffffff', stroke: '#374151', graphvizShape: 'ellipse', mermaidShape: ['>', ']'] },
};

/** `8080`, `4317, 4318`, `53/UDP`: the ports of an edge as its label. */
export function portsLabel(edge: TopologyEdge): string {
  return edge.ports.map(portText).join(', ');
}

function portText(port: Required<NetworkPort>): string {
  return port.protocol === Protocol.TCP ? String(port.port) : `${port.port}/${port.protocol}`;
}
