import { z } from 'zod';
import { type PropIssue } from '../core/errors';
import { checkProps } from '../core/props';
import { isQuantity, parseQuantity } from '../core/quantity';
import { BYTES_PATTERN, CPU_PATTERN } from '../core/schemas';

/**
 * A price table: what the user's cluster costs, with where every price came from. The library
 * ships no prices of its own and never claims current cloud prices; the estimate prints the
 * table's source and date next to every figure.
 */

/** Where the prices of a table come from. */
export interface PriceSource {
  /** What the prices were taken from, e.g. "AWS on-demand pricing, us-east-1" or an article. */
  readonly name: string;
  /** When they were read or published ("2025-03-01"), or free text saying the source is undated. */
  readonly date: string;
  /**
   * Where to read the source.
   * @default - none
   */
  readonly url?: string;
}

/** How much of a node the kubelet and the operating system keep for themselves. */
export enum NodeReservation {
  /**
   * The EKS AMI formula: CPU 6% of the first core, 1% of the second, 0.5% of the third and
   * fourth, 0.25% of the rest; memory 255Mi + 11Mi per pod the node can hold (`maxPods`).
   */
  EKS = 'eks',
  /**
   * The GKE formula: the same CPU tiers; memory 25% of the first 4GiB, 20% of the next 4GiB, 10%
   * of the next 8GiB, 6% of the next 112GiB, 2% above 128GiB (255Mi below 1GiB). AKS documents
   * the same memory tiers for its older node images.
   */
  GKE = 'gke',
  /** Nothing reserved besides the eviction threshold (a laptop cluster). */
  NONE = 'none',
}

/** CPU and memory kept off the pods, given explicitly. */
export interface ReservedResources {
  /** CPU, e.g. `"70m"`. */
  readonly cpu: string;
  /** Memory, e.g. `"442Mi"`. */
  readonly memory: string;
}

/**
 * Pods the cluster runs on every node outside the app's manifests (CNI, kube-proxy, CSI and log
 * agents). They take requests and pod slots from every node.
 */
export interface SystemPods {
  /** How many such pods each node runs (they count towards `maxPods`). */
  readonly pods: number;
  /** Their CPU requests on one node, together. */
  readonly cpu: string;
  /** Their memory requests on one node, together. */
  readonly memory: string;
  /**
   * Which pods these are.
   * @default - none
   */
  readonly description?: string;
}

/** A node shape (an instance type) and its price. */
export interface NodeType {
  /** The instance type, e.g. `"t3.medium"`. */
  readonly name: string;
  /** Price of one node per hour, in the table's currency. */
  readonly hourlyPrice: number;
  /** CPU capacity of one node, e.g. `"2"`. */
  readonly cpu: string;
  /** Memory capacity of one node, e.g. `"4Gi"`. */
  readonly memory: string;
  /**
   * Most pods the kubelet runs on one node (EKS with the VPC CNI: by the instance's network interfaces).
   * @default 110
   */
  readonly maxPods?: number;
  /**
   * CPU and memory the kubelet and operating system keep: a formula or explicit quantities.
   * @default NodeReservation.GKE (the most conservative of the common formulas)
   */
  readonly reserved?: NodeReservation | ReservedResources;
  /**
   * Memory the kubelet keeps free before it evicts pods (`evictionHard: memory.available`).
   * @default "100Mi"
   */
  readonly evictionThreshold?: string;
  /**
   * Pods the cluster runs on every node besides the app's (DaemonSets of the platform).
   * @default - none
   */
  readonly systemPods?: SystemPods;
  /**
   * Fewest nodes of this type the cluster runs (the node group's minimum size): paid even when
   * the pods need fewer.
   * @default 0
   */
  readonly minNodes?: number;
  /**
   * Most nodes of this type the cluster can add (the node group's maximum size); pods beyond it
   * would stay Pending, which the estimate reports.
   * @default - no maximum
   */
  readonly maxNodes?: number;
  /**
   * Where this price comes from, when it is more specific than the table's source.
   * @default - the table's source
   */
  readonly source?: string;
}

/** A node shape with accelerators, for the pods that request them. */
export interface GpuNodeType extends NodeType {
  /** How many units of the extended resource (GPUs, MIG slices) one node offers. */
  readonly gpus: number;
}

/** The price of persistent storage of one class. */
export interface StoragePrice {
  /** Price of one GiB for a month, in the table's currency. */
  readonly pricePerGiBMonth: number;
  /**
   * Where this price comes from.
   * @default - the table's source
   */
  readonly source?: string;
}

