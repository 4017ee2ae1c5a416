import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { type AutoscalingOptions, autoscalingSchema } from './core/autoscaling';
import { EnvValue, type ISecretSource } from './core/env-value';
import { brand, BrandKind, hasBrand } from './core/brand';
import { checkScope, type PropIssue, reportIssues } from './core/errors';
import { imageSchema } from './core/image';
import { toKubernetesName } from './core/labels';
import { Connections, ExternalEndpoint } from './core/network';
import { checkProps, type ParsedProps } from './core/props';
import { brandedReference, REFERENCES } from './core/references';
import { type QueueScalingOptions, queueScalingSchema, type SecretKeyReference } from './core/queue-scaling';
import { type ResourceOptions, resourceOptionsSchema } from './core/resources';
import { configKey, dnsSubdomain, labels as labelsSchema, positiveInt, storageQuantity, URL_PORT_MESSAGE, urlPort, urlPortCheck } from './core/schemas';
import { addNotice } from './core/notices';
import { type ServiceWorkloadConfig } from './core/service-workload';
import { contextOf } from './core/workload';
import { type IWireable } from './core/wiring';
import { type GpuOptions, type ModelCacheOptions, VllmServer, type VllmServerSpec } from './inference/vllm-server';

export { type GpuOptions, type ModelCacheOptions } from './inference/vllm-server';

/** A toleration of the GPU nodes' taint. */
export interface GpuToleration {
  readonly key: string;
  /** @default "Exists" */
  readonly operator?: 'Exists' | 'Equal';
  /** @default - any value */
  readonly value?: string;
  /** @default "NoSchedule" */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** An OpenAI-compatible endpoint agents can be wired to with `inference`. */
export interface IInferenceEndpoint extends IWireable {
  /** Base URL of the OpenAI-compatible API, ending in `/v1`. */
  readonly baseUrl: string;
  /** Model name to send in requests. */
  readonly modelName: string;
}

const MODEL_MESSAGE = 'must name a model, e.g. "meta-llama/Llama-3.1-8B-Instruct"';
const fallbackModel = z.string({ error: MODEL_MESSAGE }).min(1, { error: MODEL_MESSAGE });
const BASE_URL_MESSAGE = 'must be an absolute http(s) URL of an OpenAI-compatible API, e.g. "https://api.openai.com/v1"';

const cpuFallbackSchema = z.object({
  model: fallbackModel,
  image: imageSchema.optional(),
  maxModelLength: positiveInt.optional(),
  resources: resourceOptionsSchema.optional(),
}).strict();

const externalFallbackSchema = z.object({
  baseUrl: z.string({ error: BASE_URL_MESSAGE }).refine((url) => isHttpUrl(url), { error: BASE_URL_MESSAGE })
    .refine((url) => !isHttpUrl(url) || urlPortCheck(url), { error: URL_PORT_MESSAGE }),
  model: fallbackModel,
  apiKey: z.lazy(() => secretRefSchema).optional(),
  endpoint: brandedReference<ExternalEndpoint>(REFERENCES.EXTERNAL_ENDPOINT).optional(),
}).strict();

function isHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

/** What serves the model where the environment has no GPUs (development). The factories never throw: the pool reports bad options. */
export class InferenceFallback {
  /** A small model served by vLLM on CPU in the cluster, e.g. `Qwen/Qwen2.5-0.5B-Instruct`. */
  public static cpuModel(options: { model: string; image?: string; maxModelLength?: number; resources?: ResourceOptions }): InferenceFallback {
    const { value, issues } = checkProps(cpuFallbackSchema, options);
    return new InferenceFallback('cpu', value?.model ?? 'invalid', value ?? {}, issues);
  }

