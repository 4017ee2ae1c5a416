import { ApiObject, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { EnvValue } from '../core/env-value';
import { HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider, replicasValueSchema, type ValuePathSegment } from '../core/helm-values';
import { formatImage, type ImageReference } from '../core/image';
import { toValuesKey, WorkloadComponent } from '../core/labels';
import { Protocol } from '../core/network';
import { podMetadata, renderContainer, renderPodSpec, tmpVolume } from '../core/pod';
import { httpProbes } from '../core/probes';
import { parseQuantity } from '../core/quantity';
import { type ResolvedResources, resourceIssues } from '../core/resources';
import { VLLM_SIGNALS, type WorkloadSignals } from '../core/signals';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload } from '../core/workload';
import { type ConfigFilesMount, mountConfigFiles } from '../core/config-mounts';
import { PodVolumeSet } from '../core/pod-volume-set';
import { MODEL_MOUNT } from './model-weights';
import { VLLM_RUNTIME_ENV } from './vllm-runtime';
import { createModelCacheClaim, defaultShmSize, MODEL_VOLUME, otlpTracing, VLLM_PORT, type VllmServerSpec, waitForWeightsContainer } from './vllm-server';

/** The label telling a group's leader (which serves the API) from its workers. */
export const ROLE_LABEL = 'agents.cdk8s.io/role';

const RAY_GCS_PORT = 6379;
const RAY_NODE_MANAGER_PORT = 6380;
const RAY_OBJECT_MANAGER_PORT = 6381;
const WORKER_CONTAINER = 'ray-worker';

/** The leader starts the Ray head, then vLLM with the Ray backend (the engine arguments follow as "$@"). */
const LEADER_SCRIPT = [
  `ray start --head --port=${RAY_GCS_PORT} --node-manager-port=${RAY_NODE_MANAGER_PORT} --object-manager-port=${RAY_OBJECT_MANAGER_PORT} --include-dashboard=false --disable-usage-stats`,
  'exec vllm serve "$@"',
].join(' && ');

/** Workers join the leader's Ray cluster (LWS sets LWS_LEADER_ADDRESS) and hold their GPUs for it. */
const WORKER_SCRIPT = `exec ray start --address="$LWS_LEADER_ADDRESS:${RAY_GCS_PORT}" --node-manager-port=${RAY_NODE_MANAGER_PORT} --object-manager-port=${RAY_OBJECT_MANAGER_PORT} --disable-usage-stats --block`;

/** What a multi-node pool adds to a server's spec. */
export interface MultiNodeSpec extends VllmServerSpec {
  /** Nodes (pods) per replica: one leader and `nodes - 1` workers. */
  readonly nodes: number;
  readonly pipelineParallelSize: number;
}

/** The container and pod settings the pool resolved. */
export interface MultiNodeConfig {
  readonly image: ImageReference;
  /** The image as given, for messages. */
  readonly imageText: string;
  readonly resources: ResolvedResources;
  readonly replicas: number;
  readonly startupTimeoutSeconds: number;
  /** Configuration files mounted into the leader's vLLM container. */
  readonly configFiles?: readonly ConfigFilesMount[];
}

/**
 * vLLM across several nodes per replica, as a LeaderWorkerSet: each replica is a group of one
 * leader pod (Ray head and the OpenAI-compatible server) and `nodes - 1` worker pods (Ray
 * workers), restarted together. The model is sharded with tensor parallelism inside a node and
 * pipeline parallelism across nodes, over Ray: the distributed backend vLLM supports across
 * nodes at the pinned version (its multiprocessing backend runs on one node). The pods keep the
 * single-node pool's restricted security, probes (HTTP on the leader, the Ray node manager's
 * port on workers), weights from the read-only cache, and rollouts without spare GPUs.
 */
