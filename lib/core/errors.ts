import { Chart } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';

/**
 * One problem with the input of a construct: which field, what was given, and what is allowed.
 */
export interface PropIssue {
  /** Dotted path of the offending prop, e.g. `resources.requests.cpu`. */
  readonly field: string;
  /** What is wrong and what is allowed instead. */
  readonly message: string;
  /** The value that was given. Omitted when the field was missing. */
  readonly value?: unknown;
}

const MAX_VALUE_LENGTH = 120;
const MAX_DEPTH = 3;

function constructPath(value: object): string | undefined {
  try {
    const path = (value as { node?: { path?: unknown } }).node?.path;
    return typeof path === 'string' ? path : undefined;
  } catch {
    return undefined;
  }
}

function className(value: object): string {
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'Object';
  } catch {
    return 'Object';
  }
}

function isPlainObject(value: object): boolean {
  try {
    const prototype = Object.getPrototypeOf(value) as unknown;
    return prototype === Object.prototype || prototype === null;
  } catch {
    return false;
  }
}

/** JSON-like, but NaN, Infinity, undefined, bigints, symbols, functions and constructs are shown as themselves. */
function render(value: unknown, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return `[function ${value.name || '(anonymous)'}]`;
    default:
      return value === null ? 'null' : renderObject(value as object, depth, seen);
  }
}

function renderObject(value: object, depth: number, seen: Set<object>): string {
  if (seen.has(value)) {
    return '[circular]';
  }
  const path = constructPath(value);
  if (path !== undefined) {
    return `${className(value)} "${path}"`;
  }
  if (depth >= MAX_DEPTH) {
    return Array.isArray(value) ? '[...]' : '{...}';
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item) => render(item, depth + 1, seen)).join(',')}]`;
    }
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${render(v, depth + 1, seen)}`);
    const body = `{${entries.join(',')}}`;
    return isPlainObject(value) ? body : `${className(value)} ${body}`;
  } catch {
    return '[unreadable object]';
  } finally {
    seen.delete(value);
  }
}

/** Renders a given value for an error message, short enough to read in a terminal. */
export function describeValue(value: unknown): string {
  const text = render(value, 0, new Set());
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 3)}...` : text;
}

/** `field: message (got value)`; the construct path is added by the validation runner. */
export function formatIssue(issue: PropIssue): string {
  const field = issue.field === '' ? '(props)' : issue.field;
  const got = 'value' in issue ? ` (got ${describeValue(issue.value)})` : '';
  return `${field}: ${issue.message}${got}`;
}

/**
 * Records problems on a construct. They are reported, together with every other construct's
 * problems, when the app is validated (our synthesizer, `app.synth()` or `Testing.synth()`),
 * before anything is written. The list is read at validation time, so it may still grow.
 */
export function reportIssues(scope: IConstruct, issues: readonly PropIssue[]): void {
  scope.node.addValidation({ validate: () => issues.map(formatIssue) });
}

const SYNTHESIS_ERROR = Symbol.for('cdk8s-agents.SynthesisError');

/** A failure that lists every problem found in one run. */
export class SynthesisError extends Error {
  /** Whether `value` is a `SynthesisError` of any copy of the library. */
  public static isSynthesisError(value: unknown): value is SynthesisError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SYNTHESIS_ERROR] === true;
  }

  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`cdk8s-agents found ${count}; nothing was written:\n  ${problems.join('\n  ')}`);
    this.name = 'SynthesisError';
    this.problems = problems;
    Object.defineProperty(this, SYNTHESIS_ERROR, { value: true, enumerable: false });
  }
}

/**
 * Runs the validations of every construct below `root` and returns the messages, each prefixed
 * with the construct path, without throwing.
 */
export function collectProblems(root: IConstruct): string[] {
  const problems: string[] = [];
  for (const construct of root.node.findAll()) {
    for (const message of construct.node.validate()) {
      problems.push(`[${construct.node.path}] ${message}`);
    }
  }
  return problems;
}

/**
 * Checks the `scope` and `id` of a construct before the constructs library sees them (it would
 * fail with a raw TypeError): a construct scope (inside a Chart when `inChart`), and an id that
 * is a non-empty string not yet used by a sibling. Throws a `SynthesisError` otherwise.
 */
export function checkScope<T>(scope: T, id: unknown, kind: string, inChart = true): T {
  const where = Construct.isConstruct(scope) ? `${kind} in ${scope.node.path || '(app)'}` : kind;
  const problems: string[] = [];
  if (!Construct.isConstruct(scope)) {
    problems.push(`scope: must be a construct (an AgentPlatform, or a construct inside one) (got ${describeValue(scope)})`);
  } else if (inChart && !isInChart(scope)) {
    problems.push(`scope: must be inside a Chart, such as an AgentPlatform (got ${describeValue(scope)})`);
  }
  if (typeof id !== 'string' || id === '') {
    problems.push(`id: must be a non-empty string (got ${describeValue(id)})`);
  } else if (Construct.isConstruct(scope)) {
    const sibling = scope.node.tryFindChild(id.replace(/\//g, '--'));
    if (sibling) {
      problems.push(`id: "${id}" is already used by ${sibling.node.path}; each construct needs an id of its own within its scope`);
    }
  }
  if (problems.length > 0) {
    throw new SynthesisError(problems.map((p) => `[${where}] ${p}`));
  }
  return scope;
}

function isInChart(scope: IConstruct): boolean {
  try {
    return Chart.of(scope) !== undefined;
  } catch {
    return false;
  }
}
