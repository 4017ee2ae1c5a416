import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { type AutoscalingOptions, autoscalingSchema } from './core/autoscaling';
import { EnvValue, type ISecretSource } from './core/env-value';
import { brand, BrandKind, hasBrand } from './core/brand';
import { type RolloutOptions, rolloutOptionsSchema } from './core/canary-rollout';
import { checkScope, type PropIssue, reportIssues } from './core/errors';
import { ImageTagPolicy, imageSchema, tagPolicyViolation } from './core/image';
import { parseImageOrPlaceholder, PLACEHOLDER } from './core/placeholder';
import { contextLabels, toKubernetesName, WorkloadComponent, workloadLabels } from './core/labels';
import { Connections, ExternalEndpoint } from './core/network';
import { checkProps, type ParsedProps } from './core/props';
import { parseQuantity } from './core/quantity';
import { brandedReference, REFERENCES } from './core/references';
import { type QueueScalingOptions, queueScalingSchema, type SecretKeyReference } from './core/queue-scaling';
import { type ResourceOptions, resourceOptionsSchema, ResourcePreset, resolveResources } from './core/resources';
import { configKey, dnsSubdomain, labels as labelsSchema, nonNegativeInt, positiveInt, storageQuantity, URL_PORT_MESSAGE, urlPort, urlPortCheck } from './core/schemas';
import { addNotice } from './core/notices';
import { type ServiceWorkloadConfig } from './core/service-workload';
import { type ConfigFilesMount } from './core/config-mounts';
import { containerWorkloadShape } from './core/container-workload';
import { contextOf } from './core/workload';
import { type IWireable } from './core/wiring';
import { type EnvironmentConfig } from './environment';
import { EndpointPicker } from './inference/endpoint-picker';
import {
  createInferencePool, createRoute, type InferenceGateway, InferenceRouting, inferencePoolRoutingSchema, type InferencePoolRoutingOptions,
} from './inference/inference-routing';
import { type InferenceScalingOptions, inferenceQueueScaling, inferenceScalingIssues, inferenceScalingSchema } from './inference/inference-scaling';
import { ModelDownloadJob } from './inference/model-download-job';
import {
  downloadBudgetSeconds, isPinned, loadBudgetSeconds, modelDirectory, type ModelReference, parseModelReference, revisionOf,
} from './inference/model-weights';
import { type GpuOptions, type ModelCacheOptions, VLLM_PORT, VllmServer, type VllmServerSpec, type WeightsSource } from './inference/vllm-server';
import { VllmMultiNodeServer } from './inference/vllm-multi-node-server';

export { type GpuOptions, type ModelCacheOptions } from './inference/vllm-server';
export { InferenceGateway, InferenceRouting, type InferenceGatewayOptions, type InferencePoolRoutingOptions, type EndpointPickerOptions } from './inference/inference-routing';
export { type ScorerWeights } from './inference/endpoint-picker';
export { type InferenceScalingOptions } from './inference/inference-scaling';

/** A toleration of the GPU nodes' taint. */
export interface GpuToleration {
  readonly key: string;
  /**
   * `Exists` matches any value of the key; `Equal` matches `value`.
   * @default - "Equal" when a value is given, else "Exists"
   */
  readonly operator?: 'Exists' | 'Equal';
  /** @default - any value (operator Exists) */
  readonly value?: string;
  /** @default "NoSchedule" */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** How a GPU pool's Deployment replaces its pods (its rolling update). */
export interface RollingUpdateOptions {
  /**
   * Pods added above the replica count during a rollout; each needs a free GPU (or MIG slice).
   * @default 0 (no spare GPU needed)
   */
  readonly maxSurge?: number;
  /**
   * Replicas taken down at once during a rollout.
   * @default 1 (0 when maxSurge is above 0: a zero-downtime rollout on a spare GPU)
   */
  readonly maxUnavailable?: number;
}

/** Voluntary evictions (node drains) the pool tolerates; give one of the two. */
export interface DisruptionBudgetOptions {
  /** @default - what the rollout takes down at once (at least 1) */
  readonly maxUnavailable?: number;
  /** @default - none */
  readonly minAvailable?: number;
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
  /**
   * A small model served by vLLM on CPU in the cluster, e.g. `Qwen/Qwen2.5-0.5B-Instruct`. Its
   * pod downloads the model into its own emptyDir at start (and so may reach the Hub on 443),
   * which is fine for a development model of a few hundred megabytes.
   */
  public static cpuModel(options: { model: string; image?: string; maxModelLength?: number; resources?: ResourceOptions }): InferenceFallback {
    const { value, issues } = checkProps(cpuFallbackSchema, options);
    return new InferenceFallback('cpu', value?.model ?? PLACEHOLDER, value ?? {}, issues);
  }

