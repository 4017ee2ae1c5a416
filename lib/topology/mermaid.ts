import { KIND_STYLES, portsLabel } from './style';
import { type Topology, type TopologyNode, TopologyNodeKind } from './topology';

/** A Mermaid identifier for a node id (Mermaid ids are letters, digits and underscores). */
function mermaidId(id: string): string {
  return `n_${id.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** A quoted Mermaid label: quotes become the `#quot;` entity, which Mermaid decodes. */
function mermaidText(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

function mermaidNode(node: TopologyNode): string {
  const [open, close] = KIND_STYLES[node.kind].mermaidShape;
  return `${mermaidId(node.id)}${open}${mermaidText(node.label)}${close}`;
}

/**
 * The topology as a Mermaid flowchart: the app's workloads inside their namespace, peers outside
 * it around, solid arrows for the app's own paths and dotted ones for monitoring, each labelled
 * with its ports.
 */
export function toMermaid(topology: Topology): string {
  const inApp = topology.nodes.filter((n) => n.inApp);
  const outside = topology.nodes.filter((n) => !n.inApp);
  const lines = ['flowchart LR'];
  lines.push(`  subgraph app[${mermaidText(`namespace ${topology.namespace ?? '(default)'}`)}]`);
  lines.push(...inApp.map((n) => `    ${mermaidNode(n)}`));
  lines.push('  end');
  lines.push(...outside.map((n) => `  ${mermaidNode(n)}`));
  for (const edge of topology.edges) {
    const arrow = edge.observability ? '-.->' : '-->';
    lines.push(`  ${mermaidId(edge.from)} ${arrow}|${mermaidText(portsLabel(edge))}| ${mermaidId(edge.to)}`);
  }
  const used = new Set(topology.nodes.map((n) => n.kind));
  for (const kind of Object.values(TopologyNodeKind).filter((k) => used.has(k))) {
    const style = KIND_STYLES[kind];
    lines.push(`  classDef ${classOf(kind)} fill:${style.fill},stroke:${style.stroke},color:#111827`);
    lines.push(`  class ${topology.nodes.filter((n) => n.kind === kind).map((n) => mermaidId(n.id)).join(',')} ${classOf(kind)}`);
  }
  return `${lines.join('\n')}\n`;
}

function classOf(kind: TopologyNodeKind): string {
  return `k_${kind.replace(/[^a-z]/g, '_')}`;
}