/** A fixed price per object per month. */
export interface MonthlyPrice {
  /** Price per object per month, in the table's currency. */
  readonly monthlyPrice: number;
  /**
   * Where this price comes from.
   * @default - the table's source
   */
  readonly source?: string;
}

/** A fixed monthly cost not derived from the objects (data transfer, a control-plane fee). */
export interface ExtraCost {
  /** What it is, e.g. `"Data transfer"`. */
  readonly name: string;
  /** Its price per month, in the table's currency. */
  readonly monthlyPrice: number;
  /**
   * Where this price comes from.
   * @default - the table's source
   */
  readonly source?: string;
}

/** Everything the estimate prices, with its source. */
export interface PriceTable {
  /** ISO 4217 code of every price in the table, e.g. `"USD"`. */
  readonly currency: string;
  /** Where the prices come from and when. */
  readonly source: PriceSource;
  /**
   * Hours in a month, for hourly prices.
   * @default 730
   */
  readonly hoursPerMonth?: number;
  /** The node type pods without accelerators run on. */
  readonly nodes: NodeType;
  /**
   * Node types for the pods that request an extended resource, by resource name
   * (`"nvidia.com/gpu"`, `"nvidia.com/mig-1g.10gb"`).
   * @default - none: pods that request one are reported as unpriced
   */
  readonly gpuNodes?: Readonly<Record<string, GpuNodeType>>;
  /**
   * Prices of persistent storage by StorageClass name.
   * @default - none: every claim is reported as unpriced
   */
  readonly storageClasses?: Readonly<Record<string, StoragePrice>>;
  /**
   * The cluster's default StorageClass, which claims without `storageClassName` get.
   * @default - none: such claims are reported as unpriced
   */
  readonly defaultStorageClass?: string;
  /**
   * Price of each Service of type LoadBalancer.
   * @default - none: they are reported as unpriced
   */
  readonly loadBalancer?: MonthlyPrice;
  /**
   * Price of each Ingress (the load balancer an ingress controller provisions for it; 0 when a
   * shared controller is paid for elsewhere).
   * @default - none: they are reported as unpriced
   */
  readonly ingress?: MonthlyPrice;
  /**
   * Price of each Gateway (Gateway API), for the load balancer its implementation provisions.
   * @default - none: they are reported as unpriced
   */
  readonly gateway?: MonthlyPrice;
  /**
   * Fixed monthly costs added to both ends of the range.
   * @default - none
   */
  readonly extras?: readonly ExtraCost[];
}

const money = z.number({ error: 'must be a price: a finite number of 0 or more' })
  .refine((n) => Number.isFinite(n) && n >= 0, { error: 'must be a price: a finite number of 0 or more' });
const note = z.string().min(1, { error: 'must not be empty' });
const CPU_MESSAGE = 'must be a Kubernetes CPU quantity such as "2", "0.5" or "70m"';
const BYTES_MESSAGE = 'must be a Kubernetes memory quantity such as "4Gi", "442Mi" or "8G"';
const cpu = z.string({ error: CPU_MESSAGE }).regex(CPU_PATTERN, { error: CPU_MESSAGE });
const bytes = z.string({ error: BYTES_MESSAGE }).regex(BYTES_PATTERN, { error: BYTES_MESSAGE });
// The regex reports a malformed quantity; the refinement only a well-formed zero.
const positiveCpu = cpu.refine((q) => !isQuantity(q) || parseQuantity(q) > 0, { error: 'must be a CPU quantity above 0, such as "2"' });
const positiveBytes = bytes.refine((q) => !isQuantity(q) || parseQuantity(q) > 0, { error: 'must be a memory quantity above 0, such as "4Gi"' });
/** An object with its own message when it is missing or not an object. */
const objectOf = <T extends z.ZodRawShape>(shape: T, what: string) =>
  z.object(shape, { error: (issue) => (issue.input === undefined ? `is required: ${what}` : `must be ${what}`) }).strict();