  /** An external OpenAI-compatible API (a hosted provider, a shared dev server): nothing is deployed. */
  public static external(options: { baseUrl: string; model: string; apiKey?: SecretKeyReference; endpoint?: ExternalEndpoint }): InferenceFallback {
    const { value, issues } = checkProps(externalFallbackSchema, options);
    return new InferenceFallback('external', value?.model ?? 'invalid', value ?? { baseUrl: 'https://invalid.example' }, issues);
  }

  /** Whether `value` is an `InferenceFallback` of any copy of the library. */
  public static isInferenceFallback(value: unknown): value is InferenceFallback {
    return hasBrand(value, BrandKind.INFERENCE_FALLBACK);
  }

  private constructor(
    public readonly kind: 'cpu' | 'external',
    public readonly model: string,
    public readonly options: { image?: string; maxModelLength?: number; resources?: ResourceOptions; baseUrl?: string; apiKey?: SecretKeyReference; endpoint?: ExternalEndpoint },
    private readonly problems: readonly PropIssue[] = [],
  ) {
    brand(this, BrandKind.INFERENCE_FALLBACK);
  }

  /** @internal Problems with the factory's options, named under `field`. */
  public _issues(field: string): PropIssue[] {
    const endpoint = this.options.endpoint;
    return [
      ...this.problems.map((i) => ({ ...i, field: i.field === '' ? field : `${field}.${i.field}` })),
      ...(endpoint ? endpoint._issues(`${field}.endpoint`) : []),
    ];
  }
}

/** Props of a `GpuInferencePool`. */
export interface GpuInferencePoolProps {
  /**
   * Kubernetes name of the pool's objects.
   * @default - the construct id in kebab-case
   */
  readonly name?: string;
  /** Model to serve: a Hugging Face repository id (`meta-llama/Llama-3.1-8B-Instruct`) or a path in the model cache. */
  readonly model: string;
  /**
   * Model name clients send.
   * @default - the model id
   */
  readonly servedModelName?: string;
  /**
   * vLLM OpenAI-compatible server image (pinned).
   * @default GpuInferencePool.DEFAULT_IMAGE
   */
  readonly image?: string;
  /**
   * GPUs of each replica.
   * @default - one `nvidia.com/gpu`
   */
  readonly gpus?: GpuOptions;
  /**
   * Tensor parallel size; it must divide the GPUs per replica.
   * @default - the GPUs per replica
   */
  readonly tensorParallelSize?: number;
  /**
   * Longest context (prompt plus output) in tokens.
   * @default - the model's own
   */
  readonly maxModelLength?: number;
  /**
   * Share of GPU memory vLLM may use, between 0 and 1.
   * @default 0.9
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * More vLLM engine arguments, e.g. `["--enable-prefix-caching"]`.
   * @default - none
   */
  readonly extraEngineArgs?: string[];
  /**
   * Node labels the pods require (besides the GPU product).
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of GPU node taints.
   * @default - `nvidia.com/gpu` Exists NoSchedule
   */
  readonly tolerations?: GpuToleration[];
  /**
   * RuntimeClass, e.g. `nvidia`, where the cluster needs one for GPU containers.
   * @default - the cluster default
   */
  readonly runtimeClassName?: string;
  /**
   * PriorityClass, so model servers schedule first under contention.
   * @default - none
   */
  readonly priorityClassName?: string;
  /**
   * Volume holding the weights (never baked into the image).
   * @default - a shared 100Gi ReadWriteMany claim
   */
  readonly modelCache?: ModelCacheOptions;
  /**
   * Whether an init container downloads the model into the cache before the server starts
   * (egress to huggingface.co is then allowed).
   * @default true
   */
  readonly downloadModel?: boolean;
  /**
   * Hugging Face token for gated models, from a Secret.
   * @default - none
   */
  readonly huggingFaceToken?: SecretKeyReference;
  /**
   * API key vLLM requires from clients (`VLLM_API_KEY`); wired agents get it as `OPENAI_API_KEY`.
   * @default - no key
   */
  readonly apiKey?: SecretKeyReference;
  /**
   * Size of the memory-backed /dev/shm (NCCL and PyTorch workers use it); it counts against the memory limit.
   * @default - 2Gi per tensor-parallel GPU
   */
  readonly shmSize?: string;
  /**
   * Host CPU and memory of the server.
   * @default - the `gpu-inference` preset: 16Gi / 4 CPU requested, 32Gi / 8 CPU limit
   */
  readonly resources?: ResourceOptions;
  /**
   * Replicas (capped by the environment: dev runs 1).
   * @default - the environment's `replicas.default`
   */
  readonly replicas?: number;
  /**
   * HPA, e.g. on queue depth: `metrics: [ScalingMetric.podsAverage('vllm_num_requests_waiting', '5')]`.
   * CPU and memory say little about a GPU server, so there is none unless asked.
   * @default - none
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * KEDA scaling, e.g. `QueueTrigger.prometheus({ query: 'sum(vllm:num_requests_waiting)', ... })`.
   * @default - none
   */
  readonly queueScaling?: QueueScalingOptions;
  /**
   * Seconds a starting server may take to load the model before it is restarted. Liveness
   * only starts after it, so a loading server is never killed.
   * @default 1800
   */
  readonly startupTimeoutSeconds?: number;
  /**
   * What serves the model where the environment has no GPUs.
   * @default - none: such an environment is an error
   */
  readonly fallback?: InferenceFallback;
}

const secretRefSchema = z.object({
  secret: brandedReference<ISecretSource>(REFERENCES.SECRET_SOURCE),
  key: configKey,
}).strict();

export const gpuInferencePoolSchema = z.object({
  name: z.unknown().optional(),
  model: z.string().min(1, { error: 'must name a model, e.g. "meta-llama/Llama-3.1-8B-Instruct"' }),
  servedModelName: z.string().min(1).optional(),
  image: imageSchema.optional(),
  gpus: z.object({
    count: positiveInt.max(16, { error: 'must be at most 16 GPUs per replica' }).optional(),
    resource: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/, { error: 'must be an extended resource name such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb"' }).optional(),
    product: z.string().min(1).optional(),
  }).strict().optional(),
  tensorParallelSize: positiveInt.optional(),
  maxModelLength: positiveInt.optional(),
  gpuMemoryUtilization: z.number().gt(0, { error: 'must be above 0 and at most 1' }).max(1, { error: 'must be above 0 and at most 1' }).optional(),
  extraEngineArgs: z.array(z.string()).optional(),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(z.object({
    key: z.string().min(1),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  }).strict()).optional(),
  runtimeClassName: dnsSubdomain.optional(),
  priorityClassName: dnsSubdomain.optional(),
  modelCache: z.object({
    size: storageQuantity.optional(),
    mode: z.enum(['shared', 'per-replica'], { error: 'must be "shared" or "per-replica"' }).optional(),
    storageClassName: dnsSubdomain.optional(),
  }).strict().optional(),
  downloadModel: z.boolean().optional(),
  huggingFaceToken: secretRefSchema.optional(),
  apiKey: secretRefSchema.optional(),
  shmSize: storageQuantity.optional(),
  resources: resourceOptionsSchema.optional(),
  replicas: positiveInt.max(1000).optional(),
  autoscaling: autoscalingSchema.optional(),
  queueScaling: queueScalingSchema.optional(),
  startupTimeoutSeconds: positiveInt.max(7200, { error: 'must be at most 7200 seconds' }).optional(),
  fallback: z.custom<InferenceFallback>((v) => InferenceFallback.isInferenceFallback(v), { error: 'must be an InferenceFallback (InferenceFallback.cpuModel() or .external())' }).optional(),
}).strict();

