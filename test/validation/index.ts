/**
 * Strict validation of synthesized Kubernetes manifests, the way `kubeconform -strict` plus the
 * API server (and the controllers behind it) would judge them. Reports every problem at once.
 *
 *   expectValidManifests(app.synth-like array of plain objects);
 */
import { objectId, toResource, type Resource } from './model';
import { type IndexedProblem, type ManifestProblem } from './problem';
import { validateSemantics } from './semantic';
import { validateObjectSchema } from './toplevel';

export { type ManifestProblem } from './problem';
export { parseQuantity, tryParseQuantity, isQuantityString } from './quantity';

/** Every schema and semantic problem of the set, in input order (schema before semantic per object). */
export function validateManifests(objects: readonly unknown[]): ManifestProblem[] {
  const problems: IndexedProblem[] = [];
  const resources: Resource[] = [];
  objects.forEach((value, index) => {
    const object = objectId(value, index);
    for (const issue of validateObjectSchema(value)) problems.push({ index, object, ...issue, rule: 'schema' });
    const resource = toResource(value, index);
    if (resource !== undefined) resources.push(resource);
  });
  problems.push(...validateSemantics(resources));
  return problems
    .map((problem, order) => ({ problem, order }))
    .sort((a, b) => a.problem.index - b.problem.index || a.order - b.order)
    .map(({ problem }) => ({ object: problem.object, path: problem.path, message: problem.message, rule: problem.rule }));
}

/** One line per problem: `<object>: <path>: <message> [<rule>]`. */
export function formatProblems(problems: readonly ManifestProblem[]): string {
  return problems.map((p) => `${p.object}: ${p.path === '' ? '(root)' : p.path}: ${p.message} [${p.rule}]`).join('\n');
}

/** Throws one Error listing every problem (one per line) when there is any. */
export function expectValidManifests(objects: readonly unknown[]): void {
  const problems = validateManifests(objects);
  if (problems.length === 0) return;
  throw new Error(`${problems.length} manifest problem(s):\n${formatProblems(problems)}`);
}
