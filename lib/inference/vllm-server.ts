import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { EnvValue } from '../core/env-value';
import { type PropIssue } from '../core/errors';
import { containerPath, type HelmSectionBuilder } from '../core/helm-values';
import { WorkloadComponent } from '../core/labels';
import { ExternalEndpoint } from '../core/network';
import { type ContainerSpec, type renderPodSpec } from '../core/pod';
import { type ParsedProps } from '../core/props';
import { formatBytes, parseQuantity } from '../core/quantity';
import { type SecretKeyReference } from '../core/queue-scaling';
import { ResourcePreset } from '../core/resources';
import { ServiceWorkload, type ServiceWorkloadConfig } from '../core/service-workload';
import { gpuUtilizationSignal, VLLM_SIGNALS, type WorkloadSignals } from '../core/signals';
import { type QuotaDemand } from '../core/workload';
import { LOCAL_DOWNLOAD_SCRIPT, MODEL_MOUNT, WAIT_SCRIPT } from './model-weights';
import { DOWNLOADER_ENV, VLLM_RUNTIME_ENV } from './vllm-runtime';

/** GPUs of one replica. */
export interface GpuOptions {
  /**
   * GPUs per replica (request and limit are always equal); with `nodes`, GPUs per node.
   * @default 1
   */
  readonly count?: number;
  /**
   * Extended resource name: `nvidia.com/gpu`, or a MIG slice such as `nvidia.com/mig-1g.10gb`.
   * @default "nvidia.com/gpu"
   */
  readonly resource?: string;
  /**
   * GPU product the pods must run on (the `nvidia.com/gpu.product` node label of GPU feature discovery), e.g. `NVIDIA-A100-SXM4-80GB`.
   * @default - any GPU node
   */
  readonly product?: string;
}

/** Where the model weights live: a ReadWriteMany volume outside the image. */
export interface ModelCacheOptions {
  /**
   * Capacity.
   * @default "100Gi"
   */
  readonly size?: string;
  /**
   * Only `shared`: one ReadWriteMany claim, filled once by the download Job, that every replica
   * mounts read-only. (A cache per replica would need internet egress on every serving pod.)
   * @default "shared"
   */
  readonly mode?: 'shared';
  /**
   * StorageClass.
   * @default - the environment's shared storage class
   */
  readonly storageClassName?: string;
}

/** How the weights reach a server's pods. */
export type WeightsSource =
  /** The shared cache, mounted read-only; `waitFor` when a download Job fills it. */
  | { readonly kind: 'cache'; readonly claimName: string; readonly waitFor?: { readonly seconds: number; readonly job: string } }
  /** The development fallback: its own init container downloads into an emptyDir (the pod then has Hub egress). */
  | { readonly kind: 'pod-download'; readonly size: string; readonly repository: string; readonly revision: string; readonly hubToken?: SecretKeyReference };

