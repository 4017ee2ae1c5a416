import * as fc from 'fast-check';
import { App, Chart, Testing } from 'cdk8s';
import {
  AgentMicroservice, AgentMode, AgentPlatform, DeploymentScaleDown, Environments, GpuInferencePool, HelmChartWriter, InferenceFallback, McpToolService,
  ObservabilityMode, ObservabilityStack, QueueTrigger, RedisCacheStatefulSet, RedisUsage, renderApps,
} from '../../lib';
import { rolloutOptionsSchema } from '../../lib/core/canary-rollout';
import { at, platformFor, problemsOf, synth } from '../helpers/synth';
import { IMAGE, NAME, NS, operatorProd, selfHostedProd, specOf, synthCanary } from './helpers';

const PATH = `[test/${NAME}]`;

describe('a canary Rollout takes the pods of the Deployment', () => {
  const s = synthCanary();
  const rollout = s.get('Rollout', NAME);
  const deployment = s.get('Deployment', NAME);

  test('the Rollout references the Deployment by workloadRef and selects its pods', () => {
    expect(specOf(rollout).workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: NAME, scaleDown: 'progressively' });
    expect(specOf(rollout)).not.toHaveProperty('template');
    // THEN the selector matches the labels of the pods the Rollout creates from the Deployment's template
    const selector = at(rollout, 'spec.selector.matchLabels') as Record<string, string>;
    const podLabels = at(deployment, 'spec.template.metadata.labels') as Record<string, string>;
    expect(selector).toEqual({ 'app.kubernetes.io/name': NAME });
    expect(Object.entries(selector).every(([k, v]) => podLabels[k] === v)).toBe(true);
    expect(at(deployment, 'spec.selector')).toEqual(at(rollout, 'spec.selector'));
  });

  test('defaults: steps 20% and 50%, each gated by the analysis, one surge pod, none unavailable, rolled back when stuck', () => {
    const gate = { analysis: { templates: [{ templateName: `${NAME}-canary` }], args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] } };
    expect(at(rollout, 'spec.strategy.canary')).toEqual({ maxSurge: 1, maxUnavailable: 0, steps: [{ setWeight: 20 }, gate, { setWeight: 50 }, gate] });
    expect(at(rollout, 'spec.progressDeadlineSeconds')).toBe(600);
    expect(at(rollout, 'spec.progressDeadlineAbort')).toBe(true);
    expect(at(rollout, 'spec.revisionHistoryLimit')).toBe(5);
  });

  test('the HPA scales the Rollout; neither the Rollout nor the Deployment sets replicas', () => {
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.scaleTargetRef')).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: NAME });
    expect(specOf(rollout)).not.toHaveProperty('replicas');
    expect(specOf(deployment)).not.toHaveProperty('replicas');
  });

  test('the Rollout and its AnalysisTemplate carry the workload labels and its sync wave', () => {
    for (const object of [rollout, s.get('AnalysisTemplate', `${NAME}-canary`)]) {
      expect(object.metadata.labels).toEqual(deployment.metadata.labels);
      expect(object.metadata.annotations).toEqual(deployment.metadata.annotations);
    }
  });
});

describe('what stays the same with a canary', () => {
  // GIVEN the same agent and tool without and with a canary, in an environment without observability
  const build = (rollout: boolean) => synth((p) => {
    const tool = new McpToolService(p, 'search', { image: 'ghcr.io/acme/search:1.0.0', rollout: rollout ? { analysis: { enabled: false } } : undefined });
    new AgentMicroservice(p, NAME, { image: IMAGE, tools: [tool], ingress: { host: 'agent.example.com' }, rollout: rollout ? { analysis: { enabled: false } } : undefined });
  }, Environments.prod({ namespace: NS }));
  const without = build(false);
  const withCanary = build(true);

  test.each(['Service', 'PodDisruptionBudget', 'NetworkPolicy', 'Ingress', 'ServiceAccount'])('every %s is exactly the same', (kind) => {
    expect(without.all(kind).length).toBeGreaterThan(0);
    expect(withCanary.all(kind)).toEqual(without.all(kind));
  });

  test('the Deployment changes in nothing but the HPA-owned replica count it never had', () => {
    expect(withCanary.all('Deployment')).toEqual(without.all('Deployment'));
  });

  test('the ResourceQuota is the same: the canary surges one pod, as the rolling update did', () => {
    expect(withCanary.get('ResourceQuota', 'workloads')).toEqual(without.get('ResourceQuota', 'workloads'));
  });

  test('what is added: a Rollout per workload, and the HPAs scale them', () => {
    const names = (s: typeof without) => s.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(withCanary).filter((n) => !names(without).includes(n))).toEqual(['Rollout/search', `Rollout/${NAME}`]);
    for (const hpa of withCanary.all('HorizontalPodAutoscaler')) {
      expect(at(hpa, 'spec.scaleTargetRef.kind')).toBe('Rollout');
    }
  });
});

