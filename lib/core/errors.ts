import { type IConstruct } from 'constructs';

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

/** Renders a given value for an error message, short enough to read in a terminal. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
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

/** A failure that lists every problem found in one run. */
export class SynthesisError extends Error {
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`cdk8s-agents found ${count}; nothing was written:\n  ${problems.join('\n  ')}`);
    this.name = 'SynthesisError';
    this.problems = problems;
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
