/** The problem record every check produces. */
export interface ManifestProblem {
  /** e.g. "apps/v1 Deployment agentic-ai/jd-classifier" */
  readonly object: string;
  /** JSON-pointer-ish path inside the object, e.g. "spec.template.spec.containers[0].resources.requests.cpu" */
  readonly path: string;
  readonly message: string;
  /** `schema`: the OpenAPI or CRD schema; `semantic`: what the API server or a controller refuses; `domain`: this library's rules. */
  readonly rule: 'schema' | 'semantic' | 'domain';
  /** Position of the object in the validated list. */
  readonly index: number;
}

/** A problem plus the position of its object in the input, for stable ordering. */
export type IndexedProblem = ManifestProblem;