describe('options', () => {
  test('steps, surge, scaleDown and a time-based canary without analysis', () => {
    const s = synthCanary({ steps: [10, 30, 60], maxSurge: 0, maxUnavailable: 1, scaleDown: DeploymentScaleDown.ON_SUCCESS, pauseSeconds: 120, analysis: { enabled: false } });
    const rollout = s.get('Rollout', NAME);
    const pause = { pause: { duration: '120s' } };
    expect(at(rollout, 'spec.strategy.canary')).toEqual({ maxSurge: 0, maxUnavailable: 1, steps: [{ setWeight: 10 }, pause, { setWeight: 30 }, pause, { setWeight: 60 }, pause] });
    expect(at(rollout, 'spec.workloadRef.scaleDown')).toBe('onsuccess');
    expect(s.all('AnalysisTemplate')).toEqual([]);
  });

  test('without an autoscaler the Rollout carries the replicas and the Deployment none', () => {
    const s = synthCanary({}, { autoscaling: { enabled: false }, replicas: 4 });
    expect(at(s.get('Rollout', NAME), 'spec.replicas')).toBe(4);
    expect(specOf(s.get('Deployment', NAME))).not.toHaveProperty('replicas');
  });

  test('KEDA scales the Rollout of a queue worker', () => {
    const s = synth((p) => {
      const queue = new RedisCacheStatefulSet(p, 'queue', { usage: RedisUsage.QUEUE });
      new AgentMicroservice(p, 'worker', {
        image: IMAGE, mode: AgentMode.WORKER, healthCheck: { command: ['worker', 'healthcheck'] }, queueScaling: { triggers: [QueueTrigger.redisList(queue, { listName: 'tasks' })] }, rollout: { analysis: { enabled: false } },
      });
    });
    expect(at(s.get('ScaledObject', 'worker'), 'spec.scaleTargetRef')).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'worker' });
    expect(specOf(s.get('Rollout', 'worker'))).not.toHaveProperty('replicas');
  });

  test('a surge of 3 pods asks the quota for the 2 pods more than a rolling update needs', () => {
    const podsAtFullScale = (maxSurge?: number) => {
      const platform = platformFor(selfHostedProd());
      return new AgentMicroservice(platform, NAME, { image: IMAGE, rollout: maxSurge === undefined ? undefined : { maxSurge } }).quotaDemand().pods;
    };
    expect(podsAtFullScale(1)).toBe(podsAtFullScale());
    expect(podsAtFullScale(3)).toBe(podsAtFullScale() + 2);
  });

  test('operator mode: the analysis queries the Prometheus Operator\'s prometheus-operated Service in the monitoring namespace', () => {
    const s = synthCanary({}, {}, operatorProd());
    const metrics = at(s.get('AnalysisTemplate', `${NAME}-canary`), 'spec.metrics') as { provider: { prometheus: { address: string } } }[];
    expect(metrics.length).toBeGreaterThan(0);
    expect(new Set(metrics.map((m) => m.provider.prometheus.address))).toEqual(new Set(['http://prometheus-operated.monitoring.svc.cluster.local:9090']));
  });

  test('an explicit Prometheus URL wins, and the self-hosted Prometheus then admits nobody new', () => {
    const s = synthCanary({ analysis: { prometheusUrl: 'https://prometheus.example.com' } });
    const metrics = at(s.get('AnalysisTemplate', `${NAME}-canary`), 'spec.metrics') as { provider: { prometheus: { address: string } } }[];
    expect(new Set(metrics.map((m) => m.provider.prometheus.address))).toEqual(new Set(['https://prometheus.example.com']));
    expect(JSON.stringify(at(s.get('NetworkPolicy', 'prometheus'), 'spec.ingress'))).not.toContain('argo-rollouts');
  });

  test('the self-hosted Prometheus admits the Argo Rollouts controller on 9090, from the namespace the options name', () => {
    const s = synthCanary({ analysis: { controllerNamespace: 'rollouts' } });
    expect(at(s.get('NetworkPolicy', 'prometheus'), 'spec.ingress')).toContainEqual(expect.objectContaining({
      from: expect.arrayContaining([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'rollouts' } } }]),
      ports: [{ port: 9090, protocol: 'TCP' }],
    }));
    const without = synth((p) => {
      new AgentMicroservice(p, NAME, { image: IMAGE });
      new ObservabilityStack(p, 'observability');
    }, selfHostedProd());
    expect(JSON.stringify(at(without.get('NetworkPolicy', 'prometheus'), 'spec.ingress'))).not.toContain('namespaceSelector');
  });

  test('the analysis follows the alert thresholds of the stack', () => {
    const s = synth((p) => {
      new AgentMicroservice(p, NAME, { image: IMAGE, rollout: {} });
      new ObservabilityStack(p, 'observability', { alerts: { errorRatio: 0.02, latencyP95Seconds: 1.5 } });
    }, selfHostedProd());
    const conditions = (at(s.get('AnalysisTemplate', `${NAME}-canary`), 'spec.metrics') as { name: string; successCondition: string }[]).map((m) => `${m.name}: ${m.successCondition}`);
    expect(conditions).toEqual(['error-rate: result[0] <= 0.02', 'p95-latency: result[0] <= 1.5', 'restarts: result[0] == 0', 'oom-kills: result[0] == 0']);
  });
});

