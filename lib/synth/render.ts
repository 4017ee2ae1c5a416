import { type ApiObject, App, Chart, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type IConstruct } from 'constructs';
import { assertNoPlaceholder, PLACEHOLDER, PlaceholderInOutputError } from '../core/placeholder';
import { type KubeObject } from './kube-object';

/**
 * A direct renderer for cdk8s's own Kubernetes L1 objects (`k8s.Kube*`). Their props are plain
 * data with `Lazy` values and `Quantity` / `IntOrString` unions, so one pass can produce what
 * `ApiObject.toJson()` produces (a generic resolver, a sanitizer, a JSON-patch clone and the
 * generated converters, which dominate synthesis time) with the same result byte for byte:
 * every key sorted, `apiVersion`, `kind` and `metadata` first, the L1 property renames
 * (`clusterIp` is `clusterIP`), undefined dropped, empty metadata fields dropped.
 *
 * It reads two private fields of cdk8s (`ApiObject.props`, `ApiObject.patches`) and the fields
 * of `ApiObjectMetadataDefinition`, as they are in the versions listed in
 * `CHECKED_CDK8S_VERSIONS`; a test fails when an upgrade changes them, and at run time a probe
 * object compares both paths before the fast one is used. Everything the fast path cannot
 * reproduce takes `toJson()`: an app with resolvers beyond cdk8s's built-in ones, an object with
 * JSON patches or metadata attributes the L1 converters would drop, custom resources, values of
 * unknown classes, and every object when cdk8s renders differently than expected (for example
 * with `CDK8S_DISABLE_SORT` set).
 */

/** The cdk8s versions whose private fields the direct path was checked against (see test/synth/render.test.ts). */
export const CHECKED_CDK8S_VERSIONS: readonly string[] = ['2.70.106'];

/** The fields of `ApiObject` and `ApiObjectMetadataDefinition` instances in those versions. */
export const EXPECTED_CDK8S_FIELDS = {
  apiObject: ['apiGroup', 'apiVersion', 'chart', 'kind', 'metadata', 'name', 'patches', 'props'],
  metadata: ['_additionalAttributes', 'annotations', 'apiObject', 'finalizers', 'labels', 'name', 'namespace', 'ownerReferences'],
} as const;

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

/** Metadata the fast path renders; anything else set with `metadata.add()` may be dropped by the L1 converter, so it takes `toJson()`. */
const HANDLED_METADATA = new Set(['name', 'namespace', 'labels', 'annotations', 'finalizers', 'ownerReferences']);

const L1_CLASSES: ReadonlySet<unknown> = new Set(Object.values(k8s).filter((v) => typeof v === 'function' && /^Kube[A-Z]/.test((v as { name: string }).name)));

const BUILT_IN_RESOLVERS: ReadonlySet<unknown> = new Set([LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver]);

/** Thrown when a value is of a kind only the generic resolver knows. */
class NotPlain extends Error {}

function plainValue(value: unknown, map: boolean, dropEmpty: boolean): unknown {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object') {
    if (typeof value === 'string') {
      if (value.includes(PLACEHOLDER)) {
        throw new PlaceholderInOutputError('a value');
      }
      return value;
    }
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
    return plainValue(value.value, false, dropEmpty);
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
  readonly props?: Record<string, unknown>;
  readonly patches?: readonly unknown[];
}

interface MetadataInternals {
  readonly _additionalAttributes?: Record<string, unknown>;
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

function renderDirect(object: ApiObject, props: Record<string, unknown>): KubeObject {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(props)) {
    if (key !== 'apiVersion' && key !== 'kind' && key !== 'metadata') {
      body[key] = props[key];
    }
  }
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: renderMetadata(object),
    ...plainObject(body, false, false),
  } as KubeObject;
}

/** Whether the object is one the direct path reproduces: an L1 object without patches or unknown metadata. */
function isDirectCandidate(object: ApiObject): boolean {
  const internals = object as unknown as ApiObjectInternals;
  if (!L1_CLASSES.has(object.constructor) || internals.patches === undefined || internals.patches.length > 0 || typeof internals.props !== 'object') {
    return false;
  }
  const attributes = (object.metadata as unknown as MetadataInternals)._additionalAttributes;
  return attributes !== undefined && Object.keys(attributes).every((key) => HANDLED_METADATA.has(key));
}

/** Whether the app resolves values only with cdk8s's built-in resolvers, which the direct path reproduces. */
function hasOnlyBuiltInResolvers(construct: IConstruct): boolean {
  const resolvers = (App.of(construct) as Partial<App>).resolvers;
  return Array.isArray(resolvers) && resolvers.every((r) => BUILT_IN_RESOLVERS.has((r as object).constructor));
}

/**
 * Whether cdk8s still renders the way the direct path assumes: its private fields are where they
 * were, and an object with unsorted keys, a Lazy, a rename and a quantity comes out the same both ways.
 */
export function directPathMatchesCdk8s(): boolean {
  try {
    const chart = new Chart(new App({ outdir: '.' }), 'probe', { namespace: 'probe' });
    const service = new k8s.KubeService(chart, 'svc', {
      metadata: { name: 'svc', labels: { z: '1', a: '2' }, annotations: {} },
      spec: Lazy.any({ produce: () => ({ selector: { b: '1', a: '2' }, clusterIp: 'None', ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }] }) }),
    });
    const internals = service as unknown as ApiObjectInternals;
    if (!isDirectCandidate(service) || internals.props === undefined) {
      return false;
    }
    return JSON.stringify(renderDirect(service, internals.props)) === JSON.stringify(service.toJson());
  } catch {
    return false;
  }
}

/** A render failure, with the construct path of the object. */
export class RenderError extends Error {
  constructor(public readonly path: string, cause: unknown) {
    super(`[${path}] ${describeCause(cause)}`);
    this.name = 'RenderError';
  }
}

function describeCause(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  // toJson() already names the path: keep only what went wrong.
  return message.replace(/^Failed serializing construct at path '[^']*' with name '[^']*': (Error: )?/, '');
}

/** Renders the objects of one chart, choosing the direct path where it agrees with cdk8s. */
export class ApiObjectRenderer {
  private readonly direct: boolean;

  constructor(chart: IConstruct) {
    this.direct = hasOnlyBuiltInResolvers(chart) && directPathMatchesCdk8s();
  }

  /** The manifest of one object, as `toJson()` renders it. */
  public render(object: ApiObject): KubeObject {
    let rendered: KubeObject | undefined;
    try {
      if (this.direct && isDirectCandidate(object)) {
        rendered = this.tryDirect(object);
      }
      if (rendered === undefined) {
        rendered = object.toJson() as KubeObject;
        assertNoPlaceholder(rendered, 'the object');
      }
    } catch (error) {
      throw new RenderError(object.node.path, error instanceof PlaceholderInOutputError ? new PlaceholderInOutputError(`${object.kind} "${object.name}"`) : error);
    }
    return rendered;
  }

  private tryDirect(object: ApiObject): KubeObject | undefined {
    try {
      return renderDirect(object, (object as unknown as Required<ApiObjectInternals>).props);
    } catch (error) {
      if (error instanceof NotPlain) {
        return undefined;
      }
      throw error;
    }
  }
}

/** The manifest of one object, as `toJson()` renders it (a renderer per chart is faster for many objects). */
export function renderApiObject(object: ApiObject): KubeObject {
  return new ApiObjectRenderer(object).render(object);
}
