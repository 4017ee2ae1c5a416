/**
 * Strict validation of Kubernetes manifests, the way `kubeconform -strict` plus the API server
 * (and the controllers behind it) would judge them, plus the library's domain rules. Reports
 * every problem at once. The tests, the `validate` command and the cdk8s validation plugin all
 * run this one implementation.
 */
import { createContext } from './context';
import { type DomainRuleOptions, validateDomain } from './domain';
import { objectId, toResource, type Resource } from './model';
import { type IndexedProblem, type ManifestProblem } from './problem';
import { validateSemantics } from './semantic';
import { validateObjectSchema } from './toplevel';

export { type ManifestProblem } from './problem';
export { type DomainRuleOptions } from './domain';
export { parseQuantity, tryParseQuantity, isQuantityString } from './quantity';

/** Options of `validateManifests`. */
export interface ValidationOptions extends DomainRuleOptions {
  /**
   * Whether the library's domain rules run besides the schema and API-server checks.
   * @default true
   */
  readonly domainRules?: boolean;
  /**
   * Whether objects of kinds no bundled schema knows (custom resources of other operators) pass
   * unchecked instead of being reported.
   * @default false
   */
  readonly ignoreUnknownKinds?: boolean;
}

function domainProblems(resources: readonly Resource[], options: DomainRuleOptions): IndexedProblem[] {
  const sink: IndexedProblem[] = [];
  validateDomain(createContext(resources, sink), options);
  return sink.map((p) => ({ ...p, rule: 'domain' as const }));
}

/** Every schema, semantic and domain problem of the set, in input order (schema, then semantic, then domain per object). */
export function validateManifests(objects: readonly unknown[], options: ValidationOptions = {}): ManifestProblem[] {
  const problems: IndexedProblem[] = [];
  const resources: Resource[] = [];
  objects.forEach((value, index) => {
    const object = objectId(value, index);
    for (const issue of validateObjectSchema(value, options)) problems.push({ index, object, ...issue, rule: 'schema' });
    const resource = toResource(value, index);
    if (resource !== undefined) resources.push(resource);
  });
  problems.push(...validateSemantics(resources));
  if (options.domainRules ?? true) {
    problems.push(...domainProblems(resources, options));
  }
  return problems
    .map((problem, order) => ({ problem, order }))
    .sort((a, b) => a.problem.index - b.problem.index || a.order - b.order)
    .map(({ problem }) => ({ object: problem.object, path: problem.path, message: problem.message, rule: problem.rule, index: problem.index }));
}

/** One line per problem: `<object>: <path>: <message> [<rule>]`. */
export function formatProblems(problems: readonly ManifestProblem[]): string {
  return problems.map((p) => `${p.object}: ${p.path === '' ? '(root)' : p.path}: ${p.message} [${p.rule}]`).join('\n');
}

/**
 * One problem in the form of a synthesis error: `[<where>] <field>: <message>`, where `where`
 * names the file (when known) and the object.
 */
export function formatFinding(problem: ManifestProblem, file?: string): string {
  const where = file ? `${file}: ${problem.object}` : problem.object;
  return `[${where}] ${problem.path === '' ? '(object)' : problem.path}: ${problem.message}`;
}
