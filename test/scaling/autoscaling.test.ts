import * as fc from 'fast-check';
import { AgentMicroservice, type AgentMicroserviceProps, type AutoscalingOptions, type EnvironmentConfig, Environments, ScalingMetric } from '../../lib';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';
import { expectOneProblem } from '../inference/helpers';

const NAME = 'support-api';
const IMAGE = 'ghcr.io/acme/support-api:3.1.0';

const prod = (): EnvironmentConfig => Environments.prod({ namespace: 'agents' });
const staging = (): EnvironmentConfig => Environments.staging({ namespace: 'agents' });
const dev = (): EnvironmentConfig => Environments.dev({ namespace: 'agents' });

function synthApi(autoscaling: AutoscalingOptions | undefined, environment: EnvironmentConfig = prod(), extra: Partial<AgentMicroserviceProps> = {}): Synthesized {
  return synth((p) => {
    new AgentMicroservice(p, NAME, { image: IMAGE, autoscaling, ...extra });
  }, environment);
}

function problemsOfApi(autoscaling: AutoscalingOptions, environment: EnvironmentConfig = prod()): string[] {
  return problemsOf((p) => {
    new AgentMicroservice(p, NAME, { image: IMAGE, autoscaling });
  }, environment);
}

const hpaSpec = (s: Synthesized) => at(s.get('HorizontalPodAutoscaler', NAME), 'spec');
const metricsOf = (s: Synthesized) => at(s.get('HorizontalPodAutoscaler', NAME), 'spec.metrics');
const cpu = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });
const memory = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization } } });

describe('HorizontalPodAutoscaler v2 targets', () => {
  test('environment defaults: autoscaling/v2, CPU 70% and memory 75%, 3..10 replicas, 300 s scale-down window', () => {
    // GIVEN an agent that says nothing about autoscaling, in production
    const s = synthApi(undefined);
    // THEN
    const hpa = s.get('HorizontalPodAutoscaler', NAME);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpaSpec(s)).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [cpu(70), memory(75)],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    });
    expect(at(s.get('Deployment', NAME), 'spec')).not.toHaveProperty('replicas');
  });

  test('staging defaults: 2..4 replicas', () => {
    const s = synthApi(undefined, staging());
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.minReplicas')).toBe(2);
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.maxReplicas')).toBe(4);
  });

  test('memory only: one explicit target replaces both defaults', () => {
    expect(metricsOf(synthApi({ memoryUtilization: 80 }))).toEqual([memory(80)]);
  });

  test('CPU only', () => {
    expect(metricsOf(synthApi({ cpuUtilization: 60 }))).toEqual([cpu(60)]);
  });

  test('both, explicitly', () => {
    expect(metricsOf(synthApi({ cpuUtilization: 50, memoryUtilization: 90 }))).toEqual([cpu(50), memory(90)]);
  });

  test('a pods metric with a selector: AverageValue per pod, and no CPU or memory default beside it', () => {
    const s = synthApi({ metrics: [ScalingMetric.podsAverage('http_requests_in_flight', '10', { route: 'chat' })] });
    expect(metricsOf(s)).toEqual([{
      type: 'Pods',
      pods: { metric: { name: 'http_requests_in_flight', selector: { matchLabels: { route: 'chat' } } }, target: { type: 'AverageValue', averageValue: '10' } },
    }]);
  });

  test('a latency metric: the p95 per pod in seconds, here 500m = 0.5 s, beside an explicit memory target', () => {
    const s = synthApi({ memoryUtilization: 80, metrics: [ScalingMetric.latency('http_server_request_duration_seconds_p95', '500m')] });
    expect(metricsOf(s)).toEqual([
      memory(80),
      { type: 'Pods', pods: { metric: { name: 'http_server_request_duration_seconds_p95' }, target: { type: 'AverageValue', averageValue: '500m' } } },
    ]);
  });

  test('an external metric with a selector', () => {
    const s = synthApi({ metrics: [ScalingMetric.external('sqs_messages_visible', '30', { queue: 'support-tasks' })] });
    expect(metricsOf(s)).toEqual([{
      type: 'External',
      external: { metric: { name: 'sqs_messages_visible', selector: { matchLabels: { queue: 'support-tasks' } } }, target: { type: 'AverageValue', averageValue: '30' } },
    }]);
  });

  test('CPU beside custom metrics, in the order CPU, memory, custom', () => {
    const s = synthApi({ cpuUtilization: 65, metrics: [ScalingMetric.podsAverage('queue_depth', '4'), ScalingMetric.external('kafka_lag', '100')] });
    expect((metricsOf(s) as { type: string }[]).map((m) => m.type)).toEqual(['Resource', 'Pods', 'External']);
  });

  test.each([120, 0])('scale-down stabilization of %i s', (seconds) => {
    expect(at(hpaSpec(synthApi({ scaleDownStabilizationSeconds: seconds })), 'behavior')).toEqual({ scaleDown: { stabilizationWindowSeconds: seconds } });
  });

  test('an environment scale-down default applies when the agent gives none', () => {
    const s = synthApi({}, Environments.prod({ namespace: 'agents', autoscaling: { scaleDownStabilizationSeconds: 600 } }));
    expect(at(hpaSpec(s), 'behavior.scaleDown.stabilizationWindowSeconds')).toBe(600);
  });

  test('a minimum above the environment maximum raises the maximum to it', () => {
    const spec = hpaSpec(synthApi({ minReplicas: 12 }));
    expect(at(spec, 'minReplicas')).toBe(12);
    expect(at(spec, 'maxReplicas')).toBe(12);
  });
});

