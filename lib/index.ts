/*
 * The public API. What a user needs to describe an app, synthesize it, test it and write a
 * construct of their own (Workload, ServiceWorkload, Connections and the peers, IWireable, EnvValue,
 * the Helm values provider) is exported and documented in docs/api; everything else is internal
 * and may change in any release.
 */
export * from './environment';
export * from './agent-platform';
export * from './agent-microservice';
export { EnvValue, type EnvMap, type ISecretSource, type IConfigMapReference } from './core/env-value';
export { ResourcePreset, ResourceProfile, type ResourceOptions, type ResourceQuantities, type ResolvedResources } from './core/resources';
export { ImageTagPolicy, type ImageReference } from './core/image';
export { type AutoscalingOptions, type ResolvedAutoscaling } from './core/autoscaling';
export { type HealthCheckOptions } from './core/probes';
export { type SecurityOptions } from './core/security';
export { type MetricsOptions, type IngressOptions, type ServiceWorkloadProps, type SharedVolumeMount, type ISharedVolume, ServiceWorkload } from './core/service-workload';
export { type ResolvedMetrics, type ResolvedIngress, type ResolvedServiceSettings } from './core/service-workload';
export { PodVolume, type ContainerMount, type VolumeMountOptions, type EmptyDirOptions, type ConfigMapVolumeOptions, type SecretVolumeOptions, type IConfigMapVolumeSource, type IConfigFiles } from './core/volumes';
export { type ContainerOptions, type SidecarOptions, type SidecarPort, type SidecarMetricsOptions, type InitContainerOptions } from './core/containers';
export { Workload, addContributor, type WorkloadOptions, type QuotaDemand, type MetricsEndpoint, type WorkloadContribution, type IWorkloadContributor } from './core/workload';
export { Connections, ExternalEndpoint, NamespacePeer, PodPeer, Protocol, type ExternalEndpointOptions, type IConnectable, type INetworkPeer, type NetworkPort, type PolicyRule } from './core/network';
export { WorkloadComponent } from './core/labels';
export { SynthesisError, collectProblems, type PropIssue } from './core/errors';
export { collectNotices, formatNotice, type SynthesisNotice } from './core/notices';
export { OUTPUT_MARKER } from './synth/output-folder';
export { synthesize, renderApps, type AgentAppDefinition, type KubeObject, type ManifestFile, type RenderedEnvironment, type SynthesisReport, type SynthesizeOptions, type IOutputWriter } from './synth/synthesizer';
export * from './mcp-tool-service';
export * from './redis-cache-stateful-set';
export { type ExternalRedisOptions } from './redis/external-redis';
export { RedisPrimaryProxy } from './redis/redis-primary-proxy';
export * from './secret-source';
export * from './shared-volume';
export * from './config-files';
export { ConfigFile, type ConfigFileOptions, MAX_CONFIG_MAP_BYTES } from './config-file';
export { type ConfigFilesMount, type ConfigFilesMountOptions } from './core/config-mounts';
export { type IWireable, type IRedisCache, type RedisSentinelEndpoint } from './core/wiring';
export { HelmChartWriter, type HelmChartOptions } from './synth/helm';
export { type HelmBinding, type HelmValueSection, type HelmValueDoc, type IHelmValuesProvider, type ValuePathSegment, HelmSectionBuilder } from './core/helm-values';
export * from './core/signals';
export * from './gpu-inference-pool';
export * from './agent-batch-job';
export { QueueTrigger, type QueueScalingOptions, type ResolvedQueueScaling, type SecretKeyReference } from './core/queue-scaling';
export { ScalingMetric } from './core/autoscaling';
export { VllmServer } from './inference/vllm-server';
export { VllmMultiNodeServer } from './inference/vllm-multi-node-server';
export { EndpointPicker } from './inference/endpoint-picker';
export { ModelDownloadJob } from './inference/model-download-job';
export * from './observability-stack';
export { ScrapeMethod, type ScrapeTarget } from './observability/targets';
export { AlertSeverity, type AlertGroup, type AlertRule, type AlertThresholds } from './observability/alerts';
export { MetricSource, type ClusterMetric } from './observability/catalog';
export { type GrafanaDashboard, type Panel, type TimeseriesPanel, type RowPanel, type GrafanaTarget, type PanelUnit, type CustomVariable } from './observability/grafana';
export { type ObservedApp, type ObservedWorkload } from './observability/model';
export { ObservabilityServer, type ServerOptions, type ServerResources } from './observability/server';
export { PrometheusServer, type PrometheusOptions } from './observability/servers/prometheus';
export { GrafanaServer, type GrafanaOptions } from './observability/servers/grafana';
export { TempoServer, type TempoOptions } from './observability/servers/tempo';
export { CollectorServer, type CollectorOptions } from './observability/servers/collector';
export { AlertmanagerServer, type AlertmanagerOptions, type SlackOptions } from './observability/servers/alertmanager';
export { KubeStateMetricsServer, type KubeStateMetricsOptions } from './observability/servers/kube-state-metrics';
export { type LangfuseOptions } from './observability/telemetry';
export { type ContainerWorkloadProps } from './core/container-workload';
export { topologyOf, TopologyNodeKind, type Topology, type TopologyNode, type TopologyEdge, type TopologySelector } from './topology/topology';
export { toMermaid } from './topology/mermaid';
export { toGraphviz, renderSvg } from './topology/graphviz';
export { topologyMarkdown, type TopologyMarkdownOptions } from './topology/markdown';
export { diffEnvironments, environmentDiffMarkdown, type EnvironmentOutput, type EnvironmentDiff, type EnvironmentDiffRow, type WorkloadComparison, type EnvironmentDiffFormat } from './diff/environment-diff';
export { diffOutputs, outputDiffMarkdown, outputDiffText, type LocatedObject, type OutputDiff, type ObjectChange, type FieldChange } from './diff/output-diff';
export { runCli } from './cli/run-cli';
export { type CliIo, ExitCode } from './cli/io';
export { CanaryRollout, type RolloutOptions, type CanaryAnalysisOptions, type ResolvedRollout, type ResolvedCanaryAnalysis, type ICanaryAnalysis } from './core/canary-rollout';
export { DeploymentScaleDown, type RolloutSpec, type AnalysisTemplateSpec, type AnalysisMetric, type CanaryStep, type CanaryStrategy } from './core/argo-rollouts';
export { CanaryAnalysis, canaryQueries, type CanaryQuery, type CanaryScope, type CanaryThresholds } from './delivery/canary-analysis';
export { ArgoCdWriter, ArgoCdSource, type ArgoCdWriterOptions, type ArgoCdEnvironmentOptions } from './synth/argocd';
export { ARGOCD_HEALTH_CHECKS, healthCheckKey, type ArgoCdHealthCheck } from './synth/argocd-health';
export { SYNC_WAVE_ANNOTATION, WaveTier } from './synth/sync-waves';
export { PrerequisiteKind, type Prerequisite, type IPrerequisiteProvider, brandPrerequisiteProvider, isPrerequisiteProvider } from './core/prerequisites';
export { CUSTOM_RESOURCE_PROVIDERS, PREREQUISITE_RULES, prerequisitesOf, prerequisitesMarkdown, prerequisitesText, type CustomResourceProvider, type PrerequisiteContext, type PrerequisiteReport, type PrerequisiteRule } from './synth/prerequisites';
export { OTEL_PROMETHEUS_PORT } from './core/service-workload';
export { type CostOptions, COST_FILE_NAME } from './cost/cost-options';
export { estimateCost, type CostEstimate, type CostLine, type NodePoolEstimate, type NodeTypeUsed, type ScaleEstimate, type StorageEstimate, type UnpricedItem } from './cost/estimate';
export { type ClaimCount, type DaemonSetCount, type NetworkCount, type PodGroup, type CountRange, type WorkloadCount } from './cost/demand';
export { type PodRequests } from './cost/pod-requests';
export { type NodeRoom } from './cost/packing';
export { costMarkdown } from './cost/markdown';
export {
  NodeReservation, priceTableSchema, type ExtraCost, type GpuNodeType, type MonthlyPrice, type NodeType, type PriceSource, type PriceTable,
  type ReservedResources, type ResolvedNodeType, type StoragePrice, type SystemPods,
} from './cost/price-table';
export { EXAMPLE_PRICE_TABLE } from './cost/example-prices';
export { validateManifests, formatFinding, type ManifestProblem, type ValidationOptions, type DomainRuleOptions } from './validation';
export { ManifestValidation, type ManifestValidationProperties, type Cdk8sValidationContext, type Cdk8sViolation, type Cdk8sViolatingResource } from './validation/cdk8s-plugin';
