import { formatIssue, SynthesisError } from '../core/errors';
import { type KubeObject } from '../synth/kube-object';
import { type ClaimCount, type DaemonSetCount, type Demand, readDemand, type WorkloadCount } from './demand';
import { formatCores, formatGiB, formatMoney, formatUnitPrice, plural, roundCents } from './format';
import { type NodeRoom, nodeRoom, pack, type Packing, type PodToPlace } from './packing';
import { addRequests, NO_REQUESTS } from './pod-requests';
import { type MonthlyPrice, type PriceSource, type PriceTable, priceTableIssues, resolveNodeType, type ResolvedNodeType } from './price-table';

/**
 * The monthly cost of one app in one environment, from its objects and a price table, at the
 * fewest replicas every workload can run with and at the most.
 */

/** One priced item and its arithmetic. */
export interface CostLine {
  /** What is priced, e.g. `"t3.medium nodes"`. */
  readonly item: string;
  /** How the amount is computed, e.g. `"3 × $0.0416/h × 730 h"`. */
  readonly arithmetic: string;
  /** The amount per month, rounded to the cent. */
  readonly amount: number;
  /** Where the unit price comes from. */
  readonly source: string;
}

/** The nodes of one pool at one end of the range. */
export interface NodePoolEstimate {
  /** `"general"`, or the extended resource the pool's nodes offer (`"nvidia.com/gpu"`). */
  readonly pool: string;
  readonly nodeType: string;
  /** Pods placed in the pool. */
  readonly pods: number;
  /** Nodes first-fit decreasing packing needs. */
  readonly needed: number;
  /** No packing needs fewer (the totals divided by one node's room, the widest one-per-node workload). */
  readonly lowerBound: number;
  /** Nodes priced: `needed`, raised to the pool's `minNodes`, capped at its `maxNodes`. */
  readonly nodes: number;
  /** Pods that would stay Pending: larger than an empty node, or beyond `maxNodes`. */
  readonly pending: number;
}

/** Persistent storage of one class at one end of the range. */
export interface StorageEstimate {
  /** The class, or how the claims are bound when they name none. */
  readonly storageClass: string;
  readonly claims: number;
  readonly bytes: number;
  /** Whether the table prices this class. */
  readonly priced: boolean;
}

/** One end of the range. */
export interface ScaleEstimate {
  readonly pods: number;
  /** CPU requested, in cores. */
  readonly cpu: number;
  /** Memory requested, in bytes. */
  readonly memory: number;
  /** Extended resources (GPUs) requested, by name. */
  readonly gpus: Readonly<Record<string, number>>;
  readonly nodePools: readonly NodePoolEstimate[];
  readonly storage: readonly StorageEstimate[];
  readonly loadBalancers: number;
  readonly ingresses: number;
  readonly gateways: number;
  /** Gateway API routes (not priced: they attach to a Gateway). */
  readonly routes: number;
  readonly lines: readonly CostLine[];
  /** Sum of the lines. */
  readonly total: number;
}

/** Something the objects use that the table has no price for: left out of the totals. */
export interface UnpricedItem {
  readonly item: string;
  readonly reason: string;
  /** How much of it at the minimum and at the maximum. */
  readonly minimum: string;
  readonly maximum: string;
}

/** A node type as the estimate used it. */
export interface NodeTypeUsed {
  readonly pool: string;
  readonly type: ResolvedNodeType;
  /** What one node offers the app's pods after system pods and DaemonSets. */
  readonly room: NodeRoom;
}

/** The estimate for one app in one environment. */
export interface CostEstimate {
  readonly app: string;
  readonly environment: string;
  readonly currency: string;
  readonly source: PriceSource;
  readonly hoursPerMonth: number;
  /** Every workload at its fewest replicas (Jobs not running, KEDA at its idle count). */
  readonly minimum: ScaleEstimate;
  /** Every workload at its most replicas, every Job running at once. */
  readonly maximum: ScaleEstimate;
  readonly workloads: readonly WorkloadCount[];
  readonly daemonSets: readonly DaemonSetCount[];
  readonly claims: readonly ClaimCount[];
  readonly nodeTypes: readonly NodeTypeUsed[];
  readonly unpriced: readonly UnpricedItem[];
  /** What could not be counted exactly or would not schedule, one sentence each. */
  readonly warnings: readonly string[];
  /** `"$296.41 to $842.10 per month"`, with a note when something is unpriced. */
  readonly summary: string;
}