export class VllmMultiNodeServer extends Workload implements IHelmValuesProvider {
  public readonly leaderWorkerSet: ApiObject;
  public readonly service: k8s.KubeService;
  public readonly image: ImageReference;
  public readonly port = VLLM_PORT;
  /** Labels of the leader pods (the InferencePool and the Service select them). */
  public readonly leaderLabels: Readonly<Record<string, string>>;
  private readonly shmSize: string;
  /** The configuration files of the leader (vLLM reads them; Ray workers do not). */
  private readonly leaderVolumes = new PodVolumeSet(this, (issue) => this.issues.push(issue));

  constructor(scope: Construct, id: string, name: string, private readonly config: MultiNodeConfig, private readonly spec: MultiNodeSpec) {
    super(scope, id, { name, component: WorkloadComponent.INFERENCE });
    this.image = config.image;
    this.leaderLabels = { ...this.selectorLabels, [ROLE_LABEL]: 'leader' };
    this.shmSize = spec.shmSize ?? defaultShmSize(true, spec.tensorParallelSize, parseQuantity(config.resources.limits.memory));
    this.issues.push(...resourceIssues(config.resources));
    this.checkImagePolicy('image', config.image, config.imageText);
    this.exposePorts({ port: VLLM_PORT, protocol: Protocol.TCP });
    // Ray and NCCL talk between the pods of a group on ports they pick at run time.
    this.connections.allowIngress(this.connections.peer, []);
    this.connections.allowEgress(this.connections.peer, []);
    this.createServiceAccount(false);
    // The leader's fixed mounts first, so that a configuration file cannot take their paths.
    this.mounts().forEach((m) => this.leaderVolumes.mountMain(m, 'configFiles'));
    (config.configFiles ?? []).forEach((mount, i) => mountConfigFiles(this, this.leaderVolumes, mount, `configFiles[${i}]`, (issue) => this.issues.push(issue)));
    if (spec.cacheClaim) {
      createModelCacheClaim(this, spec.cacheClaim, this.metadata('-models'), this.environment.storage.sharedStorageClassName);
    }
    this.leaderWorkerSet = new ApiObject(this, 'Resource', {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.leaderWorkerSetSpec() }),
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: this.metadata(),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.leaderLabels },
        ports: [{ name: 'http', port: VLLM_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });
    if (this.environment.availability.podDisruptionBudgets && (config.replicas > 1 || spec.disruptionBudget)) {
      this.createDisruptionBudget();
    }
    this.createNetworkPolicy();
  }

  /** The in-cluster URL of the leaders' Service. */
  public get url(): string {
    const host = this.namespace ? `${this.name}.${this.namespace}.svc.cluster.local` : this.name;
    return `http://${host}:${VLLM_PORT}`;
  }

  /** vLLM's arguments on the leader: the model, then the engine flags for Ray across the group. */
  public engineArgs(): string[] {
    const s = this.spec;
    return [
      s.modelDirectory,
      '--served-model-name', s.servedModelName,
      '--port', String(VLLM_PORT),
      '--tensor-parallel-size', String(s.tensorParallelSize),
      '--pipeline-parallel-size', String(s.pipelineParallelSize),
      '--distributed-executor-backend', 'ray',
      '--gpu-memory-utilization', String(s.gpuMemoryUtilization),
      ...(s.maxModelLength ? ['--max-model-len', String(s.maxModelLength)] : []),
      ...otlpTracing(this.contributedEnv()).args,
      ...s.extraEngineArgs,
    ];
  }

  private contributedEnv(): Record<string, unknown> {
    return Object.assign({}, ...this.contributions().map((c) => c.env ?? {})) as Record<string, unknown>;
  }

  private leaderWorkerSetSpec(): Record<string, unknown> {
    return {
      replicas: this.config.replicas,
      startupPolicy: 'LeaderCreated',
      rolloutStrategy: {
        type: 'RollingUpdate',
        rollingUpdateConfiguration: { maxSurge: this.spec.rollingUpdate.maxSurge, maxUnavailable: this.spec.rollingUpdate.maxUnavailable },
      },
      leaderWorkerTemplate: {
        size: this.spec.nodes,
        restartPolicy: 'RecreateGroupOnPodRestart',
        leaderTemplate: this.podTemplate('leader'),
        workerTemplate: this.podTemplate('worker'),
      },
    };
  }

  private podTemplate(role: 'leader' | 'worker'): Record<string, unknown> {
    const tmp = tmpVolume('2Gi');
    const labels = { ...this.labels, [ROLE_LABEL]: role };
    const annotations = role === 'leader'
      ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(VLLM_PORT), 'prometheus.io/path': '/metrics', ...this.leaderVolumes.contentHashes(), ...this.contributedPodAnnotations() }
      : {};
    const main = role === 'leader' ? this.leaderContainer() : this.workerContainer();
    const waitFor = this.spec.weights.kind === 'cache' ? this.spec.weights.waitFor : undefined;
    const spec = renderPodSpec({
      serviceAccountName: this.name,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 120,
      initContainers: waitFor ? [renderContainer(waitForWeightsContainer(this.imageName, this.environment.images.pullPolicy, this.spec.modelDirectory, waitFor))] : [],
      containers: [main],
      volumes: [
        { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(this.shmSize) } },
        { name: MODEL_VOLUME, persistentVolumeClaim: { claimName: this.spec.cacheClaim?.name ?? `${this.name}-models`, readOnly: true } },
        tmp.volume,
        ...(role === 'leader' ? this.leaderVolumes.render() : []),
      ],
      nodeSelector: { ...this.spec.nodeSelector, ...(this.spec.gpu?.product ? { 'nvidia.com/gpu.product': this.spec.gpu.product } : {}) },
      tolerations: this.spec.tolerations,
      runtimeClassName: this.spec.runtimeClassName,
      priorityClassName: this.spec.priorityClassName,
    });
    return { metadata: k8s.toJson_ObjectMeta(podMetadata(labels, annotations)), spec: k8s.toJson_PodSpec(spec) };
  }

  private get imageName(): string {
    return formatImage(this.image, this.environment.images.registry);
  }

  private mounts(): k8s.VolumeMount[] {
    return [
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: MODEL_VOLUME, mountPath: MODEL_MOUNT, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ];
  }

  private runtimeEnv(): k8s.EnvVar[] {
    return [...Object.entries(VLLM_RUNTIME_ENV).map(([name, value]) => ({ name, value })), { name: 'RAY_USAGE_STATS_ENABLED', value: '0' }];
  }

  private extended(): Record<string, number> {
    return this.spec.gpu ? { [this.spec.gpu.resource]: this.spec.gpu.count } : {};
  }

  private leaderContainer(): k8s.Container {
    const apiKey = this.spec.apiKey;
    return renderContainer({
      name: this.name,
      image: this.imageName,
      imagePullPolicy: this.environment.images.pullPolicy,
      command: ['sh', '-c', LEADER_SCRIPT, 'vllm-leader'],
      args: this.engineArgs(),
      ports: [
        { name: 'http', containerPort: VLLM_PORT, protocol: 'TCP' },
        { name: 'ray-gcs', containerPort: RAY_GCS_PORT, protocol: 'TCP' },
        { name: 'ray-node', containerPort: RAY_NODE_MANAGER_PORT, protocol: 'TCP' },
      ],
      env: [
        ...this.runtimeEnv(),
        ...(apiKey ? [EnvValue.fromSecret(apiKey.secret, apiKey.key)._toEnvVar('VLLM_API_KEY')] : []),
        ...otlpTracing(this.contributedEnv()).env,
        ...this.renderEnv(),
      ],
      resources: this.config.resources,
      extendedResources: this.extended(),
      probes: httpProbes({ path: '/health', timeoutSeconds: 10, startupTimeoutSeconds: this.config.startupTimeoutSeconds }, 'http', { startupTimeoutSeconds: this.config.startupTimeoutSeconds }),
      volumeMounts: [...this.leaderVolumes.mainMounts],
      preStopDelaySeconds: 5,
    });
  }

  private workerContainer(): k8s.Container {
    const raylet = (periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      tcpSocket: { port: k8s.IntOrString.fromString('ray-node') }, periodSeconds, timeoutSeconds: 5, failureThreshold, successThreshold: 1,
    });
    return {
      ...renderContainer({
        name: WORKER_CONTAINER,
        image: this.imageName,
        imagePullPolicy: this.environment.images.pullPolicy,
        command: ['sh', '-c', WORKER_SCRIPT],
        ports: [
          { name: 'ray-node', containerPort: RAY_NODE_MANAGER_PORT, protocol: 'TCP' },
          { name: 'ray-objects', containerPort: RAY_OBJECT_MANAGER_PORT, protocol: 'TCP' },
        ],
        env: this.runtimeEnv(),
        resources: this.config.resources,
        extendedResources: this.extended(),
        volumeMounts: this.mounts(),
      }),
      // The Ray node manager listens once the worker has joined the leader's cluster.
      startupProbe: raylet(5, Math.max(1, Math.ceil(this.config.startupTimeoutSeconds / 5))),
      readinessProbe: raylet(10, 3),
      livenessProbe: raylet(10, 3),
    };
  }

  /** The budget allows one group at a time, as the rollout takes one down. */
  protected override disruptionBudgetSpec(): k8s.PodDisruptionBudgetSpec {
    const explicit = this.spec.disruptionBudget;
    return {
      selector: { matchLabels: { ...this.selectorLabels } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      ...(explicit?.minAvailable !== undefined
        ? { minAvailable: k8s.IntOrString.fromNumber(explicit.minAvailable) }
        : { maxUnavailable: k8s.IntOrString.fromNumber(explicit?.maxUnavailable ?? Math.max(1, this.spec.rollingUpdate.maxUnavailable)) }),
    };
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    return [{ port: VLLM_PORT, portName: 'http', path: '/metrics' }];
  }

  public signals(): WorkloadSignals {
    return VLLM_SIGNALS;
  }

  public override get emitsTraces(): boolean {
    return true;
  }

  public quotaDemand(): QuotaDemand {
    const pods = (this.config.replicas + this.spec.rollingUpdate.maxSurge) * this.spec.nodes;
    const extended = this.extended();
    const claim = this.spec.cacheClaim;
    return podDemand(pods, [this.config.resources], {
      gpus: Object.values(extended).reduce((sum, n) => sum + n, 0),
      extendedResources: extended,
      volumeClaims: claim ? 1 : 0,
      storageBytes: claim ? parseQuantity(claim.size) : 0,
    });
  }

  /** Image, replica groups and resources (leaders and workers alike) as chart values. */
  public helmValues(): HelmValueSection {
    const template = (role: 'leaderTemplate' | 'workerTemplate', container: string, init = false): ValuePathSegment[] =>
      ['spec', 'leaderWorkerTemplate', role, 'spec', init ? 'initContainers' : 'containers', { name: container }];
    const leader = template('leaderTemplate', this.name);
    const worker = template('workerTemplate', WORKER_CONTAINER);
    const waits = this.spec.weights.kind === 'cache' && this.spec.weights.waitFor
      ? [template('leaderTemplate', 'wait-for-weights', true), template('workerTemplate', 'wait-for-weights', true)]
      : [];
    return new HelmSectionBuilder(toValuesKey(this.name), this.node.path)
      .image(['image'], this.image, this.leaderWorkerSet, leader, 'vLLM image (leaders, workers and their init containers)', [worker, ...waits])
      .replicas(this.config.replicas, replicasValueSchema, this.leaderWorkerSet, `Replicas (groups of ${this.spec.nodes} pods)`, this.spec.rollingUpdate.maxSurge, this.spec.nodes)
      .resources(['resources'], this.config.resources, this.leaderWorkerSet, leader, 'Requests and limits of every pod of a group', this.extended(), [worker])
      .build();
  }
}

