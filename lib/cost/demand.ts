import { type KubeObject } from '../synth/kube-object';
import { wholeBytes } from './price-table';
import { asArray, asObject, type ContainerDefaults, onePerNode, podRequests, type PodRequests } from './pod-requests';

/**
 * What an app's objects ask of a cluster, read from the synthesized objects alone (never from
 * the constructs), so that any object that lands in the output is counted: the pods of every
 * workload at its fewest and most replicas, DaemonSet pods per node, persistent storage by class,
 * and the objects that provision load balancers.
 */

type Json = Record<string, unknown>;

/** Fewest and most of something. */
export interface CountRange {
  readonly min: number;
  readonly max: number;
}

/** Pods of one template, per replica of their workload. */
export interface PodGroup {
  /** `"pod"`, or `"leader"` / `"worker"` in a LeaderWorkerSet group. */
  readonly role: string;
  /** Pods of this template per replica. */
  readonly perReplica: number;
  readonly requests: PodRequests;
  /** Whether two of these pods can never share a node (required anti-affinity, host port). */
  readonly onePerNode: boolean;
}

/** One workload and how its replicas were counted. */
export interface WorkloadCount {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** Replicas (LeaderWorkerSet: groups; ScaledJob: jobs) at the minimum and the maximum. */
  readonly replicas: CountRange;
  /** Why these numbers, e.g. `"HorizontalPodAutoscaler 3..10"`. */
  readonly how: string;
  readonly groups: readonly PodGroup[];
  /** Pods at the minimum and the maximum. */
  readonly pods: CountRange;
}

/** Persistent storage claimed by one object. */
export interface ClaimCount {
  /** Where the claims come from, e.g. `"StatefulSet redis-cache, template data"`. */
  readonly source: string;
  /** The claim's `storageClassName`: `undefined` when unset (the cluster's default), `""` for none. */
  readonly storageClass?: string;
  /** Bytes requested by each claim. */
  readonly bytes: number;
  /** Claims at the minimum and the maximum. */
  readonly claims: CountRange;
}

/** A DaemonSet: one pod on every node. */
export interface DaemonSetCount {
  readonly name: string;
  readonly requests: PodRequests;
}

/** Objects that provision networking the cloud bills for. */
export interface NetworkCount {
  readonly loadBalancers: readonly string[];
  readonly ingresses: readonly string[];
  readonly gateways: readonly string[];
  readonly routes: readonly string[];
}

export interface Demand {
  readonly workloads: readonly WorkloadCount[];
  readonly daemonSets: readonly DaemonSetCount[];
  readonly claims: readonly ClaimCount[];
  readonly network: NetworkCount;
  /** What could not be counted exactly, one sentence each. */
  readonly warnings: readonly string[];
}

interface Scaler {
  readonly range: CountRange;
  readonly how: string;
}

const KEDA_PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

function groupOf(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  return slash < 0 ? '' : object.apiVersion.slice(0, slash);
}

function is(object: KubeObject, kind: string, group: string): boolean {
  return object.kind === kind && groupOf(object) === group;
}

function namespaceOf(object: KubeObject): string {
  return object.metadata.namespace ?? '';
}

function keyOf(namespace: string, kind: string, name: unknown): string {
  return `${namespace}/${kind}/${String(name)}`;
}

function spec(object: KubeObject): Json {
  return asObject(object.spec);
}