  /** An external OpenAI-compatible API (a hosted provider, a shared dev server): nothing is deployed. */
  public static external(options: { baseUrl: string; model: string; apiKey?: SecretKeyReference; endpoint?: ExternalEndpoint }): InferenceFallback {
    const { value, issues } = checkProps(externalFallbackSchema, options);
    return new InferenceFallback('external', value?.model ?? PLACEHOLDER, value ?? { baseUrl: `https://${PLACEHOLDER}.example` }, issues);
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
  /**
   * Model to serve: a Hugging Face repository id pinned to a commit,
   * `meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659`, or an absolute
   * path in the model cache. Environments that pin images (staging, prod) refuse a floating
   * revision (none, or a branch or tag).
   */
  readonly model: string;
  /**
   * Model name clients send.
   * @default - the repository id, without the revision
   */
  readonly servedModelName?: string;
  /**
   * Size of the weights on disk, e.g. "16Gi" for an 8B model in bf16. It sizes the download
   * deadline, how long servers wait for the weights, and the startup budget of a load.
   * @default - unknown: an hour to download, 1800 s to load
   */
  readonly modelSize?: string;
  /**
   * vLLM OpenAI-compatible server image (pinned).
   * @default GpuInferencePool.DEFAULT_IMAGE
   */
  readonly image?: string;
  /**
   * GPUs of each replica (of each node, with `nodes`).
   * @default - one `nvidia.com/gpu`
   */
  readonly gpus?: GpuOptions;
  /**
   * Nodes per replica. Above 1, each replica is a LeaderWorkerSet group of one leader and
   * `nodes - 1` workers, connected with Ray.
   * @default 1
   */
  readonly nodes?: number;
  /**
   * Tensor parallel size. On one node it must divide the GPUs; across nodes tensor × pipeline
   * parallel must equal gpus.count × nodes.
   * @default - the GPUs per node
   */
  readonly tensorParallelSize?: number;
  /**
   * Pipeline parallel size.
   * @default - 1 on one node, else `nodes`
   */
  readonly pipelineParallelSize?: number;
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
   * More vLLM engine arguments, e.g. `["--max-num-seqs", "64"]`. Flags the pool sets from its
   * props (and `--api-key`, a secret on the command line) are refused.
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
   * The ReadWriteMany volume holding the weights (never baked into the image).
   * @default - a 100Gi claim on the environment's shared storage class
   */
  readonly modelCache?: ModelCacheOptions;
  /**
   * Whether a Job downloads the revision into the model cache (the serving pods wait for it and
   * never reach the internet). Off, fill the cache yourself.
   * @default true
   */
  readonly downloadModel?: boolean;
  /**
   * Hugging Face token for gated models, from a Secret (only the download Job reads it).
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
   * How requests reach the model servers: `InferenceRouting.service()` (a ClusterIP Service) or
   * `InferenceRouting.inferencePool({ gateway })` (an InferencePool with an endpoint picker
   * behind a Gateway; wired agents then call the Gateway).
   * @default InferenceRouting.service()
   */
  readonly routing?: InferenceRouting;
  /**
   * KEDA scaling on waiting requests and KV-cache use (or the endpoint picker's view of them).
   * Exclusive with `autoscaling` and `queueScaling`.
   * @default - none: a fixed replica count
   */
  readonly scaling?: InferenceScalingOptions;
  /**
   * Rolling update of the Deployment.
   * @default - GPU pools: maxSurge 0, maxUnavailable 1 (no spare GPU needed)
   */
  readonly rollingUpdate?: RollingUpdateOptions;
  /**
   * PodDisruptionBudget.
   * @default - when more than one replica can run: maxUnavailable as the rolling update
   */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /**
   * HPA, e.g. on queue depth: `metrics: [ScalingMetric.podsAverage('vllm_num_requests_waiting', '5')]`.
   * CPU and memory say little about a GPU server, so there is none unless asked.
   * @default - none
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Raw KEDA scaling with your own triggers (`scaling` derives them for you).
   * @default - none
   */
  readonly queueScaling?: QueueScalingOptions;
  /**
   * Seconds a starting server may take to load the model before it is restarted. Liveness
   * only starts after it, so a loading server is never killed.
   * @default - derived from modelSize when given, else 1800
   */
  readonly startupTimeoutSeconds?: number;
  /**
   * What serves the model where the environment has no GPUs.
   * @default - none: such an environment is an error
   */
  readonly fallback?: InferenceFallback;
  /**
   * Release model-server updates as an Argo Rollouts canary (see `ServiceWorkloadProps.rollout`).
   * On GPUs only with `maxSurge: 0`: a canary pod beside the stable ones would need GPUs of its own.
   * @default - none: the Deployment's rolling update
   */
  readonly rollout?: RolloutOptions;
  /**
   * Configuration files (`ConfigFiles` maps) mounted read-only into the vLLM container (the
   * leader's, in a multi-node group), e.g. a chat template that `extraEngineArgs` names with
   * `--chat-template`; a change of their content rolls the pods. Where the environment serves
   * through an external API there is no pod to mount them (a notice says so).
   * @default - none
   */
  readonly configFiles?: ConfigFilesMount[];
}

const secretRefSchema = z.object({
  secret: brandedReference<ISecretSource>(REFERENCES.SECRET_SOURCE),
  key: configKey,
}).strict();

const GPU_COUNT_MESSAGE = 'must be a positive whole number of GPUs, e.g. 1 or 2: Kubernetes allocates whole devices (for part of a GPU, request a MIG slice such as "nvidia.com/mig-1g.10gb")';
const gpuCount = z.number({ error: GPU_COUNT_MESSAGE }).int({ error: GPU_COUNT_MESSAGE }).min(1, { error: GPU_COUNT_MESSAGE })
  .max(16, { error: 'must be at most 16 GPUs per replica' });

export const gpuInferencePoolSchema = z.object({
  name: z.unknown().optional(),
  model: z.string().min(1, { error: 'must name a model, e.g. "meta-llama/Llama-3.1-8B-Instruct@<commit>"' }),
  servedModelName: z.string().min(1).optional(),
  modelSize: storageQuantity.optional(),
  image: imageSchema.optional(),
  gpus: z.object({
    count: gpuCount.optional(),
    resource: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/, { error: 'must be an extended resource name such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb"' }).optional(),
    product: z.string().min(1).optional(),
  }).strict().optional(),
  nodes: positiveInt.max(64, { error: 'must be at most 64 nodes per replica' }).optional(),
  tensorParallelSize: positiveInt.optional(),
  pipelineParallelSize: positiveInt.max(64, { error: 'must be at most 64' }).optional(),
  maxModelLength: positiveInt.optional(),
  gpuMemoryUtilization: z.number().gt(0, { error: 'must be above 0 and at most 1' }).max(1, { error: 'must be above 0 and at most 1' }).optional(),
  extraEngineArgs: z.array(z.string()).optional(),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(z.object({
    key: z.string().min(1),
    operator: z.enum(['Exists', 'Equal'], { error: 'must be "Exists" or "Equal"' }).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], { error: 'must be "NoSchedule", "PreferNoSchedule" or "NoExecute"' }).optional(),
  }).strict()).optional(),
  runtimeClassName: dnsSubdomain.optional(),
  priorityClassName: dnsSubdomain.optional(),
  modelCache: z.object({
    size: storageQuantity.optional(),
    mode: z.literal('shared', { error: 'must be "shared": a Job downloads the weights once into a ReadWriteMany cache; a cache per replica would need internet egress on every serving pod' }).optional(),
    storageClassName: dnsSubdomain.optional(),
  }).strict().optional(),
  downloadModel: z.boolean().optional(),
  huggingFaceToken: secretRefSchema.optional(),
  apiKey: secretRefSchema.optional(),
  shmSize: storageQuantity.optional(),
  resources: resourceOptionsSchema.optional(),
  replicas: positiveInt.max(1000).optional(),
  routing: z.custom<InferenceRouting>((v) => InferenceRouting.isInferenceRouting(v), { error: 'must be InferenceRouting.service() or InferenceRouting.inferencePool({ gateway })' }).optional(),
  scaling: inferenceScalingSchema.optional(),
  rollingUpdate: z.object({ maxSurge: nonNegativeInt.max(100).optional(), maxUnavailable: nonNegativeInt.max(100).optional() }).strict().optional(),
  disruptionBudget: z.object({ maxUnavailable: nonNegativeInt.max(1000).optional(), minAvailable: nonNegativeInt.max(1000).optional() }).strict().optional(),
  autoscaling: autoscalingSchema.optional(),
  queueScaling: queueScalingSchema.optional(),
  startupTimeoutSeconds: positiveInt.max(14400, { error: 'must be at most 14400 seconds' }).optional(),
  rollout: rolloutOptionsSchema.optional(),
  fallback: z.custom<InferenceFallback>((v) => InferenceFallback.isInferenceFallback(v), { error: 'must be an InferenceFallback (InferenceFallback.cpuModel() or .external())' }).optional(),
  configFiles: containerWorkloadShape.configFiles,
}).strict();

