import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { containerPath, HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider, replicasValueSchema } from '../core/helm-values';
import { formatImage, type ImageReference } from '../core/image';
import { toValuesKey, WorkloadComponent } from '../core/labels';
import { type ExternalEndpoint, Protocol } from '../core/network';
import { podMetadata, renderContainer, renderPodSpec, tmpVolume, topologySpread } from '../core/pod';
import { type ResolvedResources } from '../core/resources';
import { ENDPOINT_PICKER_SIGNALS, type WorkloadSignals } from '../core/signals';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload } from '../core/workload';
import { toYaml } from '../synth/yaml';
import { ENDPOINT_PICKER_CONFIG_API, ENDPOINT_PICKER_HEALTH_SERVICE, ENDPOINT_PICKER_SCORERS } from './endpoint-picker-flags';

/** Ports of the endpoint picker, as the pinned version serves them. */
export const EXT_PROC_PORT = 9002;
export const HEALTH_PORT = 9003;
export const PICKER_METRICS_PORT = 9090;

/** Weights of the picker's scorers in its scheduling profile; 0 leaves a scorer out. */
export interface ScorerWeights {
  /**
   * Prefer the model server with the shortest queue (`vllm:num_requests_waiting`).
   * @default 2
   */
  readonly queue?: number;
  /**
   * Prefer the model server with the most free KV cache (`vllm:kv_cache_usage_perc`).
   * @default 2
   */
  readonly kvCache?: number;
  /**
   * Prefer the model server that most likely holds the request's prompt prefix in its KV cache.
   * @default 3
   */
  readonly prefixCache?: number;
}

/** Everything the picker needs, resolved by its pool. */
export interface EndpointPickerSpec {
  /** Name of the InferencePool it serves. */
  readonly poolName: string;
  readonly image: ImageReference;
  readonly replicas: number;
  readonly resources: ResolvedResources;
  readonly scorers: Required<ScorerWeights>;
  /** Where the Kubernetes API server is reached (the picker watches its pool and the pods). */
  readonly apiServer: ExternalEndpoint;
}

const CONTAINER = 'epp';
const CONFIG_FILE = 'config.yaml';
const CONFIG_DIR = '/config';

/** The picker's plugin configuration: the three scorers in one weighted profile. */
export function endpointPickerConfig(scorers: Required<ScorerWeights>): Record<string, unknown> {
  const chosen = ([['queue', scorers.queue], ['kvCache', scorers.kvCache], ['prefixCache', scorers.prefixCache]] as const)
    .filter(([, weight]) => weight > 0)
    .map(([scorer, weight]) => ({ type: ENDPOINT_PICKER_SCORERS[scorer], weight }));
  return {
    ...ENDPOINT_PICKER_CONFIG_API,
    plugins: chosen.map((s) => ({ type: s.type })),
    schedulingProfiles: [{ name: 'default', plugins: chosen.map((s) => ({ pluginRef: s.type, weight: s.weight })) }],
  };
}

/**
 * The endpoint picker (EPP) of an InferencePool, from the Gateway API Inference Extension: the
 * gateway asks it, over ext-proc (gRPC), which model server should take each request, and it
 * answers from the servers' queue depth, KV-cache use and prefix-cache affinity, which it
 * scrapes from their /metrics. A Deployment with its Service, ServiceAccount, a Role that can
 * only read InferencePools and pods of the namespace, its plugin config, gRPC health probes, a
 * PodDisruptionBudget and spread when replicated, and a NetworkPolicy.
 *
 * High availability is active-active: every replica serves, and each keeps its own prefix-cache
 * index. Upstream's alternative, leader election, keeps the standbys unready by design, so a
 * Deployment of two never reports Available and `helm upgrade --atomic` and
 * `kubectl rollout status` fail; since the gateway keeps one long-lived ext-proc stream per
 * proxy, a gateway pod sticks to one picker, which keeps its prefix affinity.
 */
export class EndpointPicker extends Workload implements IHelmValuesProvider {
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly role: k8s.KubeRole;
  /** The container image, split into the parts Helm values can override. */
  public readonly image: ImageReference;
  public readonly replicas: number;