describe('HorizontalPodAutoscaler refusals', () => {
  test.each([
    ['podsAverage', () => ScalingMetric.podsAverage('http_requests_in_flight', '0')],
    ['latency', () => ScalingMetric.latency('http_server_request_duration_seconds_p95', '0')],
    ['external', () => ScalingMetric.external('sqs_messages_visible', '0')],
    ['latency (-1)', () => ScalingMetric.latency('http_server_request_duration_seconds_p95', '-1')],
  ])('a target of 0 or less on a %s metric is refused', (_kind, metric) => {
    const problems = problemsOfApi({ metrics: [metric()] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\/support-api\] autoscaling\.metrics\[0\]: the target of .+ must be above 0: an HPA cannot aim at 0 \(got "-?[01]"\)$/);
  });

  // The message shows the refused target itself, not the whole ScalingMetric.
  test('a refused metric target shows the target that was given', () => {
    const [problem] = problemsOfApi({ metrics: [ScalingMetric.podsAverage('http_requests_in_flight', '0')] });
    expect(problem).toMatch(/\(got "0"\)$/);
  });

  test.each([
    ['cpuUtilization', '0', { cpuUtilization: 0 }],
    ['memoryUtilization', '0', { memoryUtilization: 0 }],
    ['memoryUtilization', '101', { memoryUtilization: 101 }],
  ])('%s %s is refused: outside 1..100', (field, value, options) => {
    expectOneProblem(problemsOfApi(options), { construct: 'test/support-api', field: `autoscaling.${field}`, value, allowed: ['must be a whole percentage between 1 and 100'] });
  });

  test.each([
    ['production', prod()],
    ['development (reported in every environment, even without HPAs)', dev()],
  ])('minReplicas above maxReplicas is refused in %s', (_label, environment) => {
    expectOneProblem(problemsOfApi({ minReplicas: 5, maxReplicas: 2 }, environment), {
      construct: 'test/support-api',
      field: 'autoscaling.minReplicas',
      value: '5',
      allowed: ['is above autoscaling.maxReplicas (2)', 'minReplicas must be at most maxReplicas'],
    });
  });

  test('minReplicas 0 is refused (an HPA cannot scale to zero; use queueScaling)', () => {
    expectOneProblem(problemsOfApi({ minReplicas: 0 }), { construct: 'test/support-api', field: 'autoscaling.minReplicas', value: '0', allowed: ['must be a positive integer'] });
  });

  test('a scale-down window above an hour is refused', () => {
    expectOneProblem(problemsOfApi({ scaleDownStabilizationSeconds: 3601 }), {
      construct: 'test/support-api', field: 'autoscaling.scaleDownStabilizationSeconds', value: '3601', allowed: ['must be at most 3600 seconds'],
    });
  });
});

describe('environments without autoscaling', () => {
  test('development: no HPA even when the agent asks for one, one replica', () => {
    const s = synthApi({ enabled: true, minReplicas: 2, maxReplicas: 6, metrics: [ScalingMetric.latency('http_server_request_duration_seconds_p95', '2')] }, dev());
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(s.get('Deployment', NAME), 'spec.replicas')).toBe(1);
  });

  test('production with autoscaling switched off: no HPA, the environment\'s replicas', () => {
    const s = synthApi({ cpuUtilization: 60 }, Environments.prod({ namespace: 'agents', autoscaling: { enabled: false } }));
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(s.get('Deployment', NAME), 'spec.replicas')).toBe(3);
  });

  test('enabled: false on the agent in production: no HPA, explicit replicas', () => {
    const s = synthApi({ enabled: false }, prod(), { replicas: 4 });
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(s.get('Deployment', NAME), 'spec.replicas')).toBe(4);
  });
});

describe('HorizontalPodAutoscaler bounds (property)', () => {
  test('minReplicas above maxReplicas is refused exactly when min > max; otherwise the HPA carries both', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (min, max) => {
      const problems = problemsOfApi({ minReplicas: min, maxReplicas: max });
      if (min > max) {
        expect(problems).toEqual([`[test/support-api] autoscaling.minReplicas: is above autoscaling.maxReplicas (${max}); minReplicas must be at most maxReplicas (got ${min})`]);
      } else {
        expect(problems).toEqual([]);
        const spec = hpaSpec(synthApi({ minReplicas: min, maxReplicas: max }));
        expect([at(spec, 'minReplicas'), at(spec, 'maxReplicas')]).toEqual([min, max]);
      }
    }), { numRuns: 60 });
  });
});
