/**
 * The tests' entry to the validation, which lives in lib/validation (the `validate` command and
 * the cdk8s plugin run the same code). See README.md here.
 */
import { formatProblems, validateManifests, type ValidationOptions } from '../../lib/validation';

export { formatProblems, validateManifests, type ManifestProblem, parseQuantity, tryParseQuantity, isQuantityString } from '../../lib/validation';

/** Throws one Error listing every problem (one per line) when there is any. */
export function expectValidManifests(objects: readonly unknown[], options: ValidationOptions = {}): void {
  const problems = validateManifests(objects, options);
  if (problems.length === 0) return;
  throw new Error(`${problems.length} manifest problem(s):\n${formatProblems(problems)}`);
}