type PoolConfig = z.output<typeof gpuInferencePoolSchema>;

/**
 * Self-hosted LLM serving with vLLM's OpenAI-compatible server on GPU nodes: GPUs (whole or MIG
 * slices) requested and limited equally, node selection and taint tolerations, weights kept in
 * a model cache outside the image with an optional download step, /dev/shm sized for tensor
 * parallelism, a startup budget for multi-minute loads, a PodDisruptionBudget, a Service on
 * port 8000 and vLLM's /metrics scraped. Where the environment has no GPUs (dev), the
 * `fallback` serves instead: a small model on CPU, or an external OpenAI-compatible API.
 * Agents wired with `inference: pool` get `OPENAI_BASE_URL` and `OPENAI_MODEL`, and the
 * NetworkPolicy paths.
 */
export class GpuInferencePool extends Construct implements IInferenceEndpoint {
  public static readonly DEFAULT_IMAGE = 'docker.io/vllm/vllm-openai:v0.11.0';
  public static readonly DEFAULT_CPU_IMAGE = 'public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.11.0';

  public readonly name: string;
  public readonly wireName: string;
  public readonly modelName: string;
  /** The in-cluster server (GPU, or the CPU fallback); undefined when an external API serves. */
  public readonly server: VllmServer | undefined;
  public readonly connections: Connections;
  private readonly external?: InferenceFallback;
  private readonly apiKey?: SecretKeyReference;

