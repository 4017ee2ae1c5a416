import { AgentMicroservice, type CustomVariable, type GrafanaDashboard, knownMetrics, ObservabilityStack, type Panel, type RowPanel, type TimeseriesPanel } from '../../lib';
import { at, synth } from '../helpers/synth';
import { configFile, operator, selfHosted, synthSample } from './helpers';
import { promqlProblems } from './promql-checker';

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
  const serving = app.stack.observedWorkloads().filter((w) => w.signals().requests || w.signals().latencyBucket).map((w) => w.name);
  expect(['requests1', 'requests2', 'requests3'].flatMap((n) => valuesOf(n)?.map(([text]) => text) ?? []).sort()).toEqual(serving.sort());
  expect(valuesOf('workload')).toEqual(app.stack.observedApp().workloads.map((w) => [w.name, w.podPattern]));
  expect(valuesOf('workload')).toContainEqual(['cache', 'cache-[0-9]+']);
  // THEN the rows repeat per workload: traffic panels per family, resource panels for all
  const rows = services.panels.filter((p): p is RowPanel => p.type === 'row');
  expect(rows.map((r) => [r.title, r.repeat])).toEqual([
    ['$requests1: requests', 'requests1'], ['$requests2: requests', 'requests2'], ['$requests3: requests', 'requests3'],
    ['${workload:text}: CPU, memory, restarts', 'workload'],
  ]);
  const http = valuesOf('requests1')?.map(([text]) => text);
  expect(http).toEqual(['search-tool']);
  expect(valuesOf('requests2')?.map(([text]) => text)).toEqual(['llm']);
  expect(valuesOf('requests3')?.map(([text]) => text)).toEqual(['support-agent', 'worker']);
  expect(titles(services)).toEqual([
    'Request rate', 'Error rate', 'Latency p50 / p95 / p99', // MCP tools
    'Latency p50 / p95 / p99', // vLLM: a latency histogram, no request counter with an error label
    'Request rate', 'Error rate', 'Latency p50 / p95 / p99', // HTTP services
    'CPU (cores)', 'Memory (working set)', 'Restarts and OOMKills',
  ]);
  const latency = timeseries(services).find((p) => p.title.startsWith('Latency'));
  expect(latency?.targets.map((t) => t.legendFormat)).toEqual(['{{workload}} p50', '{{workload}} p95', '{{workload}} p99']);
  expect(timeseries(services).find((p) => p.title === 'CPU (cores)')?.targets[0].expr).toContain('pod=~"${workload:raw}"');
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
});

test('Redis: memory against maxmemory, hit ratio, evictions', () => {
  expect(titles(parsed['redis.json'])).toEqual(['Memory used and maxmemory', 'Evictions', 'Hit ratio', 'Connected clients', 'Commands per second', 'Master (1) per pod', 'Replica acknowledgement lag']);
  const hitRatio = timeseries(parsed['redis.json']).find((p) => p.title === 'Hit ratio');
  expect(hitRatio?.targets[0].expr).toContain('redis_keyspace_misses_total');
});

test('MCP tools: call rate and error rate per tool', () => {
  const tools = timeseries(parsed['tools.json']);
  expect(tools.map((p) => p.title)).toEqual(['Tool-call rate per tool', 'Error rate per tool', 'Tool-call latency p95 per tool']);
  expect(tools[1].targets[0].expr).toContain('status="error"');
  expect(tools[0].targets[0].legendFormat).toBe('{{workload}}');
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