const NODE_TYPE = 'a node type { name, hourlyPrice, cpu, memory, maxPods?, reserved?, evictionThreshold?, systemPods?, minNodes?, maxNodes?, source? }';
const count = (what: string) => z.number({ error: `must be ${what}` }).int({ error: `must be ${what}` });
/** An extended resource name: a domain, "/", a name (`nvidia.com/gpu`). */
const EXTENDED_RESOURCE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const STORAGE_CLASS = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const nodeTypeShape = {
  name: z.string().min(1, { error: 'must name the instance type, e.g. "t3.medium"' }),
  hourlyPrice: money,
  cpu: positiveCpu,
  memory: positiveBytes,
  maxPods: count('a whole number of pods from 1 to 1000').min(1, { error: 'must be a whole number of pods from 1 to 1000' })
    .max(1000, { error: 'must be a whole number of pods from 1 to 1000' }).optional(),
  // Checked by reservedIssues: a union's messages would lose their field path.
  reserved: z.custom<NodeReservation | ReservedResources>(() => true).optional(),
  evictionThreshold: bytes.optional(),
  systemPods: z.object({
    pods: count('a whole number of pods of 0 or more').min(0, { error: 'must be a whole number of pods of 0 or more' }),
    cpu,
    memory: bytes,
    description: note.optional(),
  }).strict().optional(),
  minNodes: count('a whole number of nodes of 0 or more').min(0, { error: 'must be a whole number of nodes of 0 or more' }).optional(),
  maxNodes: count('a whole number of nodes of 1 or more').min(1, { error: 'must be a whole number of nodes of 1 or more' }).optional(),
  source: note.optional(),
};

const nodeTypeSchema = objectOf(nodeTypeShape, NODE_TYPE);
const gpuNodeTypeSchema = objectOf({
  ...nodeTypeShape,
  gpus: count('a whole number of 1 or more').min(1, { error: 'must be a whole number of 1 or more' }),
}, `${NODE_TYPE.slice(0, -2)}, gpus }`);
const monthlyPriceSchema = objectOf({ monthlyPrice: money, source: note.optional() }, '{ monthlyPrice, source? }');

/** The price table's shape (record keys and `reserved` are checked by `priceTableIssues`). */
export const priceTableSchema = objectOf({
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code of three capital letters, e.g. "USD"' }),
  source: objectOf({
    name: note,
    date: note,
    url: z.string().regex(/^https?:\/\/\S+$/, { error: 'must be an http(s) URL' }).optional(),
  }, '{ name, date, url? }: where the prices come from and when'),
  hoursPerMonth: z.number({ error: 'must be a number of hours from 1 to 744' })
    .refine((n) => Number.isFinite(n) && n >= 1 && n <= 744, { error: 'must be a number of hours from 1 to 744' }).optional(),
  nodes: nodeTypeSchema,
  gpuNodes: z.record(z.string(), gpuNodeTypeSchema).optional(),
  storageClasses: z.record(z.string(), objectOf({ pricePerGiBMonth: money, source: note.optional() }, '{ pricePerGiBMonth, source? }')).optional(),
  defaultStorageClass: z.string().regex(STORAGE_CLASS, { error: 'must be a StorageClass name such as "gp3"' }).optional(),
  loadBalancer: monthlyPriceSchema.optional(),
  ingress: monthlyPriceSchema.optional(),
  gateway: monthlyPriceSchema.optional(),
  extras: z.array(objectOf({ name: note, monthlyPrice: money, source: note.optional() }, '{ name, monthlyPrice, source? }')).optional(),
}, 'a price table { currency, source, hoursPerMonth?, nodes, gpuNodes?, storageClasses?, defaultStorageClass?, loadBalancer?, ingress?, gateway?, extras? }');

/** The node type with its derived capacity for the app's pods (CPU in millicores, memory in bytes). */
export interface ResolvedNodeType {
  readonly name: string;
  readonly hourlyPrice: number;
  readonly capacity: { readonly cpu: number; readonly memory: number; readonly pods: number };
  readonly reserved: { readonly cpu: number; readonly memory: number; readonly how: string };
  readonly evictionThreshold: number;
  /** Capacity minus the reservation and the eviction threshold: what `kubectl describe node` calls Allocatable. */
  readonly allocatable: { readonly cpu: number; readonly memory: number; readonly pods: number };
  readonly systemPods: { readonly cpu: number; readonly memory: number; readonly pods: number; readonly description?: string };
  /** Units of the pool's extended resource per node (0 for the general pool). */
  readonly gpus: number;
  readonly minNodes: number;
  readonly maxNodes?: number;
  readonly source?: string;
}

const MI = 2 ** 20;
const GI = 2 ** 30;

/** Millicores of a CPU quantity, rounded up as the scheduler does. */
export function millicores(quantity: string | number): number {
  return Math.ceil(parseQuantity(quantity) * 1000 - 1e-9);
}

/** Bytes of a memory quantity, whole. */
export function wholeBytes(quantity: string | number): number {
  return Math.ceil(parseQuantity(quantity) - 1e-9);
}