type PoolConfig = z.output<typeof gpuInferencePoolSchema>;

/** MIG slices as NVIDIA's device plugin names them (mixed strategy): `nvidia.com/mig-<g>g.<m>gb`. */
const MIG_RESOURCE = /^nvidia\.com\/mig-[1-9][0-9]*g\.[1-9][0-9]*gb$/;
const HUB = ExternalEndpoint.https('huggingface.co', 'cdn-lfs.huggingface.co', 'cas-bridge.xethub.hf.co');
/** The longest pool name whose download Job name (`<name>-weights-<revision>-<hash>`) fits 63 characters. */
const MAX_NAME_WITH_DOWNLOAD = 39;

/** Flags the pool sets from its props, and where to set them instead. */
const OWNED_FLAGS: Readonly<Record<string, string>> = {
  '--model': 'model (the pool serves it from the model cache)',
  '--served-model-name': 'servedModelName',
  '--port': 'nothing: the pool serves on 8000',
  '--tensor-parallel-size': 'tensorParallelSize',
  '-tp': 'tensorParallelSize',
  '--pipeline-parallel-size': 'pipelineParallelSize',
  '-pp': 'pipelineParallelSize',
  '--distributed-executor-backend': 'nodes (Ray across nodes)',
  '--gpu-memory-utilization': 'gpuMemoryUtilization',
  '--max-model-len': 'maxModelLength',
  '--otlp-traces-endpoint': 'the ObservabilityStack (it wires the collector)',
  '--revision': 'model ("<repository>@<commit>")',
  '--download-dir': 'modelCache',
  '--api-key': 'apiKey (a Secret: a key on the command line is visible in the process list)',
};

