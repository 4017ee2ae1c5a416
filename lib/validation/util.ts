/**
 * Small helpers shared by the validation harness: narrowing of parsed-YAML values and path
 * building. Everything here works on `unknown` so callers never need `any`.
 */

export type JsonObject = Record<string, unknown>;

/** One problem found while walking one object; the caller adds the object id and the rule. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as a record, or undefined. */
export function rec(value: unknown): JsonObject | undefined {
  return isRecord(value) ? value : undefined;
}

/** The value as an array, or an empty array when it is anything else. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Reads a nested value, e.g. `dig(obj, 'spec', 'template', 'metadata')`. */
export function dig(value: unknown, ...keys: readonly string[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** A map of string values (labels, selectors...), ignoring entries that are not strings. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Appends a key or an index to a dotted path: `a.b`, `a[0]`, `a["app.kubernetes.io/name"]`. */
export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!SIMPLE_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Joins several keys at once. */
export function joinAll(path: string, ...keys: readonly (string | number)[]): string {
  return keys.reduce<string>((p, k) => join(p, k), path);
}

/** Short description of a value for messages: `string "3"`, `number 1.5`, `object`... */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(truncate(value, 60))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** JSON type name of a value, as JSON Schema sees it (integers are also numbers). */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Whether a value satisfies a JSON-schema `type`. */
export function hasType(value: unknown, type: string): boolean {
  const actual = jsonType(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

/** Structural equality for JSON values (used by enum and list-type=set checks). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
