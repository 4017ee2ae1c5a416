import { type PodRequests } from './pod-requests';
import { type ResolvedNodeType } from './price-table';

/**
 * How many nodes of one type a set of pods needs, by first-fit decreasing bin packing over CPU,
 * memory, pod slots and the pool's extended resource, bounded below by the totals divided by
 * what one node offers. Per node, the reservation, the eviction threshold, the cluster's system
 * pods and one pod of every DaemonSet are taken off first.
 */

/** One pod to place. */
export interface PodToPlace {
  readonly requests: PodRequests;
  /** Pods with the same key can never share a node (empty: no such rule). */
  readonly spreadKey: string;
  /** For messages: `"Deployment llm"`. */
  readonly owner: string;
}

/** What one node offers the app's pods. */
export interface NodeRoom {
  readonly cpu: number;
  readonly memory: number;
  readonly pods: number;
  readonly gpus: number;
}

/** The outcome of packing one pool. */
export interface Packing {
  /** What one node offers the app's pods (after system pods and DaemonSets). */
  readonly room: NodeRoom;
  /** Nodes first-fit decreasing needs for the pods that fit a node at all. */
  readonly needed: number;
  /** No packing can use fewer nodes than this. */
  readonly lowerBound: number;
  /** Pods larger than an empty node: they never schedule on this node type. */
  readonly unschedulable: readonly PodToPlace[];
}

interface OpenNode {
  cpu: number;
  memory: number;
  pods: number;
  gpus: number;
  readonly keys: Set<string>;
}

/** What one node of `type` offers after its system pods and one pod of each DaemonSet. */
export function nodeRoom(type: ResolvedNodeType, gpuResource: string | undefined, daemonSets: readonly PodRequests[]): NodeRoom {
  const daemonCpu = daemonSets.reduce((n, d) => n + d.cpu, 0);
  const daemonMemory = daemonSets.reduce((n, d) => n + d.memory, 0);
  const daemonGpus = gpuResource ? daemonSets.reduce((n, d) => n + (d.extended[gpuResource] ?? 0), 0) : 0;
  return {
    cpu: type.allocatable.cpu - type.systemPods.cpu - daemonCpu,
    memory: type.allocatable.memory - type.systemPods.memory - daemonMemory,
    pods: type.allocatable.pods - type.systemPods.pods - daemonSets.length,
    gpus: type.gpus - daemonGpus,
  };
}

function gpusOf(pod: PodToPlace, gpuResource: string | undefined): number {
  return gpuResource ? pod.requests.extended[gpuResource] ?? 0 : 0;
}

/** The pod's largest share of a node: the order first-fit decreasing places pods in. */
function share(pod: PodToPlace, room: NodeRoom, gpuResource: string | undefined): number {
  const gpus = gpusOf(pod, gpuResource);
  return Math.max(pod.requests.cpu / room.cpu, pod.requests.memory / room.memory, 1 / room.pods, room.gpus > 0 ? gpus / room.gpus : 0);
}

function fits(node: OpenNode, pod: PodToPlace, gpus: number): boolean {
  return node.cpu >= pod.requests.cpu && node.memory >= pod.requests.memory && node.pods >= 1 && node.gpus >= gpus
    && (pod.spreadKey === '' || !node.keys.has(pod.spreadKey));
}

/** Packs `pods` onto nodes of `room`; `gpuResource` is the pool's extended resource, if any. */
export function pack(pods: readonly PodToPlace[], room: NodeRoom, gpuResource?: string): Packing {
  const empty = (): OpenNode => ({ cpu: room.cpu, memory: room.memory, pods: room.pods, gpus: room.gpus, keys: new Set() });
  const unschedulable = new Set(pods.filter((pod) => room.cpu <= 0 || room.memory <= 0 || room.pods <= 0 || !fits(empty(), pod, gpusOf(pod, gpuResource))));
  const placeable = pods.filter((pod) => !unschedulable.has(pod))
    .map((pod, index) => ({ pod, index, share: share(pod, room, gpuResource) }))
    .sort((a, b) => b.share - a.share || a.index - b.index);
  const nodes: OpenNode[] = [];
  for (const { pod } of placeable) {
    const gpus = gpusOf(pod, gpuResource);
    let node = nodes.find((n) => fits(n, pod, gpus));
    if (!node) {
      node = empty();
      nodes.push(node);
    }
    node.cpu -= pod.requests.cpu;
    node.memory -= pod.requests.memory;
    node.pods -= 1;
    node.gpus -= gpus;
    if (pod.spreadKey !== '') {
      node.keys.add(pod.spreadKey);
    }
  }
  return { room, needed: nodes.length, lowerBound: lowerBound(placeable.map((p) => p.pod), room, gpuResource), unschedulable: [...unschedulable] };
}

function lowerBound(pods: readonly PodToPlace[], room: NodeRoom, gpuResource: string | undefined): number {
  if (pods.length === 0) {
    return 0;
  }
  const cpu = pods.reduce((n, p) => n + p.requests.cpu, 0);
  const memory = pods.reduce((n, p) => n + p.requests.memory, 0);
  const gpus = pods.reduce((n, p) => n + gpusOf(p, gpuResource), 0);
  const spread = new Map<string, number>();
  for (const pod of pods.filter((p) => p.spreadKey !== '')) {
    spread.set(pod.spreadKey, (spread.get(pod.spreadKey) ?? 0) + 1);
  }
  return Math.max(
    Math.ceil(cpu / room.cpu - 1e-9),
    Math.ceil(memory / room.memory - 1e-9),
    Math.ceil(pods.length / room.pods - 1e-9),
    room.gpus > 0 ? Math.ceil(gpus / room.gpus - 1e-9) : 0,
    ...spread.values(),
  );
}