/** Everything the vLLM server needs, resolved by its pool. */
export interface VllmServerSpec {
  /** Directory vLLM serves from (the positional model of `vllm serve`). */
  readonly modelDirectory: string;
  readonly servedModelName: string;
  readonly gpu?: { readonly count: number; readonly resource: string; readonly product?: string };
  readonly tensorParallelSize: number;
  readonly maxModelLength?: number;
  readonly gpuMemoryUtilization: number;
  readonly extraEngineArgs: readonly string[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly k8s.Toleration[];
  readonly runtimeClassName?: string;
  readonly priorityClassName?: string;
  readonly weights: WeightsSource;
  /** The model cache claim this server creates (shared mode). */
  readonly cacheClaim?: { readonly name: string; readonly size: string; readonly storageClassName?: string };
  readonly apiKey?: SecretKeyReference;
  /** Size of /dev/shm. @default - 2Gi per tensor-parallel GPU, at most a quarter of the memory limit */
  readonly shmSize?: string;
  /** Rolling update of a GPU pool. */
  readonly rollingUpdate: { readonly maxSurge: number; readonly maxUnavailable: number };
  /** An explicit disruption budget (the default follows the rollout). */
  readonly disruptionBudget?: { readonly maxUnavailable?: number; readonly minAvailable?: number };
}

export const MODEL_VOLUME = 'model-cache';
export const VLLM_PORT = 8000;

/** 2Gi per tensor-parallel GPU (1Gi on CPU), never more than a quarter of the memory limit it counts against. */
export function defaultShmSize(gpu: boolean, tensorParallelSize: number, memoryLimit: number): string {
  const wanted = gpu ? 2 * tensorParallelSize * 2 ** 30 : 2 ** 30;
  return formatBytes(Math.min(wanted, Math.floor(memoryLimit / 4 / 2 ** 20) * 2 ** 20));
}

/** The traces flag and protocol for vLLM from the OTEL_* variables the observability stack contributes. */
export function otlpTracing(env: Readonly<Record<string, unknown>>): { args: string[]; env: k8s.EnvVar[] } {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (typeof endpoint !== 'string') {
    return { args: [], env: [] };
  }
  const http = env.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/protobuf';
  // vLLM picks its exporter from OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (gRPC when unset); the HTTP
  // exporter takes the endpoint as the full traces URL.
  return {
    args: ['--otlp-traces-endpoint', http ? `${endpoint.replace(/\/$/, '')}/v1/traces` : endpoint],
    env: [{ name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', value: http ? 'http/protobuf' : 'grpc' }],
  };
}

/**
 * vLLM's OpenAI-compatible server as a Deployment: weights read-only from the model cache (after
 * waiting, with a bounded budget, for the download Job to finish), no internet egress, /dev/shm
 * sized for tensor parallelism, GPU scheduling, rollouts that need no spare GPU, probes whose
 * startup budget covers the model load, every cache directory writable for an arbitrary uid on a
 * read-only root filesystem, traces through `--otlp-traces-endpoint`, and vLLM's /metrics scraped.
 */
export class VllmServer extends ServiceWorkload {
  /** Size of the memory-backed /dev/shm. */
  public readonly shmSize: string;

  constructor(scope: Construct, id: string, parsed: ParsedProps<ServiceWorkloadConfig>, name: string, private readonly spec: VllmServerSpec, cpu: boolean) {
    super(scope, id, parsed, name, {
      component: WorkloadComponent.INFERENCE,
      resourcePreset: cpu ? ResourcePreset.CPU_INFERENCE : ResourcePreset.GPU_INFERENCE,
      startupTimeoutSeconds: 1800,
      service: true,
      autoscaleByDefault: false,
    });
    this.shmSize = spec.shmSize ?? defaultShmSize(spec.gpu !== undefined, spec.tensorParallelSize, parseQuantity(this.resources.limits.memory));
    this.issues.push(...this.checkSpec());
    this.addVolume({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(this.shmSize) } }, { name: 'dshm', mountPath: '/dev/shm' });
    this.addWeights(spec.weights);
    if (spec.cacheClaim) {
      createModelCacheClaim(this, spec.cacheClaim, this.metadata('-models'), this.environment.storage.sharedStorageClassName);
    }
    if (spec.disruptionBudget && this.environment.availability.podDisruptionBudgets) {
      this.createDisruptionBudget();
    }
  }

  private addWeights(weights: WeightsSource): void {
    if (weights.kind === 'cache') {
      this.addVolume({ name: MODEL_VOLUME, persistentVolumeClaim: { claimName: weights.claimName, readOnly: true } }, { name: MODEL_VOLUME, mountPath: MODEL_MOUNT, readOnly: true });
      if (weights.waitFor) {
        this.addInitContainer(waitForWeightsContainer(this.imageName, this.environment.images.pullPolicy, this.spec.modelDirectory, weights.waitFor));
      }
      return;
    }
    this.addVolume({ name: MODEL_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString(weights.size) } }, { name: MODEL_VOLUME, mountPath: MODEL_MOUNT });
    this.allowExternal(ExternalEndpoint.https('huggingface.co', 'cdn-lfs.huggingface.co', 'cas-bridge.xethub.hf.co'));
    this.addInitContainer(this.podDownloadContainer(weights));
  }

  private checkSpec(): PropIssue[] {
    const issues: PropIssue[] = [];
    const shm = parseQuantity(this.shmSize);
    if (shm >= parseQuantity(this.resources.limits.memory)) {
      issues.push({
        field: 'shmSize',
        value: this.shmSize,
        message: `must stay below the memory limit "${this.resources.limits.memory}": a memory-backed /dev/shm counts against it; lower shmSize or raise resources.limits.memory`,
      });
    }
    return issues;
  }

  private podDownloadContainer(weights: Extract<WeightsSource, { kind: 'pod-download' }>): ContainerSpec {
    const token = weights.hubToken;
    return {
      name: 'download-model',
      image: this.imageName,
      imagePullPolicy: this.environment.images.pullPolicy,
      command: ['sh', '-c', LOCAL_DOWNLOAD_SCRIPT],
      env: [
        { name: 'MODEL_ID', value: weights.repository },
        { name: 'MODEL_REVISION', value: weights.revision },
        { name: 'MODEL_DIR', value: this.spec.modelDirectory },
        ...Object.entries(DOWNLOADER_ENV).map(([key, value]) => ({ name: key, value })),
        ...(token ? [EnvValue.fromSecret(token.secret, token.key)._toEnvVar('HF_TOKEN')] : []),
      ],
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
      volumeMounts: [{ name: MODEL_VOLUME, mountPath: MODEL_MOUNT }, { name: 'tmp', mountPath: '/tmp' }],
    };
  }

  /** vLLM's arguments: the model first (positional for `vllm serve`), then the engine flags. */
  public engineArgs(): string[] {
    const s = this.spec;
    const contributed = Object.assign({}, ...this.contributions().map((c) => c.env ?? {})) as Record<string, unknown>;
    return [
      s.modelDirectory,
      '--served-model-name', s.servedModelName,
      '--port', String(this.port),
      ...(s.gpu ? ['--tensor-parallel-size', String(s.tensorParallelSize), '--gpu-memory-utilization', String(s.gpuMemoryUtilization)] : []),
      ...(s.maxModelLength ? ['--max-model-len', String(s.maxModelLength)] : []),
      ...otlpTracing(contributed).args,
      ...s.extraEngineArgs,
    ];
  }

  protected override mainContainerSpec(): ContainerSpec {
    const spec = super.mainContainerSpec();
    const apiKey = this.spec.apiKey;
    const contributed = Object.assign({}, ...this.contributions().map((c) => c.env ?? {})) as Record<string, unknown>;
    return {
      ...spec,
      args: [...this.engineArgs(), ...(this.config.args ?? [])],
      env: [
        ...Object.entries(VLLM_RUNTIME_ENV).map(([name, value]) => ({ name, value })),
        ...(apiKey ? [EnvValue.fromSecret(apiKey.secret, apiKey.key)._toEnvVar('VLLM_API_KEY')] : []),
        ...(this.spec.gpu ? [] : [{ name: 'VLLM_CPU_KVCACHE_SPACE', value: '2' }]),
        ...otlpTracing(contributed).env,
        ...(spec.env ?? []),
      ],
    };
  }

  protected override extendedResources(): Record<string, number> {
    return this.spec.gpu ? { [this.spec.gpu.resource]: this.spec.gpu.count } : {};
  }

  /** A GPU pool updates without a spare GPU by default (the rollout the pool resolved); the CPU fallback keeps the zero-downtime default. */
  protected override deploymentStrategy(): k8s.DeploymentStrategy {
    if (!this.spec.gpu) {
      return super.deploymentStrategy();
    }
    const { maxSurge, maxUnavailable } = this.spec.rollingUpdate;
    return { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(maxSurge), maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable) } };
  }

  protected override rollingUpdateSurge(): number {
    return this.spec.gpu ? this.spec.rollingUpdate.maxSurge : 1;
  }

  /** The budget allows what the rollout does: as many pods down at once as it takes down. */
  protected override disruptionBudgetSpec(): k8s.PodDisruptionBudgetSpec {
    const base = super.disruptionBudgetSpec();
    const explicit = this.spec.disruptionBudget;
    if (explicit?.minAvailable !== undefined) {
      return { ...base, maxUnavailable: undefined, minAvailable: k8s.IntOrString.fromNumber(explicit.minAvailable) };
    }
    const maxUnavailable = explicit?.maxUnavailable ?? (this.spec.gpu ? Math.max(1, this.spec.rollingUpdate.maxUnavailable) : 1);
    return { ...base, maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable) };
  }

  protected override podSpecExtras(): Partial<Parameters<typeof renderPodSpec>[0]> {
    const s = this.spec;
    const product = s.gpu?.product;
    if (!s.gpu) {
      // The development fallback runs anywhere: none of the GPU pool's scheduling applies.
      return {};
    }
    return {
      nodeSelector: { ...s.nodeSelector, ...(product ? { 'nvidia.com/gpu.product': product } : {}) },
      tolerations: s.tolerations,
      runtimeClassName: s.runtimeClassName,
      priorityClassName: s.priorityClassName,
    };
  }

  /** The init containers run the server's image: one value moves all of them. */
  protected override addHelmImages(builder: HelmSectionBuilder): void {
    const initContainers = this.spec.weights.kind === 'cache' ? (this.spec.weights.waitFor ? ['wait-for-weights'] : []) : ['download-model'];
    builder.image(['image'], this.image, this.deployment, containerPath(this.name), 'vLLM image (server and its init containers)', initContainers.map((c) => containerPath(c, true)));
  }

  /** vLLM's series; on GPUs, the DCGM series that measures them (the profiling metric for MIG slices, which report no GPU_UTIL). */
  public override signals(): WorkloadSignals {
    return this.spec.gpu ? { ...VLLM_SIGNALS, gpuUtilization: gpuUtilizationSignal(this.spec.gpu.resource) } : VLLM_SIGNALS;
  }

  public override quotaDemand(): QuotaDemand {
    const base = super.quotaDemand();
    const claim = this.spec.cacheClaim;
    return { ...base, volumeClaims: claim ? 1 : 0, storageBytes: claim ? parseQuantity(claim.size) : 0 };
  }
}

