/**
 * Strict walker for CustomResourceDefinition structural schemas (`openAPIV3Schema`).
 *
 * Unknown fields are errors (the API server would prune them silently, kubeconform -strict
 * rejects them) unless `additionalProperties` or `x-kubernetes-preserve-unknown-fields` allows
 * them. `anyOf`/`oneOf`/`allOf`/`not` are value validations, as in structural schemas: their
 * branches never declare fields, so unknown fields are not reported inside them.
 *
 * Not implemented: `x-kubernetes-validations` (CEL rules) are skipped, there is no CEL
 * evaluator here; the few rules our CRDs carry are re-checked by hand in semantic checks
 * (e.g. KEDA minReplicaCount <= maxReplicaCount).
 */
import { OBJECT_META } from './catalog';
import { checkFormat, validateAgainstDefinition } from './schema';
import { canonical, describe, hasType, isRecord, join, jsonEqual, num, rec, str, type Issue, type JsonObject } from './util';

interface Walk {
  readonly issues: Issue[];
  /** False inside value-validation branches (anyOf...), where unknown fields are not errors. */
  readonly strict: boolean;
}

const EMBEDDED_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);
const patternCache = new Map<string, RegExp | null>();
const LEADING_CASE_FLAG = /^(\^?)\(\?i\)/;

/** Validates a whole custom resource; its top-level metadata is checked as ObjectMeta. */
export function validateCustomResource(schema: JsonObject, value: unknown, issues: Issue[]): void {
  walk({ issues, strict: true }, schema, value, '', true);
}

function walk(w: Walk, schema: JsonObject, value: unknown, path: string, embedded = false): void {
  if (value === null) {
    if (schema.nullable !== true && !isAnything(schema)) w.issues.push({ path, message: 'null is not allowed (omit the field instead)' });
    return;
  }
  if (!checkType(w, schema, value, path)) return;
  checkEnum(w, schema, value, path);
  checkScalar(w, schema, value, path);
  if (isRecord(value)) walkObject(w, schema, value, path, embedded || schema['x-kubernetes-embedded-resource'] === true);
  else if (Array.isArray(value)) walkArray(w, schema, value, path);
  checkCombinators(w, schema, value, path);
}

function isAnything(schema: JsonObject): boolean {
  return schema.type === undefined && schema['x-kubernetes-int-or-string'] !== true;
}

function checkType(w: Walk, schema: JsonObject, value: unknown, path: string): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'string' || hasType(value, 'integer')) return true;
    w.issues.push({ path, message: `expected an integer or a string (x-kubernetes-int-or-string), got ${describe(value)}` });
    return false;
  }
  const type = str(schema.type);
  if (type === undefined || hasType(value, type)) return true;
  w.issues.push({ path, message: `expected ${type}, got ${describe(value)}` });
  return false;
}

function checkEnum(w: Walk, schema: JsonObject, value: unknown, path: string): void {
  const allowed = schema.enum;
  if (Array.isArray(allowed) && !allowed.some((e) => jsonEqual(e, value))) {
    w.issues.push({ path, message: `${describe(value)} is not one of ${JSON.stringify(allowed)}` });
  }
}

function checkScalar(w: Walk, schema: JsonObject, value: unknown, path: string): void {
  const problems = [
    checkFormat(str(schema.format), value),
    typeof value === 'string' ? checkString(schema, value) : undefined,
    typeof value === 'number' ? checkNumber(schema, value) : undefined,
    isRecord(value) ? checkCount(schema, Object.keys(value).length, 'Properties', 'properties') : undefined,
    Array.isArray(value) ? checkCount(schema, value.length, 'Items', 'items') : undefined,
  ];
  for (const message of problems) {
    if (message !== undefined) w.issues.push({ path, message });
  }
}

function checkString(schema: JsonObject, value: string): string | undefined {
  const length = [...value].length;
  const lengthProblem = checkCount(schema, length, 'Length', 'characters');
  if (lengthProblem !== undefined) return lengthProblem;
  const pattern = str(schema.pattern);
  const regex = pattern === undefined ? null : compilePattern(pattern);
  return regex !== null && !regex.test(value) ? `${describe(value)} does not match pattern ${pattern}` : undefined;
}

/** minLength/maxLength, minItems/maxItems, minProperties/maxProperties. */
function checkCount(schema: JsonObject, count: number, suffix: string, unit: string): string | undefined {
  const min = num(schema[`min${suffix}`]);
  const max = num(schema[`max${suffix}`]);
  if (min !== undefined && count < min) return `must have at least ${min} ${unit} (has ${count})`;
  if (max !== undefined && count > max) return `must have at most ${max} ${unit} (has ${count})`;
  return undefined;
}

function checkNumber(schema: JsonObject, value: number): string | undefined {
  const min = num(schema.minimum);
  const max = num(schema.maximum);
  if (min !== undefined && (value < min || (schema.exclusiveMinimum === true && value === min))) {
    return `${value} must be ${schema.exclusiveMinimum === true ? 'greater than' : 'at least'} ${min}`;
  }
  if (max !== undefined && (value > max || (schema.exclusiveMaximum === true && value === max))) {
    return `${value} must be ${schema.exclusiveMaximum === true ? 'less than' : 'at most'} ${max}`;
  }
  const multipleOf = num(schema.multipleOf);
  return multipleOf !== undefined && multipleOf > 0 && !Number.isInteger(value / multipleOf)
    ? `${value} must be a multiple of ${multipleOf}`
    : undefined;
}