/** Which end of the range. */
type End = 'min' | 'max';

const GENERAL_POOL = 'general';
const GI = 2 ** 30;

/** The pods of one pool at one end, and their packing (none without a node type). */
interface PoolPods {
  readonly members: PodToPlace[];
  packing: Packing | undefined;
}

interface UnpricedAt {
  readonly item: string;
  readonly reason: string;
  readonly amount: string;
}

/** Computes the estimate from validated inputs. */
class Estimator {
  private readonly hours: number;
  private readonly warnings: string[];
  private readonly types = new Map<string, ResolvedNodeType>();
  private readonly rooms = new Map<string, NodeRoom>();

  constructor(private readonly demand: Demand, private readonly prices: PriceTable) {
    this.hours = prices.hoursPerMonth ?? 730;
    this.warnings = [...demand.warnings];
    this.types.set(GENERAL_POOL, resolveNodeType(prices.nodes));
    for (const [resource, node] of Object.entries(prices.gpuNodes ?? {})) {
      this.types.set(resource, resolveNodeType(node));
    }
    const daemonSets = demand.daemonSets.map((d) => d.requests);
    for (const [pool, type] of this.types) {
      this.rooms.set(pool, nodeRoom(type, pool === GENERAL_POOL ? undefined : pool, daemonSets));
    }
    this.checkDaemonSets();
  }

  public estimate(target: { app: string; environment: string }): CostEstimate {
    const pods = { min: this.podsAt('min'), max: this.podsAt('max') };
    const pools = { min: this.packPools(pods.min), max: this.packPools(pods.max) };
    // The pods at the minimum are a subset of those at the maximum, so they fit on as many nodes
    // as the maximum needs: this evens out first-fit decreasing's rare anomaly of packing more
    // pods on fewer nodes, and keeps the range ordered.
    for (const [pool, atMin] of pools.min) {
      const atMax = pools.max.get(pool);
      if (atMin.packing && atMax?.packing && atMax.packing.needed < atMin.packing.needed) {
        atMin.packing = { ...atMin.packing, needed: atMax.packing.needed };
      }
    }
    const minimum = this.at('min', pods.min, pools.min);
    const maximum = this.at('max', pods.max, pools.max);
    const unpriced = mergeUnpriced(minimum.unpriced, maximum.unpriced);
    const range = minimum.estimate.total === maximum.estimate.total
      ? formatMoney(minimum.estimate.total, this.prices.currency)
      : `${formatMoney(minimum.estimate.total, this.prices.currency)} to ${formatMoney(maximum.estimate.total, this.prices.currency)}`;
    const usedPools = new Set([...minimum.estimate.nodePools, ...maximum.estimate.nodePools].map((p) => p.pool));
    return {
      ...target,
      currency: this.prices.currency,
      source: this.prices.source,
      hoursPerMonth: this.hours,
      minimum: minimum.estimate,
      maximum: maximum.estimate,
      workloads: this.demand.workloads,
      daemonSets: this.demand.daemonSets,
      claims: this.demand.claims,
      nodeTypes: [...this.types].filter(([pool]) => usedPools.has(pool)).map(([pool, type]) => ({ pool, type, room: this.room(pool) })),
      unpriced,
      warnings: [...new Set(this.warnings)],
      summary: `${range} per month${unpriced.length > 0 ? ` plus ${plural(unpriced.length, 'unpriced item')}` : ''}`,
    };
  }

  private room(pool: string): NodeRoom {
    const room = this.rooms.get(pool);
    if (!room) {
      throw new Error(`no node type for pool "${pool}"`);
    }
    return room;
  }

