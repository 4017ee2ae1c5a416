import {
  AgentMicroservice, AgentMode, type AlertRule, GpuInferencePool, InferenceFallback, ObservabilityMode, ObservabilityStack, QueueTrigger, RedisCacheStatefulSet, RedisUsage, renderApps,
} from '../../lib';
import { supportCopilot } from '../../apps/support-copilot';
import { at, problemsOf, synth, Synthesized } from '../helpers/synth';
import { envWith, operator, selfHosted } from './helpers';

// The queue lag alert of a KEDA worker on a Redis list (redis_exporter told to read the list's
// length), and the GPU saturation alert on MIG slices (the profiling metric).

const rulesOf = (stack: ObservabilityStack | undefined): AlertRule[] => (stack?.alertGroups() ?? []).flatMap((g) => g.rules);
const exporterEnv = (s: Synthesized, redis: string) => {
  const containers = at(s.get('StatefulSet', redis), 'spec.template.spec.containers') as { name: string; env?: { name: string; value?: string }[] }[];
  return Object.fromEntries((containers.find((c) => c.name === 'exporter')?.env ?? []).map((e) => [e.name, e.value]));
};

describe('a KEDA worker on Redis lists', () => {
  let stack: ObservabilityStack | undefined;
  const s = synth((p) => {
    const queue = new RedisCacheStatefulSet(p, 'queue', { usage: RedisUsage.QUEUE });
    new AgentMicroservice(p, 'worker', {
      image: 'worker:1.0.0', mode: AgentMode.WORKER, cache: queue, healthCheck: { command: ['/bin/worker', 'healthcheck'] },
      queueScaling: { triggers: [QueueTrigger.redisList(queue, { listName: 'tasks', listLength: 5 }), QueueTrigger.redisList(queue, { listName: 'retry,later', databaseIndex: 3 })], maxReplicas: 20 },
    });
    stack = new ObservabilityStack(p, 'obs');
  }, operator());

  test('redis_exporter reads the lengths: REDIS_EXPORTER_CHECK_SINGLE_KEYS, db<index>=<list> joined by ",", names URL-encoded', () => {
    expect(exporterEnv(s, 'queue').REDIS_EXPORTER_CHECK_SINGLE_KEYS).toBe('db0=tasks,db3=retry%2Clater');
  });

  test('one WorkerQueueLag rule for the worker: a list longer than 5 items x 20 replicas (and 5 x 20 for the default length) for 10 minutes', () => {
    const lag = rulesOf(stack).filter((r) => r.alert === 'WorkerQueueLag');
    expect(lag).toHaveLength(1);
    expect(lag[0].expr).toBe([
      '(max by (namespace, workload, db, key) (redis_key_size{namespace="agents", workload="queue", db="db0", key="tasks"}) > 100)',
      ' or (max by (namespace, workload, db, key) (redis_key_size{namespace="agents", workload="queue", db="db3", key="retry,later"}) > 100)',
    ].join(''));
    expect(lag[0].for).toBe('10m');
    expect(lag[0].labels).toEqual({ severity: 'warning', consumer: 'worker' });
    expect(lag[0].annotations.summary).toBe('{{ $labels.workload }}: {{ $value | humanize }} items wait for worker');
  });

  test('the Redis dashboard shows the queue lengths', () => {
    const redis = JSON.parse((at(s.get('ConfigMap', 'test-dashboards'), 'data') as Record<string, string>)['redis.json']) as { panels: { title: string; targets?: { expr: string }[] }[] };
    expect(redis.panels.find((p) => p.title === 'Queue length (items)')?.targets?.map((t) => t.expr)).toEqual(['max by (workload, db, key) (redis_key_size{namespace="agents", workload="queue"})']);
  });
});

