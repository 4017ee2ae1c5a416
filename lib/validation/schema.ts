/**
 * Strict walker for the Kubernetes OpenAPI (swagger 2.0) definitions, in the spirit of
 * `kubeconform -strict`: unknown fields are errors wherever a schema lists `properties`
 * without `additionalProperties`, and `null` is rejected unless a schema says `nullable`.
 */
import { catalog } from './catalog';
import { isQuantityString } from './quantity';
import { describe, hasType, isRecord, join, jsonEqual, rec, str, type Issue, type JsonObject } from './util';

const REF_PREFIX = '#/definitions/';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

interface Walk {
  readonly defs: ReadonlyMap<string, JsonObject>;
  readonly issues: Issue[];
}

type SpecialCheck = (value: unknown) => string | undefined;

/** Definitions whose generic schema is too loose (or too odd) to walk as is. */
const SPECIAL: Readonly<Record<string, SpecialCheck>> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': checkQuantity,
  [INT_OR_STRING]: checkIntOrString,
  'io.k8s.apimachinery.pkg.runtime.RawExtension': () => undefined,
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': () => undefined,
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': () => undefined,
};

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 63), 2 ** 63],
};

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Validates `value` against the named definition (e.g. ObjectMeta), appending to `issues`. */
export function validateAgainstDefinition(definition: string, value: unknown, path: string, issues: Issue[]): void {
  walkRef({ defs: catalog().definitions, issues }, definition, value, path);
}

/** Validates `value` against an inline swagger schema whose `$ref`s point into the definitions. */
export function validateAgainstSchema(schema: JsonObject, value: unknown, path: string, issues: Issue[]): void {
  walk({ defs: catalog().definitions, issues }, schema, value, path);
}

/** Checks the `format` keywords shared by both walkers; returns a message or undefined. */
export function checkFormat(format: string | undefined, value: unknown): string | undefined {
  if (format === undefined) return undefined;
  const range = INT_RANGES[format];
  if (range !== undefined && typeof value === 'number') {
    return value < range[0] || value > range[1] ? `${value} is out of the ${format} range` : undefined;
  }
  if (typeof value !== 'string') return undefined;
  if (format === 'date-time' && !DATE_TIME.test(value)) return `${describe(value)} is not an RFC 3339 date-time`;
  if (format === 'byte' && !BASE64.test(value)) return 'is not valid base64 (format: byte)';
  return undefined;
}

function walkRef(w: Walk, ref: string, value: unknown, path: string): void {
  const name = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
  const special = SPECIAL[name];
  if (special !== undefined) {
    const message = special(value);
    if (message !== undefined) w.issues.push({ path, message });
    return;
  }
  const schema = w.defs.get(name);
  if (schema === undefined) {
    w.issues.push({ path, message: `schema definition ${name} not found` });
    return;
  }
  walk(w, schema, value, path);
}

function walk(w: Walk, schema: JsonObject, value: unknown, path: string): void {
  const ref = str(schema.$ref);
  if (ref !== undefined) return walkRef(w, ref, value, path);
  if (isUnconstrained(schema) || schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (value === null) {
    if (schema.nullable !== true) w.issues.push({ path, message: 'null is not allowed (omit the field instead)' });
    return;
  }
  if (Array.isArray(schema.oneOf)) return walkOneOf(w, schema.oneOf, value, path);
  if (schema.format === 'int-or-string') return walkRef(w, INT_OR_STRING, value, path); // older swagger dumps
  const type = str(schema.type);
  if (type !== undefined && !hasType(value, type)) {
    w.issues.push({ path, message: `expected ${type}, got ${describe(value)}` });
    return;
  }
  checkValue(w, schema, value, path);
  if (isRecord(value)) walkObject(w, schema, value, path);
  else if (Array.isArray(value)) walkArray(w, schema, value, path);
}

/** `{}` (e.g. apiextensions JSON): any value at all. */
function isUnconstrained(schema: JsonObject): boolean {
  return ['type', 'properties', 'additionalProperties', 'items', 'oneOf', 'enum', 'format'].every((k) => schema[k] === undefined);
}

function checkValue(w: Walk, schema: JsonObject, value: unknown, path: string): void {
  const allowed = schema.enum;
  if (Array.isArray(allowed) && !allowed.some((e) => jsonEqual(e, value))) {
    w.issues.push({ path, message: `${describe(value)} is not one of ${JSON.stringify(allowed)}` });
  }
  const formatProblem = checkFormat(str(schema.format), value);
  if (formatProblem !== undefined) w.issues.push({ path, message: formatProblem });
}

function walkObject(w: Walk, schema: JsonObject, value: JsonObject, path: string): void {
  const properties = rec(schema.properties);
  const additional = schema.additionalProperties;
  for (const name of requiredFields(schema)) {
    if (value[name] === undefined) w.issues.push({ path: join(path, name), message: `missing required field "${name}"` });
  }
  for (const [key, child] of Object.entries(value)) {
    const childSchema = rec(properties?.[key]) ?? rec(additional);
    if (childSchema !== undefined) walk(w, childSchema, child, join(path, key));
    else if ((properties !== undefined && additional !== true) || additional === false) {
      w.issues.push({ path: join(path, key), message: `unknown field "${key}"` });
    }
  }
}

function requiredFields(schema: JsonObject): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
}

function walkArray(w: Walk, schema: JsonObject, value: readonly unknown[], path: string): void {
  const items = rec(schema.items);
  if (items === undefined) return;
  value.forEach((item, i) => walk(w, items, item, join(path, i)));
}

function walkOneOf(w: Walk, branches: readonly unknown[], value: unknown, path: string): void {
  const matching = branches.filter((branch) => {
    const trial: Walk = { defs: w.defs, issues: [] };
    if (isRecord(branch)) walk(trial, branch, value, path);
    return trial.issues.length === 0;
  });
  if (matching.length !== 1) {
    w.issues.push({ path, message: `${describe(value)} must match exactly one of ${branches.length} schemas (matches ${matching.length})` });
  }
}

function checkQuantity(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `invalid quantity ${String(value)}`;
  if (typeof value !== 'string') return `expected a quantity (string such as "500m" or a number), got ${describe(value)}`;
  return isQuantityString(value)
    ? undefined
    : `invalid quantity ${JSON.stringify(value)}: must match the Kubernetes quantity grammar (e.g. 500m, 1.5, 1Gi, 1e3)`;
}

function checkIntOrString(value: unknown): string | undefined {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) return undefined;
  return `expected an integer or a string (IntOrString), got ${describe(value)}`;
}
