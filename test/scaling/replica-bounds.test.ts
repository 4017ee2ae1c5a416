import { AgentMicroservice, AgentMode, type EnvironmentConfig, Environments, type QueueScalingOptions, QueueTrigger } from '../../lib';
import { at, problemsOf, synth } from '../helpers/synth';

/**
 * Boundaries of the replica checks, in every environment (issue 17, item 7): minReplicas equal to
 * maxReplicas is fine, one above is refused, with the message. Development has no HPA, so only
 * the props themselves can be checked there: an off-by-one (`>=` for `>`) would refuse a valid
 * equal pair, or an off-by-one the other way would let a contradiction through, in every tier.
 */

const ENVIRONMENTS: readonly [string, () => EnvironmentConfig][] = [
  ['dev', () => Environments.dev({ namespace: 'agents' })],
  ['staging', () => Environments.staging({ namespace: 'agents' })],
  ['prod', () => Environments.prod({ namespace: 'agents' })],
];

const IMAGE = 'agent:1.0.0';
const queue = (bounds: Omit<QueueScalingOptions, 'triggers'>): QueueScalingOptions => ({
  triggers: [QueueTrigger.prometheus({ serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(queue_depth)', threshold: 5 })],
  ...bounds,
});

describe.each(ENVIRONMENTS)('%s', (_name, environment) => {
  describe('autoscaling.minReplicas against maxReplicas', () => {
    test.each([1, 3, 10, 1000])('min = max = %i is accepted', (n) => {
      expect(problemsOf((p) => new AgentMicroservice(p, 'agent', { image: IMAGE, autoscaling: { minReplicas: n, maxReplicas: n } }), environment())).toEqual([]);
    });

    test.each([[2, 1], [4, 3], [11, 10], [1000, 999]])('min %i = max %i + 1 is refused', (min, max) => {
      expect(problemsOf((p) => new AgentMicroservice(p, 'agent', { image: IMAGE, autoscaling: { minReplicas: min, maxReplicas: max } }), environment())).toEqual([
        `[test/agent] autoscaling.minReplicas: is above autoscaling.maxReplicas (${max}); minReplicas must be at most maxReplicas (got ${min})`,
      ]);
    });

    test('a minimum of 0 is refused (an HPA cannot scale to zero; that is queueScaling)', () => {
      expect(problemsOf((p) => new AgentMicroservice(p, 'agent', { image: IMAGE, autoscaling: { minReplicas: 0 } }), environment())).toEqual([
        '[test/agent] autoscaling.minReplicas: must be a positive integer (got 0)',
      ]);
    });
  });

  describe('queueScaling.minReplicas against maxReplicas', () => {
    test.each([[0, 1], [1, 1], [5, 5]])('min %i, max %i is accepted', (min, max) => {
      expect(problemsOf((p) => new AgentMicroservice(p, 'worker', { image: IMAGE, mode: AgentMode.WORKER, healthCheck: { command: ['/bin/healthy'] }, queueScaling: queue({ minReplicas: min, maxReplicas: max }) }), environment())).toEqual([]);
    });

    test.each([[2, 1], [6, 5]])('min %i = max %i + 1 is refused', (min, max) => {
      expect(problemsOf((p) => new AgentMicroservice(p, 'worker', { image: IMAGE, mode: AgentMode.WORKER, healthCheck: { command: ['/bin/healthy'] }, queueScaling: queue({ minReplicas: min, maxReplicas: max }) }), environment())).toEqual([
        `[test/worker] queueScaling.minReplicas: is above queueScaling.maxReplicas (${max}); minReplicas must be at most maxReplicas (got ${min})`,
      ]);
    });
  });

  describe('replicas', () => {
    test.each([1, 1000])('%i replicas are accepted', (n) => {
      expect(problemsOf((p) => new AgentMicroservice(p, 'agent', { image: IMAGE, replicas: n, autoscaling: { enabled: false } }), environment())).toEqual([]);
    });

    test.each([[0, 'must be a positive integer'], [1001, 'must be at most 1000'], [-1, 'must be a positive integer']])('%i replicas are refused: %s', (n, message) => {
      expect(problemsOf((p) => new AgentMicroservice(p, 'agent', { image: IMAGE, replicas: n }), environment())).toEqual([`[test/agent] replicas: ${message} (got ${n})`]);
    });
  });
});

describe('what the bounds render', () => {
  test('an HPA with min = max renders both, and the Deployment leaves replicas to it', () => {
    const s = synth((p) => new AgentMicroservice(p, 'agent', { image: IMAGE, autoscaling: { minReplicas: 4, maxReplicas: 4 } }), Environments.prod({ namespace: 'agents' }));
    expect([at(s.get('HorizontalPodAutoscaler', 'agent'), 'spec.minReplicas'), at(s.get('HorizontalPodAutoscaler', 'agent'), 'spec.maxReplicas')]).toEqual([4, 4]);
    expect(at(s.get('Deployment', 'agent'), 'spec.replicas')).toBeUndefined();
  });

  test('development caps replicas at its maximum of 1, whatever is asked', () => {
    const s = synth((p) => new AgentMicroservice(p, 'agent', { image: IMAGE, replicas: 1000 }), Environments.dev({ namespace: 'agents' }));
    expect(at(s.get('Deployment', 'agent'), 'spec.replicas')).toBe(1);
  });

  test('an environment whose autoscaling minimum equals its maximum is valid; one above is refused', () => {
    expect(problemsOf(() => undefined, Environments.prod({ namespace: 'agents', autoscaling: { minReplicas: 5, maxReplicas: 5 } }))).toEqual([]);
    expect(problemsOf(() => undefined, Environments.prod({ namespace: 'agents', autoscaling: { minReplicas: 6, maxReplicas: 5 } }))).toEqual([
      '[test] environment.autoscaling.minReplicas: must be at most autoscaling.maxReplicas (5) (got 6)',
    ]);
  });
});
