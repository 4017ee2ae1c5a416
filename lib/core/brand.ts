/**
 * Type guards that survive two copies of the library. `instanceof` fails when a user's app and a
 * dependency each load their own copy of cdk8s-agents (a common result of peer dependencies):
 * the object is a `Workload`, but of the other copy's class. A brand is a property keyed by a
 * registered symbol (`Symbol.for`), which is the same in every copy, as cdk8s's own
 * `ApiObject.isApiObject` does. A plain object that only looks like a construct has no brand
 * and is refused instead of dereferenced.
 */

/** The kinds of object the library recognises by brand. */
export enum BrandKind {
  WORKLOAD = 'Workload',
  SERVICE_WORKLOAD = 'ServiceWorkload',
  AGENT_PLATFORM = 'AgentPlatform',
  ENV_VALUE = 'EnvValue',
  SECRET_SOURCE = 'SecretSource',
  REDIS_CACHE = 'RedisCache',
  MCP_TOOL = 'McpTool',
  INFERENCE_ENDPOINT = 'InferenceEndpoint',
  AGENT = 'AgentMicroservice',
  SHARED_VOLUME = 'SharedVolume',
  EXTERNAL_ENDPOINT = 'ExternalEndpoint',
  QUEUE_TRIGGER = 'QueueTrigger',
  SCALING_METRIC = 'ScalingMetric',
  INFERENCE_FALLBACK = 'InferenceFallback',
  OBSERVABILITY_STACK = 'ObservabilityStack',
  CANARY_ROLLOUT = 'CanaryRollout',
  GATEWAY = 'Gateway',
  INFERENCE_ROUTING = 'InferenceRouting',
  PREREQUISITE_PROVIDER = 'PrerequisiteProvider',
  POD_VOLUME = 'PodVolume',
  CONFIG_FILE = 'ConfigFile',
  CONFIG_FILES = 'ConfigFiles',
}

const symbols = new Map<BrandKind, symbol>();

function symbolOf(kind: BrandKind): symbol {
  let symbol = symbols.get(kind);
  if (!symbol) {
    symbol = Symbol.for(`cdk8s-agents.${kind}`);
    symbols.set(kind, symbol);
  }
  return symbol;
}

/** Marks `target` as being of each of `kinds` (non-enumerable, so it never reaches output). */
export function brand(target: object, ...kinds: BrandKind[]): void {
  for (const kind of kinds) {
    const symbol = symbolOf(kind);
    if (!Object.prototype.hasOwnProperty.call(target, symbol)) {
      Object.defineProperty(target, symbol, { value: true, enumerable: false });
    }
  }
}

/** Whether `value` was branded as `kind` by any copy of the library. */
export function hasBrand(value: unknown, kind: BrandKind): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    return false;
  }
  try {
    return (value as Record<symbol, unknown>)[symbolOf(kind)] === true;
  } catch {
    // A Proxy or an accessor that throws is not one of ours.
    return false;
  }
}
