import {
  AgentMicroservice, type CustomVariable, GpuInferencePool, type GrafanaDashboard, InferenceFallback, ObservabilityMode, ObservabilityStack, type Panel, type RowPanel, type TimeseriesPanel,
} from '../../lib';
import { knownMetrics } from '../../lib/observability/catalog';
import { at, synth } from '../helpers/synth';
import { configFile, envWith, operator, selfHosted, synthSample } from './helpers';
import { checkPromql, promqlProblems } from './promql-checker';

// Dashboards as Grafana JSON generated from code: one per concern, only for the kinds of workload
// the app has, every query checked like the alert rules.

const { app, s } = synthSample(selfHosted());
const files = at(s.get('ConfigMap', app.stack.dashboardsConfigMapName), 'data') as Record<string, string>;
const parsed = Object.fromEntries(Object.entries(files).map(([file, text]) => [file, JSON.parse(text) as GrafanaDashboard]));
const timeseries = (d: GrafanaDashboard) => d.panels.filter((p): p is TimeseriesPanel => p.type === 'timeseries');
const titles = (d: GrafanaDashboard) => timeseries(d).map((p) => p.title);

test('one dashboard per concern present: services, LLM, Redis, MCP tools', () => {
  expect(Object.keys(files).sort()).toEqual(['llm.json', 'redis.json', 'services.json', 'tools.json']);
  expect([...app.stack.dashboards().keys()].sort()).toEqual(Object.keys(files).sort());
});

