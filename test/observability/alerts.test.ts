import * as yaml from 'yaml';
import { type AlertGroup, type AlertRule, AlertSeverity, ObservabilityStack, renderApps } from '../../lib';
import { knownMetrics } from '../../lib/observability/catalog';
import { emm } from '../../apps/emm';
import { at } from '../helpers/synth';
import { configFile, operator, selfHosted, synthSample } from './helpers';
import { promqlProblems } from './promql-checker';

// Alerts on what users feel, derived from each workload's signals: error rate and p95 latency per
// service, crash loops and OOMKills, queue backlogs (vLLM included), saturated GPUs and full KV
// caches, Redis near maxmemory. Every expression is checked for syntax and for naming only series
// that the wired workloads serve or the cluster catalog lists.

const rulesOf = (groups: readonly AlertGroup[]): AlertRule[] => groups.flatMap((g) => g.rules);

function expectSound(stack: ObservabilityStack): void {
  const known = knownMetrics(stack.observedWorkloads());
  const rules = rulesOf(stack.alertGroups());
  expect(rules.length).toBeGreaterThan(0);
  for (const rule of rules) {
    expect({ alert: rule.alert, expr: rule.expr, problems: promqlProblems(rule.expr, known) }).toEqual({ alert: rule.alert, expr: rule.expr, problems: [] });
    expect(rule.annotations.summary.length).toBeGreaterThan(0);
    expect(rule.annotations.runbook.length).toBeGreaterThan(0);
    expect(Object.values(AlertSeverity)).toContain(rule.labels.severity);
    expect(rule.for).toMatch(/^[0-9]+m$/);
  }
}

describe('the sample app (every kind of workload)', () => {
  const { app, s } = synthSample(selfHosted());
  const rules = rulesOf(app.stack.alertGroups());
  const byAlert = (alert: string) => rules.filter((r) => r.alert === alert);

  test('every expression parses and reads only known series; every alert has summary, runbook and severity', () => {
    expectSound(app.stack);
  });

  test('error rate above 5% (critical) and p95 above 2 s (warning) for every workload that serves requests', () => {
    const servingRequests = app.stack.observedWorkloads().filter((w) => w.signals().requests).map((w) => w.name);
    const covered = (alert: string) => byAlert(alert).flatMap((r) => servingRequests.filter((n) => new RegExp(`workload=~?"[^"]*\\b${n}\\b`).test(r.expr)));
    expect(covered('ServiceHighErrorRate').sort()).toEqual(servingRequests.sort());
    expect(byAlert('ServiceHighErrorRate').every((r) => r.expr.endsWith('> 0.05') && r.labels.severity === AlertSeverity.CRITICAL)).toBe(true);
    expect(byAlert('ServiceHighLatency').every((r) => r.expr.startsWith('histogram_quantile(0.95, ') && r.expr.endsWith('> 2'))).toBe(true);
    // the MCP tool's own signals and the agents' HTTP conventions are separate rules
    expect(byAlert('ServiceHighErrorRate').map((r) => /rate\(([a-z_]+)\{/.exec(r.expr)?.[1]).sort()).toEqual(['http_server_request_duration_seconds_count', 'mcp_requests_total']);
  });

  test('crash loops and OOMKills of any container of the namespace', () => {
    expect(byAlert('PodRestarting')[0].expr).toBe('sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{namespace="agents"}[15m])) > 2');
    expect(byAlert('ContainerOOMKilled')[0].expr).toContain('reason="OOMKilled"');
  });

  test('queue lag for workloads whose signals declare a queue depth (vLLM), GPU saturation and KV cache for model servers', () => {
    expect(byAlert('LLMRequestsQueued').map((r) => r.expr)).toEqual(['max by (namespace, workload) (vllm:num_requests_waiting{namespace="agents", workload="llm"}) > 10']);
    expect(byAlert('GPUSaturated')[0].expr).toBe('avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{namespace="agents", pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) > 95');
    expect(byAlert('LLMKVCacheFull')).toHaveLength(1);
  });

  test('Redis memory near maxmemory, for both Redis instances', () => {
    expect(byAlert('RedisMemoryNearMax').map((r) => r.expr)).toEqual([
      'max by (namespace, workload) (redis_memory_used_bytes{namespace="agents", workload=~"cache|queue"}) / (max by (namespace, workload) (redis_memory_max_bytes{namespace="agents", workload=~"cache|queue"}) > 0) > 0.9',
    ]);
  });

  test('the rule file mounted into Prometheus holds exactly these rules, templates literal', () => {
    const file = configFile(s, 'prometheus-rules', 'alerts.yaml');
    expect(yaml.parse(file).groups).toEqual(app.stack.alertGroups().map((g) => ({ name: g.name, rules: g.rules })));
    expect(file).toContain('{{ $labels.workload }}');
  });
});

test('thresholds and runbook URLs come from the props', () => {
  const { app } = synthSample(selfHosted(), () => ({ alerts: { errorRatio: 0.02, latencyP95Seconds: 1.5, redisMemoryRatio: 0.8, gpuUtilizationPercent: 90, restartsPer15m: 5, runbookBaseUrl: 'https://wiki.acme.io/runbooks' } }));
  const rules = rulesOf(app.stack.alertGroups());
  expect(rules.find((r) => r.alert === 'ServiceHighErrorRate')?.expr).toMatch(/> 0\.02$/);
  expect(rules.find((r) => r.alert === 'ServiceHighErrorRate')?.annotations.description).toContain('More than 2% of the requests');
  expect(rules.find((r) => r.alert === 'ServiceHighLatency')?.expr).toMatch(/> 1\.5$/);
  expect(rules.find((r) => r.alert === 'RedisMemoryNearMax')?.expr).toMatch(/> 0\.8$/);
  expect(rules.find((r) => r.alert === 'GPUSaturated')?.expr).toMatch(/> 90$/);
  expect(rules.find((r) => r.alert === 'PodRestarting')?.expr).toMatch(/> 5$/);
  expect(rules.every((r) => r.annotations.runbook_url === `https://wiki.acme.io/runbooks#${r.alert.toLowerCase()}`)).toBe(true);
});

test('operator mode: the same rules in a PrometheusRule selected by the cluster\'s Prometheus', () => {
  const { app, s } = synthSample(operator());
  expectSound(app.stack);
  const rule = s.get('PrometheusRule', 'test-alerts');
  expect(rule.metadata.labels).toEqual(expect.objectContaining({ release: 'kube-prometheus-stack' }));
  expect(at(rule, 'spec.groups')).toEqual(app.stack.alertGroups().map((g) => ({ name: g.name, rules: g.rules })));
});

describe.each(renderApps([emm]).map((env) => [env.environment, env] as const))('emm in %s', (_name, env) => {
  const stack = env.platform.node.findAll().find((c): c is ObservabilityStack => c instanceof ObservabilityStack);

  test('every rule is sound, and no LLM or GPU rule without a model server', () => {
    expect(stack).toBeDefined();
    if (stack) {
      expectSound(stack);
      expect(rulesOf(stack.alertGroups()).map((r) => r.alert)).not.toEqual(expect.arrayContaining(['GPUSaturated']));
    }
  });
});
