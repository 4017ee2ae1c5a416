import { type CostEstimate, estimateCost, type KubeObject, type PriceTable } from '../../lib';
import {
  claimSpec, container, cronJob, daemonSet, deployment, expectValidFixtures, gateway, GI, headlessService, hpa, HTTP_PORT, httpRoute, ingress, job,
  leaderWorkerSet, limitRange, MI, NS, podTemplate, pvc, ROUND_PRICES, rollout, scaledJob, scaledObject, service, statefulSet,
} from './fixtures';

// Every figure below is computed by hand from ROUND_PRICES: nodes of 4 CPU, 16Gi and 10 pods
// with nothing reserved, at $0.10 an hour and 730 hours a month ($73.00 a node); storage "fast"
// $0.10 and "shared" $0.30 per GiB-month ("fast" is the default class); $20 per LoadBalancer
// Service, $15 per Ingress, $25 per Gateway.

const target = { app: 'fixtures', environment: 'test' };

function estimate(objects: KubeObject[], prices: PriceTable = ROUND_PRICES, expectedProblems: readonly string[] = []): CostEstimate {
  expectValidFixtures(objects, expectedProblems);
  return estimateCost(objects, prices, target);
}

const workload = (e: CostEstimate, kind: string, name: string) => {
  const found = e.workloads.find((w) => w.kind === kind && w.name === name);
  if (!found) {
    throw new Error(`no ${kind} ${name} (there are: ${e.workloads.map((w) => `${w.kind} ${w.name}`).join(', ')})`);
  }
  return found;
};
const lines = (e: CostEstimate, end: 'minimum' | 'maximum') => e[end].lines.map((l) => [l.item, l.arithmetic, l.amount]);
const nodes = (e: CostEstimate, end: 'minimum' | 'maximum') => e[end].nodePools.map((p) => [p.pool, p.pods, p.lowerBound, p.needed, p.nodes, p.pending]);

describe('Deployments and pod requests', () => {
  test('fixed replicas; a pod needs the larger of its containers plus sidecars (600m, 1152Mi) and its init containers plus the sidecars started before them (2100m, 1152Mi)', () => {
    const e = estimate([deployment('api', [container('api', '500m', '1Gi')], { replicas: 3 }, {
      initContainers: [
        container('proxy', '100m', '128Mi', {}, { restartPolicy: 'Always' }),
        container('migrate', '2', '1Gi'),
      ],
    })]);
    const api = workload(e, 'Deployment', 'api');
    expect(api.replicas).toEqual({ min: 3, max: 3 });
    expect(api.how).toBe('replicas: 3');
    expect(api.groups[0].requests).toEqual({ cpu: 2100, memory: 1152 * MI, extended: {} });
    // Two 2100m pods need 4200m > 4000m: one pod per node, 3 nodes; ceil(6300 / 4000) = 2.
    expect(nodes(e, 'minimum')).toEqual([['general', 3, 2, 3, 3, 0]]);
    expect(lines(e, 'minimum')).toEqual([['m.round nodes', '3 × $0.10/h × 730 h', 219]]);
    expect(e.minimum.cpu).toBe(6.3);
    expect(e.summary).toBe('$219.00 per month');
  });

  test('replicas unset and no autoscaler: the API default of 1', () => {
    const e = estimate([deployment('api', [container('api', '1', '1Gi')])]);
    expect(workload(e, 'Deployment', 'api')).toEqual(expect.objectContaining({ replicas: { min: 1, max: 1 }, how: 'replicas unset: 1 (the API default)' }));
  });

  test('spec.overhead comes on top of the containers', () => {
    const e = estimate([deployment('vm', [container('vm', '1', '1Gi')], { replicas: 1 }, { runtimeClassName: 'kata', overhead: { cpu: '250m', memory: '160Mi' } })]);
    expect(workload(e, 'Deployment', 'vm').groups[0].requests).toEqual({ cpu: 1250, memory: 1184 * MI, extended: {} });
  });

  test('a container without requests takes its limits, else the namespace LimitRange defaults; without either it counts 0 and says so', () => {
    const limitsOnly = { name: 'b', image: 'registry.example.com/b:1', resources: { limits: { cpu: '300m', memory: '300Mi' } } };
    const bare = { name: 'c', image: 'registry.example.com/c:1' };
    const withDefaults = estimate([limitRange({ cpu: '100m', memory: '128Mi' }), deployment('api', [limitsOnly, bare], { replicas: 1 })]);
    expect(workload(withDefaults, 'Deployment', 'api').groups[0].requests).toEqual({ cpu: 400, memory: 428 * MI, extended: {} });
    expect(withDefaults.warnings).toEqual([]);

    const without = estimate([deployment('api', [limitsOnly, bare], { replicas: 1 })]);
    expect(workload(without, 'Deployment', 'api').groups[0].requests).toEqual({ cpu: 300, memory: 300 * MI, extended: {} });
    expect(without.warnings).toEqual(['Deployment api: a container requests no cpu and no memory and no LimitRange gives a default; counted as 0']);
  });

  test('a required pod anti-affinity on the hostname puts one pod per node: 5 small pods need 5 nodes', () => {
    const antiAffinity = {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'etcd' } } }] } },
    };
    const e = estimate([deployment('etcd', [container('etcd', '100m', '128Mi')], { replicas: 5 }, antiAffinity)]);
    expect(workload(e, 'Deployment', 'etcd').groups[0].onePerNode).toBe(true);
    expect(nodes(e, 'maximum')).toEqual([['general', 5, 5, 5, 5, 0]]);
  });

  test('a pod larger than a node never schedules: it is reported and left out of the packing', () => {
    const e = estimate([deployment('big', [container('big', '6', '8Gi')], { replicas: 2 }), deployment('small', [container('small', '1', '1Gi')], { replicas: 1 })]);
    expect(nodes(e, 'minimum')).toEqual([['general', 3, 1, 1, 1, 2]]);
    expect(e.warnings).toEqual(['Deployment big requests more than one m.round node offers the app\'s pods; it would stay Pending on this node type']);
  });

  test('a bare Pod counts once', () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: NS }, spec: { containers: [container('debug', '250m', '64Mi')] } };
    expect(workload(estimate([pod]), 'Pod', 'debug')).toEqual(expect.objectContaining({ replicas: { min: 1, max: 1 }, how: 'a bare Pod' }));
  });
});

