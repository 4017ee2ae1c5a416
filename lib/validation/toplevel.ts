/**
 * Schema validation of one whole object: find its schema from apiVersion+kind (built-in
 * definition or served CRD version) and walk it; metadata.name is always required.
 */
import { catalog, gvkKey } from './catalog';
import { validateCustomResource } from './crd';
import { splitApiVersion } from './model';
import { validateAgainstDefinition } from './schema';
import { describe, dig, isRecord, str, type Issue, type JsonObject } from './util';

/** Options of the schema check. */
export interface SchemaOptions {
  /** Kinds no schema knows (a CRD that is not bundled) pass unchecked instead of being errors. */
  readonly ignoreUnknownKinds?: boolean;
}

export function validateObjectSchema(value: unknown, options: SchemaOptions = {}): Issue[] {
  if (!isRecord(value)) return [{ path: '', message: `expected a Kubernetes object, got ${describe(value)}` }];
  const issues: Issue[] = [];
  const apiVersion = str(value.apiVersion);
  const kind = str(value.kind);
  if (apiVersion === undefined) issues.push({ path: 'apiVersion', message: missingOrWrong('apiVersion', value.apiVersion) });
  if (kind === undefined) issues.push({ path: 'kind', message: missingOrWrong('kind', value.kind) });
  if (apiVersion !== undefined && kind !== undefined) validateKnownKind(value, apiVersion, kind, issues, options);
  checkName(value, issues);
  return issues;
}

function missingOrWrong(field: string, value: unknown): string {
  return value === undefined ? `missing required field "${field}"` : `expected string, got ${describe(value)}`;
}

function validateKnownKind(value: JsonObject, apiVersion: string, kind: string, issues: Issue[], options: SchemaOptions): void {
  const { group, version } = splitApiVersion(apiVersion);
  const key = gvkKey(group, version, kind);
  const builtin = catalog().builtins.get(key);
  if (builtin !== undefined) return validateAgainstDefinition(builtin, value, '', issues);
  const crd = catalog().crds.get(key);
  if (crd !== undefined) return validateCustomResource(crd.schema, value, issues);
  const known = catalog().versions.get(`${group}/${kind}`);
  if (known === undefined) {
    if (options.ignoreUnknownKinds) return;
    issues.push({ path: 'kind', message: `unknown kind ${kind} in API group ${JSON.stringify(group)} (not in the Kubernetes 1.28 definitions nor in a CRD)` });
  } else {
    issues.push({ path: 'apiVersion', message: `unknown or unserved apiVersion ${apiVersion} for ${kind} (known versions: ${known.join(', ')})` });
  }
}

function checkName(value: JsonObject, issues: Issue[]): void {
  const name = dig(value, 'metadata', 'name');
  if (name === undefined) issues.push({ path: 'metadata.name', message: 'missing required field "name" (every object needs metadata.name)' });
  else if (name === '') issues.push({ path: 'metadata.name', message: 'metadata.name must not be empty' });
}
