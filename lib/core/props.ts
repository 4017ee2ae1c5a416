import { type IConstruct } from 'constructs';
import { type z } from 'zod';
import { type PropIssue, reportIssues } from './errors';

type ZodIssue = z.core.$ZodIssue;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `a.b[0].c` from a zod path; a key that is not an identifier is quoted: `env["A=B"]`. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
    } else if (typeof key === 'string' && IDENTIFIER.test(key)) {
      out += out === '' ? key : `.${key}`;
    } else {
      out += `[${JSON.stringify(String(key))}]`;
    }
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The closest known key, when one is close enough to be a likely typo. */
export function closestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(unknown.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(unknown.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Keys a zod object schema accepts at `path` (through optional, default, array and nullable wrappers). */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  const unwrap = (s: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
    let node = s;
    while (node && ['optional', 'default', 'nullable', 'prefault', 'readonly', 'pipe'].includes(node._zod.def.type)) {
      const def = node._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
      node = def.innerType ?? def.in;
    }
    return node;
  };
  for (const key of path) {
    current = unwrap(current);
    if (!current) {
      return [];
    }
    const def = current._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType };
    if (def.type === 'object' && def.shape && typeof key === 'string') {
      current = def.shape[key];
    } else if (def.type === 'array' && typeof key === 'number') {
      current = def.element;
    } else if (def.type === 'record') {
      current = def.valueType;
    } else {
      return [];
    }
  }
  current = unwrap(current);
  const def = current?._zod.def as { type?: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function quotedList(items: readonly string[]): string {
  return items.map((item) => JSON.stringify(item)).join(', ');
}

function unknownKeyIssues(schema: z.ZodType, issue: ZodIssue & { keys: string[] }, prefix: string): PropIssue[] {
  const known = knownKeysAt(schema, issue.path);
  return issue.keys.map((key) => {
    const suggestion = closestKey(key, known);
    const hint = suggestion ? `did you mean "${suggestion}"? ` : '';
    return {
      field: fieldPath([...issue.path, key], prefix),
      message: `unknown field ${JSON.stringify(key)}; ${hint}allowed fields here: ${known.length > 0 ? known.join(', ') : 'none'}`,
    };
  });
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string', number: 'a finite number', boolean: 'true or false', array: 'a list (an array)', bigint: 'a number',
  function: 'a function', date: 'a date', symbol: 'a symbol', null: 'null',
};

function objectDescription(schema: z.core.$ZodType | undefined): string {
  const def = schema?._zod.def as { type?: string; shape?: Record<string, unknown> } | undefined;
  if (def?.type === 'object' && def.shape) {
    const keys = Object.keys(def.shape);
    return keys.length > 0 ? `an object with the fields ${quotedList(keys)} (each optional unless said otherwise)` : 'an empty object';
  }
  if (def?.type === 'record') {
    return 'an object mapping names to values';
  }
  return 'an object';
}

function bound(origin: string, value: number | bigint, inclusive: boolean | undefined, side: 'least' | 'most'): string {
  const count = Number(value);
  if (origin === 'string') {
    return side === 'least' && count === 1 ? 'must not be empty' : `must be at ${side} ${count} characters long`;
  }
  if (origin === 'array' || origin === 'set') {
    return side === 'least' && count === 1 ? 'must list at least one item' : `must list at ${side} ${count} items`;
  }
  if (inclusive === false) {
    return side === 'least' ? `must be above ${count}` : `must be below ${count}`;
  }
  return `must be at ${side} ${count}`;
}

/**
 * What is allowed, in the words of this library, for the issues whose schema gives no message
 * of its own (zod's defaults say "Invalid input: expected object, received string").
 */
export const allowedWording: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) {
        return `is required (${issue.expected === 'object' ? objectDescription(issue.inst as z.core.$ZodType | undefined) : TYPE_NAMES[issue.expected] ?? issue.expected})`;
      }
      return `must be ${issue.expected === 'object' ? objectDescription(issue.inst as z.core.$ZodType | undefined) : TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return bound(issue.origin, issue.minimum, issue.inclusive, 'least');
    case 'too_big':
      return bound(issue.origin, issue.maximum, issue.inclusive, 'most');
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `has the wrong format${issue.format === 'regex' && 'pattern' in issue ? ` (must match ${String(issue.pattern)})` : ''}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
      return 'has a name that is not allowed here';
    case 'invalid_element':
      return 'has an element that is not allowed here';
    case 'invalid_union':
      return 'matches none of the allowed forms';
    default:
      return undefined;
  }
};

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let current: unknown = input;
  try {
    for (const key of path) {
      if (current === null || typeof current !== 'object' || !(key in current)) {
        return { found: false };
      }
      current = (current as Record<PropertyKey, unknown>)[key];
    }
  } catch {
    return { found: false };
  }
  return { found: current !== undefined, value: current };
}

