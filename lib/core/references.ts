import { z } from 'zod';
import { BrandKind, hasBrand } from './brand';

/** A kind of construct reference: how errors name it and the brand that recognises it. */
export interface ReferenceKind {
  readonly kind: string;
  readonly brand: BrandKind;
}

/** The construct references props and methods accept; never recognised by their shape. */
export const REFERENCES = {
  MCP_TOOL: { kind: 'an McpToolService or McpToolService.fromServiceName()', brand: BrandKind.MCP_TOOL },
  REDIS_CACHE: { kind: 'a RedisCacheStatefulSet', brand: BrandKind.REDIS_CACHE },
  INFERENCE: { kind: 'a GpuInferencePool', brand: BrandKind.INFERENCE_ENDPOINT },
  AGENT: { kind: 'an AgentMicroservice', brand: BrandKind.AGENT },
  SHARED_VOLUME: { kind: 'a SharedVolume', brand: BrandKind.SHARED_VOLUME },
  CONFIG_FILES: { kind: 'a ConfigFiles (the ConfigMap of your configuration files)', brand: BrandKind.CONFIG_FILES },
  EXTERNAL_ENDPOINT: { kind: 'an ExternalEndpoint, e.g. ExternalEndpoint.https("api.openai.com")', brand: BrandKind.EXTERNAL_ENDPOINT },
  SECRET_SOURCE: { kind: 'a SecretSource (or SecretSource.fromSecretName())', brand: BrandKind.SECRET_SOURCE },
  WORKLOAD: { kind: 'a workload of the app (an AgentMicroservice, McpToolService, ...)', brand: BrandKind.WORKLOAD },
} as const satisfies Record<string, ReferenceKind>;

/** The message of a value that is not the construct reference expected. */
export function referenceMessage(reference: ReferenceKind): string {
  return `must be ${reference.kind} (a typed reference to the construct, not a name or a plain object)`;
}

/** A zod schema accepting only constructs branded as `reference` (by any copy of the library). */
export function brandedReference<T>(reference: ReferenceKind, message = referenceMessage(reference)): z.ZodType<T> {
  return z.custom<T>((value) => hasBrand(value, reference.brand), { error: message });
}
