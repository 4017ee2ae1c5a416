import { toMermaid } from './mermaid';
import { KIND_STYLES, portsLabel } from './style';
import { type Topology, TopologyNodeKind } from './topology';

/** Options of `topologyMarkdown`. */
export interface TopologyMarkdownOptions {
  /**
   * File name of the SVG picture beside the page, linked from it.
   * @default - no link
   */
  readonly svgFile?: string;
  /**
   * A line saying how the page was made, e.g. the command that regenerates it.
   * @default - none
   */
  readonly generatedBy?: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/**
 * A Markdown page for one app and environment: the Mermaid picture, a legend and every edge as a
 * table row (searchable, and readable where Mermaid is not rendered).
 */
export function topologyMarkdown(topology: Topology, options: TopologyMarkdownOptions = {}): string {
  const labels = new Map(topology.nodes.map((n) => [n.id, n.label]));
  const used = new Set(topology.nodes.map((n) => n.kind));
  const legend = Object.values(TopologyNodeKind).filter((k) => used.has(k)).map((k) => KIND_STYLES[k].title).join(', ');
  const lines = [
    `# ${topology.app} in ${topology.environment}: topology`,
    '',
    ...(options.generatedBy ? [`<!-- ${options.generatedBy} -->`, ''] : []),
    `${topology.nodes.filter((n) => n.inApp).length} workloads in namespace \`${topology.namespace ?? '(default)'}\`, ${topology.nodes.filter((n) => !n.inApp).length} peers outside the app, ${topology.edges.length} allowed paths.`,
    topology.networkPolicies
      ? 'Each arrow is a path both NetworkPolicies allow (egress on the caller, ingress on the callee), labelled with its ports; dotted arrows serve monitoring. DNS, which every workload may query, is left out.'
      : 'This environment renders no NetworkPolicies, so every path is open; the arrows show the declared wiring only.',
    '',
    ...(options.svgFile ? [`![${topology.app} in ${topology.environment}](${options.svgFile})`, ''] : []),
    '```mermaid',
    toMermaid(topology).trimEnd(),
    '```',
    '',
    `Shapes: ${legend}.`,
    '',
    '| from | to | ports |',
    '| --- | --- | --- |',
    ...topology.edges.map((e) => `| ${cell(labels.get(e.from) ?? e.from)} | ${cell(labels.get(e.to) ?? e.to)} | ${portsLabel(e)} |`),
    '',
  ];
  return lines.join('\n');
}