test('support-copilot prod: the worker\'s queue has its lag alert; dev and staging have no KEDA and no stack', () => {
  const rendered = renderApps([supportCopilot]);
  for (const env of rendered) {
    const s = new Synthesized(env.objects);
    // the exporter reads the list in every environment (the dashboards show it wherever there is one)
    expect(exporterEnv(s, 'task-queue').REDIS_EXPORTER_CHECK_SINGLE_KEYS).toBe('db0=support-tasks');
  }
  const prod = new Synthesized(rendered[2].objects);
  const rule = at(prod.get('PrometheusRule', 'support-copilot-alerts'), 'spec.groups') as { rules: AlertRule[] }[];
  const lag = rule.flatMap((g) => g.rules).filter((r) => r.alert === 'WorkerQueueLag');
  expect(lag.map((r) => [r.expr, r.labels])).toEqual([[
    'max by (namespace, workload, db, key) (redis_key_size{namespace="support-copilot", workload="task-queue", db="db0", key="support-tasks"}) > 100',
    { severity: 'warning', consumer: 'copilot-worker' },
  ]]);
});

test('without the exporter there is nothing to read: no lag alert, no variable', () => {
  let stack: ObservabilityStack | undefined;
  const s = synth((p) => {
    const queue = new RedisCacheStatefulSet(p, 'queue', { usage: RedisUsage.QUEUE, exporter: false });
    new AgentMicroservice(p, 'worker', { image: 'worker:1.0.0', mode: AgentMode.WORKER, cache: queue, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, queueScaling: { triggers: [QueueTrigger.redisList(queue, { listName: 'tasks' })] } });
    stack = new ObservabilityStack(p, 'obs');
  }, selfHosted());
  expect(rulesOf(stack).map((r) => r.alert)).not.toContain('WorkerQueueLag');
  // redis and its Sentinel (replicated in prod), no exporter
  expect((at(s.get('StatefulSet', 'queue'), 'spec.template.spec.containers') as { name: string }[]).map((c) => c.name)).toEqual(['redis', 'sentinel']);
});

test('watchList refuses an empty name and a negative database index', () => {
  const problems = problemsOf((p) => {
    const cache = new RedisCacheStatefulSet(p, 'cache');
    cache.watchList('');
    cache.watchList('tasks', -1);
  });
  expect(problems).toEqual([
    '[test/cache] watchList: must name a Redis list, e.g. "tasks" (got "")',
    '[test/cache] watchList: the database index must be an integer of 0 or more (got -1)',
  ]);
});

describe('GPU saturation', () => {
  const gpuRule = (resource: string | undefined): AlertRule | undefined => {
    let stack: ObservabilityStack | undefined;
    synth((p) => {
      new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', ...(resource ? { gpus: { resource } } : {}) });
      stack = new ObservabilityStack(p, 'obs');
    }, selfHosted());
    return rulesOf(stack).find((r) => r.alert === 'GPUSaturated');
  };

  test('whole GPUs: DCGM_FI_DEV_GPU_UTIL in percent', () => {
    expect(gpuRule(undefined)?.expr).toBe('avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{namespace="agents", pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) > 95');
  });

  test('MIG slices: DCGM_FI_PROF_GR_ENGINE_ACTIVE (0..1), which DCGM reports for them, scaled to percent', () => {
    expect(gpuRule('nvidia.com/mig-1g.10gb')?.expr).toBe('avg by (namespace, pod) (DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="agents", pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) * 100 > 95');
  });

  test('the CPU fallback has no GPU: no GPU alert', () => {
    let stack: ObservabilityStack | undefined;
    synth((p) => {
      new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct@7ae557604adf67be50417f59c2c2f167def9a775' }) });
      stack = new ObservabilityStack(p, 'obs');
    }, envWith(ObservabilityMode.SELF_HOSTED, { gpu: { available: false } }));
    expect(rulesOf(stack).map((r) => r.alert)).not.toContain('GPUSaturated');
    expect(rulesOf(stack).map((r) => r.alert)).toContain('LLMKVCacheFull');
  });
});
