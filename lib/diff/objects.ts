import { type KubeObject } from '../synth/kube-object';

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a nested field by keys; undefined when any step is missing. */
export function dig(value: unknown, ...keys: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof key === 'number' ? !Array.isArray(current) : !isRecord(current)) {
      return undefined;
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The API group of an apiVersion (`apps/v1` is `apps`, `v1` is the core group ""). */
export function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** `Deployment agentic-ai/confluence-agent`: how findings and diffs name an object. */
export function objectName(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

/** Identity of an object in a manifest set: group, kind, namespace and name (versions of one kind are the same object). */
export function objectKey(object: KubeObject): string {
  return [apiGroup(object.apiVersion), object.kind, object.metadata.namespace ?? '', object.metadata.name].join('/');
}

/** Whether a value has the shape of a Kubernetes object. */
export function isKubeObject(value: unknown): value is KubeObject {
  return isRecord(value) && typeof value.apiVersion === 'string' && typeof value.kind === 'string'
    && isRecord(value.metadata) && typeof value.metadata.name === 'string';
}

/** The pod template of a workload object (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), if it has one. */
export function podTemplateOf(object: KubeObject): Record<string, unknown> | undefined {
  const template = object.kind === 'CronJob' ? dig(object, 'spec', 'jobTemplate', 'spec', 'template') : dig(object, 'spec', 'template');
  return isRecord(template) && isRecord(template.spec) ? template : undefined;
}

/** Kinds that run pods from a template. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Rollout']);