  private checkDaemonSets(): void {
    for (const [pool, room] of this.rooms) {
      if (room.cpu <= 0 || room.memory <= 0 || room.pods <= 0) {
        const type = this.types.get(pool);
        this.warnings.push(`the DaemonSets (${this.demand.daemonSets.map((d) => d.name).join(', ')}) and system pods take all of a ${type?.name ?? pool} node; no other pod fits`);
      }
    }
  }

  private at(end: End, pods: readonly PodToPlace[], pools: ReadonlyMap<string, PoolPods>): { estimate: ScaleEstimate; unpriced: UnpricedAt[] } {
    const unpriced: UnpricedAt[] = [];
    const totals = pods.reduce((sum, p) => addRequests(sum, p.requests), NO_REQUESTS);
    const nodePools = this.nodePools(pools, end, unpriced);
    const storage = this.storageAt(end, unpriced);
    const network = this.demand.network;
    const lines: CostLine[] = [
      ...nodePools.map((pool) => this.nodeLine(pool)),
      ...storage.filter((s) => s.priced && s.bytes > 0).map((s) => this.storageLine(s)),
      ...this.objectLine('Service of type LoadBalancer', 'loadBalancer', network.loadBalancers, unpriced),
      ...this.objectLine('Ingress', 'ingress', network.ingresses, unpriced),
      ...this.objectLine('Gateway', 'gateway', network.gateways, unpriced),
      ...(this.prices.extras ?? []).map((extra) => ({
        item: extra.name,
        arithmetic: `${formatUnitPrice(extra.monthlyPrice, this.prices.currency)}/month, fixed`,
        amount: roundCents(extra.monthlyPrice),
        source: extra.source ?? this.prices.source.name,
      })),
    ];
    const total = roundCents(lines.reduce((sum, line) => sum + line.amount, 0));
    return {
      estimate: {
        pods: pods.length,
        cpu: totals.cpu / 1000,
        memory: totals.memory,
        gpus: totals.extended,
        nodePools,
        storage,
        loadBalancers: network.loadBalancers.length,
        ingresses: network.ingresses.length,
        gateways: network.gateways.length,
        routes: network.routes.length,
        lines,
        total,
      },
      unpriced,
    };
  }

  /** Every pod running at this end of the range. */
  private podsAt(end: End): PodToPlace[] {
    const pods: PodToPlace[] = [];
    for (const workload of this.demand.workloads) {
      const replicas = workload.replicas[end];
      for (const group of workload.groups) {
        const spreadKey = group.onePerNode ? `${workload.namespace ?? ''}/${workload.kind}/${workload.name}/${group.role}` : '';
        const owner = `${workload.kind} ${workload.name}${group.role === 'pod' ? '' : ` (${group.role})`}`;
        for (let i = 0; i < replicas * group.perReplica; i++) {
          pods.push({ requests: group.requests, spreadKey, owner });
        }
      }
    }
    return pods;
  }

  /** The pool a pod runs in: the first extended resource it requests that has a node type, else the general pool. */
  private poolOf(pod: PodToPlace): string {
    const resources = Object.keys(pod.requests.extended).sort();
    if (resources.length === 0) {
      return GENERAL_POOL;
    }
    if (resources.length > 1) {
      this.warnings.push(`${pod.owner} requests ${resources.join(' and ')}; it is placed on the node type of the first one with a price`);
    }
    return resources.find((r) => this.types.has(r)) ?? resources[0];
  }

  /** The pods of each pool, packed where the pool has a node type. */
  private packPools(pods: readonly PodToPlace[]): Map<string, PoolPods> {
    const byPool = new Map<string, PodToPlace[]>([[GENERAL_POOL, []]]);
    for (const [pool, type] of this.types) {
      if (type.minNodes > 0) {
        byPool.set(pool, []);
      }
    }
    for (const pod of pods) {
      const pool = this.poolOf(pod);
      const members = byPool.get(pool) ?? [];
      members.push(pod);
      byPool.set(pool, members);
    }
    const packed = new Map<string, PoolPods>();
    for (const [pool, members] of byPool) {
      packed.set(pool, { members, packing: this.types.has(pool) ? pack(members, this.room(pool), pool === GENERAL_POOL ? undefined : pool) : undefined });
    }
    return packed;
  }