/**
 * The init container that waits for the download Job's marker; it fails after the budget, so a
 * stuck download shows as a crash loop, not a silent hang. It runs the server's image.
 */
export function waitForWeightsContainer(image: string, pullPolicy: string, modelDirectory: string, waitFor: { seconds: number; job: string }): ContainerSpec {
  return {
    name: 'wait-for-weights',
    image,
    imagePullPolicy: pullPolicy,
    command: ['sh', '-c', WAIT_SCRIPT],
    env: [
      { name: 'MODEL_DIR', value: modelDirectory },
      { name: 'WAIT_SECONDS', value: String(waitFor.seconds) },
      { name: 'DOWNLOAD_JOB', value: waitFor.job },
    ],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [{ name: MODEL_VOLUME, mountPath: MODEL_MOUNT, readOnly: true }],
  };
}

/** The ReadWriteMany claim of the model cache, shared by the download Job and every replica. */
export function createModelCacheClaim(scope: Construct, claim: { name: string; size: string; storageClassName?: string }, metadata: k8s.ObjectMeta, sharedStorageClassName: string | undefined): k8s.KubePersistentVolumeClaim {
  return new k8s.KubePersistentVolumeClaim(scope, 'ModelCache', {
    metadata: { ...metadata, name: claim.name },
    spec: {
      accessModes: ['ReadWriteMany'],
      storageClassName: claim.storageClassName ?? sharedStorageClassName,
      resources: { requests: { storage: k8s.Quantity.fromString(claim.size) } },
    },
  });
}
