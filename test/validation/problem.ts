/** The problem record every check produces. */
export interface ManifestProblem {
  /** e.g. "apps/v1 Deployment agentic-ai/jd-classifier" */
  readonly object: string;
  /** JSON-pointer-ish path inside the object, e.g. "spec.template.spec.containers[0].resources.requests.cpu" */
  readonly path: string;
  readonly message: string;
  readonly rule: 'schema' | 'semantic';
}

/** A problem plus the position of its object in the input, for stable ordering. */
export interface IndexedProblem extends ManifestProblem {
  readonly index: number;
}