  constructor(scope: Construct, id: string, name: string, private readonly spec: EndpointPickerSpec) {
    super(scope, id, { name, component: WorkloadComponent.INFERENCE_ROUTER });
    this.image = spec.image;
    this.replicas = spec.replicas;
    this.exposePorts({ port: EXT_PROC_PORT, protocol: Protocol.TCP });
    this.allowExternal(spec.apiServer);
    this.createServiceAccount(true);
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: this.metadata(),
      rules: [
        { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: this.metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: this.metadata(),
      data: { [CONFIG_FILE]: toYaml(endpointPickerConfig(spec.scorers)) },
    });
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.deploymentSpec() }),
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: this.metadata(),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [
          { name: 'grpc-ext-proc', port: EXT_PROC_PORT, targetPort: k8s.IntOrString.fromString('grpc-ext-proc'), protocol: 'TCP', appProtocol: 'http2' },
          { name: 'metrics', port: PICKER_METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP', appProtocol: 'http' },
        ],
      },
    });
    if (this.environment.availability.podDisruptionBudgets && spec.replicas > 1) {
      this.createDisruptionBudget();
    }
    this.createNetworkPolicy();
  }

  /** The picker's arguments, each checked against the pinned version's flags in the tests. */
  public args(): string[] {
    const tracing = this.contributions().some((c) => c.env?.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined);
    return [
      '--pool-name', this.spec.poolName,
      '--pool-namespace', this.namespace ?? this.environment.namespace,
      '--config-file', `${CONFIG_DIR}/${CONFIG_FILE}`,
      '--grpc-port', String(EXT_PROC_PORT),
      '--grpc-health-port', String(HEALTH_PORT),
      '--metrics-port', String(PICKER_METRICS_PORT),
      // The Role is namespaced: token and access reviews for /metrics would need cluster RBAC;
      // the NetworkPolicy admits only the scrapers to the metrics port instead.
      '--metrics-endpoint-auth=false',
      '--enable-pprof=false',
      `--tracing=${tracing}`,
      '--zap-encoder', 'json',
    ];
  }

  private deploymentSpec(): k8s.DeploymentSpec {
    const tmp = tmpVolume('64Mi');
    const grpc = (periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      grpc: { port: HEALTH_PORT, service: ENDPOINT_PICKER_HEALTH_SERVICE }, periodSeconds, timeoutSeconds: 2, failureThreshold, successThreshold: 1,
    });
    const metricsAnnotations = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PICKER_METRICS_PORT), 'prometheus.io/path': '/metrics' };
    return {
      replicas: this.replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { ...this.selectorLabels } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
      template: {
        metadata: podMetadata(this.labels, { ...metricsAnnotations, ...this.contributedPodAnnotations() }),
        spec: renderPodSpec({
          serviceAccountName: this.name,
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 130,
          topologySpreadConstraints: this.replicas > 1 ? topologySpread(this.selectorLabels, this.environment.availability) : [],
          containers: [{
            ...renderContainer({
              name: CONTAINER,
              image: formatImage(this.image, this.environment.images.registry),
              imagePullPolicy: this.environment.images.pullPolicy,
              args: this.args(),
              ports: [
                { name: 'grpc-ext-proc', containerPort: EXT_PROC_PORT, protocol: 'TCP' },
                { name: 'grpc-health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: PICKER_METRICS_PORT, protocol: 'TCP' },
              ],
              env: [
                { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ...this.renderEnv(),
              ],
              resources: this.spec.resources,
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, tmp.mount],
            }),
            startupProbe: grpc(2, 60),
            readinessProbe: grpc(2, 3),
            livenessProbe: grpc(10, 3),
          }],
          volumes: [{ name: 'config', configMap: { name: this.name } }, tmp.volume],
        }),
      },
    };
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    return [{ port: PICKER_METRICS_PORT, portName: 'metrics', path: '/metrics' }];
  }

  public signals(): WorkloadSignals {
    return ENDPOINT_PICKER_SIGNALS;
  }

  public override get emitsTraces(): boolean {
    return true;
  }

  public quotaDemand(): QuotaDemand {
    return podDemand(this.replicas + 1, [this.spec.resources]);
  }

  /** Image, replicas and resources of the picker as chart values. */
  public helmValues(): HelmValueSection {
    return new HelmSectionBuilder(toValuesKey(this.name), this.node.path)
      .image(['image'], this.image, this.deployment, containerPath(CONTAINER), 'Endpoint picker image')
      .replicas(this.replicas, replicasValueSchema, this.deployment, 'Replicas of the endpoint picker (active-active)')
      .resources(['resources'], this.spec.resources, this.deployment, containerPath(CONTAINER), 'Requests and limits of the endpoint picker')
      .build();
  }
}
