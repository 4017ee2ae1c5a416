/**
 * The in-memory view of a manifest set used by the semantic checks: one Resource per object,
 * the pod templates of workloads, and lookups by namespace/group/kind/name.
 */
import { isClusterScoped } from './catalog';
import { dig, isRecord, join, joinAll, rec, str, stringMap, type JsonObject } from './util';

export interface Resource {
  readonly index: number;
  readonly obj: JsonObject;
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** undefined for cluster-scoped kinds and for namespaced objects that forgot it. */
  readonly namespace: string | undefined;
  readonly id: string;
}

/** A pod template (or a bare Pod's spec) inside a resource. */
export interface PodTemplate {
  readonly owner: Resource;
  /** Path of the template's metadata+spec holder, e.g. "spec.template" ('' for a Pod). */
  readonly path: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: JsonObject;
  readonly specPath: string;
  /** Path of the workload selector that must match the labels, when the kind has one. */
  readonly selectorPath: string | undefined;
  /** The workload selector itself (undefined when absent). */
  readonly selector: unknown;
}

/** Where each workload kind keeps its pod template: group/Kind -> path segments. */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  'apps/Deployment': ['spec', 'template'],
  'apps/StatefulSet': ['spec', 'template'],
  'apps/DaemonSet': ['spec', 'template'],
  'apps/ReplicaSet': ['spec', 'template'],
  'batch/Job': ['spec', 'template'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
  '/ReplicationController': ['spec', 'template'],
  '/PodTemplate': ['template'],
};

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function groupOf(apiVersion: unknown): string | undefined {
  return typeof apiVersion === 'string' ? splitApiVersion(apiVersion).group : undefined;
}

/** Human id of an object, e.g. "apps/v1 Deployment agentic-ai/jd-classifier". */
export function objectId(value: unknown, index: number): string {
  if (!isRecord(value)) return `objects[${index}] (not an object)`;
  const apiVersion = str(value.apiVersion) ?? '<no apiVersion>';
  const kind = str(value.kind) ?? '<no kind>';
  const name = str(dig(value, 'metadata', 'name')) ?? '<no name>';
  const namespace = str(dig(value, 'metadata', 'namespace'));
  return `${apiVersion} ${kind} ${namespace === undefined ? name : `${namespace}/${name}`}`;
}

export function toResource(value: unknown, index: number): Resource | undefined {
  if (!isRecord(value)) return undefined;
  const apiVersion = str(value.apiVersion) ?? '';
  const group = splitApiVersion(apiVersion).group;
  const kind = str(value.kind) ?? '';
  const namespace = isClusterScoped(group, kind) ? undefined : str(dig(value, 'metadata', 'namespace'));
  const name = str(dig(value, 'metadata', 'name')) ?? '';
  return { index, obj: value, apiVersion, group, kind, name, namespace, id: objectId(value, index) };
}

/** Kinds with several pod templates and no selector: group/Kind -> the paths of each template. */
const MULTI_TEMPLATE_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  'leaderworkerset.x-k8s.io/LeaderWorkerSet': [
    ['spec', 'leaderWorkerTemplate', 'leaderTemplate'],
    ['spec', 'leaderWorkerTemplate', 'workerTemplate'],
  ],
};

/** Every pod template of a resource: one for most workload kinds, a leader and a worker one for a LeaderWorkerSet. */
export function podTemplatesOf(owner: Resource): PodTemplate[] {
  const paths = MULTI_TEMPLATE_PATHS[`${owner.group}/${owner.kind}`];
  if (paths === undefined) {
    const single = podTemplateOf(owner);
    return single === undefined ? [] : [single];
  }
  return paths.filter((segments) => isRecord(dig(owner.obj, ...segments))).map((segments) => templateAt(owner, segments, false));
}

/** The pod template at `segments` of a resource, with the selector beside it when the kind has one. */
function templateAt(owner: Resource, segments: readonly string[], hasSelector: boolean): PodTemplate {
  const template = dig(owner.obj, ...segments);
  const path = joinAll('', ...segments);
  const parent = segments.slice(0, -1);
  return {
    owner,
    path,
    labels: stringMap(dig(template, 'metadata', 'labels')),
    spec: rec(dig(template, 'spec')) ?? {},
    specPath: join(path, 'spec'),
    selectorPath: hasSelector ? join(joinAll('', ...parent), 'selector') : undefined,
    selector: hasSelector ? dig(owner.obj, ...parent, 'selector') : undefined,
  };
}

export function podTemplateOf(owner: Resource): PodTemplate | undefined {
  if (owner.group === '' && owner.kind === 'Pod') {
    const spec = rec(owner.obj.spec) ?? {};
    const labels = stringMap(dig(owner.obj, 'metadata', 'labels'));
    return { owner, path: '', labels, spec, specPath: 'spec', selectorPath: undefined, selector: undefined };
  }
  const segments = TEMPLATE_PATHS[`${owner.group}/${owner.kind}`];
  if (segments === undefined) return undefined;
  return templateAt(owner, segments, owner.kind !== 'PodTemplate');
}

export interface ContainerRef {
  readonly container: JsonObject;
  readonly path: string;
  readonly init: boolean;
}

/** Every container (init containers first) of a pod spec, with its path. */
export function containersOf(template: PodTemplate): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const field of ['initContainers', 'containers']) {
    const items = template.spec[field];
    if (!Array.isArray(items)) continue;
    items.forEach((container, i) => {
      if (isRecord(container)) out.push({ container, path: joinAll(template.specPath, field, i), init: field === 'initContainers' });
    });
  }
  return out;
}

/** Regular containers only (the ones the HPA and Services care about). */
export function mainContainersOf(template: PodTemplate): ContainerRef[] {
  return containersOf(template).filter((c) => !c.init);
}
