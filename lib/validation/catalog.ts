/**
 * Loads, once and lazily, the schemas manifests are validated against: the Kubernetes 1.28
 * OpenAPI definitions (`k8s/v1.28.0/_definitions.json`) and every CustomResourceDefinition in
 * `crds/` (YAML, or the JSON the build bundles; new files are picked up automatically). In the
 * repository they are test/schemas; the package ships them, without their descriptions, in
 * build/schemas (scripts/bundle-schemas.js).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { dig, isRecord, list, str, type JsonObject } from './util';

export type Scope = 'Namespaced' | 'Cluster';

export interface CrdVersion {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly scope: Scope;
  readonly schema: JsonObject;
}

export interface Catalog {
  /** Definition name -> schema, for `$ref` resolution. */
  readonly definitions: ReadonlyMap<string, JsonObject>;
  /** "group/version/Kind" -> definition name of a built-in kind. */
  readonly builtins: ReadonlyMap<string, string>;
  /** "group/version/Kind" -> served CRD version. */
  readonly crds: ReadonlyMap<string, CrdVersion>;
  /** "group/Kind" -> every version the schemas know (served or not), for messages. */
  readonly versions: ReadonlyMap<string, readonly string[]>;
  /** "group/Kind" -> scope declared by a CRD. */
  readonly crdScopes: ReadonlyMap<string, Scope>;
}

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const K8S_VERSION = 'v1.28.0';
const CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'cdk8s-agents-crds');

/** Cluster-scoped built-in (and well-known add-on) kinds, as "group/Kind". */
const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass', 'networking.k8s.io/ClusterCIDR', 'networking.k8s.io/IPAddress',
  'certificates.k8s.io/CertificateSigningRequest', 'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'internal.apiserver.k8s.io/StorageVersion', 'resource.k8s.io/ResourceClass',
  'authentication.k8s.io/TokenReview', 'authentication.k8s.io/SelfSubjectReview',
  'authorization.k8s.io/SubjectAccessReview', 'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'external-secrets.io/ClusterSecretStore', 'external-secrets.io/ClusterExternalSecret',
  'keda.sh/ClusterTriggerAuthentication', 'cert-manager.io/ClusterIssuer',
]);

let cached: Catalog | undefined;

/** The schemas, loaded on first use and kept for the life of the process. */
export function catalog(): Catalog {
  cached ??= load(schemasDir());
  return cached;
}

export function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

export function isClusterScoped(group: string, kind: string): boolean {
  const declared = catalog().crdScopes.get(`${group}/${kind}`);
  if (declared !== undefined) return declared === 'Cluster';
  return CLUSTER_SCOPED.has(`${group}/${kind}`);
}

/** build/schemas when running from the package (build/lib/validation), test/schemas when running from the sources (lib/validation). */
function schemasDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'schemas'), path.resolve(__dirname, '..', '..', 'test', 'schemas')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'k8s', K8S_VERSION, '_definitions.json')));
  if (found === undefined) throw new Error(`schemas not found in ${candidates.join(' or ')}`);
  return found;
}

interface Builder {
  readonly definitions: Map<string, JsonObject>;
  readonly builtins: Map<string, string>;
  readonly crds: Map<string, CrdVersion>;
  readonly versions: Map<string, string[]>;
  readonly crdScopes: Map<string, Scope>;
}

function load(dir: string): Catalog {
  const definitions = loadDefinitions(path.join(dir, 'k8s', K8S_VERSION, '_definitions.json'));
  const catalogue: Builder = {
    definitions,
    builtins: new Map(),
    crds: new Map(),
    versions: new Map(),
    crdScopes: new Map(),
  };
  registerBuiltins(catalogue);
  for (const crd of loadCrdDocuments(path.join(dir, 'crds'))) registerCrd(catalogue, crd);
  return catalogue;
}

function loadDefinitions(file: string): Map<string, JsonObject> {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const defs = dig(parsed, 'definitions');
  if (!isRecord(defs)) throw new Error(`${file}: no "definitions" object`);
  const out = new Map<string, JsonObject>();
  for (const [name, schema] of Object.entries(defs)) {
    if (isRecord(schema)) out.set(name, schema);
  }
  return out;
}

function registerBuiltins(target: Builder): void {
  for (const [name, schema] of target.definitions) {
    const gvks = list(schema['x-kubernetes-group-version-kind']);
    // DeleteOptions, WatchEvent and Status carry one entry per API group: they are not manifests.
    if (gvks.length !== 1) continue;
    const group = str(dig(gvks[0], 'group')) ?? '';
    const version = str(dig(gvks[0], 'version'));
    const kind = str(dig(gvks[0], 'kind'));
    if (version === undefined || kind === undefined) continue;
    target.builtins.set(gvkKey(group, version, kind), name);
    addVersion(target, group, kind, version);
  }
}

function addVersion(target: Builder, group: string, kind: string, version: string): void {
  const key = `${group}/${kind}`;
  target.versions.set(key, [...(target.versions.get(key) ?? []), version]);
}

function loadCrdDocuments(dir: string): JsonObject[] {
  if (!fs.existsSync(dir)) return [];
  const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  const out: JsonObject[] = [];
  for (const file of files) {
    if (file.endsWith('.json')) {
      const value: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      if (isRecord(value) && value.kind === 'CustomResourceDefinition') out.push(value);
      continue;
    }
    for (const value of yamlDocuments(path.join(dir, file))) {
      if (isRecord(value) && value.kind === 'CustomResourceDefinition') out.push(value);
    }
  }
  return out;
}

/**
 * The documents of a YAML file. Parsing the big CRDs (Argo CD's ApplicationSet alone is 1.4 MB)
 * costs about a second in every test file that validates, so the parsed documents are kept as
 * JSON in node_modules/.cache, keyed by the file's content hash: a changed file is parsed again.
 */
function yamlDocuments(file: string): unknown[] {
  const text = fs.readFileSync(file, 'utf8');
  const cached = path.join(CACHE_DIR, `${createHash('sha256').update(text).digest('hex')}.json`);
  try {
    return JSON.parse(fs.readFileSync(cached, 'utf8')) as unknown[];
  } catch {
    // not cached yet (or unreadable): parse below
  }
  const documents = parseAllDocuments(text).map((doc) => doc.toJS() as unknown);
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Written under a unique name and renamed: parallel jest workers never read half a file.
    const partial = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(documents));
    fs.renameSync(partial, cached);
  } catch {
    // a read-only checkout still validates, only slower
  }
  return documents;
}

function registerCrd(target: Builder, crd: JsonObject): void {
  const group = str(dig(crd, 'spec', 'group'));
  const kind = str(dig(crd, 'spec', 'names', 'kind'));
  if (group === undefined || kind === undefined) return;
  const scope: Scope = dig(crd, 'spec', 'scope') === 'Cluster' ? 'Cluster' : 'Namespaced';
  target.crdScopes.set(`${group}/${kind}`, scope);
  for (const entry of list(dig(crd, 'spec', 'versions'))) {
    const version = str(dig(entry, 'name'));
    const schema = dig(entry, 'schema', 'openAPIV3Schema');
    if (version === undefined) continue;
    addVersion(target, group, kind, version);
    if (dig(entry, 'served') !== true || !isRecord(schema)) continue;
    target.crds.set(gvkKey(group, version, kind), { group, kind, version, scope, schema });
  }
}

/** Whether the schemas know a kind at all (in any version). */
export function isKnownKind(group: string, kind: string): boolean {
  return catalog().versions.has(`${group}/${kind}`);
}
