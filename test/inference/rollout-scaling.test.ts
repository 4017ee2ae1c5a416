import { Environments, GpuInferencePool, InferenceFallback, InferenceGateway, InferenceRouting } from '../../lib';
import { at, synth } from '../helpers/synth';
import { dev, poolProps, prod, synthPool } from './helpers';

/**
 * Rollouts without spare accelerators (issue #12 item 3) and scaling on the signals that matter
 * (item 4). The refusals are pinned in refusals.test.ts.
 */

const deployment = (s: ReturnType<typeof synthPool>) => s.get('Deployment', 'llm');
const GATEWAY = InferenceGateway.fromName('inference-gateway', { namespace: 'gateway-system', url: 'http://inference-gateway.gateway-system.svc.cluster.local' });
const PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';

describe('rollouts that need no spare GPU', () => {
  test('by default: maxSurge 0 and maxUnavailable 1, and a PDB that allows the same one pod', () => {
    const s = synthPool({ replicas: 3 });
    expect(at(deployment(s), 'spec.strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(at(s.get('PodDisruptionBudget', 'llm'), 'spec.maxUnavailable')).toBe(1);
  });

  test('one replica: the same in-place replacement (a short gap, no spare GPU), and no PDB', () => {
    const s = synthPool({ replicas: 1 });
    expect(at(deployment(s), 'spec.strategy.rollingUpdate')).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(s.all('PodDisruptionBudget')).toEqual([]);
  });

  test('overridden: maxSurge 1 where the cluster keeps a spare GPU is a zero-downtime rollout (maxUnavailable 0)', () => {
    const s = synthPool({ replicas: 2, rollingUpdate: { maxSurge: 1 } });
    expect(at(deployment(s), 'spec.strategy.rollingUpdate')).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(at(s.get('PodDisruptionBudget', 'llm'), 'spec.maxUnavailable')).toBe(1);
  });

  test('two at a time: the PDB agrees with the rollout', () => {
    const s = synthPool({ replicas: 6, rollingUpdate: { maxUnavailable: 2 } });
    expect(at(deployment(s), 'spec.strategy.rollingUpdate')).toEqual({ maxSurge: 0, maxUnavailable: 2 });
    expect(at(s.get('PodDisruptionBudget', 'llm'), 'spec.maxUnavailable')).toBe(2);
  });

  test('an explicit budget: minAvailable 2 of 3, or one for a single replica that allows its eviction', () => {
    expect(at(synthPool({ replicas: 3, disruptionBudget: { minAvailable: 2 } }).get('PodDisruptionBudget', 'llm'), 'spec')).toEqual({
      minAvailable: 2, selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(at(synthPool({ replicas: 1, disruptionBudget: { maxUnavailable: 1 } }).get('PodDisruptionBudget', 'llm'), 'spec.maxUnavailable')).toBe(1);
  });

  test('the CPU fallback keeps the zero-downtime rollout of every other service', () => {
    const s = synthPool({ fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) }, dev());
    expect(at(deployment(s), 'spec.strategy.rollingUpdate')).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});

describe('KEDA scaling on waiting requests and KV-cache use', () => {
  test('plain Service routing: vLLM\'s own series of this pool, 5 waiting requests and 80% KV cache per replica', () => {
    const s = synthPool({ scaling: { prometheusUrl: PROMETHEUS, minReplicas: 1, maxReplicas: 4 } });
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(s.get('ScaledObject', 'llm'), 'spec')).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' },
      minReplicaCount: 1,
      maxReplicaCount: 4,
      pollingInterval: 15,
      cooldownPeriod: 900,
      triggers: [
        { type: 'prometheus', metadata: { serverAddress: PROMETHEUS, query: 'sum(vllm:num_requests_waiting{namespace="agents",workload="llm"})', threshold: '5' } },
        { type: 'prometheus', metadata: { serverAddress: PROMETHEUS, query: 'sum(vllm:kv_cache_usage_perc{namespace="agents",workload="llm"})', threshold: '0.8' } },
      ],
    });
    expect(at(deployment(s), 'spec')).not.toHaveProperty('replicas');
  });

  test('routing through an InferencePool: the endpoint picker\'s view of the pool (average x ready pods)', () => {
    const s = synthPool({ routing: InferenceRouting.inferencePool({ gateway: GATEWAY }), scaling: { prometheusUrl: PROMETHEUS, waitingRequestsPerReplica: 8, kvCacheUtilization: 0.7 } });
    const triggers = at(s.get('ScaledObject', 'llm'), 'spec.triggers') as { metadata: { query: string; threshold: string } }[];
    expect(triggers.map((t) => [t.metadata.query, t.metadata.threshold])).toEqual([
      ['max(inference_pool_average_queue_size{namespace="agents",name="llm"}) * max(inference_pool_ready_pods{namespace="agents",name="llm"})', '8'],
      ['max(inference_pool_average_kv_cache_utilization{namespace="agents",name="llm"}) * max(inference_pool_ready_pods{namespace="agents",name="llm"})', '0.7'],
    ]);
    // AND the environment's bounds by default (prod: 3..10)
    expect([at(s.get('ScaledObject', 'llm'), 'spec.minReplicaCount'), at(s.get('ScaledObject', 'llm'), 'spec.maxReplicaCount')]).toEqual([3, 10]);
  });

  test('scale to zero, opted in with its cold-start budget: minimum 0, a trigger on the requests the picker receives, the budget on the ScaledObject', () => {
    const s = synthPool({
      modelSize: '16Gi',
      routing: InferenceRouting.inferencePool({ gateway: GATEWAY }),
      scaling: { prometheusUrl: PROMETHEUS, scaleToZero: { coldStartBudgetSeconds: 600 }, maxReplicas: 4 },
    });
    const scaled = s.get('ScaledObject', 'llm');
    expect(at(scaled, 'spec.minReplicaCount')).toBe(0);
    expect(at(scaled, 'metadata.annotations')).toEqual({ 'agents.cdk8s.io/cold-start-budget-seconds': '600', 'argocd.argoproj.io/sync-wave': '4' });
    expect(at(scaled, 'spec.triggers.2')).toEqual({
      type: 'prometheus',
      metadata: { serverAddress: PROMETHEUS, query: 'sum(rate(inference_objective_request_total{namespace="agents",workload="llm-epp"}[2m]))', threshold: '100', activationThreshold: '0' },
    });
  });

  test('the quota counts the scaling maximum', () => {
    const s = synthPool({ scaling: { prometheusUrl: PROMETHEUS, minReplicas: 1, maxReplicas: 6 } });
    expect(at(s.get('ResourceQuota', 'workloads'), 'spec.hard')).toMatchObject({ 'requests.nvidia.com/gpu': 6 });
  });

  test('dev turns KEDA off like everywhere else (the fallback runs one replica)', () => {
    const s = synth((p) => {
      new GpuInferencePool(p, 'llm', poolProps({ scaling: { prometheusUrl: PROMETHEUS }, fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) }));
    }, dev());
    expect(s.all('ScaledObject')).toEqual([]);
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
  });

  test('staging: its own autoscaling bounds (2..4)', () => {
    const s = synthPool({ scaling: { prometheusUrl: PROMETHEUS } }, Environments.staging({ namespace: 'agents' }));
    expect([at(s.get('ScaledObject', 'llm'), 'spec.minReplicaCount'), at(s.get('ScaledObject', 'llm'), 'spec.maxReplicaCount')]).toEqual([2, 4]);
  });

  test('the helpers run production', () => {
    expect(prod().name).toBe('prod');
  });
});