/**
 * Self-hosted LLM serving with vLLM on GPU nodes, as the leading platforms do it:
 * - weights fetched once per model revision by a Job into a ReadWriteMany cache that the
 *   serving pods mount read-only, waiting with a bounded budget; the serving pods have no
 *   internet egress;
 * - rollouts that need no spare GPU (maxSurge 0, maxUnavailable 1) and a PodDisruptionBudget
 *   that agrees;
 * - optional routing through a Gateway API Inference Extension InferencePool, whose endpoint
 *   picker sends each request to the server with the shortest queue, the most free KV cache and
 *   the best prefix-cache affinity;
 * - optional KEDA scaling on waiting requests and KV-cache use, to zero only when asked;
 * - multi-node replicas as LeaderWorkerSets;
 * - GPUs (whole or MIG slices) requested and limited equally, node selection and tolerations,
 *   /dev/shm sized for tensor parallelism, vLLM's /metrics scraped and traces exported.
 * Where the environment has no GPUs (dev), the `fallback` serves instead. Agents wired with
 * `inference: pool` get `OPENAI_BASE_URL` and `OPENAI_MODEL`, and the NetworkPolicy paths.
 */
export class GpuInferencePool extends Construct implements IInferenceEndpoint {
  public static readonly DEFAULT_IMAGE = 'docker.io/vllm/vllm-openai:v0.11.2';
  public static readonly DEFAULT_CPU_IMAGE = 'public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.11.2';
  public static readonly DEFAULT_ENDPOINT_PICKER_IMAGE = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';

