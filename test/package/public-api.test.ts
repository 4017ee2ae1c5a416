import * as api from '../../lib';

/** The public API (lib/index.ts) keeps internals out and what a user needs in. */

test('internals are not exported', () => {
  const internals = ['wire', 'envSegment', 'renderPlatform', 'manifestFiles', 'writeAtomically', 'toYaml', 'toYamlDocuments', 'DEFAULT_THRESHOLDS', 'escapeTemplateText', 'describeValue', 'CLUSTER_METRICS', 'clusterMetrics', 'knownMetrics', 'PRODUCTION_ENVIRONMENT'];
  expect(internals.filter((name) => name in api)).toEqual([]);
});

test('what a user needs to describe, synthesize, check and extend an app is exported', () => {
  const needed = [
    'AgentPlatform', 'AgentMicroservice', 'McpToolService', 'RedisCacheStatefulSet', 'GpuInferencePool', 'AgentBatchJob', 'ObservabilityStack', 'SecretSource', 'SharedVolume',
    'Environments', 'EnvValue', 'ExternalEndpoint', 'synthesize', 'renderApps', 'SynthesisError', 'collectProblems', 'HelmChartWriter',
    'Workload', 'ServiceWorkload', 'Connections', 'PodPeer', 'NamespacePeer', 'HelmSectionBuilder',
    'topologyOf', 'toMermaid', 'renderSvg', 'diffEnvironments', 'diffOutputs', 'validateManifests', 'ManifestValidation', 'runCli',
  ];
  expect(needed.filter((name) => !(name in api))).toEqual([]);
});
