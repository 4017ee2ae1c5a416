import {
  AgentMicroservice, AgentMode, type AlertRule, type GrafanaDashboard, McpToolService, OTEL_HTTP_SERVER_METRICS, OTEL_MCP_SERVER_METRICS, ObservabilityStack, type TimeseriesPanel,
} from '../../lib';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';
import { selfHosted } from './helpers';

// The metrics contract (issue 19): what the dashboards and alerts read of each kind of workload,
// OpenTelemetry's HTTP and MCP conventions by default, configurable per workload, and nothing for
// a workload that declares no request metrics. The expected queries are written out here.

const dashboardsOf = (s: Synthesized): Record<string, GrafanaDashboard> => Object.fromEntries(
  Object.entries(at(s.get('ConfigMap', 'test-dashboards'), 'data') as Record<string, string>).map(([f, text]) => [f, JSON.parse(text) as GrafanaDashboard]),
);
const exprs = (d: GrafanaDashboard | undefined): string[] => (d?.panels ?? []).filter((p): p is TimeseriesPanel => p.type === 'timeseries').flatMap((p) => p.targets.map((t) => t.expr));
const rulesOf = (stack: ObservabilityStack | undefined): AlertRule[] => (stack?.alertGroups() ?? []).flatMap((g) => g.rules);

test('the defaults are OpenTelemetry\'s conventions as exported to Prometheus', () => {
  expect(OTEL_HTTP_SERVER_METRICS).toEqual({ durationHistogram: 'http_server_request_duration_seconds', counter: 'http_server_request_duration_seconds_count', outcomeLabel: 'http_response_status_code', errorPattern: '5..' });
  expect(OTEL_MCP_SERVER_METRICS).toEqual({ durationHistogram: 'mcp_server_operation_duration_seconds', counter: 'mcp_server_operation_duration_seconds_count', outcomeLabel: 'error_type', errorPattern: '.+' });
});

describe('an agent exposing request_latency_seconds and requests_total{status}', () => {
  let stack: ObservabilityStack | undefined;
  const s = synth((p) => {
    new AgentMicroservice(p, 'legacy', { image: 'legacy:1.0.0', metrics: { port: 8080, requests: { durationHistogram: 'request_latency_seconds', counter: 'requests_total', outcomeLabel: 'status', errorPattern: 'error|timeout' } } });
    new AgentMicroservice(p, 'modern', { image: 'modern:1.0.0' });
    stack = new ObservabilityStack(p, 'obs');
  }, selfHosted());
  const rules = rulesOf(stack);

  test('the services dashboard reads its names, the others keep the conventions', () => {
    const services = exprs(dashboardsOf(s)['services.json']);
    expect(services).toContain('sum by (workload) (rate(requests_total{namespace="agents", workload=~"$requests1"}[5m]))');
    expect(services).toContain('histogram_quantile(0.95, sum by (workload, le) (rate(request_latency_seconds_bucket{namespace="agents", workload=~"$requests1"}[5m])))');
    expect(services).toContain('(sum by (workload) (rate(requests_total{namespace="agents", workload=~"$requests1", status=~"error|timeout"}[5m])) or sum by (workload) (rate(requests_total{namespace="agents", workload=~"$requests1"}[5m])) * 0) / sum by (workload) (rate(requests_total{namespace="agents", workload=~"$requests1"}[5m]))');
    expect(services).toContain('sum by (workload) (rate(http_server_request_duration_seconds_count{namespace="agents", workload=~"$requests2"}[5m]))');
  });

  test('the alerts read its names too, in the same rule as the conventional ones', () => {
    const errors = rules.find((r) => r.alert === 'ServiceHighErrorRate');
    expect(errors?.expr).toBe([
      '(sum by (namespace, workload) (rate(requests_total{namespace="agents", workload="legacy", status=~"error|timeout"}[5m])) / sum by (namespace, workload) (rate(requests_total{namespace="agents", workload="legacy"}[5m])) > 0.05)',
      ' or (sum by (namespace, workload) (rate(http_server_request_duration_seconds_count{namespace="agents", workload="modern", http_response_status_code=~"5.."}[5m])) / sum by (namespace, workload) (rate(http_server_request_duration_seconds_count{namespace="agents", workload="modern"}[5m])) > 0.05)',
    ].join(''));
    expect(rules.find((r) => r.alert === 'ServiceHighLatency')?.expr).toContain('rate(request_latency_seconds_bucket{namespace="agents", workload="legacy"}[5m])');
  });

  test('its metrics stay on the app port it names: one container port, no OpenTelemetry exporter variables', () => {
    const container = at(s.get('Deployment', 'legacy'), 'spec.template.spec.containers.0');
    expect(at(container, 'ports')).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(at(container, 'env') as { name: string }[] | undefined ?? []).not.toContainEqual(expect.objectContaining({ name: 'OTEL_METRICS_EXPORTER' }));
  });
});