  public readonly name: string;
  public readonly wireName: string;
  public readonly modelName: string;
  /** The in-cluster server (GPU, multi-node, or the CPU fallback); undefined when an external API serves. */
  public readonly server: VllmServer | VllmMultiNodeServer | undefined;
  /** The Job that downloads the weights, when one does. */
  public readonly downloadJob?: ModelDownloadJob;
  /** The endpoint picker, when routing through an InferencePool. */
  public readonly endpointPicker?: EndpointPicker;
  /** The InferencePool and HTTPRoute, when routing through one. */
  public readonly inferencePool?: ApiObject;
  public readonly route?: ApiObject;
  /** The Gateway clients call, when routing through an InferencePool. */
  public readonly gateway?: InferenceGateway;
  public readonly connections: Connections;
  private readonly external?: InferenceFallback;
  private readonly apiKey?: SecretKeyReference;
  /** The leaders' labels of a multi-node pool (the InferencePool selects them). */
  private readonly servingLabels?: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: GpuInferencePoolProps) {
    super(checkScope(scope, id, 'GpuInferencePool'), id);
    brand(this, BrandKind.INFERENCE_ENDPOINT);
    const parsed = checkProps(gpuInferencePoolSchema, props);
    const issues: PropIssue[] = [...parsed.issues];
    reportIssues(this, issues);
    const environment = contextOf(this).environment;
    this.name = typeof props?.name === 'string' ? props.name : toKubernetesName(id);
    this.wireName = `inference pool ${this.name}`;
    const config: PoolConfig = parsed.value ?? { model: PLACEHOLDER };
    const fallback = environment.gpu.available ? undefined : config.fallback;
    if (!environment.gpu.available && !config.fallback) {
      issues.push({ field: 'fallback', message: `environment "${environment.name}" has no GPUs (gpu.available is false): give a fallback, e.g. InferenceFallback.cpuModel({ model: "Qwen/Qwen2.5-0.5B-Instruct" }) or InferenceFallback.external({ baseUrl, model })` });
    }
    issues.push(...gpuIssues(config), ...rollingUpdateIssues(config, environment), ...engineArgIssues(config.extraEngineArgs ?? []), ...(config.fallback ? config.fallback._issues('fallback') : []));
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
      if (config.configFiles && config.configFiles.length > 0) {
        addNotice(this, {
          field: 'configFiles',
          asked: `${config.configFiles.map((m) => `ConfigFiles "${m.files.name}" at ${m.mountPath}`).join(', ')} in the model server`,
          rendered: 'nothing: there is no model server pod',
          why: `environment "${environment.name}" has no GPUs and the fallback is the external API ${fallback.options.baseUrl ?? ''}`,
        });
      }
      return;
    }
    const cpu = fallback !== undefined;
    const model = resolveModel(cpu ? fallback.model : config.model, cpu ? 'fallback.model' : 'model', environment, issues);
    this.modelName = config.servedModelName && !cpu ? config.servedModelName : model.repository;
    this.apiKey = config.apiKey;

    const routing = config.routing?.kind === 'inference-pool' && (!cpu || config.routing.options?.inDevelopment) ? config.routing.options : undefined;
    if (cpu && config.routing?.kind === 'inference-pool' && !routing) {
      addNotice(this, {
        field: 'routing',
        asked: 'routing through an InferencePool behind a Gateway',
        rendered: 'a plain Service in front of the CPU fallback (agents call it directly)',
        why: `environment "${environment.name}" has no GPUs and routing.inDevelopment is not set`,
      });
    }
    if (cpu && (config.nodes ?? 1) > 1) {
      addNotice(this, {
        field: 'nodes',
        asked: `${config.nodes} nodes per replica (a LeaderWorkerSet)`,
        rendered: 'one CPU fallback pod per replica',
        why: `environment "${environment.name}" has no GPUs (gpu.available is false)`,
      });
    }
    const routingOptions = routing ? checkRouting(routing, environment, issues) : undefined;
    const nodes = cpu ? 1 : config.nodes ?? 1;
    const startupBudget = config.startupTimeoutSeconds ?? (config.modelSize && !cpu ? loadBudgetSeconds(parseQuantity(config.modelSize)) : 1800);
    issues.push(...sizeIssues(config), ...exclusiveScalingIssues(config, nodes));
    if (config.scaling) {
      issues.push(...inferenceScalingIssues(config.scaling, { routedThroughPicker: routingOptions !== undefined, startupBudgetSeconds: startupBudget }));
    }

    const weights = this.weightsSource(config, model, cpu, issues);
    this.downloadJob = weights.job;
    const spec = serverSpec(config, fallback, this.modelName, model, weights.source, weights.claim);
    const pickerName = `${this.name}-epp`;
    const queueScaling = config.scaling && nodes === 1
      ? inferenceQueueScaling(config.scaling, {
        namespace: environment.namespace,
        servers: this.name,
        picker: routingOptions ? { pool: this.name, workload: pickerName } : undefined,
        environmentMin: environment.autoscaling.minReplicas,
        environmentMax: environment.autoscaling.maxReplicas,
      })
      : config.queueScaling as QueueScalingOptions | undefined;
    const serverName = props?.name ?? toKubernetesName(id);
    if (nodes > 1) {
      const imageText = config.image ?? GpuInferencePool.DEFAULT_IMAGE;
      const image = parseImageOrPlaceholder(imageText);
      const resources = resolveResources(config.resources, ResourcePreset.GPU_INFERENCE, environment.resourceProfile);
      const replicas = Math.min(config.replicas ?? environment.replicas.default, environment.replicas.max ?? Number.MAX_SAFE_INTEGER);
      const multiNode = new VllmMultiNodeServer(this, 'Server', String(serverName), { image, imageText, resources, replicas, startupTimeoutSeconds: startupBudget, configFiles: config.configFiles },
        { ...spec, nodes, pipelineParallelSize: config.pipelineParallelSize ?? nodes });
      this.servingLabels = multiNode.leaderLabels;
      this.server = multiNode;
    } else {
      const server = new VllmServer(this, 'Server', serverProps(config, fallback, queueScaling, startupBudget), serverName, spec, cpu);
      // After the server's own volumes (/dev/shm, the model cache), so that a clash names the files.
      for (const mount of config.configFiles ?? []) {
        server.mountConfigFiles(mount.files, mount.mountPath, mount.file === undefined ? {} : { file: mount.file });
      }
      if (config.scaling?.scaleToZero) {
        server.scaledObject?.metadata.addAnnotation('agents.cdk8s.io/cold-start-budget-seconds', String(config.scaling.scaleToZero.coldStartBudgetSeconds));
      }
      this.server = server;
    }

    if (routingOptions) {
      const picker = this.createRouting(routingOptions, pickerName, environment, issues);
      this.endpointPicker = picker.picker;
      this.inferencePool = picker.pool;
      this.route = picker.route;
      this.gateway = routingOptions.gateway;
      this.connections = new Connections(routingOptions.gateway.peer, routingOptions.gateway.ports, false);
    } else {
      this.connections = this.server.connections;
    }
  }

  /** Where the weights come from: the shared cache (filled by a Job), or the fallback's own download. */
  private weightsSource(config: PoolConfig, model: ModelReference, cpu: boolean, issues: PropIssue[]): { source: WeightsSource; claim?: VllmServerSpec['cacheClaim']; job?: ModelDownloadJob } {
    const claimName = `${this.name}-models`;
    if (cpu && !model.local) {
      return { source: { kind: 'pod-download', size: config.modelCache?.size ?? '10Gi', repository: model.repository, revision: revisionOf(model), hubToken: config.huggingFaceToken } };
    }
    const claim = { name: claimName, size: config.modelCache?.size ?? '100Gi', storageClassName: config.modelCache?.storageClassName };
    if (model.local || config.downloadModel === false) {
      return { source: { kind: 'cache', claimName }, claim };
    }
    if (this.name.length > MAX_NAME_WITH_DOWNLOAD) {
      issues.push({ field: 'name', value: this.name, message: `must be at most ${MAX_NAME_WITH_DOWNLOAD} characters when the pool downloads its weights: the download Job is named "<name>-weights-<revision>-<hash>" (at most 63); shorten the name, or set downloadModel false and fill the cache yourself` });
    }
    const budget = downloadBudgetSeconds(config.modelSize ? parseQuantity(config.modelSize) : undefined);
    const job = new ModelDownloadJob(this, 'Weights', `${this.name}-weights`, {
      model,
      directory: modelDirectory(model),
      claimName,
      image: parseImageOrPlaceholder(config.image ?? GpuInferencePool.DEFAULT_IMAGE),
      hubToken: config.huggingFaceToken,
      deadlineSeconds: budget,
      hub: HUB,
    });
    return { source: { kind: 'cache', claimName, waitFor: { seconds: budget, job: job.name } }, claim, job };
  }

  private createRouting(options: InferencePoolRoutingOptions, pickerName: string, environment: EnvironmentConfig, issues: PropIssue[]): { picker: EndpointPicker; pool: ApiObject; route: ApiObject } {
    const server = this.server as VllmServer | VllmMultiNodeServer;
    const o = options.endpointPicker ?? {};
    const image = parseImageOrPlaceholder(o.image ?? GpuInferencePool.DEFAULT_ENDPOINT_PICKER_IMAGE);
    const violation = tagPolicyViolation(image, environment.images.tagPolicy);
    if (violation && o.image) {
      issues.push({ field: 'routing.endpointPicker.image', value: o.image, message: violation });
    }
    const picker = new EndpointPicker(this, 'EndpointPicker', pickerName, {
      poolName: this.name,
      image,
      replicas: Math.min(o.replicas ?? (environment.replicas.default > 1 ? 2 : 1), environment.replicas.max ?? Number.MAX_SAFE_INTEGER),
      resources: resolveResources(o.resources ?? { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } }, ResourcePreset.TOOL_WORKER, environment.resourceProfile),
      scorers: { queue: o.scorers?.queue ?? 2, kvCache: o.scorers?.kvCache ?? 2, prefixCache: o.scorers?.prefixCache ?? 3 },
      apiServer: o.kubernetesApi ?? ExternalEndpoint.cidr('0.0.0.0/0', { ports: [443, 6443] }),
    });
    const gateway = options.gateway;
    const port = [{ port: VLLM_PORT }];
    // Exactly: the gateway to the picker (ext-proc) and to the servers, the picker to the servers' metrics.
    picker.connections.allowIngress(gateway.peer, [{ port: picker.connections.ports[0].port }]);
    server.connections.allowIngress(gateway.peer, port);
    server.connections.allowFrom(picker, port);
    const context = contextOf(this);
    const objects = {
      poolName: this.name,
      labels: workloadLabels(this.name, WorkloadComponent.INFERENCE, contextLabels(context.partOf, context.environment.name)),
      selector: this.servingLabels ?? server.selectorLabels,
      targetPort: VLLM_PORT,
      pickerService: pickerName,
      failureMode: o.failureMode ?? 'FailOpen',
      gateway,
      hostnames: options.hostnames,
      requestTimeoutSeconds: options.requestTimeoutSeconds ?? 600,
    } as const;
    const pool = createInferencePool(this, objects);
    const route = createRoute(this, objects);
    route.node.addDependency(pool);
    return { picker, pool, route };
  }

  public get baseUrl(): string {
    if (this.external) {
      return (this.external.options.baseUrl ?? '').replace(/\/$/, '');
    }
    if (this.gateway) {
      return `${this.gateway.url}/v1`;
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

/** The model reference, with the refusals of a malformed one and of a floating revision where the environment pins. */
function resolveModel(model: string, field: string, environment: EnvironmentConfig, issues: PropIssue[]): ModelReference {
  const reference = parseModelReference(model);
  if (model === PLACEHOLDER) {
    // Already reported by the props schema.
    return { repository: PLACEHOLDER, local: false, revision: '0000000000000000000000000000000000000000' };
  }
  if (!reference) {
    {
      issues.push({ field, value: model, message: 'must be a Hugging Face repository id with an optional revision, e.g. "meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659", or an absolute path in the model cache' });
    }
    return { repository: `${PLACEHOLDER}/${PLACEHOLDER}`, local: false };
  }
  if (!isPinned(reference) && environment.images.tagPolicy !== ImageTagPolicy.ANY) {
    const revision = reference.revision === undefined ? 'no revision, so the default branch' : `revision "${reference.revision}" is a branch or tag`;
    issues.push({
      field,
      value: model,
      message: `has ${revision}, which moves; environment "${environment.name}" pins what it deploys (images.tagPolicy "${environment.images.tagPolicy}"): give the 40-character commit, e.g. "${reference.repository}@<commit>" (Hugging Face: Files and versions, History)`,
    });
  }
  return reference;
}

/** The GPU rules: MIG resource names, one MIG slice per CUDA process, whole devices, tensor x pipeline parallelism, tolerations. */
function gpuIssues(config: PoolConfig): PropIssue[] {
  const issues: PropIssue[] = [];
  const count = config.gpus?.count ?? 1;
  const resource = config.gpus?.resource ?? 'nvidia.com/gpu';
  const mig = resource.startsWith('nvidia.com/mig');
  if (mig && !MIG_RESOURCE.test(resource)) {
    issues.push({
      field: 'gpus.resource',
      value: resource,
      message: 'is not a MIG resource name: NVIDIA\'s device plugin names MIG slices "nvidia.com/mig-<compute>g.<memory>gb", e.g. "nvidia.com/mig-3g.40gb"; check `kubectl describe node` for the names your nodes offer (a pod requesting a name no node has stays Pending)',
    });
  }
  if (mig && count > 1) {
    issues.push({ field: 'gpus.count', value: count, message: 'must be 1 on MIG slices: a CUDA process sees only one MIG device, so further slices would sit idle; serve one slice per replica (add replicas), or use whole GPUs (nvidia.com/gpu) to shard a model' });
  }
  if (mig && (config.tensorParallelSize ?? 1) > 1) {
    issues.push({ field: 'tensorParallelSize', value: config.tensorParallelSize, message: 'must be 1 on MIG slices: a CUDA process sees only one MIG device, so vLLM cannot shard the model across slices; use tensorParallelSize 1, or whole GPUs (nvidia.com/gpu)' });
  }
  if (!mig || (count === 1 && (config.tensorParallelSize ?? 1) === 1)) {
    issues.push(...parallelismIssues(config, count));
  }
  (config.tolerations ?? []).forEach((t, i) => {
    if (t.operator === 'Exists' && t.value !== undefined) {
      issues.push({ field: `tolerations[${i}].value`, value: t.value, message: 'must be empty with operator "Exists", which matches every value of the key (the API server rejects the pod); remove value, or use operator "Equal" to match it' });
    }
  });
  return issues;
}

function parallelismIssues(config: PoolConfig, count: number): PropIssue[] {
  const nodes = config.nodes ?? 1;
  const tp = config.tensorParallelSize ?? count;
  if (nodes === 1 && config.pipelineParallelSize === undefined) {
    return count % tp === 0 ? [] : [{
      field: 'tensorParallelSize',
      value: tp,
      message: `must divide the GPUs per replica (gpus.count = ${count}): vLLM shards the model over tensor-parallel groups of that many GPUs; use one of ${divisors(count).join(', ')}`,
    }];
  }
  const pp = config.pipelineParallelSize ?? nodes;
  if (tp * pp === count * nodes) {
    return [];
  }
  return [{
    field: config.pipelineParallelSize === undefined ? 'tensorParallelSize' : 'pipelineParallelSize',
    value: config.pipelineParallelSize ?? tp,
    message: `tensor x pipeline parallel (${tp} x ${pp} = ${tp * pp}) must equal the GPUs of a replica, gpus.count x nodes (${count} x ${nodes} = ${count * nodes}): vLLM runs one rank per GPU; e.g. tensorParallelSize ${count} with pipelineParallelSize ${nodes}`,
  }];
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** Fewest replicas the pool runs (what a disruption budget must leave room in). */
function fewestReplicas(config: PoolConfig, environment: EnvironmentConfig): number {
  if (config.scaling) {
    return config.scaling.scaleToZero ? 0 : config.scaling.minReplicas ?? Math.max(1, environment.autoscaling.minReplicas);
  }
  if (config.autoscaling && environment.autoscaling.enabled) {
    return config.autoscaling.minReplicas ?? environment.autoscaling.minReplicas;
  }
  return Math.min(config.replicas ?? environment.replicas.default, environment.replicas.max ?? Number.MAX_SAFE_INTEGER);
}

/** Rollouts and disruption budgets that would stall or block every eviction. */
function rollingUpdateIssues(config: PoolConfig, environment: EnvironmentConfig): PropIssue[] {
  const issues: PropIssue[] = [];
  const rollout = config.rollingUpdate;
  if (rollout && rollout.maxSurge === 0 && rollout.maxUnavailable === 0) {
    issues.push({
      field: 'rollingUpdate',
      value: rollout,
      message: 'maxSurge 0 with maxUnavailable 0 can never replace a pod, so every rollout stalls; allow one unavailable replica (maxUnavailable 1, the default, needs no spare GPU) or one extra (maxSurge 1, needs a spare GPU)',
    });
  }
  const budget = config.disruptionBudget;
  if (!budget) {
    return issues;
  }
  const fewest = fewestReplicas(config, environment);
  if (budget.maxUnavailable !== undefined && budget.minAvailable !== undefined) {
    issues.push({ field: 'disruptionBudget', value: budget, message: 'takes maxUnavailable or minAvailable, not both (Kubernetes refuses a budget with both)' });
  } else if (budget.maxUnavailable === 0) {
    issues.push({ field: 'disruptionBudget.maxUnavailable', value: 0, message: 'forbids every voluntary eviction: node drains and cluster upgrades block until someone deletes the budget; allow 1' });
  } else if (budget.minAvailable !== undefined && budget.minAvailable >= Math.max(1, fewest)) {
    issues.push({
      field: 'disruptionBudget.minAvailable',
      value: budget.minAvailable,
      message: `with ${fewest} replica(s) at the fewest forbids every voluntary eviction: node drains and cluster upgrades block until someone deletes the budget; use minAvailable ${Math.max(0, fewest - 1)} or maxUnavailable 1${fewest <= 1 ? ' (a one-replica pool cannot stay up through a drain: add a replica for that)' : ''}`,
    });
  }
  return issues;
}

function engineArgIssues(args: readonly string[]): PropIssue[] {
  return args.flatMap((arg, i) => {
    const name = arg.split('=')[0];
    const owner = OWNED_FLAGS[name];
    return owner ? [{ field: `extraEngineArgs[${i}]`, value: arg, message: `is set by the pool; use ${owner}` }] : [];
  });
}

function sizeIssues(config: PoolConfig): PropIssue[] {
  const cacheSize = config.modelCache?.size ?? '100Gi';
  if (config.modelSize && parseQuantity(config.modelSize) > parseQuantity(cacheSize)) {
    return [{ field: 'modelSize', value: config.modelSize, message: `does not fit the model cache (modelCache.size "${cacheSize}"); raise modelCache.size` }];
  }
  return [];
}

function exclusiveScalingIssues(config: PoolConfig, nodes: number): PropIssue[] {
  const issues: PropIssue[] = [];
  if (config.scaling && (config.autoscaling || config.queueScaling)) {
    issues.push({
      field: 'scaling',
      message: 'cannot be combined with autoscaling (an HPA) or queueScaling: KEDA owns the HPA of its ScaledObject, and two autoscalers on one workload fight over its replicas; keep one of them',
    });
  }
  if (nodes > 1 && (config.scaling || config.autoscaling || config.queueScaling)) {
    issues.push({ field: 'nodes', value: nodes, message: 'multi-node pools run a fixed number of replica groups (replicas); remove autoscaling, queueScaling and scaling, or serve on one node' });
  }
  return issues;
}

function checkRouting(options: InferencePoolRoutingOptions, environment: EnvironmentConfig, issues: PropIssue[]): InferencePoolRoutingOptions | undefined {
  const parsed = checkProps(inferencePoolRoutingSchema, options, 'routing');
  issues.push(...parsed.issues);
  const value = parsed.value as InferencePoolRoutingOptions | undefined;
  if (!value) {
    return undefined;
  }
  issues.push(...value.gateway.issues.map((i) => ({ ...i, field: `routing.${i.field}` })));
  if (value.gateway.namespace === environment.namespace && environment.networkPolicies.enabled) {
    issues.push({
      field: 'routing.gateway.namespace',
      value: value.gateway.namespace,
      message: 'is the app\'s namespace, whose default-deny NetworkPolicy would block the gateway\'s own traffic; run the Gateway in its own namespace (e.g. "gateway-system")',
    });
  }
  return value;
}

/** The external API's URL (checked by the fallback's schema, which reports a bad one). */
function parseBaseUrl(baseUrl: string | undefined, _issues: PropIssue[]): URL {
  return isHttpUrl(baseUrl ?? '') && urlPort(baseUrl ?? '') !== undefined ? new URL(baseUrl ?? '') : new URL(`https://${PLACEHOLDER}.example`);
}

/** The props of the server, in the shape the service base validates. */
function serverProps(config: PoolConfig, fallback: InferenceFallback | undefined, queueScaling: QueueScalingOptions | undefined, startupBudget: number): ParsedProps<ServiceWorkloadConfig> {
  const image = fallback ? fallback.options.image ?? GpuInferencePool.DEFAULT_CPU_IMAGE : config.image ?? GpuInferencePool.DEFAULT_IMAGE;
  return {
    issues: [],
    value: {
      image,
      port: VLLM_PORT,
      resources: fallback ? fallback.options.resources : config.resources,
      replicas: config.replicas,
      autoscaling: config.scaling ? undefined : config.autoscaling,
      queueScaling,
      healthCheck: { path: '/health', timeoutSeconds: 10, startupTimeoutSeconds: startupBudget },
      terminationGracePeriodSeconds: 120,
      tmpSizeLimit: '2Gi',
      rollout: config.rollout,
    },
  };
}

function resolveRollingUpdate(config: PoolConfig): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = config.rollingUpdate?.maxSurge ?? 0;
  return { maxSurge, maxUnavailable: config.rollingUpdate?.maxUnavailable ?? (maxSurge > 0 ? 0 : 1) };
}

function serverSpec(config: PoolConfig, fallback: InferenceFallback | undefined, servedModelName: string, model: ModelReference, weights: WeightsSource, claim: VllmServerSpec['cacheClaim']): VllmServerSpec {
  const count = config.gpus?.count ?? 1;
  const tp = config.tensorParallelSize ?? count;
  const cpu = fallback !== undefined;
  return {
    modelDirectory: modelDirectory(model),
    servedModelName,
    gpu: cpu ? undefined : { count, resource: config.gpus?.resource ?? 'nvidia.com/gpu', product: config.gpus?.product },
    tensorParallelSize: tp,
    maxModelLength: cpu ? fallback.options.maxModelLength ?? 4096 : config.maxModelLength,
    gpuMemoryUtilization: config.gpuMemoryUtilization ?? 0.9,
    extraEngineArgs: cpu ? [] : config.extraEngineArgs ?? [],
    nodeSelector: config.nodeSelector ?? {},
    tolerations: (config.tolerations ?? [{ key: 'nvidia.com/gpu' }]).map((t): k8s.Toleration => ({
      key: t.key, operator: t.operator ?? (t.value !== undefined ? 'Equal' : 'Exists'), value: t.value, effect: t.effect ?? 'NoSchedule',
    })),
    runtimeClassName: config.runtimeClassName,
    priorityClassName: config.priorityClassName,
    weights,
    cacheClaim: claim,
    apiKey: config.apiKey,
    shmSize: config.shmSize,
    rollingUpdate: resolveRollingUpdate(config),
    disruptionBudget: config.disruptionBudget,
  };
}

