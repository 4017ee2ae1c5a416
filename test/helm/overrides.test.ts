/**
 * Issue 6: the values really drive the charts. Every `--set` changes exactly its target field
 * and nothing else: the parsed objects of a default render and an overridden render differ in
 * exactly the expected fields. Values keys are found in the generated values.yaml (by image
 * repository), not hard-coded.
 */
import { type KubeObject } from '../../lib';
import { expectValidManifests } from '../validation';
import { HELM_BINARIES, type HelmBinary, runHelm } from '../helpers/helm';
import {
  type ChartSet, diffRenders, type FieldChange, findObject, imageFields, imageKey, objectKey, render, valueAt, workloadOf,
  type WrittenChart, writeCharts,
} from './support';

let set: ChartSet;
beforeAll(() => {
  set = writeCharts();
});
afterAll(() => {
  set.dispose();
});

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const MIRROR = 'mirror.internal.example:5000/team';

/** Default renders, once per Helm binary and chart. */
const defaults = new Map<string, KubeObject[]>();
function defaultRender(helm: HelmBinary, chart: WrittenChart): KubeObject[] {
  const key = `${helm.label} ${chart.name}`;
  let objects = defaults.get(key);
  if (!objects) {
    objects = render(helm, chart);
    defaults.set(key, objects);
  }
  return objects;
}

/** Renders with the overrides and returns every changed field, sorted. */
function changesOf(helm: HelmBinary, chart: WrittenChart, args: readonly string[]): { changes: FieldChange[]; rendered: KubeObject[] } {
  const rendered = render(helm, chart, args);
  const changes = diffRenders(defaultRender(helm, chart), rendered);
  return { changes: sortChanges(changes), rendered };
}

function sortChanges(changes: readonly FieldChange[]): FieldChange[] {
  return [...changes].sort((a, b) => `${a.object} ${a.path}`.localeCompare(`${b.object} ${b.path}`));
}

/** The key of an object of the default render. */
function keyOf(objects: readonly KubeObject[], kind: string, name: string): string {
  return objectKey(findObject(objects, kind, name));
}

/** `repo:tag` with another tag. */
function withTag(image: string, tag: string): string {
  return image.replace(/:[^:/@]+$/, `:${tag}`);
}

