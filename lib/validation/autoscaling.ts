/**
 * Semantic rules on autoscalers: HorizontalPodAutoscaler (rule 6) and KEDA ScaledObject (rule 8).
 */
import { type Context, type TargetRef } from './context';
import { groupOf, mainContainersOf, podTemplateOf, type Resource } from './model';
import { join, joinAll, list, num, rec, str, type JsonObject } from './util';

/** Default maxReplicaCount of a ScaledObject (KEDA). */
const KEDA_DEFAULT_MAX = 100;

interface ScaleTarget extends TargetRef {
  readonly path: string;
}

function hpaTarget(hpa: Resource): ScaleTarget | undefined {
  const ref = rec(rec(hpa.obj.spec)?.scaleTargetRef);
  const kind = str(ref?.kind);
  const name = str(ref?.name);
  if (kind === undefined || name === undefined) return undefined;
  return { namespace: hpa.namespace, group: groupOf(ref?.apiVersion), kind, name, path: 'spec.scaleTargetRef' };
}

function scaledObjectTarget(so: Resource): ScaleTarget | undefined {
  const ref = rec(rec(so.obj.spec)?.scaleTargetRef);
  const name = str(ref?.name);
  if (name === undefined) return undefined;
  const kind = str(ref?.kind) ?? 'Deployment';
  const group = groupOf(ref?.apiVersion) ?? (kind === 'Deployment' || kind === 'StatefulSet' ? 'apps' : undefined);
  return { namespace: so.namespace, group, kind, name, path: 'spec.scaleTargetRef' };
}

function sameTarget(a: TargetRef, b: TargetRef): boolean {
  const groups = a.group === undefined || b.group === undefined || a.group === b.group;
  return groups && a.namespace === b.namespace && a.kind === b.kind && a.name === b.name;
}

function describeTarget(t: TargetRef): string {
  return `${t.kind} "${t.name}"`;
}

/** Reports the target missing from the set; returns the target resource when it is there. */
function resolveTarget(ctx: Context, owner: Resource, target: ScaleTarget): Resource | undefined {
  const found = ctx.find(target);
  if (found === undefined) {
    ctx.report(owner, target.path, `scale target ${describeTarget(target)} is not in the set (namespace ${owner.namespace ?? '<none>'})`);
  }
  return found;
}

export function checkHorizontalPodAutoscalers(ctx: Context): void {
  const claimed: { target: ScaleTarget; owner: Resource }[] = [];
  for (const hpa of ctx.ofKind('autoscaling', 'HorizontalPodAutoscaler')) {
    const spec = rec(hpa.obj.spec) ?? {};
    checkReplicaBounds(ctx, hpa, { min: num(spec.minReplicas), max: num(spec.maxReplicas), defaultMin: 1 }, ['minReplicas', 'maxReplicas']);
    const target = hpaTarget(hpa);
    if (target === undefined) continue;
    const other = claimed.find((c) => sameTarget(c.target, target));
    if (other !== undefined) ctx.report(hpa, target.path, `HorizontalPodAutoscaler "${other.owner.name}" already targets ${describeTarget(target)}`);
    claimed.push({ target, owner: hpa });
    const workload = resolveTarget(ctx, hpa, target);
    if (workload !== undefined) {
      for (const metric of utilizationMetrics(spec)) checkRequests(ctx, hpa, workload, metric);
    }
  }
}

interface ReplicaBounds {
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** The smallest allowed value, which is also the default. */
  readonly defaultMin: number;
}

function checkReplicaBounds(ctx: Context, owner: Resource, bounds: ReplicaBounds, fields: readonly [string, string]): void {
  const min = bounds.min ?? bounds.defaultMin;
  if (min < bounds.defaultMin) {
    ctx.report(owner, join('spec', fields[0]), `${fields[0]} must be at least ${bounds.defaultMin} (got ${min})`);
  } else if (bounds.max !== undefined && min > bounds.max) {
    const path = join('spec', bounds.min === undefined ? fields[1] : fields[0]);
    ctx.report(owner, path, `${fields[0]} ${min} is greater than ${fields[1]} ${bounds.max}`);
  }
}

interface UtilizationMetric {
  readonly resource: string;
  readonly path: string;
  /** Only this container must have the request (ContainerResource metrics, KEDA containerName). */
  readonly container: string | undefined;
}