  private nodePools(pools: ReadonlyMap<string, PoolPods>, end: End, unpriced: UnpricedAt[]): NodePoolEstimate[] {
    const estimates: NodePoolEstimate[] = [];
    for (const [pool, { members, packing }] of pools) {
      const type = this.types.get(pool);
      if (!type || !packing) {
        unpriced.push(this.unpricedPool(pool, members));
        continue;
      }
      estimates.push(this.poolEstimate(pool, type, members, packing, end));
    }
    return estimates;
  }

  private unpricedPool(resource: string, pods: readonly PodToPlace[]): UnpricedAt {
    const totals = pods.reduce((sum, p) => addRequests(sum, p.requests), NO_REQUESTS);
    const owners = [...new Set(pods.map((p) => p.owner))].join(', ');
    return {
      item: `nodes for ${resource}`,
      reason: `the table has no gpuNodes["${resource}"] node type; the pods that request it (${owners}) are not placed on any node`,
      amount: `${plural(pods.length, 'pod')}: ${totals.extended[resource] ?? 0} ${resource}, ${formatCores(totals.cpu)} CPU, ${formatGiB(totals.memory)} GiB`,
    };
  }

  private poolEstimate(pool: string, type: ResolvedNodeType, pods: readonly PodToPlace[], packing: Packing, end: End): NodePoolEstimate {
    const where = end === 'min' ? 'at the minimum' : 'at the maximum';
    for (const owner of new Set(packing.unschedulable.map((p) => p.owner))) {
      this.warnings.push(`${owner} requests more than one ${type.name} node offers the app's pods; it would stay Pending on this node type`);
    }
    let nodes = Math.max(packing.needed, type.minNodes);
    let beyondMax = 0;
    if (type.maxNodes !== undefined && nodes > type.maxNodes) {
      beyondMax = this.podsBeyond(pods, packing.needed, type.maxNodes);
      this.warnings.push(`${where}, the ${plural(pods.length, 'pod')} on ${type.name} need ${plural(packing.needed, 'node')} (lower bound ${packing.lowerBound}), but the pool allows at most ${type.maxNodes}: about ${plural(beyondMax, 'pod')} would stay Pending; priced at ${type.maxNodes}`);
      nodes = type.maxNodes;
    }
    return {
      pool,
      nodeType: type.name,
      pods: pods.length,
      needed: packing.needed,
      lowerBound: packing.lowerBound,
      nodes,
      pending: packing.unschedulable.length + beyondMax,
    };
  }

  /** Roughly how many pods do not fit when only `allowed` of `needed` nodes exist (by share of nodes). */
  private podsBeyond(pods: readonly PodToPlace[], needed: number, allowed: number): number {
    return Math.ceil(pods.length * (needed - allowed) / needed);
  }

  private nodeLine(pool: NodePoolEstimate): CostLine {
    const type = this.types.get(pool.pool);
    const hourly = type?.hourlyPrice ?? 0;
    return {
      item: `${pool.nodeType} nodes${pool.pool === GENERAL_POOL ? '' : ` (${pool.pool})`}`,
      arithmetic: `${pool.nodes} × ${formatUnitPrice(hourly, this.prices.currency)}/h × ${this.hours} h`,
      amount: roundCents(pool.nodes * hourly * this.hours),
      source: type?.source ?? this.prices.source.name,
    };
  }