test('durationHistogram alone: the counter follows it (its _count)', () => {
  let agent: AgentMicroservice | undefined;
  synth((p) => { agent = new AgentMicroservice(p, 'a', { image: 'a:1.0.0', metrics: { requests: { durationHistogram: 'request_latency_seconds' } } }); });
  expect(agent?.requestMetrics).toEqual({ durationHistogram: 'request_latency_seconds', counter: 'request_latency_seconds_count', outcomeLabel: 'http_response_status_code', errorPattern: '5..' });
  expect(agent?.signals().metrics).toEqual(['request_latency_seconds_bucket', 'request_latency_seconds_count', 'request_latency_seconds_sum']);
});

describe('a workload that declares no request metrics gets no request panels or alerts', () => {
  let stack: ObservabilityStack | undefined;
  const s = synth((p) => {
    new McpToolService(p, 'lookup', { image: 'lookup:1.0.0', metrics: { requests: false } });
    new AgentMicroservice(p, 'worker', { image: 'worker:1.0.0', mode: AgentMode.WORKER, port: 8080 });
    stack = new ObservabilityStack(p, 'obs');
  }, selfHosted());

  test('no request rows, no tools dashboard, no error or latency alert; still scraped and watched for restarts', () => {
    const dashboards = dashboardsOf(s);
    expect(Object.keys(dashboards)).toEqual(['services.json']);
    const titles = dashboards['services.json'].panels.map((p) => p.title);
    expect(titles).toEqual(['${workload:text}: CPU, memory, restarts', 'CPU (cores)', 'Memory (working set)', 'Restarts and OOMKills']);
    const names = rulesOf(stack).map((r) => r.alert);
    expect(names).not.toContain('ServiceHighErrorRate');
    expect(names).not.toContain('ServiceHighLatency');
    expect(names).toEqual(expect.arrayContaining(['ScrapeTargetDown', 'PodRestarting', 'ContainerOOMKilled']));
    expect(stack?.scrapeTargets().map((t) => t.workload.name)).toEqual(expect.arrayContaining(['lookup', 'worker']));
  });
});

test('wrong names are refused with what is allowed', () => {
  const problems = problemsOf((p) => {
    new AgentMicroservice(p, 'a', { image: 'a:1.0.0', metrics: { requests: { durationHistogram: 'request_latency_seconds_bucket', outcomeLabel: 'status-code', errorPattern: '(?!2)..' } } });
    new AgentMicroservice(p, 'b', { image: 'b:1.0.0', metrics: { requests: { counter: '1requests' } } });
  });
  expect(problems).toEqual([
    '[test/a] metrics.requests.durationHistogram: must be the histogram\'s name without its _bucket, _count or _sum suffix (e.g. "request_latency_seconds") (got "request_latency_seconds_bucket")',
    '[test/a] metrics.requests.outcomeLabel: must be a Prometheus label name: letters, digits and "_", not starting with a digit (e.g. "status") (got "status-code")',
    '[test/a] metrics.requests.errorPattern: must be a regular expression Prometheus accepts (RE2: no look-arounds or back-references), e.g. "5.." or "error|timeout" (got "(?!2)..")',
    '[test/b] metrics.requests.counter: must be a Prometheus metric name: letters, digits, "_" and ":", not starting with a digit (e.g. "requests_total") (got "1requests")',
  ]);
});
