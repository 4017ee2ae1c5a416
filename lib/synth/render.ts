import { type ApiObject, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type KubeObject } from './kube-object';

/**
 * A direct renderer for cdk8s's own Kubernetes L1 objects (`k8s.Kube*`). Their props are plain
 * data with `Lazy` values and `Quantity` / `IntOrString` unions, so one pass can produce what
 * `ApiObject.toJson()` produces (a generic resolver, a sanitizer, a JSON-patch clone and the
 * generated converters, which dominate synthesis time) with the same result byte for byte:
 * every key sorted, `apiVersion`, `kind` and `metadata` first, the L1 property renames
 * (`clusterIp` is `clusterIP`), undefined dropped, empty metadata fields dropped. Anything else
 * (custom resources, objects with JSON patches, values of unknown classes) takes
 * `toJson()`; a test compares both paths on every example app.
 */

/** L1 property names that differ from the Kubernetes JSON names, as the generated converters map them. */
const RENAMES: Readonly<Record<string, string>> = {
  clientIp: 'clientIP', clusterIp: 'clusterIP', datasetUuid: 'datasetUUID', diskUri: 'diskURI', downwardApi: 'downwardAPI',
  externalId: 'externalID', hostIp: 'hostIP', hostIpc: 'hostIPC', hostPid: 'hostPID', insecureSkipTlsVerify: 'insecureSkipTLSVerify',
  loadBalancerIp: 'loadBalancerIP', nodeId: 'nodeID', nonResourceUrLs: 'nonResourceURLs', openApiv3Schema: 'openAPIV3Schema', pdId: 'pdID',
  podCidr: 'podCIDR', podCidRs: 'podCIDRs', providerId: 'providerID', scaleIo: 'scaleIO', setHostnameAsFqdn: 'setHostnameAsFQDN',
  storagePolicyId: 'storagePolicyID', targetCpuUtilizationPercentage: 'targetCPUUtilizationPercentage', targetWwNs: 'targetWWNs', volumeId: 'volumeID',
};

/** Fields whose value is a user map (labels, data): keys are sorted but never renamed. */
const MAPS = new Set([
  'labels', 'annotations', 'matchLabels', 'data', 'stringData', 'binaryData', 'nodeSelector', 'selector', 'hard', 'limits', 'requests',
  'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio', 'volumeAttributes', 'parameters', 'options', 'capacity', 'allocatable',
]);

const L1_CLASSES: ReadonlySet<unknown> = new Set(Object.values(k8s).filter((v) => typeof v === 'function' && /^Kube[A-Z]/.test((v as { name: string }).name)));

/** Thrown when a value is of a kind only the generic resolver knows. */
class NotPlain extends Error {}

function plainValue(value: unknown, map: boolean, dropEmpty: boolean): unknown {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new NotPlain();
    }
    return value;
  }
  if (Array.isArray(value)) {
    if (dropEmpty && value.length === 0) {
      return undefined;
    }
    return value.map((item) => plainValue(item, false, dropEmpty));
  }
  if (value instanceof Lazy) {
    return plainValue(value.produce(), map, dropEmpty);
  }
  if (value instanceof k8s.Quantity || value instanceof k8s.IntOrString) {
    return value.value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    throw new NotPlain();
  }
  return plainObject(value as Record<string, unknown>, map, dropEmpty);
}

function plainObject(source: Record<string, unknown>, map: boolean, dropEmpty: boolean): Record<string, unknown> | undefined {
  const entries: [string, unknown][] = [];
  for (const key of Object.keys(source)) {
    const value = plainValue(source[key], MAPS.has(key), dropEmpty);
    if (value !== undefined) {
      entries.push([map ? key : RENAMES[key] ?? key, value]);
    }
  }
  if (dropEmpty && entries.length === 0) {
    return undefined;
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    out[key] = value;
  }
  return out;
}

interface ApiObjectInternals {
  readonly props: Record<string, unknown>;
  readonly patches: readonly unknown[];
}

interface MetadataInternals {
  readonly _additionalAttributes: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: Record<string, string>;
  readonly finalizers: string[];
  readonly ownerReferences: unknown[];
  readonly labels: Record<string, string>;
}

function renderMetadata(object: ApiObject): unknown {
  const m = object.metadata as unknown as MetadataInternals;
  return plainObject({
    ...m._additionalAttributes,
    name: m.name,
    namespace: m.namespace,
    annotations: m.annotations,
    finalizers: m.finalizers,
    ownerReferences: m.ownerReferences,
    labels: m.labels,
  }, false, true) ?? {};
}

function renderDirect(object: ApiObject): KubeObject {
  const internals = object as unknown as ApiObjectInternals;
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(internals.props)) {
    if (key !== 'apiVersion' && key !== 'kind' && key !== 'metadata') {
      body[key] = internals.props[key];
    }
  }
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: renderMetadata(object),
    ...plainObject(body, false, false),
  } as KubeObject;
}

/** The manifest of one object, as `toJson()` renders it. */
export function renderApiObject(object: ApiObject): KubeObject {
  const internals = object as unknown as ApiObjectInternals;
  if (L1_CLASSES.has(object.constructor) && internals.patches.length === 0) {
    try {
      return renderDirect(object);
    } catch (error) {
      if (!(error instanceof NotPlain)) {
        throw error;
      }
    }
  }
  return object.toJson() as KubeObject;
}