describe.each(Object.keys(parsed).map((file) => [file, parsed[file]] as const))('%s', (_file, dashboard) => {
  test('valid dashboard JSON: uid, schema, unique panel ids, panels inside the grid and not overlapping', () => {
    expect(dashboard.uid.length).toBeLessThanOrEqual(40);
    expect(dashboard.schemaVersion).toBe(39);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels as Panel[]) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`)).toBe(false);
          cells.add(`${i},${j}`);
        }
      }
    }
  });

  test('every query parses and reads only series the workloads serve or the cluster catalog lists', () => {
    const known = knownMetrics(app.stack.observedWorkloads());
    for (const panel of timeseries(dashboard)) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect({ panel: panel.title, expr: target.expr, problems: promqlProblems(target.expr, known) }).toEqual({ panel: panel.title, expr: target.expr, problems: [] });
        expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });
});

test('services: per workload, request rate, error rate and p50/p95/p99 latency when it serves requests, then CPU, memory, restarts and OOMKills', () => {
  const services = parsed['services.json'];
  const variables = services.templating.list.filter((v): v is CustomVariable => v.type === 'custom');
  const valuesOf = (name: string) => variables.find((v) => v.name === name)?.options.filter((o) => o.value !== '$__all').map((o) => [o.text, o.value]);
  // GIVEN one variable per family of request signals, and one over every workload with its pod names
  expect(variables.map((v) => v.name)).toEqual(['requests1', 'requests2', 'requests3', 'workload']);
  // THEN the families are the MCP tool (MCP conventions), the model server (a latency histogram
  // only) and the agent API (HTTP conventions); the queue worker serves no requests
  expect(valuesOf('requests1')).toEqual([['search-tool', 'search-tool']]);
  expect(valuesOf('requests2')).toEqual([['llm', 'llm']]);
  expect(valuesOf('requests3')).toEqual([['support-agent', 'support-agent']]);
  // AND the workload variable holds every workload with the regular expression of its pod names
  expect(valuesOf('workload')).toEqual([
    // the weights download Job's pods are named after the Job, whose name carries the model revision
    // each replicated Redis and its HAProxy
    ['cache', 'cache-[0-9]+'], ['cache-proxy', 'cache-proxy-[a-z0-9]+-[a-z0-9]+'], ['queue', 'queue-[0-9]+'], ['queue-proxy', 'queue-proxy-[a-z0-9]+-[a-z0-9]+'],
    ['search-tool', 'search-tool-[a-z0-9]+-[a-z0-9]+'],
    ['llm-weights', 'llm-weights-0e9e39f2-75b2bd-[a-z0-9]+'], ['llm', 'llm-[a-z0-9]+-[a-z0-9]+'],
    ['support-agent', 'support-agent-[a-z0-9]+-[a-z0-9]+'], ['worker', 'worker-[a-z0-9]+-[a-z0-9]+'], ['reindex', 'reindex-[0-9]+-[a-z0-9]+'],
    ['tempo', 'tempo-[0-9]+'], ['alertmanager', 'alertmanager-[0-9]+'], ['kube-state-metrics', 'kube-state-metrics-[a-z0-9]+-[a-z0-9]+'],
    ['prometheus', 'prometheus-[0-9]+'], ['otel-collector', 'otel-collector-[a-z0-9]+-[a-z0-9]+'], ['grafana', 'grafana-[a-z0-9]+-[a-z0-9]+'],
  ]);
  // THEN the rows repeat per workload: traffic panels per family, resource panels for all
  const rows = services.panels.filter((p): p is RowPanel => p.type === 'row');
  expect(rows.map((r) => [r.title, r.repeat])).toEqual([
    ['$requests1: requests', 'requests1'], ['$requests2: requests', 'requests2'], ['$requests3: requests', 'requests3'],
    ['${workload:text}: CPU, memory, restarts', 'workload'],
  ]);
  expect(titles(services)).toEqual([
    'Request rate', 'Error rate', 'Latency p50 / p95 / p99', // MCP tools
    'Latency p50 / p95 / p99', // vLLM: a latency histogram, no request counter with an error label
    'Request rate', 'Error rate', 'Latency p50 / p95 / p99', // HTTP services
    'CPU (cores)', 'Memory (working set)', 'Restarts and OOMKills',
  ]);
  const latency = timeseries(services).find((p) => p.title.startsWith('Latency'));
  expect(latency?.targets.map((t) => t.legendFormat)).toEqual(['{{workload}} p50', '{{workload}} p95', '{{workload}} p99']);
  // AND the queries, written out: OpenTelemetry HTTP names for the agent, MCP names for the tool
  const exprs = (title: string, at: number) => timeseries(services).filter((p) => p.title === title)[at].targets.map((t) => t.expr);
  expect(exprs('Request rate', 1)).toEqual(['sum by (workload) (rate(http_server_request_duration_seconds_count{namespace="agents", workload=~"$requests3"}[5m]))']);
  // (a workload that never failed has no error series yet: `or ... * 0` reads 0 instead of no data)
  const all = (metric: string, variable: string) => `sum by (workload) (rate(${metric}{namespace="agents", workload=~"$${variable}"}[5m]))`;
  expect(exprs('Error rate', 1)).toEqual([
    `(sum by (workload) (rate(http_server_request_duration_seconds_count{namespace="agents", workload=~"$requests3", http_response_status_code=~"5.."}[5m])) or ${all('http_server_request_duration_seconds_count', 'requests3')} * 0) / ${all('http_server_request_duration_seconds_count', 'requests3')}`,
  ]);
  expect(exprs('Error rate', 0)).toEqual([
    `(sum by (workload) (rate(mcp_server_operation_duration_seconds_count{namespace="agents", workload=~"$requests1", error_type=~".+"}[5m])) or ${all('mcp_server_operation_duration_seconds_count', 'requests1')} * 0) / ${all('mcp_server_operation_duration_seconds_count', 'requests1')}`,
  ]);
  // AND the pod patterns join with "|" for All (`:pipe`); `:raw` would join them with commas and match nothing
  expect(exprs('CPU (cores)', 0)).toEqual(['sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="agents", pod=~"${workload:pipe}", container!="", container!="POD"}[5m]))']);
  expect(JSON.stringify(services)).not.toContain(':raw}');
});

test('the services dashboard stays small however many workloads the app has (a ConfigMap holds 1 MiB)', () => {
  const big = synth((p) => {
    for (let i = 0; i < 300; i++) {
      new AgentMicroservice(p, `agent-${i}`, { image: 'agent:1.0.0' });
    }
    new ObservabilityStack(p, 'obs');
  }, selfHosted());
  const data = at(big.get('ConfigMap', 'test-dashboards'), 'data') as Record<string, string>;
  expect(Buffer.byteLength(Object.values(data).join(''))).toBeLessThan(256 * 1024);
});

test('LLM: tokens per second, time to first token, queue depth, KV cache and GPU utilization', () => {
  expect(titles(parsed['llm.json'])).toEqual(['Tokens per second', 'Time to first token', 'End-to-end latency p95', 'Queue depth (requests)', 'KV-cache use', 'GPU utilization', 'GPU memory used']);
  const gpu = timeseries(parsed['llm.json']).find((p) => p.title === 'GPU utilization');
  expect(gpu?.targets.map((t) => t.expr)).toEqual(['avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace="agents", pod=~"llm-[a-z0-9]+-[a-z0-9]+"})']);
});

test('LLM on MIG slices: GPU utilization from the profiling metric DCGM_FI_PROF_GR_ENGINE_ACTIVE (0..1) in percent, since DCGM reports no GPU_UTIL for MIG', () => {
  const mig = synth((p) => {
    new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', gpus: { resource: 'nvidia.com/mig-3g.40gb' } });
    new ObservabilityStack(p, 'obs');
  }, selfHosted());
  const llm = JSON.parse((at(mig.get('ConfigMap', 'test-dashboards'), 'data') as Record<string, string>)['llm.json']) as GrafanaDashboard;
  const gpu = timeseries(llm).find((p) => p.title === 'GPU utilization');
  expect(gpu?.targets.map((t) => t.expr)).toEqual(['avg by (pod) (DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="agents", pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) * 100']);
});

test('LLM on CPU (the development fallback): no GPU panels', () => {
  const cpu = synth((p) => {
    new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct@7ae557604adf67be50417f59c2c2f167def9a775' }) });
    new ObservabilityStack(p, 'obs');
  }, envWith(ObservabilityMode.SELF_HOSTED, { gpu: { available: false } }));
  const llm = JSON.parse((at(cpu.get('ConfigMap', 'test-dashboards'), 'data') as Record<string, string>)['llm.json']) as GrafanaDashboard;
  expect(titles(llm)).not.toContain('GPU utilization');
  expect(titles(llm)).not.toContain('GPU memory used');
});

test('Redis: memory against maxmemory, hit ratio, evictions, and the replication of the replicated caches (no queue length: nothing watches a list here)', () => {
  expect(titles(parsed['redis.json'])).toEqual(['Memory used and maxmemory', 'Evictions', 'Hit ratio', 'Connected clients', 'Commands per second', 'Master (1) per pod', 'Replica acknowledgement lag']);
  const hitRatio = timeseries(parsed['redis.json']).find((p) => p.title === 'Hit ratio');
  expect(hitRatio?.targets[0].expr).toContain('redis_keyspace_misses_total');
});

test('MCP tools: call rate and error rate per tool', () => {
  const tools = timeseries(parsed['tools.json']);
  expect(tools.map((p) => p.title)).toEqual(['Tool-call rate per tool', 'Error rate per tool', 'Tool-call latency p95 per tool']);
  // OpenTelemetry's MCP conventions: error.type is set on failed operations only
  const calls = 'sum by (workload) (rate(mcp_server_operation_duration_seconds_count{namespace="agents", workload="search-tool"}[5m]))';
  expect(tools[1].targets[0].expr).toBe(`(sum by (workload) (rate(mcp_server_operation_duration_seconds_count{namespace="agents", workload="search-tool", error_type=~".+"}[5m])) or ${calls} * 0) / ${calls}`);
  expect(tools[0].targets[0].legendFormat).toBe('{{workload}}');
});

test('the series the dashboards read, written out: the contract of each kind and the cluster sources', () => {
  const read = new Set(Object.values(parsed).flatMap((d) => timeseries(d).flatMap((p) => p.targets.flatMap((t) => checkPromql(t.expr.replace(/\$\{?[a-z0-9_:]+\}?/g, 'x')).metrics))));
  expect([...read].sort()).toEqual([
    'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_GPU_UTIL',
    'container_cpu_usage_seconds_total', 'container_memory_working_set_bytes',
    'http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_count',
    'kube_pod_container_status_last_terminated_reason', 'kube_pod_container_status_restarts_total',
    'mcp_server_operation_duration_seconds_bucket', 'mcp_server_operation_duration_seconds_count',
    'redis_commands_processed_total', 'redis_connected_clients', 'redis_connected_slave_lag_seconds', 'redis_evicted_keys_total', 'redis_instance_info',
    'redis_keyspace_hits_total', 'redis_keyspace_misses_total', 'redis_memory_max_bytes', 'redis_memory_used_bytes',
    'vllm:e2e_request_latency_seconds_bucket', 'vllm:generation_tokens_total', 'vllm:kv_cache_usage_perc', 'vllm:num_requests_running',
    'vllm:num_requests_waiting', 'vllm:prompt_tokens_total', 'vllm:time_to_first_token_seconds_bucket',
  ]);
});

test('the legends stay literal Grafana templates in the ConfigMap', () => {
  expect(files['services.json']).toContain('"legendFormat": "{{pod}}"');
});

test('an app of agents only gets the services dashboard', () => {
  const agentsOnly = synth((p) => {
    new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
    new ObservabilityStack(p, 'obs');
  }, selfHosted());
  expect(Object.keys(at(agentsOnly.get('ConfigMap', 'test-dashboards'), 'data') as object)).toEqual(['services.json']);
});

test('operator mode: the same dashboards in a ConfigMap for the Grafana sidecar', () => {
  const op = synthSample(operator()).s;
  const configMap = op.get('ConfigMap', 'test-dashboards');
  expect(configMap.metadata.labels).toEqual(expect.objectContaining({ grafana_dashboard: '1' }));
  expect(configMap.metadata.annotations).toEqual({ grafana_folder: 'test', 'argocd.argoproj.io/sync-wave': '6' });
  // the stack's own servers are not part of the app there; the LLM dashboard is the same
  expect(configFile(op, 'test-dashboards', 'llm.json')).toBe(files['llm.json']);
});