const POD = 'spec.template.spec';
const JOB_POD = 'spec.jobTemplate.spec.template.spec';

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  /** Sets `<image values>.tag` and expects exactly the given container images to change. */
  function expectTagOverride(chartName: string, repository: string, kind: string, name: string, imagePath: string): void {
    expectTagOverrideAt(chartName, imageKey(set.chart(chartName).values, repository), kind, name, imagePath);
  }

  /** The same for an image block found by its values key (when two blocks share a repository). */
  function expectTagOverrideAt(chartName: string, image: string, kind: string, name: string, imagePath: string): void {
    const chart = set.chart(chartName);
    const base = defaultRender(helm, chart);
    const before = findField(base, kind, name, imagePath);
    const { changes, rendered } = changesOf(helm, chart, ['--set', `${image}.tag=abc123`]);
    expect(changes).toEqual([{ object: keyOf(base, kind, name), path: imagePath, before, after: withTag(before, 'abc123') }]);
    expectValidManifests(rendered);
  }

  test('<agent>.image.tag changes only the image of the AgentMicroservice Deployment container', () => {
    expectTagOverride('evaluation-dev', 'evaluation-service', 'Deployment', 'evaluation-service', `${POD}.containers[name=evaluation-service].image`);
  });

  test("an MCP tool's image.tag changes only its Deployment container image", () => {
    expectTagOverride('emm-prod', 'jd-classifier-service', 'Deployment', 'jd-classifier', `${POD}.containers[name=jd-classifier].image`);
  });

  test("a stdio tool's bridge.image.tag and relay.image.tag change only the bridge container and the relay's init container", () => {
    expectTagOverride('support-copilot-prod', 'supercorp/supergateway', 'Deployment', 'docs-search', `${POD}.containers[name=mcp-bridge].image`);
    expectTagOverride('support-copilot-prod', 'library/busybox', 'Deployment', 'docs-search', `${POD}.initContainers[name=install-relay].image`);
    expect(imageKey(set.chart('support-copilot-prod').values, 'supercorp/supergateway')).toBe('docsSearch.bridge.image');
    expect(imageKey(set.chart('support-copilot-prod').values, 'library/busybox')).toBe('docsSearch.relay.image');
  });

  test("the Redis StatefulSet's image.tag changes only the redis container image (the Sentinels have their own)", () => {
    const redis = workloadOf(imageKey(set.chart('emm-prod').values, 'oliver006/redis_exporter'));
    expect(redis).toBe('redisCache');
    expectTagOverrideAt('emm-prod', `${redis}.image`, 'StatefulSet', 'redis-cache', `${POD}.containers[name=redis].image`);
    expectTagOverrideAt('emm-prod', `${redis}.sentinel.image`, 'StatefulSet', 'redis-cache', `${POD}.containers[name=sentinel].image`);
    expect(imageKey(set.chart('emm-dev').values, 'library/redis')).toBe('redisCache.image');
  });

  test('redisCache.replication.nodes=5 changes the StatefulSet replicas, the node count the scripts read, and the PDB (a majority, 3)', () => {
    const chart = set.chart('emm-prod');
    const base = defaultRender(helm, chart);
    const redis = workloadOf(imageKey(chart.values, 'oliver006/redis_exporter'));
    expect(valueAt(chart.values, `${redis}.replication.nodes`)).toBe(3);
    const statefulSet = keyOf(base, 'StatefulSet', 'redis-cache');
    const { changes, rendered } = changesOf(helm, chart, ['--set', `${redis}.replication.nodes=5`]);
    expect(changes).toEqual(sortChanges([
      { object: keyOf(base, 'PodDisruptionBudget', 'redis-cache'), path: 'spec.minAvailable', before: 2, after: 3 },
      { object: statefulSet, path: 'spec.replicas', before: 3, after: 5 },
      { object: statefulSet, path: `${POD}.containers[name=redis].env[name=REDIS_NODES].value`, before: '3', after: '5' },
      { object: statefulSet, path: `${POD}.containers[name=sentinel].env[name=REDIS_NODES].value`, before: '3', after: '5' },
    ]));
    expectValidManifests(rendered);
  });

  test('redisCache.replication.nodes outside 3..7 is refused by the schema', () => {
    const chart = set.chart('emm-prod');
    for (const nodes of [2, 8]) {
      const run = runHelm(helm, ['template', 'x', chart.dir, '--set', `redisCache.replication.nodes=${nodes}`]);
      expect([nodes, run.status === 0]).toEqual([nodes, false]);
      expect(run.stderr).toMatch(/replication[./]nodes/);
    }
  });

  test("the primary proxy's replicas and image.tag change only its Deployment", () => {
    const chart = set.chart('emm-prod');
    const base = defaultRender(helm, chart);
    const proxy = workloadOf(imageKey(chart.values, 'library/haproxy'));
    expect(proxy).toBe('redisCacheProxy');
    expectTagOverride('emm-prod', 'library/haproxy', 'Deployment', 'redis-cache-proxy', `${POD}.containers[name=haproxy].image`);
    const { changes } = changesOf(helm, chart, ['--set', `${proxy}.replicas=4`]);
    expect(changes).toEqual([{ object: keyOf(base, 'Deployment', 'redis-cache-proxy'), path: 'spec.replicas', before: 3, after: 4 }]);
  });

  test("the Redis exporter's image.tag changes only the exporter container image", () => {
    expectTagOverride('emm-prod', 'oliver006/redis_exporter', 'StatefulSet', 'redis-cache', `${POD}.containers[name=exporter].image`);
    expect(imageKey(set.chart('emm-prod').values, 'oliver006/redis_exporter')).toBe('redisCache.exporter.image');
  });

  test("the CronJob's image.tag changes only the job container image", () => {
    expectTagOverride('support-copilot-prod', 'support-copilot-reindex', 'CronJob', 'embeddings-reindex', `${JOB_POD}.containers[name=embeddings-reindex].image`);
    expect(imageKey(set.chart('support-copilot-prod').values, 'support-copilot-reindex')).toBe('embeddingsReindex.image');
  });

  test("the GPU pool's image.tag changes the vLLM server image of the llm Deployment and nothing outside it", () => {
    const chart = set.chart('support-copilot-prod');
    const image = 'llm.image';
    expect(valueAt(chart.values, `${image}.repository`)).toBe('vllm/vllm-openai');
    const base = defaultRender(helm, chart);
    const deployment = keyOf(base, 'Deployment', 'llm');
    const vllmImages = imageFields(base).filter((f) => f.object === deployment && String(f.before).includes('vllm/vllm-openai'));
    const server = vllmImages.filter((f) => f.path.startsWith(`${POD}.containers[`));
    expect(server).toHaveLength(1);
    const { changes, rendered } = changesOf(helm, chart, ['--set', `${image}.tag=abc123`]);
    // The server container must change; the wait-for-weights init container runs the same image
    // and follows it, nothing else may change (the download Job has its own value).
    expect(changes).toContainEqual({ ...server[0], after: withTag(String(server[0].before), 'abc123') });
    for (const change of changes) {
      const field = vllmImages.find((f) => f.path === change.path);
      expect(change.object).toBe(deployment);
      expect(field).toBeDefined();
      expect(change.after).toBe(withTag(String(field?.before), 'abc123'));
    }
    expectValidManifests(rendered);
  });

  // The init container that waits for the weights runs the vLLM image: one value moves both containers.
  test('the wait-for-weights init container follows llm.image like the server container', () => {
    const chart = set.chart('support-copilot-prod');
    const rendered = render(helm, chart, ['--set', 'llm.image.registry=registry.internal.example', '--set', 'llm.image.tag=v0.12.0']);
    const pod = (findObject(rendered, 'Deployment', 'llm').spec as { template: { spec: { containers: { image: string }[]; initContainers?: { name: string; image: string }[] } } }).template.spec;
    const wait = pod.initContainers?.find((c) => c.name === 'wait-for-weights');
    expect(wait).toBeDefined();
    expect(pod.containers[0].image).toBe('registry.internal.example/vllm/vllm-openai:v0.12.0');
    expect(wait?.image).toBe(pod.containers[0].image);
  });

  // A Job's pod template is immutable: a new downloader image must be a new Job, which Helm
  // names from the same hash the plain manifests use.
  test('llmWeights.image changes the download Job\'s image and its name, nothing else', () => {
    const chart = set.chart('support-copilot-prod');
    const base = defaultRender(helm, chart);
    const job = base.find((o) => o.kind === 'Job');
    expect(job?.metadata.name).toMatch(/^llm-weights-0e9e39f2-[0-9a-f]{6}$/);
    const rendered = render(helm, chart, ['--set', 'llmWeights.image.tag=v0.12.0']);
    const jobs = rendered.filter((o) => o.kind === 'Job');
    expect(jobs).toHaveLength(1);
    expect(jobs[0].metadata.name).toMatch(/^llm-weights-0e9e39f2-[0-9a-f]{6}$/);
    expect(jobs[0].metadata.name).not.toBe(job?.metadata.name);
    expect((jobs[0].spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image).toBe('docker.io/vllm/vllm-openai:v0.12.0');
    const others = (objects: readonly KubeObject[]) => objects.filter((o) => o.kind !== 'Job');
    expect(diffRenders(others(base), others(rendered))).toEqual([]);
    expectValidManifests(rendered);
  });

  test('the endpoint picker: llmEpp.image.tag and llmEpp.replicas change only its Deployment', () => {
    const chart = set.chart('support-copilot-prod');
    const base = defaultRender(helm, chart);
    expect(valueAt(chart.values, 'llmEpp.image')).toEqual({ registry: 'registry.k8s.io', repository: 'gateway-api-inference-extension/epp', tag: 'v1.5.0' });
    expect(valueAt(chart.values, 'llmEpp.replicas')).toBe(2);
    const picker = keyOf(base, 'Deployment', 'llm-epp');
    const { changes, rendered } = changesOf(helm, chart, ['--set', 'llmEpp.image.tag=v1.5.1', '--set', 'llmEpp.replicas=3']);
    expect(changes).toEqual([
      { object: picker, path: 'spec.replicas', before: 2, after: 3 },
      { object: picker, path: `${POD}.containers[name=epp].image`, before: 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0', after: 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.1' },
    ]);
    expectValidManifests(rendered);
  });

  test('image.digest wins over the tag: repository@digest, nothing else changes', () => {
    const chart = set.chart('evaluation-dev');
    const base = defaultRender(helm, chart);
    const image = imageKey(chart.values, 'evaluation-service');
    expect(valueAt(chart.values, `${image}.tag`)).toBe('v1.2');
    const path = `${POD}.containers[name=evaluation-service].image`;
    const { changes } = changesOf(helm, chart, ['--set', `${image}.digest=${DIGEST}`]);
    expect(changes).toEqual([{
      object: keyOf(base, 'Deployment', 'evaluation-service'),
      path,
      before: 'registry.example.com/agents/evaluation-service:v1.2',
      after: `registry.example.com/agents/evaluation-service@${DIGEST}`,
    }]);
    // An explicit tag next to the digest is still ignored.
    const both = changesOf(helm, chart, ['--set', `${image}.digest=${DIGEST}`, '--set', `${image}.tag=abc123`]);
    expect(both.changes).toEqual(changes);
  });

  test('image.registry of one workload overrides global.imageRegistry for that image only', () => {
    const chart = set.chart('evaluation-dev');
    const base = defaultRender(helm, chart);
    const image = imageKey(chart.values, 'model');
    const { changes } = changesOf(helm, chart, ['--set', `${image}.registry=ghcr.io`]);
    expect(changes).toEqual([{
      object: keyOf(base, 'Deployment', 'model-v1'),
      path: `${POD}.containers[name=model-v1].image`,
      before: 'registry.example.com/agents/model:v1',
      after: 'ghcr.io/model:v1',
    }]);
  });

  test.each(['evaluation-prod', 'emm-prod', 'support-copilot-dev', 'support-copilot-prod'])(
    'global.imageRegistry changes every image without its own registry and no other (%s)', (name) => {
      const chart = set.chart(name);
      const base = defaultRender(helm, chart);
      const registry = valueAt(chart.values, 'global.imageRegistry');
      expect(registry).toBe('registry.example.com/agents');
      const images = imageFields(base);
      const following = images.filter((f) => String(f.before).startsWith(`${String(registry)}/`));
      const own = images.filter((f) => !following.includes(f));
      expect(following.length).toBeGreaterThan(0);
      const { changes, rendered } = changesOf(helm, chart, ['--set', `global.imageRegistry=${MIRROR}`]);
      expect(changes).toEqual(sortChanges(following.map((f) => ({ ...f, after: `${MIRROR}/${String(f.before).slice(String(registry).length + 1)}` }))));
      // Images naming their own registry (docker.io, public.ecr.aws) stay (some charts have none:
      // the equality above already refuses any change but the expected ones).
      expect(imageFields(rendered)).toEqual(expect.arrayContaining(own));
      expectValidManifests(rendered);
    });

  test('global.imageRegistry="" leaves images without a registry unqualified', () => {
    const chart = set.chart('evaluation-dev');
    const { changes } = changesOf(helm, chart, ['--set', 'global.imageRegistry=']);
    expect(changes.map((c) => c.after).sort()).toEqual(['evaluation-service:v1.2', 'model:v1']);
  });

  test('<workload>.replicas=5 in dev (no HPA) changes only the Deployment replicas', () => {
    const chart = set.chart('evaluation-dev');
    const base = defaultRender(helm, chart);
    const workload = workloadOf(imageKey(chart.values, 'evaluation-service'));
    expect(valueAt(chart.values, `${workload}.autoscaling`)).toBeUndefined();
    expect(base.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    const before = valueAt(chart.values, `${workload}.replicas`);
    expect(before).toBe(1);
    const { changes, rendered } = changesOf(helm, chart, ['--set', `${workload}.replicas=5`]);
    expect(changes).toEqual([{ object: keyOf(base, 'Deployment', 'evaluation-service'), path: 'spec.replicas', before, after: 5 }]);
    expectValidManifests(rendered);
  });

  test('<workload>.autoscaling.maxReplicas=20 in prod changes only the HPA maxReplicas', () => {
    const chart = set.chart('evaluation-prod');
    const base = defaultRender(helm, chart);
    const workload = workloadOf(imageKey(chart.values, 'evaluation-service'));
    expect(valueAt(chart.values, `${workload}.replicas`)).toBeUndefined();
    const before = valueAt(chart.values, `${workload}.autoscaling.maxReplicas`);
    expect(before).toBe(10);
    const { changes, rendered } = changesOf(helm, chart, ['--set', `${workload}.autoscaling.maxReplicas=20`]);
    expect(changes).toEqual([{ object: keyOf(base, 'HorizontalPodAutoscaler', 'evaluation-service'), path: 'spec.maxReplicas', before, after: 20 }]);
    expectValidManifests(rendered);
  });

  test('<workload>.autoscaling.minReplicas=3 in prod changes only the HPA minReplicas', () => {
    const chart = set.chart('evaluation-prod');
    const base = defaultRender(helm, chart);
    const workload = workloadOf(imageKey(chart.values, 'evaluation-service'));
    const { changes } = changesOf(helm, chart, ['--set', `${workload}.autoscaling.minReplicas=3`]);
    expect(changes).toEqual([{ object: keyOf(base, 'HorizontalPodAutoscaler', 'evaluation-service'), path: 'spec.minReplicas', before: 2, after: 3 }]);
  });

  test('copilotWorker.queueScaling.maxReplicas=50, with the quota raised to fit, changes only the ScaledObject maxReplicaCount and the quota', () => {
    const chart = set.chart('support-copilot-prod');
    const base = defaultRender(helm, chart);
    const workload = workloadOf(imageKey(chart.values, 'support-copilot-worker'));
    expect(workload).toBe('copilotWorker');
    const before = valueAt(chart.values, `${workload}.queueScaling.maxReplicas`);
    expect(before).toBe(20);
    const pods = valueAt(chart.values, 'resourceQuota.hard.pods');
    const { changes } = changesOf(helm, chart, ['--set', `${workload}.queueScaling.maxReplicas=50`, '--set', 'resourceQuota.hard.pods=200']);
    expect(changes).toEqual(expect.arrayContaining([
      { object: keyOf(base, 'ResourceQuota', 'workloads'), path: 'spec.hard.pods', before: pods, after: 200 },
      { object: keyOf(base, 'ScaledObject', 'copilot-worker'), path: 'spec.maxReplicaCount', before, after: 50 },
    ]));
    expect(changes).toHaveLength(2);
  });

  test('copilotWorker.queueScaling.maxReplicas=50 alone would outgrow the namespace quota: the render fails and says which value to raise', () => {
    const chart = set.chart('support-copilot-prod');
    const run = runHelm(helm, ['template', 'x', chart.dir, '--set', 'copilotWorker.queueScaling.maxReplicas=50']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('raise resourceQuota.hard.pods');
  });

  test('resources.limits.memory=3Gi changes only that limit of the main container', () => {
    const chart = set.chart('evaluation-dev');
    const base = defaultRender(helm, chart);
    const workload = workloadOf(imageKey(chart.values, 'evaluation-service'));
    const before = valueAt(chart.values, `${workload}.resources.limits.memory`);
    expect(before).toBe('512Mi');
    const { changes, rendered } = changesOf(helm, chart, ['--set', `${workload}.resources.limits.memory=3Gi`]);
    expect(changes).toEqual([{
      object: keyOf(base, 'Deployment', 'evaluation-service'),
      path: `${POD}.containers[name=evaluation-service].resources.limits.memory`,
      before,
      after: '3Gi',
    }]);
    expectValidManifests(rendered);
  });

  test('resources of the GPU pool keep the GPU count when the memory limit changes', () => {
    const chart = set.chart('support-copilot-prod');
    const base = defaultRender(helm, chart);
    const workload = 'llm';
    const server = imageFields(base).find((f) => f.object === keyOf(base, 'Deployment', 'llm') && f.path.startsWith(`${POD}.containers[`));
    const container = server?.path.replace(/\.image$/, '');
    const { changes } = changesOf(helm, chart, ['--set', `${workload}.resources.limits.memory=48Gi`]);
    expect(changes).toEqual([{ object: keyOf(base, 'Deployment', 'llm'), path: `${container}.resources.limits.memory`, before: '32Gi', after: '48Gi' }]);
  });

  test.each(['evaluation-dev', 'emm-staging', 'support-copilot-prod'])('global.createNamespace=false removes exactly the Namespace (%s)', (name) => {
    const chart = set.chart(name);
    const base = defaultRender(helm, chart);
    const namespace = findObject(base, 'Namespace', chart.namespace);
    const { changes, rendered } = changesOf(helm, chart, ['--set', 'global.createNamespace=false']);
    expect(changes).toEqual([{ object: objectKey(namespace), path: '', before: namespace, after: undefined }]);
    expect(rendered).toHaveLength(base.length - 1);
  });
});

/** A leaf of a default-rendered object, by the path syntax of `diffRenders`. */
function findField(objects: readonly KubeObject[], kind: string, name: string, fieldPath: string): string {
  const object = findObject(objects, kind, name);
  const found = imageFields([object]).find((f) => f.path === fieldPath);
  if (!found) {
    throw new Error(`${kind} ${name} has no image at ${fieldPath}: ${imageFields([object]).map((f) => f.path).join(', ')}`);
  }
  return String(found.before);
}
