/**
 * Helpers for the harness's own tests: locate an object in a set, edit a nested field by path,
 * and assert that a set produces exactly one expected problem.
 */
import { validSet } from './fixtures';
import { validateManifests, type ManifestProblem } from '../../lib/validation/index';
import { isRecord, type JsonObject } from '../../lib/validation/util';

export type PathSpec = string | readonly (string | number)[];

/** "a.b[0].c" -> ['a', 'b', 0, 'c']; arrays are taken as they are (for keys containing dots). */
export function segments(path: PathSpec): (string | number)[] {
  if (typeof path !== 'string') return [...path];
  return path.split('.').flatMap((part) => part.split(/[[\]]/).filter((p) => p !== '').map((p, i) => (i > 0 ? Number(p) : p)));
}

/** The first object of the set with that kind (and name, when given). */
export function byKind(objects: readonly JsonObject[], kind: string, name?: string): JsonObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || (isRecord(o.metadata) && o.metadata.name === name)));
  if (found === undefined) throw new Error(`no ${kind} ${name ?? ''} in the fixture`);
  return found;
}

function container(root: unknown, keys: readonly (string | number)[]): Record<string | number, unknown> {
  let current: unknown = root;
  for (const key of keys) {
    const next: unknown = (current as Record<string | number, unknown>)[key];
    if (typeof next !== 'object' || next === null) throw new Error(`path segment ${String(key)} is not an object or array`);
    current = next;
  }
  return current as Record<string | number, unknown>;
}

/** A fresh fixture set in which the first object of `kind` went through `edit`. */
export function mutated(kind: string, edit: (o: JsonObject) => void, base: () => JsonObject[] = validSet): JsonObject[] {
  const set = base();
  edit(byKind(set, kind));
  return set;
}

/** Sets a nested field (creating nothing: every parent must exist). */
export function setPath(root: JsonObject, path: PathSpec, value: unknown): void {
  const keys = segments(path);
  container(root, keys.slice(0, -1))[keys[keys.length - 1]] = value;
}

/** Reads a nested field. */
export function getPath(root: JsonObject, path: PathSpec): unknown {
  const keys = segments(path);
  return container(root, keys.slice(0, -1))[keys[keys.length - 1]];
}

/** Deletes a nested field. */
export function deletePath(root: JsonObject, path: PathSpec): void {
  const keys = segments(path);
  const parent = container(root, keys.slice(0, -1));
  const last = keys[keys.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else delete parent[last];
}

export interface Expected {
  readonly path: string;
  readonly message: string;
  readonly rule: ManifestProblem['rule'];
  readonly object?: string;
}

/** Validates the set and asserts it yields exactly this one problem. */
export function expectOnlyProblem(objects: readonly unknown[], expected: Expected): ManifestProblem {
  // The API-server rules are tested one at a time; the domain rules have their own tests (domain.test.ts).
  const problems = validateManifests(objects, { domainRules: false });
  expect(problems).toHaveLength(1);
  const [problem] = problems;
  expect(problem).toMatchObject({ path: expected.path, rule: expected.rule });
  expect(problem.message).toContain(expected.message);
  if (expected.object !== undefined) expect(problem.object).toBe(expected.object);
  return problem;
}
