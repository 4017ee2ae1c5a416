/**
 * The props contract, checked at compile time (`npm run typecheck`, and props-contract.test.ts
 * runs the compiler on this file): for every construct, the keys of its props interface equal
 * the keys of its zod schema's input, and a key is required in one exactly when it is required
 * in the other. A prop added to the interface but not to the schema (refused at run time as an
 * unknown field) or to the schema but not to the interface (undocumented) fails here, naming the
 * key, e.g. `Type '"newProp"' is not assignable to type 'never'` under `onlyInProps`.
 *
 * Each entry is `<Construct or options>: contract<Props, typeof schema>()`.
 */
import { type z } from 'zod';
import { type AgentBatchJobProps, type agentBatchJobSchema } from '../../lib/agent-batch-job';
import { type AgentMicroserviceProps, type agentMicroserviceSchema } from '../../lib/agent-microservice';
import { type AgentPlatformProps, type platformPropsSchema } from '../../lib/agent-platform';
import { type AutoscalingOptions, type autoscalingSchema } from '../../lib/core/autoscaling';
import { type ConfigFilesMount, type configFilesMountSchema } from '../../lib/core/config-mounts';
import { type ConfigFilesProps, type configFilesSchema } from '../../lib/config-files';
import { type InitContainerOptions, type initContainerOptionsSchema, type SidecarOptions, type sidecarOptionsSchema } from '../../lib/core/containers';
import { type ExternalEndpointOptions, type externalEndpointOptionsSchema } from '../../lib/core/network';
import { type HealthCheckOptions, type healthCheckSchema } from '../../lib/core/probes';
import { type QueueScalingOptions, type queueScalingSchema } from '../../lib/core/queue-scaling';
import { type ResourceOptions, type resourceOptionsSchema } from '../../lib/core/resources';
import { type SecurityOptions, type securityOptionsSchema } from '../../lib/core/security';
import { type IngressOptions, type MetricsOptions, type ServiceWorkloadProps, type serviceWorkloadSchema } from '../../lib/core/service-workload';
import { type VolumeMountOptions, type volumeMountOptionsSchema } from '../../lib/core/volumes';
import { type GpuInferencePoolProps, type gpuInferencePoolSchema } from '../../lib/gpu-inference-pool';
import { type ExternalMcpToolOptions, type externalToolSchema, type McpToolServiceProps, type mcpToolServiceSchema, type StdioBridgeOptions } from '../../lib/mcp-tool-service';
import { type AlertOptions, type ObservabilityStackProps, type observabilityStackSchema } from '../../lib/observability-stack';
import { type AlertmanagerOptions, type alertmanagerOptionsSchema } from '../../lib/observability/servers/alertmanager';
import { type CollectorOptions, type collectorOptionsSchema } from '../../lib/observability/servers/collector';
import { type GrafanaOptions, type grafanaOptionsSchema } from '../../lib/observability/servers/grafana';
import { type KubeStateMetricsOptions, type kubeStateMetricsOptionsSchema } from '../../lib/observability/servers/kube-state-metrics';
import { type PrometheusOptions, type prometheusOptionsSchema } from '../../lib/observability/servers/prometheus';
import { type TempoOptions, type tempoOptionsSchema } from '../../lib/observability/servers/tempo';
import { type LangfuseOptions, type langfuseOptionsSchema } from '../../lib/observability/telemetry';
import { type RedisCacheStatefulSetProps, type redisCacheSchema } from '../../lib/redis-cache-stateful-set';
import { type SecretSourceProps, type secretSourceSchema } from '../../lib/secret-source';
import { type SharedVolumeProps, type sharedVolumeSchema } from '../../lib/shared-volume';

