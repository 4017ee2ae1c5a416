import { formatCpu } from '../core/quantity';
import { type CountRange, type WorkloadCount } from './demand';
import { type CostEstimate, type CostLine, type NodeTypeUsed, type ScaleEstimate } from './estimate';
import { formatCores, formatGiB, formatMemory, formatMoney, plural } from './format';

/** `COST.md`: the estimate of one app in one environment, with its arithmetic, for people. */

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\*/g, '\\*').replace(/\s*\n\s*/g, ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), row(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(row)];
}

function range(r: CountRange): string {
  return r.min === r.max ? String(r.min) : `${r.min}..${r.max}`;
}

class CostDocument {
  private readonly lines: string[] = [];
  private readonly currency: string;

  constructor(private readonly estimate: CostEstimate) {
    this.currency = estimate.currency;
  }

  public render(): string {
    this.header();
    this.summary();
    const { minimum, maximum } = this.estimate;
    if (JSON.stringify(minimum.lines) === JSON.stringify(maximum.lines)) {
      this.arithmetic('Arithmetic (the same at the minimum and the maximum)', minimum);
    } else {
      this.arithmetic('Arithmetic at the minimum', minimum);
      this.arithmetic('Arithmetic at the maximum', maximum);
    }
    this.unpriced();
    this.warnings();
    this.nodes();
    this.workloads();
    this.storage();
    this.prices();
    this.method();
    return `${this.lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
  }

  private push(...lines: string[]): void {
    this.lines.push(...lines);
  }

  private money(amount: number): string {
    return formatMoney(amount, this.currency);
  }

  private header(): void {
    const { app, environment, source } = this.estimate;
    this.push(
      `# Monthly cost estimate: ${app} / ${environment}`,
      '',
      `**${this.estimate.summary}**, from the fewest to the most replicas of every workload.`,
      '',
      `Prices (${this.currency}) from ${source.name}; date: ${source.date}${source.url ? `; ${source.url}` : ''}. `
        + 'They are the price table\'s figures, not current cloud prices. The estimate prices the resource requests in these manifests '
        + 'on nodes of the table\'s shape, as if this app and environment had the cluster to itself.',
      '',
    );
  }

  private summary(): void {
    const { minimum: min, maximum: max } = this.estimate;
    const rows: string[][] = [
      ['pods', String(min.pods), String(max.pods)],
      ['CPU requested (cores)', formatCores(min.cpu * 1000), formatCores(max.cpu * 1000)],
      ['memory requested (GiB)', formatGiB(min.memory), formatGiB(max.memory)],
    ];
    for (const resource of [...new Set([...Object.keys(min.gpus), ...Object.keys(max.gpus)])].sort()) {
      rows.push([`${cell(resource)} requested`, String(min.gpus[resource] ?? 0), String(max.gpus[resource] ?? 0)]);
    }
    for (const pool of [...new Set([...min.nodePools, ...max.nodePools].map((p) => p.pool))]) {
      const at = (s: ScaleEstimate) => s.nodePools.find((p) => p.pool === pool);
      const name = at(min)?.nodeType ?? at(max)?.nodeType ?? pool;
      rows.push([`${name} nodes${pool === 'general' ? '' : ` (${pool})`}`, String(at(min)?.nodes ?? 0), String(at(max)?.nodes ?? 0)]);
    }
    for (const storageClass of [...new Set([...min.storage, ...max.storage].map((s) => s.storageClass))]) {
      const at = (s: ScaleEstimate) => s.storage.find((x) => x.storageClass === storageClass);
      rows.push([`storage ${cell(storageClass)} (GiB)`, formatGiB(at(min)?.bytes ?? 0), formatGiB(at(max)?.bytes ?? 0)]);
    }
    const network: [string, (s: ScaleEstimate) => number][] = [
      ['Services of type LoadBalancer', (s) => s.loadBalancers], ['Ingresses', (s) => s.ingresses], ['Gateways', (s) => s.gateways], ['Gateway API routes (not priced)', (s) => s.routes],
    ];
    for (const [label, pick] of network) {
      if (pick(min) > 0 || pick(max) > 0) {
        rows.push([label, String(pick(min)), String(pick(max))]);
      }
    }
    rows.push(['**per month**', `**${this.money(min.total)}**`, `**${this.money(max.total)}**`]);
    this.push('## Summary', '', ...table(['', 'minimum', 'maximum'], ['l', 'r', 'r'], rows), '');
  }

  private arithmetic(title: string, at: ScaleEstimate): void {
    const rows = at.lines.map((line: CostLine) => [cell(line.item), cell(line.arithmetic), this.money(line.amount)]);
    const sum = at.lines.length > 0 ? at.lines.map((l) => l.amount.toFixed(2)).join(' + ') : '0';
    rows.push(['**total**', sum, `**${this.money(at.total)}**`]);
    this.push(`## ${title}`, '', ...table(['item', 'arithmetic', 'per month'], ['l', 'l', 'r'], rows), '');
  }

  private unpriced(): void {
    if (this.estimate.unpriced.length === 0) {
      return;
    }
    this.push(
      '## Not priced',
      '',
      'These are in the manifests but not in the totals above: add their prices to the table.',
      '',
      ...table(['item', 'minimum', 'maximum', 'why'], ['l', 'l', 'l', 'l'], this.estimate.unpriced.map((u) => [cell(u.item), cell(u.minimum), cell(u.maximum), cell(u.reason)])),
      '',
    );
  }

  private warnings(): void {
    if (this.estimate.warnings.length === 0) {
      return;
    }
    this.push('## Warnings', '', ...this.estimate.warnings.map((w) => `- ${w.replace(/\*/g, '\\*')}`), '');
  }

  private nodes(): void {
    this.push('## Nodes', '');
    for (const used of this.estimate.nodeTypes) {
      this.push(this.nodeText(used), '');
      const at = (s: ScaleEstimate) => s.nodePools.find((p) => p.pool === used.pool);
      const minimum = at(this.estimate.minimum);
      const maximum = at(this.estimate.maximum);
      const value = (pick: (p: NonNullable<typeof minimum>) => number) => [String(minimum ? pick(minimum) : 0), String(maximum ? pick(maximum) : 0)];
      this.push(...table(['', 'minimum', 'maximum'], ['l', 'r', 'r'], [
        ['pods on this node type', ...value((p) => p.pods)],
        ['lower bound (totals ÷ one node\'s room)', ...value((p) => p.lowerBound)],
        ['first-fit decreasing', ...value((p) => p.needed)],
        [`priced (pool of ${used.type.minNodes}..${used.type.maxNodes ?? 'any'} nodes)`, ...value((p) => p.nodes)],
        ['pods that would stay Pending', ...value((p) => p.pending)],
      ]), '');
    }
  }

  private nodeText(used: NodeTypeUsed): string {
    const { type, room } = used;
    const system = type.systemPods;
    const daemonSets = this.estimate.daemonSets;
    const parts = [
      `**${type.name}**${used.pool === 'general' ? '' : ` for pods requesting ${used.pool} (${type.gpus} per node)`}:`,
      `capacity ${formatCpu(type.capacity.cpu / 1000)} CPU, ${formatMemory(type.capacity.memory)} memory, ${type.capacity.pods} pods;`,
      `reserved ${formatCpu(type.reserved.cpu / 1000)} CPU and ${formatMemory(type.reserved.memory)} (${type.reserved.how}) plus a ${formatMemory(type.evictionThreshold)} eviction threshold,`,
      `so ${formatCores(type.allocatable.cpu)} CPU and ${formatMemory(type.allocatable.memory)} are allocatable;`,
      system.pods > 0 || system.cpu > 0 || system.memory > 0
        ? `the cluster's system pods take ${plural(system.pods, 'pod')}, ${formatCpu(system.cpu / 1000)} CPU and ${formatMemory(system.memory)} memory${system.description ? ` (${system.description})` : ''};`
        : 'no system pods are modelled;',
      daemonSets.length > 0 ? `the app's DaemonSets (${daemonSets.map((d) => d.name).join(', ')}) take one pod each;` : '',
      `each node leaves ${formatCores(room.cpu)} CPU, ${formatMemory(room.memory)} and ${plural(room.pods, 'pod slot')} for the app's pods.`,
    ];
    return parts.filter((p) => p !== '').join(' ');
  }

  private workloads(): void {
    const rows = this.estimate.workloads.flatMap((w: WorkloadCount) => w.groups.map((g) => [
      cell(`${w.kind} ${w.name}${g.role === 'pod' ? '' : ` (${g.role} ×${g.perReplica})`}`),
      range(w.replicas),
      cell(w.how),
      formatCpu(g.requests.cpu / 1000),
      formatMemory(g.requests.memory),
      cell(Object.entries(g.requests.extended).map(([name, n]) => `${n} ${name}`).join(', ') || '-'),
      range({ min: w.replicas.min * g.perReplica, max: w.replicas.max * g.perReplica }),
    ]));
    this.push('## Workloads', '');
    if (rows.length === 0) {
      this.push('No workload runs pods.', '');
      return;
    }
    this.push(...table(['workload', 'replicas', 'how counted', 'CPU per pod', 'memory per pod', 'accelerators per pod', 'pods'], ['l', 'r', 'l', 'r', 'r', 'l', 'r'], rows), '');
    if (this.estimate.daemonSets.length > 0) {
      this.push(`DaemonSets (one pod per node, taken off every node's room): ${this.estimate.daemonSets.map((d) => `${d.name} (${formatCpu(d.requests.cpu / 1000)} CPU, ${formatMemory(d.requests.memory)})`).join(', ')}.`, '');
    }
  }

  private storage(): void {
    if (this.estimate.claims.length === 0) {
      return;
    }
    const rows = this.estimate.claims.map((c) => [
      cell(c.source),
      cell(c.storageClass === undefined ? '(default)' : c.storageClass === '' ? '(none)' : c.storageClass),
      formatMemory(c.bytes),
      range(c.claims),
    ]);
    this.push('## Persistent storage', '', ...table(['claims from', 'class', 'size each', 'claims'], ['l', 'l', 'r', 'r'], rows), '');
  }

  private prices(): void {
    const seen = new Set<string>();
    const rows: string[][] = [];
    for (const line of [...this.estimate.minimum.lines, ...this.estimate.maximum.lines]) {
      const key = line.item.replace(/ \(.*\)$/, '');
      if (!seen.has(key)) {
        seen.add(key);
        rows.push([cell(key), cell(line.source)]);
      }
    }
    if (rows.length > 0) {
      this.push('## Sources of the prices', '', ...table(['item', 'source'], ['l', 'l'], rows), '');
    }
  }

  private method(): void {
    this.push(
      '## How this is counted',
      '',
      '- Pods: each workload at its fewest and most replicas: an HPA\'s or a KEDA ScaledObject\'s min and max (KEDA may scale to zero), else `spec.replicas`. '
        + 'A Rollout that takes its template from a Deployment (workloadRef) runs the pods; the Deployment counts 0 once scaleDown is onsuccess or progressively. '
        + 'A LeaderWorkerSet replica is a group of `size` pods. Jobs and CronJobs run for part of the month: they count 0 at the minimum and one run of each, at its parallelism, at the maximum.',
      '- Requests: what the scheduler reserves for a pod: the sum of its containers and sidecars, or its largest init container if that is more, plus `spec.overhead`; '
        + 'a container without a request takes its limit, else the namespace LimitRange default.',
      '- Nodes: per node type, pods are placed largest first on the first node with room (first-fit decreasing) after the node\'s reservation, eviction threshold, '
        + 'system pods and one pod per DaemonSet; pods that request an extended resource (GPUs) go to that resource\'s node type. A required pod anti-affinity on the hostname, or a host port, keeps pods of one workload on separate nodes. '
        + 'Preferred rules and topology spread are not modelled: they spread pods over the nodes the requests need.',
      '- Storage: PersistentVolumeClaims once, StatefulSet and LeaderWorkerSet claim templates per pod, ephemeral volume claims per pod, at the claim\'s requested size. emptyDir and node disks are not priced.',
      '- Networking: each Service of type LoadBalancer, Ingress and Gateway at the table\'s price; routes attach to a Gateway and are not priced on their own.',
      '- Rolling updates briefly run one surge pod per workload; that and CPU bursts above the requests are not priced.',
      '',
    );
  }
}

/** The `COST.md` of one app and environment. */
export function costMarkdown(estimate: CostEstimate): string {
  return new CostDocument(estimate).render();
}
