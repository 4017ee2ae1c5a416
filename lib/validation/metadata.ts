/**
 * Semantic rules on object identity and metadata: duplicates (rule 1), names (rule 2),
 * labels/annotations/selectors (rule 3), namespaces (rule 11), ConfigMap/Secret keys.
 */
import { isClusterScoped, isKnownKind } from './catalog';
import { type Context } from './context';
import { type Resource } from './model';
import { configKey, dns1123Label, MAX_ANNOTATIONS_BYTES, objectNameRule, qualifiedName } from './names';
import { checkLabelMap, checkLabelSelector, isLabelSelector } from './selectors';
import { isRecord, join, joinAll, rec, type Issue, type JsonObject } from './util';

const SELECTOR_KEYS = new Set(['selector', 'podSelector', 'namespaceSelector', 'labelSelector']);

export function checkDuplicates(ctx: Context): void {
  const seen = new Map<string, Resource>();
  for (const r of ctx.resources) {
    if (r.name === '' || r.kind === '') continue;
    const key = `${r.group}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
    const first = seen.get(key);
    if (first !== undefined) ctx.report(r, 'metadata.name', `duplicate object: same group, kind, namespace and name as objects[${first.index}]`);
    else seen.set(key, r);
  }
}

export function checkObjectNames(ctx: Context): void {
  for (const r of ctx.resources) {
    if (r.name === '') continue;
    const problem = objectNameRule(r.group, r.kind)(r.name);
    if (problem !== undefined) ctx.report(r, 'metadata.name', `invalid ${r.kind} name ${JSON.stringify(r.name)}: ${problem}`);
  }
}

export function checkNamespaces(ctx: Context): void {
  for (const r of ctx.resources) {
    if (!isKnownKind(r.group, r.kind) || isClusterScoped(r.group, r.kind) || r.kind.endsWith('List')) continue;
    if (r.namespace === undefined) {
      ctx.report(r, 'metadata.namespace', `${r.kind} is namespaced: metadata.namespace must be set`);
      continue;
    }
    const problem = dns1123Label(r.namespace);
    if (problem !== undefined) ctx.report(r, 'metadata.namespace', `invalid namespace ${JSON.stringify(r.namespace)}: ${problem}`);
  }
}

/** Labels, annotations and label selectors, wherever they appear in an object. */
export function checkLabelsAndSelectors(ctx: Context): void {
  for (const r of ctx.resources) {
    const issues: Issue[] = [];
    scan(r.obj, '', issues);
    if ((r.group === '' && (r.kind === 'Service' || r.kind === 'ReplicationController'))) {
      checkLabelMap(rec(r.obj.spec)?.selector, 'spec.selector', issues);
    }
    for (const issue of issues) ctx.report(r, issue.path, issue.message);
  }
}

function scan(value: unknown, path: string, issues: Issue[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => scan(item, join(path, i), issues));
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = join(path, key);
    if (key === 'metadata' && isRecord(child)) checkMetadataMaps(child, childPath, issues);
    if (SELECTOR_KEYS.has(key) && isLabelSelector(child)) checkLabelSelector(child, childPath, issues);
    scan(child, childPath, issues);
  }
}

function checkMetadataMaps(metadata: JsonObject, path: string, issues: Issue[]): void {
  checkLabelMap(metadata.labels, join(path, 'labels'), issues);
  const annotations = rec(metadata.annotations);
  if (annotations === undefined) return;
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const problem = qualifiedName(key);
    if (problem !== undefined) issues.push({ path: joinAll(path, 'annotations', key), message: `invalid annotation key ${JSON.stringify(key)}: ${problem}` });
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (size > MAX_ANNOTATIONS_BYTES) {
    issues.push({ path: join(path, 'annotations'), message: `annotations total ${size} bytes, more than the ${MAX_ANNOTATIONS_BYTES} allowed` });
  }
}

/** ConfigMap and Secret data keys must be valid file names; ConfigMap data and binaryData must not overlap. */
export function checkDataKeys(ctx: Context): void {
  for (const r of ctx.resources) {
    if (r.group !== '' || (r.kind !== 'ConfigMap' && r.kind !== 'Secret')) continue;
    const fields = r.kind === 'ConfigMap' ? ['data', 'binaryData'] : ['data', 'stringData'];
    for (const field of fields) {
      for (const key of Object.keys(rec(r.obj[field]) ?? {})) {
        const problem = configKey(key);
        if (problem !== undefined) ctx.report(r, join(field, key), `invalid ${r.kind} key ${JSON.stringify(key)}: ${problem}`);
      }
    }
    if (r.kind === 'ConfigMap') checkDataOverlap(ctx, r);
    checkDataSize(ctx, r);
  }
}

/** The API server's limit on the data of one ConfigMap or Secret (`MaxSecretSize`). */
const MAX_DATA_BYTES = 1024 * 1024;

/**
 * The API server sums the values' bytes (UTF-8 text, decoded base64 for binary fields; keys are
 * not counted) and refuses more than 1 MiB.
 */
function checkDataSize(ctx: Context, r: Resource): void {
  const text = r.kind === 'ConfigMap' ? 'data' : 'stringData';
  const binary = r.kind === 'ConfigMap' ? 'binaryData' : 'data';
  const bytes = (field: string, encoding: BufferEncoding) => Object.values(rec(r.obj[field]) ?? {})
    .reduce((total: number, value) => total + (typeof value === 'string' ? Buffer.byteLength(value, encoding) : 0), 0);
  const size = bytes(text, 'utf8') + bytes(binary, 'base64');
  if (size > MAX_DATA_BYTES) {
    ctx.report(r, '', `${r.kind} data totals ${size} bytes, more than the ${MAX_DATA_BYTES} (1 MiB) the API server accepts`);
  }
}

function checkDataOverlap(ctx: Context, r: Resource): void {
  const data = rec(r.obj.data) ?? {};
  for (const key of Object.keys(rec(r.obj.binaryData) ?? {})) {
    if (key in data) ctx.report(r, join('binaryData', key), `key ${JSON.stringify(key)} is also in data`);
  }
}