type Input<S extends z.ZodType> = NonNullable<z.input<S>>;
type RequiredKeys<T> = { [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? never : K }[keyof T];

/** What differs between a props interface and a schema's input; every field must be `never`. */
export interface KeyDrift<P, S extends z.ZodType> {
  readonly onlyInProps: Exclude<keyof P, keyof Input<S>>;
  readonly onlyInSchema: Exclude<keyof Input<S>, keyof P>;
  readonly requiredOnlyInProps: Exclude<RequiredKeys<P>, RequiredKeys<Input<S>>>;
  readonly requiredOnlyInSchema: Exclude<RequiredKeys<Input<S>>, RequiredKeys<P>>;
  /** A schema or interface without fixed keys (`any`, a record) would make the comparison vacuous. */
  readonly openKeys: string extends keyof Input<S> ? 'schema' : string extends keyof P ? 'props' : never;
}

/** No drift. */
export interface Agreement {
  readonly onlyInProps: never;
  readonly onlyInSchema: never;
  readonly requiredOnlyInProps: never;
  readonly requiredOnlyInSchema: never;
  readonly openKeys: never;
}

/** The drift of one pair, as a type; assigning it to `Agreement` fails to compile on any drift, naming the key. */
function contract<P, S extends z.ZodType>(): KeyDrift<P, S> {
  return undefined as unknown as KeyDrift<P, S>;
}

type Shape<S> = S extends z.ZodObject<infer T> ? T : never;
type Field<S, K extends keyof Shape<S>> = Shape<S>[K] extends z.ZodType ? Shape<S>[K] : never;

/** Every construct's props, and the options interfaces nested in them that have a schema of their own. */
export const CONTRACTS: Readonly<Record<string, Agreement>> = {
  AgentPlatform: contract<AgentPlatformProps, typeof platformPropsSchema>(),
  AgentMicroservice: contract<AgentMicroserviceProps, typeof agentMicroserviceSchema>(),
  ServiceWorkload: contract<ServiceWorkloadProps, typeof serviceWorkloadSchema>(),
  McpToolService: contract<McpToolServiceProps, typeof mcpToolServiceSchema>(),
  'McpToolService.fromServiceName': contract<ExternalMcpToolOptions, typeof externalToolSchema>(),
  RedisCacheStatefulSet: contract<RedisCacheStatefulSetProps, typeof redisCacheSchema>(),
  GpuInferencePool: contract<GpuInferencePoolProps, typeof gpuInferencePoolSchema>(),
  AgentBatchJob: contract<AgentBatchJobProps, typeof agentBatchJobSchema>(),
  SecretSource: contract<SecretSourceProps, typeof secretSourceSchema>(),
  SharedVolume: contract<SharedVolumeProps, typeof sharedVolumeSchema>(),
  ConfigFiles: contract<ConfigFilesProps, typeof configFilesSchema>(),
  'configFiles (ConfigFilesMount)': contract<ConfigFilesMount, typeof configFilesMountSchema>(),
  ObservabilityStack: contract<ObservabilityStackProps, typeof observabilityStackSchema>(),
  PrometheusServer: contract<PrometheusOptions, typeof prometheusOptionsSchema>(),
  GrafanaServer: contract<GrafanaOptions, typeof grafanaOptionsSchema>(),
  TempoServer: contract<TempoOptions, typeof tempoOptionsSchema>(),
  CollectorServer: contract<CollectorOptions, typeof collectorOptionsSchema>(),
  AlertmanagerServer: contract<AlertmanagerOptions, typeof alertmanagerOptionsSchema>(),
  KubeStateMetricsServer: contract<KubeStateMetricsOptions, typeof kubeStateMetricsOptionsSchema>(),
  'addSidecar (SidecarOptions)': contract<SidecarOptions, typeof sidecarOptionsSchema>(),
  'addInitContainer (InitContainerOptions)': contract<InitContainerOptions, typeof initContainerOptionsSchema>(),
  'addVolume (VolumeMountOptions)': contract<VolumeMountOptions, typeof volumeMountOptionsSchema>(),
  HealthCheckOptions: contract<HealthCheckOptions, typeof healthCheckSchema>(),
  SecurityOptions: contract<SecurityOptions, typeof securityOptionsSchema>(),
  ResourceOptions: contract<ResourceOptions, typeof resourceOptionsSchema>(),
  AutoscalingOptions: contract<AutoscalingOptions, typeof autoscalingSchema>(),
  QueueScalingOptions: contract<QueueScalingOptions, typeof queueScalingSchema>(),
  MetricsOptions: contract<MetricsOptions, Field<typeof serviceWorkloadSchema, 'metrics'>>(),
  IngressOptions: contract<IngressOptions, Field<typeof serviceWorkloadSchema, 'ingress'>>(),
  StdioBridgeOptions: contract<StdioBridgeOptions, Field<typeof mcpToolServiceSchema, 'stdioBridge'>>(),
  AlertOptions: contract<AlertOptions, Field<typeof observabilityStackSchema, 'alerts'>>(),
  LangfuseOptions: contract<LangfuseOptions, typeof langfuseOptionsSchema>(),
  ExternalEndpointOptions: contract<ExternalEndpointOptions, typeof externalEndpointOptionsSchema>(),
};
