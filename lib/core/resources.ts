import { z } from 'zod';
import { type PropIssue } from './errors';
import { compareQuantities, formatBytes, formatCpu, parseQuantity } from './quantity';
import { cpuQuantity, memoryQuantity } from './schemas';

/**
 * Resource presets from the sizing table agents are deployed with (requests are the guaranteed
 * minimum, limits the maximum). Every value can be overridden per field.
 */
export enum ResourcePreset {
  /** Agent calling a hosted LLM API: 256Mi / 0.5 CPU requested, 1Gi / 2 CPU limit. */
  API_LLM_AGENT = 'api-llm-agent',
  /** Agent running a local 7B model: 8Gi / 2 CPU requested, 16Gi / 4 CPU limit. */
  LOCAL_MODEL_AGENT = 'local-model-agent',
  /** Tool worker (MCP server, tools runner): 128Mi / 0.25 CPU requested, 512Mi / 1 CPU limit. */
  TOOL_WORKER = 'tool-worker',
  /** Context cache (Redis): 512Mi / 0.5 CPU requested, 2Gi / 1 CPU limit. */
  CONTEXT_CACHE = 'context-cache',
  /** Host side of a GPU model server (loading weights, tokenization): 16Gi / 4 CPU requested, 32Gi / 8 CPU limit. */
  GPU_INFERENCE = 'gpu-inference',
  /** A small model served on CPU (the development fallback): 4Gi / 2 CPU requested, 8Gi / 4 CPU limit. */
  CPU_INFERENCE = 'cpu-inference',
}

/** How an environment scales the presets (explicit quantities are never scaled). */
export enum ResourceProfile {
  /** Half of every preset quantity: a laptop or a small dev cluster. */
  SMALL = 'small',
  /** The presets as documented. */
  STANDARD = 'standard',
}

/** CPU and memory quantities in Kubernetes notation. */
export interface ResourceQuantities {
  /**
   * CPU in cores or millicores, e.g. `"500m"` or `"2"`.
   * @default - the preset's value
   */
  readonly cpu?: string;
  /**
   * Memory with a binary or decimal suffix, e.g. `"256Mi"` or `"1Gi"`.
   * @default - the preset's value
   */
  readonly memory?: string;
}

/** Requests and limits: a preset, with any quantity overridden. */
export interface ResourceOptions {
  /**
   * Starting point for requests and limits.
   * @default - the construct's preset (each construct documents it)
   */
  readonly preset?: ResourcePreset;
  /**
   * Requests that replace the preset's, field by field.
   * @default - the preset's requests
   */
  readonly requests?: ResourceQuantities;
  /**
   * Limits that replace the preset's, field by field.
   * @default - the preset's limits
   */
  readonly limits?: ResourceQuantities;
}

/** Requests and limits as they appear in the manifest. */
export interface ResolvedResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

const PRESETS: Readonly<Record<ResourcePreset, ResolvedResources>> = {
  [ResourcePreset.API_LLM_AGENT]: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  [ResourcePreset.LOCAL_MODEL_AGENT]: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi' } },
  [ResourcePreset.TOOL_WORKER]: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  [ResourcePreset.CONTEXT_CACHE]: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
  [ResourcePreset.GPU_INFERENCE]: { requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '8', memory: '32Gi' } },
  [ResourcePreset.CPU_INFERENCE]: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
};

const PROFILE_FACTOR: Readonly<Record<ResourceProfile, number>> = {
  [ResourceProfile.SMALL]: 0.5,
  [ResourceProfile.STANDARD]: 1,
};

const quantitiesSchema = z.object({ cpu: cpuQuantity.optional(), memory: memoryQuantity.optional() }).strict();

export const resourceOptionsSchema = z.object({
  preset: z.enum(ResourcePreset, { error: `must be one of ${Object.values(ResourcePreset).join(', ')}` }).optional(),
  requests: quantitiesSchema.optional(),
  limits: quantitiesSchema.optional(),
}).strict();

/** The preset's quantities as the manifest shows them. */
export function presetResources(preset: ResourcePreset): ResolvedResources {
  return PRESETS[preset];
}

function scaled(preset: ResolvedResources, factor: number): ResolvedResources {
  if (factor === 1) {
    return preset;
  }
  const scale = (q: { cpu: string; memory: string }) => ({
    cpu: formatCpu(parseQuantity(q.cpu) * factor),
    memory: formatBytes(parseQuantity(q.memory) * factor),
  });
  return { requests: scale(preset.requests), limits: scale(preset.limits) };
}

/** Applies the environment profile to the preset, then the explicit overrides. */
export function resolveResources(options: ResourceOptions | undefined, defaultPreset: ResourcePreset, profile: ResourceProfile): ResolvedResources {
  const base = scaled(PRESETS[options?.preset ?? defaultPreset], PROFILE_FACTOR[profile]);
  return {
    requests: { cpu: options?.requests?.cpu ?? base.requests.cpu, memory: options?.requests?.memory ?? base.requests.memory },
    limits: { cpu: options?.limits?.cpu ?? base.limits.cpu, memory: options?.limits?.memory ?? base.limits.memory },
  };
}

/** Requests above limits, reported against the `resources` prop. */
export function resourceIssues(resources: ResolvedResources, field = 'resources'): PropIssue[] {
  const issues: PropIssue[] = [];
  for (const name of ['cpu', 'memory'] as const) {
    const request = resources.requests[name];
    const limit = resources.limits[name];
    if (compareQuantities(request, limit) > 0) {
      issues.push({
        field: `${field}.requests.${name}`,
        value: request,
        message: `the ${name} request is above the ${name} limit "${limit}"; a request must be at most its limit: lower the request or raise ${field}.limits.${name}`,
      });
    }
  }
  return issues;
}