describe('autoscalers', () => {
  const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' };

  test('an HPA sets the range: 2..6 pods of 1 CPU need 1..2 nodes, $73.00 to $146.00', () => {
    const e = estimate([deployment('api', [container('api', '1', '2Gi')]), hpa(deploymentRef, 2, 6)]);
    expect(workload(e, 'Deployment', 'api')).toEqual(expect.objectContaining({ replicas: { min: 2, max: 6 }, how: 'HorizontalPodAutoscaler api 2..6', pods: { min: 2, max: 6 } }));
    expect(lines(e, 'minimum')).toEqual([['m.round nodes', '1 × $0.10/h × 730 h', 73]]);
    expect(lines(e, 'maximum')).toEqual([['m.round nodes', '2 × $0.10/h × 730 h', 146]]);
    expect(e.summary).toBe('$73.00 to $146.00 per month');
  });

  test('an HPA without minReplicas starts at 1', () => {
    const e = estimate([deployment('api', [container('api', '1', '2Gi')]), hpa(deploymentRef, undefined, 4)]);
    expect(workload(e, 'Deployment', 'api').replicas).toEqual({ min: 1, max: 4 });
  });

  test('KEDA scales to zero: 0..20 workers of 250m, 10 pods per node, so 0 to 2 nodes', () => {
    const e = estimate([deployment('worker', [container('worker', '250m', '256Mi')]), scaledObject('worker', 'worker', { minReplicaCount: 0, maxReplicaCount: 20 })]);
    expect(workload(e, 'Deployment', 'worker')).toEqual(expect.objectContaining({ replicas: { min: 0, max: 20 }, how: 'ScaledObject worker (KEDA) 0..20, scales to zero' }));
    expect(lines(e, 'minimum')).toEqual([['m.round nodes', '0 × $0.10/h × 730 h', 0]]);
    // 20 × 250m = 5 CPU fits 2 nodes; 20 pods at 10 per node need 2 as well.
    expect(nodes(e, 'maximum')).toEqual([['general', 20, 2, 2, 2, 0]]);
  });

  test('KEDA defaults: minReplicaCount 0, maxReplicaCount 100; idleReplicaCount is the minimum; paused-replicas fixes the count', () => {
    const defaults = estimate([deployment('worker', [container('worker', '100m', '64Mi')]), scaledObject('worker', 'worker', {})]);
    expect(workload(defaults, 'Deployment', 'worker').replicas).toEqual({ min: 0, max: 100 });
    const idle = estimate([deployment('worker', [container('worker', '100m', '64Mi')]), scaledObject('worker', 'worker', { idleReplicaCount: 0, minReplicaCount: 2, maxReplicaCount: 5 })]);
    expect(workload(idle, 'Deployment', 'worker').replicas).toEqual({ min: 0, max: 5 });
    const paused = estimate([
      deployment('worker', [container('worker', '100m', '64Mi')]),
      scaledObject('worker', 'worker', { minReplicaCount: 1, maxReplicaCount: 5 }, { 'autoscaling.keda.sh/paused-replicas': '4' }),
    ]);
    expect(workload(paused, 'Deployment', 'worker')).toEqual(expect.objectContaining({ replicas: { min: 4, max: 4 }, how: 'ScaledObject worker paused at 4' }));
  });

  test('two autoscalers on one Deployment are reported and counted over the widest range', () => {
    const e = estimateCost([deployment('api', [container('api', '100m', '64Mi')]), hpa(deploymentRef, 2, 5), scaledObject('api', 'api', { minReplicaCount: 1, maxReplicaCount: 8 })], ROUND_PRICES, target);
    expect(workload(e, 'Deployment', 'api').replicas).toEqual({ min: 1, max: 8 });
    expect(e.warnings).toEqual(['Deployment api has 2 autoscalers (HorizontalPodAutoscaler api 2..5; ScaledObject api (KEDA) 1..8); they fight over its replicas; counted over the widest range']);
  });
});