/** Converts zod issues into prop issues with the field path, the given value and what is allowed. */
export function toPropIssues(schema: z.ZodType, issues: readonly ZodIssue[], input: unknown, prefix = ''): PropIssue[] {
  const out: PropIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      out.push(...unknownKeyIssues(schema, issue, prefix));
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push(...toPropIssues(schema, issue.errors.flat(), input, prefix));
      continue;
    }
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      // A record key (an environment variable name...) that its schema refuses: the key is the value.
      out.push({ field: fieldPath(issue.path, prefix), message: issue.issues[0].message, value: issue.path[issue.path.length - 1] });
      continue;
    }
    const given = valueAt(input, issue.path);
    out.push({ field: fieldPath(issue.path, prefix), message: issue.message, ...(given.found ? { value: given.value } : {}) });
  }
  return dedupe(out);
}

function dedupe(issues: PropIssue[]): PropIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.field}\u0000${i.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/** Result of checking props: the parsed value (when usable) and every problem found. */
export interface ParsedProps<T> {
  readonly value: T | undefined;
  readonly issues: readonly PropIssue[];
}

/**
 * Validates props against a zod schema without throwing. When some fields are invalid, the
 * construct still gets a usable value with those top-level fields reset to their defaults, so
 * that every other problem in the app can be found in the same run.
 */
export function checkProps<S extends z.ZodType>(schema: S, props: unknown, prefix = ''): ParsedProps<z.output<S>> {
  const result = safeParse(schema, props);
  if (result.success) {
    return { value: result.data, issues: [] };
  }
  const issues = toPropIssues(schema, result.error.issues, props, prefix);
  return { value: fallbackValue(schema, props, result.error.issues), issues };
}

/** `schema.safeParse` with this library's wording; a Proxy or getter that throws is a problem, not a crash. */
export function safeParse<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  try {
    return schema.safeParse(value, { reportInput: true, error: allowedWording });
  } catch (error) {
    const message = `could not be read: ${error instanceof Error ? error.message : String(error)}`;
    return schema.safeParse(Symbol('unreadable'), { error: () => message }) as z.ZodSafeParseResult<z.output<S>>;
  }
}

function fallbackValue<S extends z.ZodType>(schema: S, props: unknown, issues: readonly ZodIssue[]): z.output<S> | undefined {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    return undefined;
  }
  const bad = new Set(issues.map((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? undefined : i.path[0])));
  const knownKeys = new Set(knownKeysAt(schema, []));
  try {
    const cleaned = Object.fromEntries(
      Object.entries(props).filter(([key]) => !bad.has(key) && (knownKeys.size === 0 || knownKeys.has(key))),
    );
    const retry = safeParse(schema, cleaned);
    return retry.success ? retry.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Validates props and records the problems on the construct (reported at synth time with all
 * other problems). Returns the usable value or `undefined` when a required field is unusable.
 */
export function parseProps<S extends z.ZodType>(scope: IConstruct, schema: S, props: unknown): z.output<S> | undefined {
  const { value, issues } = checkProps(schema, props);
  reportIssues(scope, issues);
  return value;
}