  constructor(scope: Construct, id: string, props: GpuInferencePoolProps) {
    super(checkScope(scope, id, 'GpuInferencePool'), id);
    brand(this, BrandKind.INFERENCE_ENDPOINT);
    const parsed = checkProps(gpuInferencePoolSchema, props);
    const issues: PropIssue[] = [...parsed.issues];
    reportIssues(this, issues);
    const environment = contextOf(this).environment;
    this.name = typeof props?.name === 'string' ? props.name : toKubernetesName(id);
    this.wireName = `inference pool ${this.name}`;
    const config: PoolConfig = parsed.value ?? { model: 'invalid' };
    const fallback = environment.gpu.available ? undefined : config.fallback;
    if (!environment.gpu.available && !config.fallback) {
      issues.push({ field: 'fallback', message: `environment "${environment.name}" has no GPUs (gpu.available is false): give a fallback, e.g. InferenceFallback.cpuModel({ model: "Qwen/Qwen2.5-0.5B-Instruct" }) or InferenceFallback.external({ baseUrl, model })` });
    }
    issues.push(...gpuIssues(config), ...(config.fallback ? config.fallback._issues('fallback') : []));
    if (fallback) {
      const gpus = config.gpus?.count ?? 1;
      addNotice(this, {
        field: 'gpus',
        asked: `${gpus} ${config.gpus?.resource ?? 'nvidia.com/gpu'} per replica serving ${config.model}`,
        rendered: fallback.kind === 'cpu' ? `the CPU fallback model ${fallback.model}` : `no server: agents use the external API ${fallback.options.baseUrl ?? ''} (model ${fallback.model})`,
        why: `environment "${environment.name}" has no GPUs (gpu.available is false)`,
      });
    }
    if (fallback?.kind === 'external') {
      this.external = fallback;
      this.modelName = fallback.model;
      this.apiKey = fallback.options.apiKey;
      const url = parseBaseUrl(fallback.options.baseUrl, issues);
      const endpoint = fallback.options.endpoint ?? ExternalEndpoint.internet({ ports: [urlPort(url.href) ?? 443], hosts: [url.hostname.replace(/^\[|\]$/g, '')] });
      this.connections = new Connections(endpoint, endpoint.ports, false);
      this.server = undefined;
      return;
    }
    this.modelName = fallback ? fallback.model : config.servedModelName ?? config.model;
    this.apiKey = config.apiKey;
    this.server = new VllmServer(this, 'Server', serverProps(config, fallback), props?.name ?? toKubernetesName(id), serverSpec(config, fallback, this.modelName), fallback !== undefined);
    this.connections = this.server.connections;
  }

