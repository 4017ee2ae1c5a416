import { type ManifestProblem, validateManifests, type ValidationOptions } from './index';

/*
 * The shapes cdk8s-cli hands a validation plugin (cdk8s-cli's lib/plugins/validation.d.ts),
 * declared here so the library does not depend on the CLI: structural typing matches them.
 */

/** A resource that breaks a rule, as cdk8s-cli reports it. */
export interface Cdk8sViolatingResource {
  readonly resourceName: string;
  readonly locations: readonly string[];
  readonly manifestPath: string;
}

/** One broken rule, as cdk8s-cli reports it. */
export interface Cdk8sViolation {
  readonly ruleName: string;
  readonly recommendation: string;
  readonly fix: string;
  readonly violatingResources: readonly Cdk8sViolatingResource[];
}

/** What cdk8s-cli gives a plugin: the synthesized manifest files, a parser and a report. */
export interface Cdk8sValidationContext {
  readonly manifests: readonly string[];
  parseManifest(manifestPath: string): unknown[];
  readonly report: {
    addViolation(violation: Cdk8sViolation): void;
    submit(status: 'success' | 'failure', metadata?: Readonly<Record<string, string>>): void;
  };
  readonly logger: { log(message: string): void };
}

/** Properties of the plugin, from `properties` of its entry in cdk8s.yaml. */
export type ManifestValidationProperties = ValidationOptions;

function violation(problem: ManifestProblem, manifestPath: string): Cdk8sViolation {
  return {
    ruleName: `cdk8s-agents/${problem.rule}`,
    recommendation: problem.message,
    fix: `change ${problem.path === '' ? 'the object' : problem.path} as the recommendation says; npx cdk8s-agents validate ${manifestPath} reports the same finding`,
    violatingResources: [{ resourceName: problem.object, locations: [problem.path === '' ? '(object)' : problem.path], manifestPath }],
  };
}

/**
 * A cdk8s validation plugin, so `cdk8s synth` in any cdk8s project runs the checks of
 * `cdk8s-agents validate` (strict schemas, API-server rules, domain rules) on every manifest it
 * writes. In cdk8s.yaml:
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/cdk8s-agents
 *     version: 0.1.0
 *     class: ManifestValidation
 *     properties: { prometheusSelector: { release: kube-prometheus-stack } }
 * ```
 *
 * Each manifest file is validated as one set (cdk8s writes one file per chart).
 */
export class ManifestValidation {
  constructor(private readonly properties: ManifestValidationProperties = {}) {}

  public async validate(context: Cdk8sValidationContext): Promise<void> {
    let problems = 0;
    for (const manifestPath of context.manifests) {
      const objects = context.parseManifest(manifestPath).filter((o) => o !== null && o !== undefined);
      for (const problem of validateManifests(objects, this.properties)) {
        context.report.addViolation(violation(problem, manifestPath));
        problems++;
      }
    }
    context.logger.log(`cdk8s-agents: ${problems} problem${problems === 1 ? '' : 's'} in ${context.manifests.length} manifest file${context.manifests.length === 1 ? '' : 's'}`);
    context.report.submit(problems === 0 ? 'success' : 'failure');
  }
}