function utilizationMetrics(spec: JsonObject): UtilizationMetric[] {
  const out: UtilizationMetric[] = [];
  if (num(spec.targetCPUUtilizationPercentage) !== undefined) {
    out.push({ resource: 'cpu', path: 'spec.targetCPUUtilizationPercentage', container: undefined }); // autoscaling/v1
  }
  list(spec.metrics).forEach((raw, i) => {
    const metric = rec(raw) ?? {};
    const field = metric.type === 'Resource' ? 'resource' : metric.type === 'ContainerResource' ? 'containerResource' : undefined;
    const source = field === undefined ? undefined : rec(metric[field]);
    const resource = str(source?.name);
    if (source === undefined || resource === undefined || rec(source.target)?.type !== 'Utilization') return;
    out.push({ resource, path: joinAll('spec', 'metrics', i, field ?? '', 'name'), container: str(source.container) });
  });
  return out;
}

/** Utilization needs a request (or a limit, which requests default to) on every container. */
function checkRequests(ctx: Context, owner: Resource, workload: Resource, metric: UtilizationMetric): void {
  const template = podTemplateOf(workload);
  if (template === undefined) return;
  for (const { container } of mainContainersOf(template)) {
    const name = str(container.name) ?? '?';
    if (metric.container !== undefined && metric.container !== name) continue;
    const resources = rec(container.resources);
    const declared = rec(resources?.requests)?.[metric.resource] ?? rec(resources?.limits)?.[metric.resource];
    if (declared === undefined) {
      ctx.report(owner, metric.path, `${metric.resource} utilization cannot be computed: container "${name}" of ${workload.kind} "${workload.name}" has no ${metric.resource} request`);
    }
  }
}

export function checkScaledObjects(ctx: Context): void {
  const hpaTargets = ctx.ofKind('autoscaling', 'HorizontalPodAutoscaler').map((hpa) => ({ hpa, target: hpaTarget(hpa) }));
  const claimed: { target: ScaleTarget; owner: Resource }[] = [];
  for (const so of ctx.ofKind('keda.sh', 'ScaledObject')) {
    const spec = rec(so.obj.spec) ?? {};
    // Re-implements the CRD's CEL rule (CEL is not evaluated by the schema walker).
    const bounds = { min: num(spec.minReplicaCount), max: num(spec.maxReplicaCount) ?? KEDA_DEFAULT_MAX, defaultMin: 0 };
    checkReplicaBounds(ctx, so, bounds, ['minReplicaCount', 'maxReplicaCount']);
    checkTriggerAuthentications(ctx, so, spec);
    const target = scaledObjectTarget(so);
    if (target === undefined) continue;
    for (const { hpa } of hpaTargets.filter((h) => h.target !== undefined && sameTarget(h.target, target))) {
      ctx.report(so, target.path, `HorizontalPodAutoscaler "${hpa.name}" also targets ${describeTarget(target)}; KEDA creates its own HPA for a ScaledObject`);
    }
    const other = claimed.find((c) => sameTarget(c.target, target));
    if (other !== undefined) ctx.report(so, target.path, `ScaledObject "${other.owner.name}" already targets ${describeTarget(target)}`);
    claimed.push({ target, owner: so });
    const workload = resolveTarget(ctx, so, target);
    if (workload !== undefined) {
      for (const metric of kedaUtilizationTriggers(spec)) checkRequests(ctx, so, workload, metric);
    }
  }
}

function checkTriggerAuthentications(ctx: Context, so: Resource, spec: JsonObject): void {
  list(spec.triggers).forEach((trigger, i) => {
    const ref = rec(rec(trigger)?.authenticationRef);
    const name = str(ref?.name);
    // ClusterTriggerAuthentications are cluster-wide and usually installed with KEDA: not checked.
    if (name === undefined || (ref?.kind ?? 'TriggerAuthentication') !== 'TriggerAuthentication') return;
    if (ctx.find({ namespace: so.namespace, group: 'keda.sh', kind: 'TriggerAuthentication', name }) === undefined) {
      ctx.report(so, joinAll('spec', 'triggers', i, 'authenticationRef', 'name'), `TriggerAuthentication "${name}" is not in the set (namespace ${so.namespace ?? '<none>'})`);
    }
  });
}

/** cpu/memory triggers that scale on Utilization. */
function kedaUtilizationTriggers(spec: JsonObject): UtilizationMetric[] {
  const out: UtilizationMetric[] = [];
  list(spec.triggers).forEach((raw, i) => {
    const trigger = rec(raw) ?? {};
    const type = str(trigger.type);
    const metadata = rec(trigger.metadata);
    const metricType = trigger.metricType ?? metadata?.type;
    if ((type === 'cpu' || type === 'memory') && metricType === 'Utilization') {
      out.push({ resource: type, path: joinAll('spec', 'triggers', i, 'type'), container: str(metadata?.containerName) });
    }
  });
  return out;
}