  private storageAt(end: End, unpriced: UnpricedAt[]): StorageEstimate[] {
    const byClass = new Map<string, { claims: number; bytes: number; reason?: string }>();
    for (const claim of this.demand.claims) {
      const count = claim.claims[end];
      const { storageClass, reason } = this.classOf(claim);
      const entry = byClass.get(storageClass) ?? { claims: 0, bytes: 0, ...(reason ? { reason } : {}) };
      entry.claims += count;
      entry.bytes += count * claim.bytes;
      byClass.set(storageClass, entry);
    }
    const estimates: StorageEstimate[] = [];
    for (const [storageClass, entry] of byClass) {
      const priced = entry.reason === undefined;
      estimates.push({ storageClass, claims: entry.claims, bytes: entry.bytes, priced });
      if (!priced) {
        unpriced.push({ item: `storage: ${storageClass}`, reason: entry.reason ?? '', amount: `${plural(entry.claims, 'claim')}, ${formatGiB(entry.bytes)} GiB` });
      }
    }
    return estimates;
  }

  private classOf(claim: ClaimCount): { storageClass: string; reason?: string } {
    if (claim.storageClass === '') {
      return { storageClass: '(no class)', reason: 'claims with storageClassName "" bind pre-provisioned volumes, which the table cannot price' };
    }
    const name = claim.storageClass ?? this.prices.defaultStorageClass;
    if (name === undefined) {
      return { storageClass: '(cluster default class)', reason: 'the claims name no storageClassName and the table has no defaultStorageClass' };
    }
    if (!(name in (this.prices.storageClasses ?? {}))) {
      const known = Object.keys(this.prices.storageClasses ?? {});
      return { storageClass: name, reason: `the table has no storageClasses["${name}"] (it prices ${known.length > 0 ? known.map((k) => `"${k}"`).join(', ') : 'no class'})` };
    }
    return { storageClass: name };
  }

  private storageLine(storage: StorageEstimate): CostLine {
    const price = this.prices.storageClasses?.[storage.storageClass];
    const perGiB = price?.pricePerGiBMonth ?? 0;
    const defaulted = storage.storageClass === this.prices.defaultStorageClass ? ' (also the default class)' : '';
    return {
      item: `${storage.storageClass} storage${defaulted}`,
      arithmetic: `${formatGiB(storage.bytes)} GiB × ${formatUnitPrice(perGiB, this.prices.currency)}/GiB-month`,
      amount: roundCents((storage.bytes / GI) * perGiB),
      source: price?.source ?? this.prices.source.name,
    };
  }

  private objectLine(what: string, key: 'loadBalancer' | 'ingress' | 'gateway', names: readonly string[], unpriced: UnpricedAt[]): CostLine[] {
    if (names.length === 0) {
      return [];
    }
    const price: MonthlyPrice | undefined = this.prices[key];
    if (!price) {
      unpriced.push({ item: what, reason: `the table has no ${key} price (${names.join(', ')})`, amount: plural(names.length, what) });
      return [];
    }
    return [{
      item: `${what} (${names.join(', ')})`,
      arithmetic: `${names.length} × ${formatUnitPrice(price.monthlyPrice, this.prices.currency)}/month`,
      amount: roundCents(names.length * price.monthlyPrice),
      source: price.source ?? this.prices.source.name,
    }];
  }
}

function mergeUnpriced(minimum: readonly UnpricedAt[], maximum: readonly UnpricedAt[]): UnpricedItem[] {
  const items = new Map<string, UnpricedItem>();
  for (const [end, list] of [['minimum', minimum], ['maximum', maximum]] as const) {
    for (const entry of list) {
      const item = items.get(entry.item) ?? { item: entry.item, reason: entry.reason, minimum: 'none', maximum: 'none' };
      items.set(entry.item, { ...item, [end]: entry.amount });
    }
  }
  return [...items.values()];
}

/**
 * Estimates the monthly cost of one app in one environment from its synthesized objects and a
 * price table.
 * @throws SynthesisError when the price table is invalid, listing every problem
 */
export function estimateCost(objects: readonly KubeObject[], prices: PriceTable, target: { readonly app: string; readonly environment: string }): CostEstimate {
  const issues = priceTableIssues(prices, 'prices');
  if (issues.length > 0) {
    throw new SynthesisError(issues.map((issue) => `[cost] ${formatIssue(issue)}`));
  }
  return new Estimator(readDemand(objects), prices).estimate(target);
}
