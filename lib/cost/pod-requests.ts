import { parseQuantity } from '../core/quantity';
import { millicores, wholeBytes } from './price-table';

/**
 * What one pod asks the scheduler for, computed from its spec the way the scheduler does:
 * requests default to limits, then to the namespace's LimitRange; init containers run before
 * the app containers (the pod needs the larger of the two), sidecars (init containers with
 * `restartPolicy: Always`) run beside both; `spec.overhead` comes on top.
 */

type Json = Record<string, unknown>;

/** Requests of one pod: CPU in millicores, memory in bytes, extended resources (GPUs) in units. */
export interface PodRequests {
  readonly cpu: number;
  readonly memory: number;
  readonly extended: Readonly<Record<string, number>>;
}

/** Container defaults of a namespace's LimitRange (`type: Container`). */
export interface ContainerDefaults {
  readonly defaultRequest: Readonly<Record<string, unknown>>;
  readonly default: Readonly<Record<string, unknown>>;
}

export const NO_REQUESTS: PodRequests = { cpu: 0, memory: 0, extended: {} };

/** Resources the scheduler tracks that are neither CPU, memory nor an accelerator. */
function isNodeLocal(name: string): boolean {
  return name === 'ephemeral-storage' || name.startsWith('hugepages-') || name === 'storage';
}

export function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Json : {};
}

export function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(asObject) : [];
}

function quantityOf(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/** One container's requests; `missing` collects the resources it leaves unset (counted as 0). */
function containerRequests(container: Json, defaults: ContainerDefaults | undefined, missing: Set<string>): PodRequests {
  const resources = asObject(container.resources);
  const requests = asObject(resources.requests);
  const limits = asObject(resources.limits);
  const pick = (name: 'cpu' | 'memory') =>
    quantityOf(requests[name]) ?? quantityOf(limits[name]) ?? quantityOf(defaults?.defaultRequest[name]) ?? quantityOf(defaults?.default[name]);
  const cpu = pick('cpu');
  const memory = pick('memory');
  if (cpu === undefined) {
    missing.add('cpu');
  }
  if (memory === undefined) {
    missing.add('memory');
  }
  const extended: Record<string, number> = {};
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (name === 'cpu' || name === 'memory' || isNodeLocal(name)) {
      continue;
    }
    const amount = quantityOf(requests[name]) ?? quantityOf(limits[name]);
    if (amount !== undefined && parseQuantity(amount) > 0) {
      extended[name] = parseQuantity(amount);
    }
  }
  return { cpu: cpu === undefined ? 0 : millicores(cpu), memory: memory === undefined ? 0 : wholeBytes(memory), extended };
}

export function addRequests(a: PodRequests, b: PodRequests, times = 1): PodRequests {
  const extended: Record<string, number> = { ...a.extended };
  for (const [name, amount] of Object.entries(b.extended)) {
    extended[name] = (extended[name] ?? 0) + amount * times;
  }
  return { cpu: a.cpu + b.cpu * times, memory: a.memory + b.memory * times, extended };
}

function maxRequests(a: PodRequests, b: PodRequests): PodRequests {
  const extended: Record<string, number> = { ...a.extended };
  for (const [name, amount] of Object.entries(b.extended)) {
    extended[name] = Math.max(extended[name] ?? 0, amount);
  }
  return { cpu: Math.max(a.cpu, b.cpu), memory: Math.max(a.memory, b.memory), extended };
}

/** The requests of a pod with this spec, and the resources some container leaves unset. */
export function podRequests(podSpec: Json, defaults: ContainerDefaults | undefined): { requests: PodRequests; missing: string[] } {
  const missing = new Set<string>();
  let sidecars = NO_REQUESTS;
  let initPeak = NO_REQUESTS;
  for (const init of asArray(podSpec.initContainers)) {
    const requests = containerRequests(init, defaults, missing);
    if (init.restartPolicy === 'Always') {
      sidecars = addRequests(sidecars, requests);
      initPeak = maxRequests(initPeak, sidecars);
    } else {
      initPeak = maxRequests(initPeak, addRequests(sidecars, requests));
    }
  }
  let running = sidecars;
  for (const container of asArray(podSpec.containers)) {
    running = addRequests(running, containerRequests(container, defaults, missing));
  }
  let total = maxRequests(running, initPeak);
  const overhead = asObject(podSpec.overhead);
  if (Object.keys(overhead).length > 0) {
    total = addRequests(total, containerRequests({ resources: { requests: overhead } }, undefined, new Set()));
  }
  return { requests: total, missing: [...missing].sort() };
}

function selectorMatches(selector: Json, labels: Readonly<Record<string, unknown>>): boolean {
  const matchLabels = asObject(selector.matchLabels);
  if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) {
    return false;
  }
  return asArray(selector.matchExpressions).every((expression) => {
    const key = String(expression.key);
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const has = key in labels;
    switch (expression.operator) {
      case 'In': return has && values.includes(String(labels[key]));
      case 'NotIn': return !has || !values.includes(String(labels[key]));
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/**
 * Whether two pods of this template can never share a node: a required pod anti-affinity on the
 * node's hostname that selects the template's own pods, or a host port.
 */
export function onePerNode(podSpec: Json, podLabels: Readonly<Record<string, unknown>>): boolean {
  const antiAffinity = asObject(asObject(podSpec.affinity).podAntiAffinity);
  const required = asArray(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution);
  if (required.some((term) => term.topologyKey === 'kubernetes.io/hostname' && selectorMatches(asObject(term.labelSelector), podLabels))) {
    return true;
  }
  const containers = [...asArray(podSpec.containers), ...asArray(podSpec.initContainers).filter((c) => c.restartPolicy === 'Always')];
  return containers.some((c) => asArray(c.ports).some((p) => typeof p.hostPort === 'number' && p.hostPort > 0));
}