describe('chart values drive the Rollout', () => {
  test('without an autoscaler the replicas value is bound to the Rollout, and documented as such', () => {
    const [env] = renderApps([{
      name: 'canary', environments: [Environments.dev({ namespace: NS })], build: (p) => {
        new AgentMicroservice(p, NAME, { image: IMAGE, rollout: { analysis: { enabled: false } } });
      },
    }]);
    const files = new HelmChartWriter({ version: '0.1.0' }).chartFiles(env);
    expect(files.get(`templates/${NAME}.yaml`)).toContain('replicas: {{ .Values.supportAgent.replicas }}');
    expect(files.get('README.md')).toContain('| `supportAgent.replicas` | `1` | Replicas of the Rollout |');
    expect(files.get('templates/zz-value-checks.yaml')).toContain('(add (int .Values.supportAgent.replicas) 1)');
  });
});

describe('refusals', () => {
  test('maxSurge and maxUnavailable both 0', () => {
    expect(problemsOf((p) => {
      new AgentMicroservice(p, NAME, { image: IMAGE, rollout: { maxSurge: 0, analysis: { enabled: false } } });
    })).toEqual([`${PATH} rollout.maxSurge: and rollout.maxUnavailable are both 0: no canary pod could ever start. Allow one extra pod (maxSurge: 1) or one pod less (maxUnavailable: 1)`]);
  });

  test('a GPU pool whose canary would need a spare GPU is refused, with the reason and the fix', () => {
    const problems = problemsOf((p) => {
      new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', gpus: { count: 2 }, rollout: { analysis: { enabled: false } } });
    });
    expect(problems).toEqual([
      '[test/llm/Server] rollout.maxSurge: a canary pod of this pool starts beside the stable ones and needs 2 nvidia.com/gpu of its own, which a cluster of GPU nodes rarely keeps spare: the step would wait for a GPU forever. Set rollout.maxSurge: 0 and maxUnavailable: 1 (each canary pod replaces a stable one; the pool serves with one replica less during the steps), or remove rollout (got 1)',
    ]);
  });

  test('a GPU pool whose canary replaces stable pods (maxSurge 0) needs no spare GPU and is accepted', () => {
    const s = synth((p) => {
      new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', rollout: { maxSurge: 0, maxUnavailable: 1, analysis: { enabled: false } } });
    });
    expect(at(s.get('Rollout', 'llm'), 'spec.strategy.canary.maxSurge')).toBe(0);
  });

  test('a GPU pool on its CPU fallback (dev) needs no GPU at all: any canary is accepted', () => {
    const s = synth((p) => {
      new GpuInferencePool(p, 'llm', {
        model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }), rollout: { analysis: { enabled: false } },
      });
    }, Environments.dev({ namespace: NS }));
    expect(at(s.get('Rollout', 'llm'), 'spec.strategy.canary.maxSurge')).toBe(1);
  });

  test('analysis of a tool that serves no metrics (a stdio bridge)', () => {
    expect(problemsOf((p) => {
      new McpToolService(p, 'files', { image: 'ghcr.io/acme/files:1.0.0', stdioBridge: { command: ['node', 'index.js'] }, rollout: {} });
      new ObservabilityStack(p, 'observability');
    }, selfHostedProd())).toEqual([
      '[test/files] rollout.analysis: the workload serves no request metrics (error rate, latency) for the analysis to judge a canary by (metrics disabled, or a stdio bridge): enable metrics, or set rollout.analysis.enabled: false to step by time (rollout.pauseSeconds)',
    ]);
  });

  test('analysis in an environment without observability', () => {
    expect(problemsOf((p) => {
      new AgentMicroservice(p, NAME, { image: IMAGE, rollout: {} });
    }, Environments.prod({ namespace: NS }))).toEqual([
      `${PATH} rollout.analysis.prometheusUrl: environment "prod" has no observability (mode "none"), so there is no Prometheus to measure the canary: set observability.mode to "self-hosted" or "operator", give rollout.analysis.prometheusUrl, or set rollout.analysis.enabled: false`,
    ]);
  });

  test('analysis against a self-hosted Prometheus the app does not create', () => {
    expect(problemsOf((p) => {
      new AgentMicroservice(p, NAME, { image: IMAGE, rollout: {} });
    }, selfHostedProd())).toEqual([
      `${PATH} rollout.analysis.prometheusUrl: environment "prod" runs a self-hosted Prometheus, but the app has no ObservabilityStack to run it: create one (last, it walks the app), give rollout.analysis.prometheusUrl, or set rollout.analysis.enabled: false`,
    ]);
  });

  test('analysis outside an AgentPlatform (a plain cdk8s Chart)', () => {
    const chart = new Chart(Testing.app(), 'plain', { namespace: NS });
    new AgentMicroservice(chart, NAME, { image: IMAGE, rollout: {} });
    expect(() => Testing.synth(chart)).toThrow(`rollout.analysis: the canary analysis is built by an AgentPlatform (it needs the environment's Prometheus and the generated alerts): create the workload in an AgentPlatform, or set rollout.analysis.enabled: false`);
  });

  test('bad options: one line each, with the value and what is allowed', () => {
    expect(problemsOf((p) => {
      new AgentMicroservice(p, NAME, {
        image: IMAGE,
        rollout: { steps: [50, 20, 100], analysis: { prometheusUrl: 'prometheus:9090', intervalSeconds: 5 }, scaleDown: 'sometimes' as DeploymentScaleDown },
      });
    })).toEqual([
      `${PATH} rollout.steps[2]: must be a whole percentage between 1 and 99 (the Rollout goes to 100% after the last step) (got 100)`,
      `${PATH} rollout.steps: must increase from one step to the next, e.g. [20, 50] (got [50,20,100])`,
      `${PATH} rollout.analysis.prometheusUrl: must be an http(s) URL of a Prometheus, e.g. "http://prometheus-operated.monitoring.svc.cluster.local:9090" (got "prometheus:9090")`,
      `${PATH} rollout.analysis.intervalSeconds: must be at least 10 seconds (Prometheus scrapes every 30 s by default) (got 5)`,
      `${PATH} rollout.scaleDown: must be one of "never", "onsuccess", "progressively" (got "sometimes")`,
    ]);
  });

  test('property: the steps are accepted exactly when they increase strictly between 1 and 99', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -5, max: 110 }), { minLength: 1, maxLength: 6 }), (steps) => {
      const valid = steps.every((w, i) => w >= 1 && w <= 99 && (i === 0 || w > steps[i - 1]));
      expect(rolloutOptionsSchema.safeParse({ steps }).success).toBe(valid);
    }), { seed: 1414, numRuns: 300 });
  });
});

describe('a plain app.synth() also carries the Rollout and the waves', () => {
  test('AgentPlatform.toJson annotates the objects', () => {
    const app = new App({ outdir: '.' });
    const platform = new AgentPlatform(app, 'plain', { environment: Environments.prod({ namespace: NS, observability: { mode: ObservabilityMode.OPERATOR } }) });
    new AgentMicroservice(platform, NAME, { image: IMAGE, rollout: {} });
    const objects = platform.toJson() as { kind: string; metadata: { annotations?: Record<string, string> } }[];
    expect(objects.find((o) => o.kind === 'Rollout')?.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '4' });
    expect(objects.every((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).toBe(true);
  });
});
