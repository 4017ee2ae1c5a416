import * as yaml from 'yaml';
import { type AlertGroup, type AlertRule, AlertSeverity, ObservabilityStack, renderApps } from '../../lib';
import { knownMetrics } from '../../lib/observability/catalog';
import { emm } from '../../apps/emm';
import { at } from '../helpers/synth';
import { configFile, operator, selfHosted, synthSample } from './helpers';
import { checkPromql, promqlProblems } from './promql-checker';

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

  test('the series the rules read, written out: the contract of each kind, the cluster sources, nothing else', () => {
    const read = new Set(rules.flatMap((r) => checkPromql(r.expr).metrics));
    expect([...read].sort()).toEqual([
      'DCGM_FI_DEV_GPU_UTIL',
      'http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_count',
      'kube_pod_container_status_last_terminated_reason', 'kube_pod_container_status_restarts_total',
      'mcp_server_operation_duration_seconds_bucket', 'mcp_server_operation_duration_seconds_count',
      'redis_connected_slave_lag_seconds', 'redis_instance_info', 'redis_master_link_up', 'redis_memory_max_bytes', 'redis_memory_used_bytes',
      'up',
      'vllm:e2e_request_latency_seconds_bucket', 'vllm:kv_cache_usage_perc', 'vllm:num_requests_waiting',
    ]);
  });

  test('the alert names and groups, written out', () => {
    expect(app.stack.alertGroups().map((g) => [g.name, g.rules.map((r) => r.alert)])).toEqual([
      ['test.services', ['ServiceHighErrorRate', 'ServiceHighLatency', 'ScrapeTargetDown']],
      ['test.pods', ['PodRestarting', 'ContainerOOMKilled']],
      ['test.queues', ['LLMRequestsQueued']],
      ['test.llm', ['GPUSaturated', 'LLMKVCacheFull']],
      ['test.redis', ['RedisMemoryNearMax', 'RedisFailover', 'RedisReplicationLag', 'RedisReplicaLinkDown']],
    ]);
  });

  test('error rate above 5% (critical) and p95 above 2 s (warning): one rule per alert name, each family of metric names a branch of it', () => {
    // THEN one rule each: two rules with the same name and labels would be duplicates (promtool reports them)
    expect(byAlert('ServiceHighErrorRate')).toHaveLength(1);
    expect(byAlert('ServiceHighLatency')).toHaveLength(1);
    // AND the error rate reads the MCP tool's OpenTelemetry MCP series and the agent's OpenTelemetry HTTP series
    expect(byAlert('ServiceHighErrorRate')[0].expr).toBe([
      '(sum by (namespace, workload) (rate(mcp_server_operation_duration_seconds_count{namespace="agents", workload="search-tool", error_type=~".+"}[5m]))',
      ' / sum by (namespace, workload) (rate(mcp_server_operation_duration_seconds_count{namespace="agents", workload="search-tool"}[5m])) > 0.05)',
      ' or (sum by (namespace, workload) (rate(http_server_request_duration_seconds_count{namespace="agents", workload="support-agent", http_response_status_code=~"5.."}[5m]))',
      ' / sum by (namespace, workload) (rate(http_server_request_duration_seconds_count{namespace="agents", workload="support-agent"}[5m])) > 0.05)',
    ].join(''));
    expect(byAlert('ServiceHighErrorRate')[0].labels).toEqual({ severity: 'critical' });
    // AND the latency covers the tool, the model server and the agent, not the worker (it serves no requests)
    expect(byAlert('ServiceHighLatency')[0].expr).toBe([
      '(histogram_quantile(0.95, sum by (namespace, workload, le) (rate(mcp_server_operation_duration_seconds_bucket{namespace="agents", workload="search-tool"}[5m]))) > 2)',
      ' or (histogram_quantile(0.95, sum by (namespace, workload, le) (rate(vllm:e2e_request_latency_seconds_bucket{namespace="agents", workload="llm"}[5m]))) > 2)',
      ' or (histogram_quantile(0.95, sum by (namespace, workload, le) (rate(http_server_request_duration_seconds_bucket{namespace="agents", workload="support-agent"}[5m]))) > 2)',
    ].join(''));
    expect(byAlert('ServiceHighLatency')[0].labels).toEqual({ severity: 'warning' });
  });

  test('no two rules share a name and labels (promtool\'s duplicate-rules lint)', () => {
    const keys = rules.map((r) => `${r.alert} ${JSON.stringify(r.labels)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('crash loops and OOMKills of any container of the namespace', () => {
    expect(byAlert('PodRestarting')[0].expr).toBe('sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{namespace="agents"}[15m])) > 2');
    expect(byAlert('ContainerOOMKilled')[0].expr).toBe('(sum by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{namespace="agents", reason="OOMKilled"}) > 0) and on (namespace, pod, container) (sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{namespace="agents"}[15m])) > 0)');
  });

  test('scrape failures of every scraped workload, written out', () => {
    expect(byAlert('ScrapeTargetDown').map((r) => r.expr)).toEqual(['up{namespace="agents", workload=~"cache|cache-proxy|queue|queue-proxy|search-tool|llm|support-agent|worker|tempo|alertmanager|kube-state-metrics|prometheus|otel-collector|grafana"} == 0']);
  });

  test('queue lag for workloads whose signals declare a queue depth (vLLM), GPU saturation and KV cache for model servers', () => {
    expect(byAlert('LLMRequestsQueued').map((r) => r.expr)).toEqual(['max by (namespace, workload) (vllm:num_requests_waiting{namespace="agents", workload="llm"}) > 10']);
    expect(byAlert('GPUSaturated').map((r) => r.expr)).toEqual(['avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{namespace="agents", pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) > 95']);
    expect(byAlert('LLMKVCacheFull').map((r) => r.expr)).toEqual(['max by (namespace, workload) (vllm:kv_cache_usage_perc{namespace="agents", workload="llm"}) > 0.95']);
    // AND no queue lag alert: the worker here is not scaled by KEDA on a list
    expect(byAlert('WorkerQueueLag')).toEqual([]);
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
  expect(rules.find((r) => r.alert === 'ServiceHighErrorRate')?.expr).toMatch(/> 0\.02\)$/);
  expect(rules.find((r) => r.alert === 'ServiceHighErrorRate')?.annotations.description).toContain('More than 2% of the requests');
  expect(rules.find((r) => r.alert === 'ServiceHighLatency')?.expr).toMatch(/> 1\.5\)$/);
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