describe('StatefulSets and storage', () => {
  test('volumeClaimTemplates count once per replica: an HPA 3..5 gives 30..50 GiB, $3.00 to $5.00, and kept claims are reported', () => {
    const e = estimate([
      headlessService('db'),
      statefulSet('db', [container('db', '500m', '1Gi', {}, HTTP_PORT)], { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: claimSpec('10Gi', 'fast') }] }),
      hpa({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' }, 3, 5),
    ]);
    expect(e.claims).toEqual([{ source: 'StatefulSet db, template data', storageClass: 'fast', bytes: 10 * GI, claims: { min: 3, max: 5 } }]);
    expect(lines(e, 'minimum')).toContainEqual(['fast storage (also the default class)', '30 GiB × $0.10/GiB-month', 3]);
    expect(lines(e, 'maximum')).toContainEqual(['fast storage (also the default class)', '50 GiB × $0.10/GiB-month', 5]);
    expect(e.warnings).toEqual(['StatefulSet db scales between 3..5: the claims of pods removed by a scale-down are kept (whenScaled: Retain) and still billed']);
  });

  test('claims by class: a named class, the default class, an unknown class and no class at all (the last two reported, not priced)', () => {
    const e = estimate([pvc('shared', '20Gi', 'shared'), pvc('plain', '8Gi'), pvc('gold', '5Gi', 'gold'), pvc('static', '1Gi', '')]);
    expect(lines(e, 'minimum')).toEqual([
      ['m.round nodes', '0 × $0.10/h × 730 h', 0],
      ['shared storage', '20 GiB × $0.30/GiB-month', 6],
      ['fast storage (also the default class)', '8 GiB × $0.10/GiB-month', 0.8],
    ]);
    expect(e.unpriced).toEqual([
      { item: 'storage: gold', reason: 'the table has no storageClasses["gold"] (it prices "fast", "shared")', minimum: '1 claim, 5 GiB', maximum: '1 claim, 5 GiB' },
      { item: 'storage: (no class)', reason: 'claims with storageClassName "" bind pre-provisioned volumes, which the table cannot price', minimum: '1 claim, 1 GiB', maximum: '1 claim, 1 GiB' },
    ]);
    expect(e.summary).toBe('$6.80 per month plus 2 unpriced items');
  });

  test('without a defaultStorageClass, claims that name no class are reported', () => {
    const e = estimate([pvc('plain', '8Gi')], { ...ROUND_PRICES, defaultStorageClass: undefined });
    expect(e.unpriced).toEqual([{ item: 'storage: (cluster default class)', reason: 'the claims name no storageClassName and the table has no defaultStorageClass', minimum: '1 claim, 8 GiB', maximum: '1 claim, 8 GiB' }]);
  });

  test('ephemeral volume claims count once per pod, at both ends of an HPA range', () => {
    const ephemeral = { volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: claimSpec('5Gi', 'fast') } } }] };
    const e = estimate([deployment('api', [container('api', '100m', '64Mi')], {}, ephemeral), hpa({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, 2, 4)]);
    expect(e.claims).toEqual([{ source: 'Deployment api, ephemeral volume scratch', storageClass: 'fast', bytes: 5 * GI, claims: { min: 2, max: 4 } }]);
    expect(e.minimum.storage).toEqual([{ storageClass: 'fast', claims: 2, bytes: 10 * GI, priced: true }]);
    expect(e.maximum.storage).toEqual([{ storageClass: 'fast', claims: 4, bytes: 20 * GI, priced: true }]);
  });
});

