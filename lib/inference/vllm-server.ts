import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { type PropIssue } from '../core/errors';
import { type ParsedProps } from '../core/props';
import { ResourcePreset } from '../core/resources';
import { WorkloadComponent } from '../core/labels';
import { ExternalEndpoint } from '../core/network';
import { type ContainerSpec, type renderPodSpec } from '../core/pod';
import { formatBytes, parseQuantity } from '../core/quantity';
import { type SecretKeyReference } from '../core/queue-scaling';
import { ServiceWorkload, type ServiceWorkloadConfig } from '../core/service-workload';
import { type QuotaDemand } from '../core/workload';
import { containerPath, type HelmSectionBuilder } from '../core/helm-values';
import { gpuUtilizationSignal, VLLM_SIGNALS, type WorkloadSignals } from '../core/signals';
import { EnvValue } from '../core/env-value';

/** GPUs of one replica. */
export interface GpuOptions {
  /**
   * GPUs per replica (request and limit are always equal).
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

/** Where the model weights live: outside the image. */
export interface ModelCacheOptions {
  /**
   * Capacity.
   * @default "100Gi"
   */
  readonly size?: string;
  /**
   * `shared`: one ReadWriteMany claim all replicas read (downloaded once). `per-replica`: an
   * ephemeral ReadWriteOnce volume per pod (downloaded again when a pod is replaced).
   * @default "shared"
   */
  readonly mode?: 'shared' | 'per-replica';
  /**
   * StorageClass.
   * @default - the environment's shared (shared mode) or default (per-replica mode) storage class
   */
  readonly storageClassName?: string;
}

/** Everything the vLLM server needs, resolved by its pool. */
export interface VllmServerSpec {
  readonly model: string;
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
  readonly modelCache: Required<Omit<ModelCacheOptions, 'storageClassName'>> & { readonly storageClassName?: string };
  readonly downloadModel: boolean;
  readonly huggingFaceToken?: SecretKeyReference;
  readonly apiKey?: SecretKeyReference;
  /** Size of /dev/shm. @default - 2Gi per tensor-parallel GPU, at most a quarter of the memory limit */
  readonly shmSize?: string;
}

const MODEL_CACHE = 'model-cache';
const MODEL_MOUNT = '/models';
const HF_HOME = `${MODEL_MOUNT}/huggingface`;

/**
 * vLLM's OpenAI-compatible server as a Deployment: weights in a volume outside the image, an
 * optional download step, /dev/shm sized for tensor parallelism, GPU scheduling, probes whose
 * startup budget covers multi-minute model loads, and vLLM's /metrics scraped.
 */
/** 2Gi per tensor-parallel GPU (1Gi on CPU), never more than a quarter of the memory limit it counts against. */
function defaultShmSize(spec: VllmServerSpec, memoryLimit: number): string {
  const wanted = spec.gpu ? 2 * spec.tensorParallelSize * 2 ** 30 : 2 ** 30;
  return formatBytes(Math.min(wanted, Math.floor(memoryLimit / 4 / 2 ** 20) * 2 ** 20));
}

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
    this.shmSize = spec.shmSize ?? defaultShmSize(spec, parseQuantity(this.resources.limits.memory));
    this.issues.push(...this.checkSpec());
    this.addVolume({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(this.shmSize) } }, { name: 'dshm', mountPath: '/dev/shm' });
    this.addVolume(this.modelCacheVolume(), { name: MODEL_CACHE, mountPath: MODEL_MOUNT });
    if (spec.modelCache.mode === 'shared') {
      new k8s.KubePersistentVolumeClaim(this, 'ModelCache', {
        metadata: this.metadata('-models'),
        spec: {
          accessModes: ['ReadWriteMany'],
          storageClassName: spec.modelCache.storageClassName ?? this.environment.storage.sharedStorageClassName,
          resources: { requests: { storage: k8s.Quantity.fromString(spec.modelCache.size) } },
        },
      });
    }
    if (spec.downloadModel && this.downloadsFromHub) {
      this.allowExternal(ExternalEndpoint.https('huggingface.co', 'cdn-lfs.huggingface.co'));
      this.addInitContainer(this.downloadContainer());
    }
  }

  private get downloadsFromHub(): boolean {
    return !this.spec.model.startsWith('/');
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

  private modelCacheVolume(): k8s.Volume {
    const cache = this.spec.modelCache;
    if (cache.mode === 'shared') {
      return { name: MODEL_CACHE, persistentVolumeClaim: { claimName: `${this.name}-models` } };
    }
    return {
      name: MODEL_CACHE,
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { ...this.selectorLabels } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: cache.storageClassName ?? this.environment.storage.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(cache.size) } },
          },
        },
      },
    };
  }

  private commonEnv(): k8s.EnvVar[] {
    const token = this.spec.huggingFaceToken;
    return [
      { name: 'HOME', value: '/tmp' },
      { name: 'XDG_CACHE_HOME', value: '/tmp/.cache' },
      { name: 'HF_HOME', value: HF_HOME },
      ...(token ? [EnvValue.fromSecret(token.secret, token.key)._toEnvVar('HF_TOKEN')] : []),
    ];
  }

  private downloadContainer(): ContainerSpec {
    return {
      name: 'download-model',
      image: this.imageName,
      imagePullPolicy: this.environment.images.pullPolicy,
      command: ['huggingface-cli', 'download', this.spec.model],
      env: this.commonEnv(),
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      volumeMounts: [{ name: MODEL_CACHE, mountPath: MODEL_MOUNT }, { name: 'tmp', mountPath: '/tmp' }],
    };
  }

  /** vLLM's engine arguments. */
  public engineArgs(): string[] {
    const s = this.spec;
    return [
      '--model', s.model,
      '--served-model-name', s.servedModelName,
      '--port', String(this.port),
      ...(s.gpu ? ['--tensor-parallel-size', String(s.tensorParallelSize), '--gpu-memory-utilization', String(s.gpuMemoryUtilization)] : []),
      ...(s.maxModelLength ? ['--max-model-len', String(s.maxModelLength)] : []),
      ...s.extraEngineArgs,
    ];
  }

  protected override mainContainerSpec(): ContainerSpec {
    const spec = super.mainContainerSpec();
    const apiKey = this.spec.apiKey;
    return {
      ...spec,
      args: [...this.engineArgs(), ...(this.config.args ?? [])],
      env: [
        ...this.commonEnv(),
        ...(apiKey ? [EnvValue.fromSecret(apiKey.secret, apiKey.key)._toEnvVar('VLLM_API_KEY')] : []),
        ...(this.spec.gpu ? [] : [{ name: 'VLLM_CPU_KVCACHE_SPACE', value: '2' }]),
        ...(spec.env ?? []),
      ],
    };
  }

  protected override extendedResources(): Record<string, number> {
    return this.spec.gpu ? { [this.spec.gpu.resource]: this.spec.gpu.count } : {};
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

  /** The download init container runs the server's image: one value moves both. */
  protected override addHelmImages(builder: HelmSectionBuilder): void {
    const downloads = this.spec.downloadModel && this.downloadsFromHub;
    builder.image(['image'], this.image, this.deployment, containerPath(this.name), 'vLLM image (server and model download)', downloads ? [containerPath('download-model', true)] : []);
  }

  /** vLLM's series; on GPUs, the DCGM series that measures them (the profiling metric for MIG slices, which report no GPU_UTIL). */
  public override signals(): WorkloadSignals {
    return this.spec.gpu ? { ...VLLM_SIGNALS, gpuUtilization: gpuUtilizationSignal(this.spec.gpu.resource) } : VLLM_SIGNALS;
  }

  public override quotaDemand(): QuotaDemand {
    const base = super.quotaDemand();
    const shared = this.spec.modelCache.mode === 'shared';
    const claims = shared ? 1 : base.pods;
    return { ...base, volumeClaims: claims, storageBytes: claims * parseQuantity(this.spec.modelCache.size) };
  }
}