/**
 * CRD patterns are RE2 (Go). The only RE2-only syntax our CRDs use is a leading `(?i)` (after an
 * optional `^`), turned
 * into the `i` flag here; a pattern JavaScript cannot compile is skipped rather than guessed.
 */
export function compilePattern(pattern: string): RegExp | null {
  const cached = patternCache.get(pattern);
  if (cached !== undefined) return cached;
  const insensitive = LEADING_CASE_FLAG.test(pattern);
  let regex: RegExp | null;
  try {
    regex = new RegExp(insensitive ? pattern.replace(LEADING_CASE_FLAG, '$1') : pattern, insensitive ? 'i' : '');
  } catch {
    regex = null;
  }
  patternCache.set(pattern, regex);
  return regex;
}

function walkObject(w: Walk, schema: JsonObject, value: JsonObject, path: string, embedded: boolean): void {
  checkRequired(w, schema, value, path);
  const properties = rec(schema.properties);
  for (const [key, child] of Object.entries(value)) {
    const childPath = join(path, key);
    if (embedded && EMBEDDED_FIELDS.has(key)) walkEmbeddedField(w, properties, key, child, childPath);
    else walkField(w, schema, key, child, childPath);
  }
}

function walkField(w: Walk, schema: JsonObject, key: string, child: unknown, path: string): void {
  const declared = rec(rec(schema.properties)?.[key]);
  const additional = schema.additionalProperties;
  const childSchema = declared ?? rec(additional);
  if (childSchema !== undefined) return walk(w, childSchema, child, path);
  if (additional === true || schema['x-kubernetes-preserve-unknown-fields'] === true || !w.strict) return;
  if (schema.properties !== undefined || schema.type === 'object' || additional === false) {
    w.issues.push({ path, message: `unknown field "${key}"` });
  }
}

/** apiVersion/kind/metadata of a custom resource or of an x-kubernetes-embedded-resource. */
function walkEmbeddedField(w: Walk, properties: JsonObject | undefined, key: string, child: unknown, path: string): void {
  if (key === 'metadata') return validateAgainstDefinition(OBJECT_META, child, path, w.issues);
  const declared = rec(properties?.[key]);
  if (declared !== undefined) return walk(w, declared, child, path);
  if (typeof child !== 'string') w.issues.push({ path, message: `expected string, got ${describe(child)}` });
}

function checkRequired(w: Walk, schema: JsonObject, value: JsonObject, path: string): void {
  if (!Array.isArray(schema.required)) return;
  const properties = rec(schema.properties);
  for (const name of schema.required) {
    if (typeof name !== 'string' || value[name] !== undefined) continue;
    // The API server applies defaults before validating, so a defaulted field is never missing.
    if (rec(properties?.[name])?.default !== undefined) continue;
    w.issues.push({ path: join(path, name), message: `missing required field "${name}"` });
  }
}

function walkArray(w: Walk, schema: JsonObject, value: readonly unknown[], path: string): void {
  const items = rec(schema.items);
  if (items !== undefined) value.forEach((item, i) => walk(w, items, item, join(path, i)));
  checkListType(w, schema, items, value, path);
}

/** x-kubernetes-list-type: set (unique items) and map (unique by x-kubernetes-list-map-keys). */
function checkListType(w: Walk, schema: JsonObject, items: JsonObject | undefined, value: readonly unknown[], path: string): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') return;
  const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'].map(String) : [];
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const identity = listType === 'set' ? canonical(item) : canonical(keys.map((k) => mapKeyValue(items, item, k)));
    if (seen.has(identity)) w.issues.push({ path: join(path, i), message: `duplicate entry in a list of type ${listType}` });
    seen.add(identity);
  });
}

function mapKeyValue(items: JsonObject | undefined, item: unknown, key: string): unknown {
  const value = rec(item)?.[key];
  return value !== undefined ? value : rec(rec(items?.properties)?.[key])?.default;
}

function checkCombinators(w: Walk, schema: JsonObject, value: unknown, path: string): void {
  const loose: Walk = { issues: w.issues, strict: false };
  for (const branch of branches(schema.allOf)) walk(loose, branch, value, path);
  const anyOf = branches(schema.anyOf);
  if (anyOf.length > 0 && !anyOf.some((b) => passes(b, value, path))) {
    w.issues.push({ path, message: `${describe(value)} does not match any of the anyOf schemas` });
  }
  const oneOf = branches(schema.oneOf);
  const matches = oneOf.filter((b) => passes(b, value, path)).length;
  if (oneOf.length > 0 && matches !== 1) {
    w.issues.push({ path, message: `${describe(value)} must match exactly one of the oneOf schemas (matches ${matches})` });
  }
  const not = rec(schema.not);
  if (not !== undefined && passes(not, value, path)) {
    w.issues.push({ path, message: `${describe(value)} must not match the "not" schema` });
  }
}

function branches(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function passes(schema: JsonObject, value: unknown, path: string): boolean {
  const trial: Walk = { issues: [], strict: false };
  walk(trial, schema, value, path);
  return trial.issues.length === 0;
}