/** The CPU tiers both EKS and GKE use: 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% above. */
function tieredCpuReservation(millis: number): number {
  const tiers: [number, number][] = [[1000, 0.06], [1000, 0.01], [2000, 0.005], [Infinity, 0.0025]];
  return tieredSum(millis, tiers);
}

/** GKE's memory tiers (bytes). */
function gkeMemoryReservation(bytes: number): number {
  if (bytes < GI) {
    return 255 * MI;
  }
  return tieredSum(bytes, [[4 * GI, 0.25], [4 * GI, 0.2], [8 * GI, 0.1], [112 * GI, 0.06], [Infinity, 0.02]]);
}

function tieredSum(amount: number, tiers: readonly [number, number][]): number {
  let left = amount;
  let total = 0;
  for (const [size, share] of tiers) {
    const part = Math.min(left, size);
    total += part * share;
    left -= part;
  }
  return Math.ceil(total - 1e-9);
}

function reservationOf(reserved: NodeReservation | ReservedResources, cpu: number, memory: number, maxPods: number): { cpu: number; memory: number; how: string } {
  if (typeof reserved === 'object') {
    return { cpu: millicores(reserved.cpu), memory: wholeBytes(reserved.memory), how: 'given in the table' };
  }
  switch (reserved) {
    case NodeReservation.EKS:
      return { cpu: tieredCpuReservation(cpu), memory: (255 + 11 * maxPods) * MI, how: `EKS formula: CPU tiers; memory 255Mi + 11Mi × ${maxPods} pods` };
    case NodeReservation.GKE:
      return { cpu: tieredCpuReservation(cpu), memory: gkeMemoryReservation(memory), how: 'GKE formula: CPU tiers; memory 25/20/10/6/2% tiers' };
    case NodeReservation.NONE:
      return { cpu: 0, memory: 0, how: 'none' };
  }
}

/** Resolves a validated node type: the reservation, what is allocatable and what is left for the app's pods. */
export function resolveNodeType(node: NodeType | GpuNodeType): ResolvedNodeType {
  const capacity = { cpu: millicores(node.cpu), memory: wholeBytes(node.memory), pods: node.maxPods ?? 110 };
  const reserved = reservationOf(node.reserved ?? NodeReservation.GKE, capacity.cpu, capacity.memory, capacity.pods);
  const evictionThreshold = wholeBytes(node.evictionThreshold ?? '100Mi');
  const system = node.systemPods;
  return {
    name: node.name,
    hourlyPrice: node.hourlyPrice,
    capacity,
    reserved,
    evictionThreshold,
    allocatable: { cpu: capacity.cpu - reserved.cpu, memory: capacity.memory - reserved.memory - evictionThreshold, pods: capacity.pods },
    systemPods: system
      ? { cpu: millicores(system.cpu), memory: wholeBytes(system.memory), pods: system.pods, ...(system.description ? { description: system.description } : {}) }
      : { cpu: 0, memory: 0, pods: 0 },
    gpus: 'gpus' in node ? node.gpus : 0,
    minNodes: node.minNodes ?? 0,
    ...(node.maxNodes !== undefined ? { maxNodes: node.maxNodes } : {}),
    ...(node.source ? { source: node.source } : {}),
  };
}

