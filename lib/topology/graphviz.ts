import { type Graph, instance, type Viz } from '@viz-js/viz';
import { KIND_STYLES, portsLabel } from './style';
import { type Topology, type TopologyNode } from './topology';

function graphvizNode(node: TopologyNode): NonNullable<Graph['nodes']>[number] {
  const style = KIND_STYLES[node.kind];
  return {
    name: node.id,
    attributes: { label: node.label, shape: style.graphvizShape, style: 'filled', fillcolor: style.fill, color: style.stroke },
  };
}

/** The topology as a Graphviz graph object (no DOT text is assembled by hand). */
export function toGraphviz(topology: Topology): Graph {
  return {
    name: `${topology.app}-${topology.environment}`,
    directed: true,
    graphAttributes: {
      rankdir: 'LR',
      fontname: 'Helvetica',
      fontsize: 12,
      label: `${topology.app} in ${topology.environment}${topology.networkPolicies ? '' : ' (NetworkPolicies off: every path is open)'}`,
      labelloc: 't',
      nodesep: 0.25,
      ranksep: 0.9,
    },
    nodeAttributes: { fontname: 'Helvetica', fontsize: 11, penwidth: 1.2 },
    edgeAttributes: { fontname: 'Helvetica', fontsize: 9, color: '#374151', fontcolor: '#374151', arrowsize: 0.7 },
    subgraphs: [{
      name: 'cluster_app',
      graphAttributes: { label: `namespace ${topology.namespace ?? '(default)'}`, style: 'rounded,dashed', color: '#6b7280', fontcolor: '#374151' },
      nodes: topology.nodes.filter((n) => n.inApp).map(graphvizNode),
    }],
    nodes: topology.nodes.filter((n) => !n.inApp).map(graphvizNode),
    edges: topology.edges.map((edge) => ({
      tail: edge.from,
      head: edge.to,
      attributes: { label: portsLabel(edge), ...(edge.observability ? { style: 'dashed', color: '#9ca3af', fontcolor: '#6b7280' } : {}) },
    })),
  };
}

let renderer: Promise<Viz> | undefined;

/**
 * The topology as SVG, laid out by Graphviz (the WebAssembly build of `@viz-js/viz`, which ships
 * inside the npm package: no browser and no download). The WebAssembly module loads once.
 */
export async function renderSvg(topology: Topology): Promise<string> {
  renderer ??= instance();
  return (await renderer).renderString(toGraphviz(topology), { format: 'svg' });
}