  public get baseUrl(): string {
    if (this.external) {
      return (this.external.options.baseUrl ?? '').replace(/\/$/, '');
    }
    return `${this.server?.url ?? ''}/v1`;
  }

  public bindingEnv(): Record<string, string | EnvValue> {
    return {
      OPENAI_BASE_URL: this.baseUrl,
      OPENAI_MODEL: this.modelName,
      ...(this.apiKey ? { OPENAI_API_KEY: EnvValue.fromSecret(this.apiKey.secret, this.apiKey.key) } : {}),
    };
  }
}

/** The external API's URL (checked by the fallback's schema, which reports a bad one). */
function parseBaseUrl(baseUrl: string | undefined, _issues: PropIssue[]): URL {
  return isHttpUrl(baseUrl ?? '') && urlPort(baseUrl ?? '') !== undefined ? new URL(baseUrl ?? '') : new URL('https://invalid.example');
}

function gpuIssues(config: PoolConfig): PropIssue[] {
  const count = config.gpus?.count ?? 1;
  const tp = config.tensorParallelSize ?? count;
  if (count % tp !== 0) {
    return [{
      field: 'tensorParallelSize',
      value: tp,
      message: `must divide the GPUs per replica (gpus.count = ${count}): vLLM shards the model over tensor-parallel groups of that many GPUs; use one of ${divisors(count).join(', ')}`,
    }];
  }
  return [];
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** The props of the server, in the shape the service base validates. */
function serverProps(config: PoolConfig, fallback: InferenceFallback | undefined): ParsedProps<ServiceWorkloadConfig> {
  const image = fallback ? fallback.options.image ?? GpuInferencePool.DEFAULT_CPU_IMAGE : config.image ?? GpuInferencePool.DEFAULT_IMAGE;
  return {
    issues: [],
    value: {
      image,
      port: 8000,
      resources: fallback ? fallback.options.resources : config.resources,
      replicas: config.replicas,
      autoscaling: config.autoscaling,
      queueScaling: config.queueScaling as QueueScalingOptions | undefined,
      healthCheck: { path: '/health', timeoutSeconds: 10, startupTimeoutSeconds: config.startupTimeoutSeconds ?? 1800 },
      terminationGracePeriodSeconds: 120,
      tmpSizeLimit: '2Gi',
    },
  };
}

function serverSpec(config: PoolConfig, fallback: InferenceFallback | undefined, servedModelName: string): VllmServerSpec {
  const count = config.gpus?.count ?? 1;
  const tp = config.tensorParallelSize ?? count;
  const cpu = fallback !== undefined;
  return {
    model: cpu ? fallback.model : config.model,
    servedModelName,
    gpu: cpu ? undefined : { count, resource: config.gpus?.resource ?? 'nvidia.com/gpu', product: config.gpus?.product },
    tensorParallelSize: tp,
    maxModelLength: cpu ? fallback.options.maxModelLength ?? 4096 : config.maxModelLength,
    gpuMemoryUtilization: config.gpuMemoryUtilization ?? 0.9,
    extraEngineArgs: cpu ? [] : config.extraEngineArgs ?? [],
    nodeSelector: config.nodeSelector ?? {},
    tolerations: (config.tolerations ?? [{ key: 'nvidia.com/gpu' }]).map((t): k8s.Toleration => ({ key: t.key, operator: t.operator ?? 'Exists', value: t.value, effect: t.effect ?? 'NoSchedule' })),
    runtimeClassName: config.runtimeClassName,
    priorityClassName: config.priorityClassName,
    modelCache: { size: config.modelCache?.size ?? (cpu ? '10Gi' : '100Gi'), mode: config.modelCache?.mode ?? (cpu ? 'per-replica' : 'shared'), storageClassName: config.modelCache?.storageClassName },
    downloadModel: config.downloadModel ?? true,
    huggingFaceToken: config.huggingFaceToken,
    apiKey: config.apiKey,
    shmSize: config.shmSize,
  };
}