describe('Argo Rollouts', () => {
  const template = deployment('api', [container('api', '1', '1Gi')], { replicas: 0 });

  test('a Rollout with workloadRef runs the Deployment\'s template at its HPA\'s range; the Deployment counts 0 after scaleDown onsuccess', () => {
    const e = estimate([
      deployment('api', [container('api', '1', '1Gi')]),
      rollout('api', { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', scaleDown: 'onsuccess' } }),
      hpa({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' }, 2, 4),
    ]);
    expect(workload(e, 'Deployment', 'api')).toEqual(expect.objectContaining({ replicas: { min: 0, max: 0 }, how: '0: Rollout api runs its pods (workloadRef, scaleDown onsuccess)' }));
    expect(workload(e, 'Rollout', 'api')).toEqual(expect.objectContaining({
      replicas: { min: 2, max: 4 },
      how: 'HorizontalPodAutoscaler api 2..4 (template from Deployment api)',
    }));
    expect(workload(e, 'Rollout', 'api').groups[0].requests).toEqual({ cpu: 1000, memory: GI, extended: {} });
    expect([e.minimum.pods, e.maximum.pods]).toEqual([2, 4]);
  });

  test('with scaleDown never (the default) the Deployment keeps its own replicas beside the Rollout\'s', () => {
    // The validation flags the double serving this models; the estimate counts it.
    const e = estimate([
      deployment('api', [container('api', '1', '1Gi')], { replicas: 2 }),
      rollout('api', { replicas: 3, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } }),
    ], ROUND_PRICES, [`argoproj.io/v1alpha1 Rollout ${NS}/api: spec.workloadRef.scaleDown: is "never" but Deployment "api" runs 2 replicas: its pods would serve beside the Rollout's`]);
    expect(workload(e, 'Deployment', 'api').how).toBe('replicas: 2, kept beside Rollout api (workloadRef, scaleDown never)');
    expect([e.minimum.pods, e.maximum.pods]).toEqual([5, 5]);
  });

  test('a Deployment scaled to 0 for its Rollout counts 0 whatever scaleDown says', () => {
    const e = estimate([template, rollout('api', { replicas: 3, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } })]);
    expect(workload(e, 'Deployment', 'api').replicas).toEqual({ min: 0, max: 0 });
    expect(workload(e, 'Rollout', 'api').replicas).toEqual({ min: 3, max: 3 });
  });

  test('a Rollout with its own template; a Rollout whose Deployment is not in the app is reported', () => {
    const own = estimate([rollout('web', { replicas: 2, template: podTemplate('web', [container('web', '500m', '512Mi')]) })]);
    expect(workload(own, 'Rollout', 'web')).toEqual(expect.objectContaining({ replicas: { min: 2, max: 2 }, how: 'replicas: 2' }));
    const missing = estimate([rollout('api', { replicas: 3, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'elsewhere' } })], ROUND_PRICES,
      [`argoproj.io/v1alpha1 Rollout ${NS}/api: spec.workloadRef.name: Deployment "elsewhere" is not in the set (namespace ${NS})`]);
    expect(missing.workloads).toEqual([]);
    expect(missing.warnings).toEqual(['Rollout api takes its pod template from Deployment elsewhere, which is not among the app\'s objects; its pods are not included']);
  });
});

describe('LeaderWorkerSets and GPU node types', () => {
  const GPU_PRICES: PriceTable = {
    ...ROUND_PRICES,
    gpuNodes: { 'nvidia.com/gpu': { name: 'gpu.round', hourlyPrice: 2, cpu: '8', memory: '64Gi', gpus: 4, maxPods: 10, reserved: { cpu: '0', memory: '0' }, evictionThreshold: '0' } },
  };
  const lws = leaderWorkerSet('vllm', {
    replicas: 2,
    leaderWorkerTemplate: {
      size: 4,
      leaderTemplate: podTemplate('vllm', [container('leader', '1', '4Gi')]),
      workerTemplate: podTemplate('vllm', [container('worker', '2', '8Gi', { 'nvidia.com/gpu': 1 })]),
      volumeClaimTemplates: [{ metadata: { name: 'cache' }, spec: claimSpec('50Gi') }],
    },
  });

  test('2 groups of 4 pods (1 leader, 3 GPU workers): 8 pods, 6 GPUs on 2 GPU nodes, 2 leaders on 1 general node, 8 claims of 50Gi', () => {
    const e = estimate([lws], GPU_PRICES);
    const vllm = workload(e, 'LeaderWorkerSet', 'vllm');
    expect(vllm.replicas).toEqual({ min: 2, max: 2 });
    expect(vllm.how).toBe('replicas: 2 groups of 4 pods (1 leader, 3 workers)');
    expect(vllm.groups.map((g) => [g.role, g.perReplica, g.requests])).toEqual([
      ['leader', 1, { cpu: 1000, memory: 4 * GI, extended: {} }],
      ['worker', 3, { cpu: 2000, memory: 8 * GI, extended: { 'nvidia.com/gpu': 1 } }],
    ]);
    expect(e.minimum.gpus).toEqual({ 'nvidia.com/gpu': 6 });
    // 6 workers: 4 GPUs per node gives 2 nodes; 12 CPU over 8-CPU nodes gives 2 as well.
    expect(nodes(e, 'minimum')).toEqual([['general', 2, 1, 1, 1, 0], ['nvidia.com/gpu', 6, 2, 2, 2, 0]]);
    expect(lines(e, 'minimum')).toEqual([
      ['m.round nodes', '1 × $0.10/h × 730 h', 73],
      ['gpu.round nodes (nvidia.com/gpu)', '2 × $2.00/h × 730 h', 2920],
      ['fast storage (also the default class)', '400 GiB × $0.10/GiB-month', 40],
    ]);
    expect(e.minimum.total).toBe(3033);
  });

  test('without a GPU node type the GPU pods are reported as unpriced, not placed on the general nodes', () => {
    const e = estimate([lws]);
    expect(nodes(e, 'minimum')).toEqual([['general', 2, 1, 1, 1, 0]]);
    expect(e.unpriced).toEqual([{
      item: 'nodes for nvidia.com/gpu',
      reason: 'the table has no gpuNodes["nvidia.com/gpu"] node type; the pods that request it (LeaderWorkerSet vllm (worker)) are not placed on any node',
      minimum: '6 pods: 6 nvidia.com/gpu, 12 CPU, 48 GiB',
      maximum: '6 pods: 6 nvidia.com/gpu, 12 CPU, 48 GiB',
    }]);
  });

  test('without a leaderTemplate the leader runs the worker template; an HPA scales the groups', () => {
    const e = estimate([
      leaderWorkerSet('vllm', { leaderWorkerTemplate: { size: 2, workerTemplate: podTemplate('vllm', [container('worker', '2', '8Gi', { 'nvidia.com/gpu': 1 })]) } }),
      hpa({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'vllm' }, 1, 3),
    ], GPU_PRICES);
    expect(workload(e, 'LeaderWorkerSet', 'vllm').pods).toEqual({ min: 2, max: 6 });
    expect(e.maximum.gpus).toEqual({ 'nvidia.com/gpu': 6 });
  });

  test('a GPU node group with a minimum is paid even when no pod asks for a GPU', () => {
    const prices: PriceTable = { ...GPU_PRICES, gpuNodes: { 'nvidia.com/gpu': { ...GPU_PRICES.gpuNodes!['nvidia.com/gpu'], minNodes: 1 } } };
    const e = estimate([deployment('api', [container('api', '1', '1Gi')], { replicas: 1 })], prices);
    expect(lines(e, 'minimum')).toContainEqual(['gpu.round nodes (nvidia.com/gpu)', '1 × $2.00/h × 730 h', 1460]);
  });
});

describe('Jobs', () => {
  test('a Job runs min(parallelism, completions) pods, counted at the maximum only', () => {
    const e = estimate([job('migrate', [container('migrate', '1', '1Gi')], { parallelism: 3, completions: 2 }), job('once', [container('once', '1', '1Gi')])]);
    expect(workload(e, 'Job', 'migrate')).toEqual(expect.objectContaining({ replicas: { min: 0, max: 2 }, how: 'Job, a run to completion, 2 pods at once: counted at the maximum only' }));
    expect(workload(e, 'Job', 'once').replicas).toEqual({ min: 0, max: 1 });
    expect([e.minimum.pods, e.maximum.pods]).toEqual([0, 3]);
  });

  test('a CronJob counts one run; a suspended one counts 0', () => {
    const e = estimate([
      cronJob('reindex', [container('reindex', '500m', '1Gi')], {}, { parallelism: 2 }),
      cronJob('paused', [container('paused', '500m', '1Gi')], { suspend: true }),
    ]);
    expect(workload(e, 'CronJob', 'reindex')).toEqual(expect.objectContaining({
      replicas: { min: 0, max: 2 },
      how: 'CronJob, one run at a time (schedule "0 2 * * *"), 2 pods at once: counted at the maximum only',
    }));
    expect(workload(e, 'CronJob', 'paused')).toEqual(expect.objectContaining({ replicas: { min: 0, max: 0 }, how: 'CronJob suspended: 0' }));
  });

  test('a KEDA ScaledJob: 0..5 jobs of 2 pods', () => {
    const e = estimate([scaledJob('batch', { parallelism: 2, template: podTemplate('batch', [container('batch', '500m', '512Mi')], { restartPolicy: 'Never' }) }, { maxReplicaCount: 5 })]);
    expect(workload(e, 'ScaledJob', 'batch')).toEqual(expect.objectContaining({ replicas: { min: 0, max: 5 }, how: 'ScaledJob (KEDA) 0..5 jobs of 2 pods', pods: { min: 0, max: 10 } }));
  });
});

describe('DaemonSets', () => {
  test('one DaemonSet pod per node leaves 3500m, 15Gi and 9 pods: ten 1-CPU pods need 4 nodes instead of 3', () => {
    const app = deployment('api', [container('api', '1', '1Gi')], { replicas: 10 });
    expect(nodes(estimate([app]), 'minimum')).toEqual([['general', 10, 3, 3, 3, 0]]);
    const e = estimate([daemonSet('log-agent', [container('agent', '500m', '1Gi')]), app]);
    expect(e.nodeTypes[0].room).toEqual({ cpu: 3500, memory: 15 * GI, pods: 9, gpus: 0 });
    expect(nodes(e, 'minimum')).toEqual([['general', 10, 3, 4, 4, 0]]);
    expect(e.daemonSets).toEqual([{ name: 'log-agent', requests: { cpu: 500, memory: GI, extended: {} } }]);
  });
});

describe('networking', () => {
  // One pod of 100m for the Services to select: one node, $73.00.
  const api = deployment('api', [container('api', '100m', '64Mi', {}, HTTP_PORT)], { replicas: 1 });

  test('LoadBalancer Services, Ingresses and Gateways at their prices; ClusterIP Services and routes are free', () => {
    const e = estimate([
      api, service('public-a', 'LoadBalancer', 'api'), service('public-b', 'LoadBalancer', 'api'), service('api', 'ClusterIP', 'api'),
      ingress('web', 'api'), gateway('edge'), httpRoute('api', [{ name: 'edge' }]),
    ]);
    expect(lines(e, 'minimum')).toEqual([
      ['m.round nodes', '1 × $0.10/h × 730 h', 73],
      ['Service of type LoadBalancer (public-a, public-b)', '2 × $20.00/month', 40],
      ['Ingress (web)', '1 × $15.00/month', 15],
      ['Gateway (edge)', '1 × $25.00/month', 25],
    ]);
    expect([e.minimum.routes, e.minimum.gateways]).toEqual([1, 1]);
    expect(e.warnings).toEqual([]);
  });

  test('a route to a Gateway outside the app is reported; a missing price leaves the object unpriced', () => {
    const e = estimate([api, service('api', 'ClusterIP', 'api'), ingress('web', 'api'), httpRoute('api', [{ name: 'shared', namespace: 'gateways' }])], { ...ROUND_PRICES, ingress: undefined });
    expect(e.warnings).toEqual(['HTTPRoute api attaches to Gateway gateways/shared, which is not among the app\'s objects; its load balancer is priced where that Gateway is']);
    expect(e.unpriced).toEqual([{ item: 'Ingress', reason: 'the table has no ingress price (web)', minimum: '1 Ingress', maximum: '1 Ingress' }]);
  });
});

describe('objects the estimate does not know', () => {
  test('a custom resource with a pod template is reported, not silently dropped', () => {
    const knative: KubeObject = {
      apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'hello', namespace: NS },
      spec: { template: { spec: { containers: [container('hello', '100m', '64Mi')] } } },
    };
    const e = estimateCost([knative], ROUND_PRICES, target);
    expect(e.workloads).toEqual([]);
    expect(e.warnings).toEqual(['Service hello (serving.knative.dev/v1) has a pod template this estimate does not know how to count; its pods are not included']);
  });
});