/** What a node type leaves for the app's pods after the reservation and the system pods; problems when nothing is left. */
function nodeTypeIssues(node: NodeType | GpuNodeType, field: string): PropIssue[] {
  const issues: PropIssue[] = [];
  const resolved = resolveNodeType(node);
  const { allocatable, systemPods } = resolved;
  if (allocatable.cpu <= 0 || allocatable.memory <= 0) {
    issues.push({
      field: `${field}.reserved`,
      value: node.reserved ?? NodeReservation.GKE,
      message: `leaves no allocatable ${allocatable.cpu <= 0 ? 'CPU' : 'memory'} on a ${node.name} (${node.cpu} CPU, ${node.memory}); reserve less or use a larger node type`,
    });
  } else if (systemPods.cpu >= allocatable.cpu || systemPods.memory >= allocatable.memory || systemPods.pods >= allocatable.pods) {
    issues.push({
      field: `${field}.systemPods`,
      value: node.systemPods,
      message: `take all of a ${node.name}'s allocatable ${systemPods.pods >= allocatable.pods ? 'pod slots' : systemPods.cpu >= allocatable.cpu ? 'CPU' : 'memory'}, leaving nothing for the app's pods; lower them or use a larger node type`,
    });
  }
  if (node.minNodes !== undefined && node.maxNodes !== undefined && node.minNodes > node.maxNodes) {
    issues.push({ field: `${field}.minNodes`, value: node.minNodes, message: `is above maxNodes (${node.maxNodes}); a node group's minimum must be at most its maximum` });
  }
  return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `reserved`: a NodeReservation or `{ cpu, memory }` (checked here so that its messages keep their field). */
function reservedIssues(node: unknown, field: string): PropIssue[] {
  const reserved = isRecord(node) ? node.reserved : undefined;
  if (reserved === undefined || (Object.values(NodeReservation) as unknown[]).includes(reserved)) {
    return [];
  }
  if (!isRecord(reserved)) {
    return [{ field: `${field}.reserved`, value: reserved, message: `must be a NodeReservation (${Object.values(NodeReservation).map((v) => `"${v}"`).join(', ')}) or { cpu, memory }` }];
  }
  return [...checkProps(z.object({ cpu, memory: bytes }).strict(), reserved, `${field}.reserved`).issues];
}

/** Keys of `gpuNodes` and `storageClasses`: the zod record key messages name neither the key nor what is allowed. */
function keyIssues(table: Record<string, unknown>, prefix: string): PropIssue[] {
  const issues: PropIssue[] = [];
  const check = (record: unknown, field: string, pattern: RegExp, message: string) => {
    for (const key of Object.keys(isRecord(record) ? record : {}).filter((k) => !pattern.test(k))) {
      issues.push({ field: `${prefix}.${field}`, value: key, message });
    }
  };
  check(table.gpuNodes, 'gpuNodes', EXTENDED_RESOURCE, 'has a key that is not an extended resource name; use the name pods request, such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb"');
  check(table.storageClasses, 'storageClasses', STORAGE_CLASS, 'has a key that is not a StorageClass name (lowercase letters, digits, "-" and "."), such as "gp3"');
  return issues;
}

/** `gpuNodes.nvidia.com/gpu.cpu` as `gpuNodes["nvidia.com/gpu"].cpu`: record keys hold dots. */
function bracketKeys(issue: PropIssue, table: unknown, prefix: string): PropIssue {
  for (const record of ['gpuNodes', 'storageClasses']) {
    const entries = isRecord(table) && isRecord(table[record]) ? Object.keys(table[record]) : [];
    for (const key of entries) {
      const dotted = `${prefix}.${record}.${key}`;
      if (issue.field === dotted || issue.field.startsWith(`${dotted}.`)) {
        return { ...issue, field: `${prefix}.${record}["${key}"]${issue.field.slice(dotted.length)}` };
      }
    }
  }
  return issue;
}

/** zod shows NaN and Infinity as null: say what they are. */
function showNonFinite(issue: PropIssue): PropIssue {
  if (typeof issue.value === 'number' && !Number.isFinite(issue.value)) {
    return { field: issue.field, message: `${issue.message} (got ${String(issue.value)})` };
  }
  return issue;
}

/**
 * Every problem with a price table, as prop issues under `prefix` (e.g. `cost.prices`); the
 * checks a schema cannot express included (a default class without a price, a node type that
 * leaves nothing for pods).
 */
export function priceTableIssues(table: unknown, prefix: string): PropIssue[] {
  const { value, issues } = checkProps(priceTableSchema, table, prefix);
  const shape: PropIssue[] = issues.map((issue) => showNonFinite(bracketKeys(issue, table, prefix)));
  if (isRecord(table)) {
    shape.push(...keyIssues(table, prefix), ...reservedIssues(table.nodes, `${prefix}.nodes`));
    for (const [resource, node] of Object.entries(isRecord(table.gpuNodes) ? table.gpuNodes : {})) {
      shape.push(...reservedIssues(node, `${prefix}.gpuNodes["${resource}"]`));
    }
  }
  if (shape.length > 0 || !value) {
    return shape;
  }
  const out: PropIssue[] = [];
  out.push(...nodeTypeIssues(value.nodes, `${prefix}.nodes`));
  for (const [resource, node] of Object.entries(value.gpuNodes ?? {})) {
    out.push(...nodeTypeIssues(node, `${prefix}.gpuNodes["${resource}"]`));
  }
  const classes = Object.keys(value.storageClasses ?? {});
  if (value.defaultStorageClass !== undefined && !classes.includes(value.defaultStorageClass)) {
    out.push({
      field: `${prefix}.defaultStorageClass`,
      value: value.defaultStorageClass,
      message: `has no price in storageClasses (${classes.length > 0 ? classes.map((c) => `"${c}"`).join(', ') : 'none'}); add storageClasses["${value.defaultStorageClass}"] or name a priced class`,
    });
  }
  return out;
}