function integer(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

function describeRange(range: CountRange): string {
  return range.min === range.max ? String(range.min) : `${range.min}..${range.max}`;
}

/** Reads the objects of one app and environment. */
class DemandReader {
  private readonly warnings: string[] = [];
  private readonly scalers = new Map<string, Scaler[]>();
  private readonly limitDefaults = new Map<string, ContainerDefaults>();
  private readonly byKey = new Map<string, KubeObject>();
  /** Deployments a Rollout takes over (workloadRef), with how. */
  private readonly adopted = new Map<string, { rollout: string; scaleDown: string }>();
  private readonly workloads: WorkloadCount[] = [];
  private readonly daemonSets: DaemonSetCount[] = [];
  private readonly claims: ClaimCount[] = [];

  constructor(private readonly objects: readonly KubeObject[]) {
    for (const object of objects) {
      this.byKey.set(keyOf(namespaceOf(object), object.kind, object.metadata.name), object);
      this.index(object);
    }
  }

  public read(): Demand {
    for (const object of this.objects) {
      this.count(object);
    }
    return {
      workloads: this.workloads,
      daemonSets: this.daemonSets,
      claims: this.claims,
      network: this.network(),
      warnings: this.warnings,
    };
  }

  private index(object: KubeObject): void {
    const namespace = namespaceOf(object);
    if (object.kind === 'HorizontalPodAutoscaler' && groupOf(object) === 'autoscaling') {
      const s = spec(object);
      const target = asObject(s.scaleTargetRef);
      const range = { min: integer(s.minReplicas, 1), max: integer(s.maxReplicas, 1) };
      this.addScaler(keyOf(namespace, String(target.kind), target.name), { range, how: `HorizontalPodAutoscaler ${object.metadata.name} ${describeRange(range)}` });
    } else if (is(object, 'ScaledObject', 'keda.sh')) {
      this.addScaler(...this.kedaScaler(object));
    } else if (object.kind === 'LimitRange' && groupOf(object) === '') {
      const container = asArray(spec(object).limits).find((l) => l.type === 'Container');
      if (container && !this.limitDefaults.has(namespace)) {
        this.limitDefaults.set(namespace, { defaultRequest: asObject(container.defaultRequest), default: asObject(container.default) });
      }
    } else if (is(object, 'Rollout', 'argoproj.io')) {
      const ref = asObject(spec(object).workloadRef);
      if (ref.kind === 'Deployment' && typeof ref.name === 'string') {
        this.adopted.set(keyOf(namespace, 'Deployment', ref.name), { rollout: object.metadata.name, scaleDown: typeof ref.scaleDown === 'string' ? ref.scaleDown : 'never' });
      }
    }
  }

  private kedaScaler(object: KubeObject): [string, Scaler] {
    const s = spec(object);
    const target = asObject(s.scaleTargetRef);
    const key = keyOf(namespaceOf(object), typeof target.kind === 'string' ? target.kind : 'Deployment', target.name);
    const paused = asObject(object.metadata.annotations)[KEDA_PAUSED_REPLICAS];
    if (typeof paused === 'string' && /^[0-9]+$/.test(paused)) {
      const replicas = Number(paused);
      return [key, { range: { min: replicas, max: replicas }, how: `ScaledObject ${object.metadata.name} paused at ${replicas}` }];
    }
    const idle = typeof s.idleReplicaCount === 'number' ? s.idleReplicaCount : undefined;
    const range = { min: idle ?? integer(s.minReplicaCount, 0), max: integer(s.maxReplicaCount, 100) };
    const toZero = range.min === 0 ? ', scales to zero' : '';
    return [key, { range, how: `ScaledObject ${object.metadata.name} (KEDA) ${describeRange(range)}${toZero}` }];
  }

  private addScaler(key: string, scaler: Scaler): void {
    this.scalers.set(key, [...this.scalers.get(key) ?? [], scaler]);
  }

  /** Replicas of a scalable workload: its autoscaler's range, else `spec.replicas` (default 1). */
  private replicasOf(object: KubeObject): Scaler {
    const scalers = this.scalers.get(keyOf(namespaceOf(object), object.kind, object.metadata.name)) ?? [];
    if (scalers.length > 1) {
      this.warnings.push(`${object.kind} ${object.metadata.name} has ${scalers.length} autoscalers (${scalers.map((s) => s.how).join('; ')}); they fight over its replicas; counted over the widest range`);
      return {
        range: { min: Math.min(...scalers.map((s) => s.range.min)), max: Math.max(...scalers.map((s) => s.range.max)) },
        how: scalers.map((s) => s.how).join(' and '),
      };
    }
    if (scalers.length === 1) {
      return scalers[0];
    }
    const replicas = spec(object).replicas;
    if (typeof replicas === 'number') {
      return { range: { min: replicas, max: replicas }, how: `replicas: ${replicas}` };
    }
    return { range: { min: 1, max: 1 }, how: 'replicas unset: 1 (the API default)' };
  }

  private defaultsFor(object: KubeObject): ContainerDefaults | undefined {
    return this.limitDefaults.get(namespaceOf(object));
  }

  private group(object: KubeObject, template: Json, role: string, perReplica: number): PodGroup {
    const podSpec = asObject(template.spec);
    const { requests, missing } = podRequests(podSpec, this.defaultsFor(object));
    if (missing.length > 0) {
      this.warnings.push(`${object.kind} ${object.metadata.name}${role === 'pod' ? '' : ` (${role})`}: a container requests no ${missing.join(' and no ')} and no LimitRange gives a default; counted as 0`);
    }
    const labels = asObject(asObject(template.metadata).labels);
    return { role, perReplica, requests, onePerNode: onePerNode(podSpec, labels) };
  }

  private addWorkload(object: KubeObject, replicas: Scaler, groups: PodGroup[]): void {
    const perReplica = groups.reduce((n, g) => n + g.perReplica, 0);
    this.workloads.push({
      kind: object.kind,
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      replicas: replicas.range,
      how: replicas.how,
      groups,
      pods: { min: replicas.range.min * perReplica, max: replicas.range.max * perReplica },
    });
    for (const group of groups) {
      this.ephemeralClaims(object, asObject(asObject(this.templateOf(object, group.role)).spec), {
        min: replicas.range.min * group.perReplica,
        max: replicas.range.max * group.perReplica,
      });
    }
  }

  /** The pod template of a workload's group (for ephemeral volumes). */
  private templateOf(object: KubeObject, role: string): unknown {
    const s = spec(object);
    switch (object.kind) {
      case 'CronJob': return asObject(asObject(s.jobTemplate).spec).template;
      case 'Pod': return { spec: s };
      case 'LeaderWorkerSet': {
        const lwt = asObject(s.leaderWorkerTemplate);
        return role === 'leader' ? lwt.leaderTemplate ?? lwt.workerTemplate : lwt.workerTemplate;
      }
      case 'ScaledJob': return asObject(s.jobTargetRef).template;
      case 'Rollout': return s.template ?? this.rolloutTemplate(object);
      default: return s.template;
    }
  }

  private count(object: KubeObject): void {
    const group = groupOf(object);
    if (group === 'apps' && (object.kind === 'Deployment' || object.kind === 'StatefulSet' || object.kind === 'ReplicaSet')) {
      this.countReplicated(object);
    } else if (group === '' && object.kind === 'ReplicationController') {
      this.countReplicated(object);
    } else if (group === 'apps' && object.kind === 'DaemonSet') {
      this.daemonSets.push({ name: object.metadata.name, requests: this.group(object, asObject(spec(object).template), 'pod', 1).requests });
    } else if (group === '' && object.kind === 'Pod') {
      this.addWorkload(object, { range: { min: 1, max: 1 }, how: 'a bare Pod' }, [this.group(object, { metadata: object.metadata, spec: spec(object) }, 'pod', 1)]);
    } else if (group === 'batch' && (object.kind === 'Job' || object.kind === 'CronJob')) {
      this.countJob(object);
    } else if (is(object, 'Rollout', 'argoproj.io')) {
      this.countRollout(object);
    } else if (is(object, 'LeaderWorkerSet', 'leaderworkerset.x-k8s.io')) {
      this.countLeaderWorkerSet(object);
    } else if (is(object, 'ScaledJob', 'keda.sh')) {
      this.countScaledJob(object);
    } else if (group === '' && object.kind === 'PersistentVolumeClaim') {
      this.addClaim(`PersistentVolumeClaim ${object.metadata.name}`, spec(object), { min: 1, max: 1 });
    } else if (this.hasPodTemplate(object)) {
      this.warnings.push(`${object.kind} ${object.metadata.name} (${object.apiVersion}) has a pod template this estimate does not know how to count; its pods are not included`);
    }
  }

  private hasPodTemplate(object: KubeObject): boolean {
    const s = spec(object);
    return Array.isArray(asObject(asObject(s.template).spec).containers) || 'jobTemplate' in s || Array.isArray(s.containers);
  }

  private countReplicated(object: KubeObject): void {
    const s = spec(object);
    let replicas = this.replicasOf(object);
    const adopted = object.kind === 'Deployment' ? this.adopted.get(keyOf(namespaceOf(object), 'Deployment', object.metadata.name)) : undefined;
    if (adopted && (adopted.scaleDown === 'onsuccess' || adopted.scaleDown === 'progressively')) {
      replicas = { range: { min: 0, max: 0 }, how: `0: Rollout ${adopted.rollout} runs its pods (workloadRef, scaleDown ${adopted.scaleDown})` };
    } else if (adopted && replicas.range.max > 0) {
      replicas = { ...replicas, how: `${replicas.how}, kept beside Rollout ${adopted.rollout} (workloadRef, scaleDown never)` };
    }
    const podGroup = this.group(object, asObject(s.template), 'pod', 1);
    this.addWorkload(object, replicas, [podGroup]);
    for (const template of asArray(s.volumeClaimTemplates)) {
      this.addClaim(`${object.kind} ${object.metadata.name}, template ${String(asObject(template.metadata).name)}`, asObject(template.spec), replicas.range);
    }
    if (object.kind === 'StatefulSet' && replicas.range.min < replicas.range.max && asObject(s.persistentVolumeClaimRetentionPolicy).whenScaled !== 'Delete') {
      this.warnings.push(`StatefulSet ${object.metadata.name} scales between ${describeRange(replicas.range)}: the claims of pods removed by a scale-down are kept (whenScaled: Retain) and still billed`);
    }
  }

  private rolloutTemplate(object: KubeObject): Json | undefined {
    const ref = asObject(spec(object).workloadRef);
    const target = this.byKey.get(keyOf(namespaceOf(object), String(ref.kind), ref.name));
    return target ? asObject(spec(target).template) : undefined;
  }

  private countRollout(object: KubeObject): void {
    const s = spec(object);
    const template = s.template !== undefined ? asObject(s.template) : this.rolloutTemplate(object);
    if (!template) {
      const ref = asObject(s.workloadRef);
      this.warnings.push(`Rollout ${object.metadata.name} takes its pod template from ${String(ref.kind)} ${String(ref.name)}, which is not among the app's objects; its pods are not included`);
      return;
    }
    const replicas = this.replicasOf(object);
    const via = s.template === undefined ? ` (template from ${String(asObject(s.workloadRef).kind)} ${String(asObject(s.workloadRef).name)})` : '';
    this.addWorkload(object, { ...replicas, how: `${replicas.how}${via}` }, [this.group(object, template, 'pod', 1)]);
  }

  private countLeaderWorkerSet(object: KubeObject): void {
    const lwt = asObject(spec(object).leaderWorkerTemplate);
    const size = Math.max(1, integer(lwt.size, 1));
    const worker = asObject(lwt.workerTemplate);
    const leader = lwt.leaderTemplate !== undefined ? asObject(lwt.leaderTemplate) : worker;
    const groups = [this.group(object, leader, 'leader', 1)];
    if (size > 1) {
      groups.push(this.group(object, worker, 'worker', size - 1));
    }
    const replicas = this.replicasOf(object);
    this.addWorkload(object, { ...replicas, how: `${replicas.how} groups of ${size} pods (1 leader, ${size - 1} workers)` }, groups);
    for (const template of asArray(lwt.volumeClaimTemplates)) {
      this.addClaim(`LeaderWorkerSet ${object.metadata.name}, template ${String(asObject(template.metadata).name)}`, asObject(template.spec), {
        min: replicas.range.min * size,
        max: replicas.range.max * size,
      });
    }
  }

  /** Pods a Job runs at once: its parallelism, no more than its completions. */
  private parallelPods(jobSpec: Json): number {
    const parallelism = integer(jobSpec.parallelism, 1);
    return typeof jobSpec.completions === 'number' ? Math.min(parallelism, jobSpec.completions) : parallelism;
  }

  private countJob(object: KubeObject): void {
    const s = spec(object);
    const jobSpec = object.kind === 'CronJob' ? asObject(asObject(s.jobTemplate).spec) : s;
    const suspended = s.suspend === true || jobSpec.suspend === true;
    const pods = suspended ? 0 : this.parallelPods(jobSpec);
    const runs = object.kind === 'CronJob' ? `one run at a time (schedule "${String(s.schedule)}")` : 'a run to completion';
    const how = suspended
      ? `${object.kind} suspended: 0`
      : `${object.kind}, ${runs}, ${pods} pod${pods === 1 ? '' : 's'} at once: counted at the maximum only`;
    this.addWorkload(object, { range: { min: 0, max: pods }, how }, [this.group(object, asObject(jobSpec.template), 'pod', 1)]);
  }

  private countScaledJob(object: KubeObject): void {
    const s = spec(object);
    const jobSpec = asObject(s.jobTargetRef);
    const jobs = { min: integer(s.minReplicaCount, 0), max: integer(s.maxReplicaCount, 100) };
    const pods = this.parallelPods(jobSpec);
    const how = `ScaledJob (KEDA) ${describeRange(jobs)} jobs of ${pods} pod${pods === 1 ? '' : 's'}`;
    this.addWorkload(object, { range: jobs, how }, [this.group(object, asObject(jobSpec.template), 'pod', pods)]);
  }

  private ephemeralClaims(object: KubeObject, podSpec: Json, pods: CountRange): void {
    for (const volume of asArray(podSpec.volumes)) {
      const template = asObject(asObject(volume.ephemeral).volumeClaimTemplate);
      if (Object.keys(template).length > 0) {
        this.addClaim(`${object.kind} ${object.metadata.name}, ephemeral volume ${String(volume.name)}`, asObject(template.spec), pods);
      }
    }
  }

  private addClaim(source: string, claimSpec: Json, claims: CountRange): void {
    const storage = asObject(asObject(claimSpec.resources).requests).storage;
    if (typeof storage !== 'string' && typeof storage !== 'number') {
      this.warnings.push(`${source} requests no storage size; not counted`);
      return;
    }
    const storageClass = claimSpec.storageClassName;
    this.claims.push({
      source,
      ...(typeof storageClass === 'string' ? { storageClass } : {}),
      bytes: wholeBytes(storage),
      claims,
    });
  }

  private network(): NetworkCount {
    const loadBalancers: string[] = [];
    const ingresses: string[] = [];
    const gateways: string[] = [];
    const routes: string[] = [];
    for (const object of this.objects) {
      const group = groupOf(object);
      if (group === '' && object.kind === 'Service' && spec(object).type === 'LoadBalancer') {
        loadBalancers.push(object.metadata.name);
      } else if (group === 'networking.k8s.io' && object.kind === 'Ingress') {
        ingresses.push(object.metadata.name);
      } else if (group === GATEWAY_GROUP && object.kind === 'Gateway') {
        gateways.push(object.metadata.name);
      } else if (group === GATEWAY_GROUP && ROUTE_KINDS.has(object.kind)) {
        routes.push(`${object.kind} ${object.metadata.name}`);
        this.checkRouteParents(object);
      }
    }
    return { loadBalancers, ingresses, gateways, routes };
  }

  private checkRouteParents(route: KubeObject): void {
    for (const parent of asArray(spec(route).parentRefs)) {
      const kind = typeof parent.kind === 'string' ? parent.kind : 'Gateway';
      const namespace = typeof parent.namespace === 'string' ? parent.namespace : namespaceOf(route);
      if (kind === 'Gateway' && !this.byKey.has(keyOf(namespace, 'Gateway', parent.name))) {
        this.warnings.push(`${route.kind} ${route.metadata.name} attaches to Gateway ${namespace ? `${namespace}/` : ''}${String(parent.name)}, which is not among the app's objects; its load balancer is priced where that Gateway is`);
      }
    }
  }
}

/** What the objects of one app and environment ask of a cluster. */
export function readDemand(objects: readonly KubeObject[]): Demand {
  return new DemandReader(objects).read();
}
