/** The label every selector of the library uses: stable, readable, independent of the construct path. */
export const NAME_LABEL = 'app.kubernetes.io/name';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const ENVIRONMENT_LABEL = 'agents.cdk8s.io/environment';
export const MANAGED_BY = 'cdk8s-agents';

/** What role a workload plays; becomes `app.kubernetes.io/component`. */
export enum WorkloadComponent {
  AGENT = 'agent',
  WORKER = 'worker',
  BATCH = 'batch',
  MCP_TOOL = 'mcp-tool',
  CACHE = 'cache',
  INFERENCE = 'inference',
  /** Routes requests to model servers (the endpoint picker of an InferencePool). */
  INFERENCE_ROUTER = 'inference-router',
  /** Runs once per input and exits (a model download). */
  SETUP = 'setup',
  OBSERVABILITY = 'observability',
}

/** Labels that select a workload's pods. Deliberately only the name: a selector is immutable. */
export function selectorLabels(name: string): Record<string, string> {
  return { [NAME_LABEL]: name };
}

/** Context labels stamped on every object of an app in an environment. */
export function contextLabels(partOf: string | undefined, environment: string | undefined): Record<string, string> {
  return {
    ...(partOf ? { [PART_OF_LABEL]: partOf } : {}),
    ...(environment ? { [ENVIRONMENT_LABEL]: environment } : {}),
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** Labels of a workload's objects and pods. */
export function workloadLabels(name: string, component: WorkloadComponent, context: Record<string, string>): Record<string, string> {
  return { ...selectorLabels(name), [COMPONENT_LABEL]: component, ...context };
}

/** `evaluation-service` from `EvaluationService`, `evaluation_service` or `evaluation-service`. */
export function toKubernetesName(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/**
 * `evaluationService` from `evaluation-service`: the key of a workload in Helm values. Every
 * DNS-1035 name gets a Go template identifier, and different names get different keys: a "-"
 * before a letter uppercases it, any other "-" becomes "_" (`gpt-4o` is `gpt_4o`, `a--b` is `a_B`).
 */
export function toValuesKey(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/-/g, '_');
}
