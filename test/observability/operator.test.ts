import { ApiObject } from 'cdk8s';
import { AgentMicroservice, ObservabilityStack, renderApps, ScrapeMethod, SecretSource } from '../../lib';
import { supportCopilot } from '../../apps/support-copilot';
import { at, problemsOf, Synthesized } from '../helpers/synth';
import { expectValidManifests } from '../validation';
import { envMap, operator, synthSample } from './helpers';

// Operator mode, for clusters running kube-prometheus-stack: monitors, rules and dashboards the
// cluster's Prometheus and Grafana pick up by label; no server of our own.

const OTLP = 'http://otel-collector.monitoring.svc:4317';
const { app, s } = synthSample(operator(), () => ({ otlpEndpoint: OTLP }));
const RELEASE = { release: 'kube-prometheus-stack' };

test('no server: the stack renders only monitors, the rule and the dashboards', () => {
  expect(app.stack.servers).toEqual([]);
  const kinds = app.stack.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c)).map((o) => o.kind);
  expect([...new Set(kinds)].sort()).toEqual(['ConfigMap', 'PodMonitor', 'PrometheusRule', 'ServiceMonitor']);
  expect(s.all('StatefulSet').map((o) => o.metadata.name).sort()).toEqual(['cache', 'queue']);
});

test('a ServiceMonitor for each workload whose Service exposes its metrics (vLLM), a PodMonitor for the others (metrics on their own port)', () => {
  const byMethod = (method: ScrapeMethod) => app.stack.scrapeTargets().filter((t) => t.method === method).map((t) => t.workload.name).sort();
  expect(byMethod(ScrapeMethod.SERVICE_MONITOR)).toEqual(['llm']);
  expect(byMethod(ScrapeMethod.POD_MONITOR)).toEqual(['cache', 'cache-proxy', 'queue', 'queue-proxy', 'search-tool', 'support-agent', 'worker']);
  expect(s.all('ServiceMonitor').map((o) => o.metadata.name).sort()).toEqual(byMethod(ScrapeMethod.SERVICE_MONITOR));
  expect(s.all('PodMonitor').map((o) => o.metadata.name).sort()).toEqual(byMethod(ScrapeMethod.POD_MONITOR));
  // the batch job serves no metrics: no monitor
  expect(s.find('PodMonitor', 'reindex')).toBeUndefined();
});

test('monitors carry the Prometheus selector labels and give series the workload label', () => {
  const agent = s.get('PodMonitor', 'support-agent');
  expect(agent.metadata.labels).toEqual(expect.objectContaining(RELEASE));
  expect(at(agent, 'spec.selector')).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'support-agent' } });
  expect(at(agent, 'spec.namespaceSelector')).toEqual({ matchNames: ['agents'] });
  expect(at(agent, 'spec.podMetricsEndpoints')).toEqual([{
    port: 'metrics',
    path: '/metrics',
    relabelings: [
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'workload', action: 'replace' },
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], targetLabel: 'component', action: 'replace' },
    ],
  }]);
  const llm = s.get('ServiceMonitor', 'llm');
  expect(at(llm, 'spec.endpoints')).toEqual([{
    port: 'http',
    path: '/metrics',
    relabelings: [
      { sourceLabels: ['__meta_kubernetes_service_name'], action: 'keep', regex: 'llm' },
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'workload', action: 'replace' },
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], targetLabel: 'component', action: 'replace' },
    ],
  }]);
  const redis = s.get('PodMonitor', 'cache');
  expect(redis.metadata.labels).toEqual(expect.objectContaining(RELEASE));
  expect(at(redis, 'spec.podMetricsEndpoints.0')).toEqual(expect.objectContaining({ port: 'metrics', path: '/metrics' }));
});

test('the PrometheusRule and the dashboards carry the selector labels of the environment', () => {
  expect(s.get('PrometheusRule', 'test-alerts').metadata.labels).toEqual(expect.objectContaining(RELEASE));
  const custom = synthSample(operator(), () => ({})).app;
  expect(custom.stack.mode).toBe('operator');
});

test('workloads that emit traces send to the given collector; HTTP on 4318 switches the protocol', () => {
  expect(envMap(s.get('Deployment', 'support-agent')).OTEL_EXPORTER_OTLP_ENDPOINT.value).toBe(OTLP);
  const http = synthSample(operator(), () => ({ otlpEndpoint: 'http://otel-collector.monitoring.svc.cluster.local:4318' })).s;
  expect(envMap(http.get('Deployment', 'support-agent')).OTEL_EXPORTER_OTLP_PROTOCOL.value).toBe('http/protobuf');
});

test('without otlpEndpoint, no telemetry variable and no egress to the monitoring namespace', () => {
  const none = synthSample(operator()).s;
  expect(Object.keys(envMap(none.get('Deployment', 'support-agent'))).filter((n) => n.startsWith('OTEL_') && !n.startsWith('OTEL_METRICS_') && !n.startsWith('OTEL_EXPORTER_PROMETHEUS_'))).toEqual([]);
  expect(JSON.stringify(at(none.get('NetworkPolicy', 'support-agent'), 'spec.egress'))).not.toContain('"monitoring"');
});

test('Langfuse through the SDK works in operator mode; forwarding from a collector we do not run is refused', () => {
  const problems = problemsOf((p) => {
    const agent = new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
    new ObservabilityStack(p, 'obs', { langfuse: { host: 'https://cloud.langfuse.com', credentials: new SecretSource(p, 'lf', { keys: ['public-key', 'secret-key'] }), tracedAgents: [agent], exportFromCollector: true } });
  }, operator());
  expect(problems).toEqual([expect.stringMatching(/^\[test\/obs\] langfuse\.exportFromCollector: needs the self-hosted collector/)]);
});

test('a workload created after the stack is reported: it would have no monitor', () => {
  const problems = problemsOf((p) => {
    new ObservabilityStack(p, 'obs');
    new AgentMicroservice(p, 'late', { image: 'agent:1.0.0' });
  }, operator());
  expect(problems).toEqual([expect.stringContaining('workload "late" was created after the ObservabilityStack')]);
});

test('support-copilot runs on kube-prometheus-stack in prod: monitors, rules and dashboards, no servers', () => {
  // GIVEN support-copilot (operator mode in prod, the stack created last) WHEN rendered
  const rendered = renderApps([supportCopilot]);
  // THEN prod has monitors for every scraped workload (the endpoint picker of the gateway routing too), the rule and the dashboards, strictly valid; dev and staging nothing
  for (const env of rendered) {
    expectValidManifests(env.objects);
    const monitoring = env.objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1').map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect([env.environment, monitoring]).toEqual([env.environment, env.environment === 'prod'
      ? ['PodMonitor/copilot-api', 'PodMonitor/task-queue', 'PodMonitor/task-queue-proxy', 'PrometheusRule/support-copilot-alerts', 'ServiceMonitor/llm', 'ServiceMonitor/llm-epp']
      : []]);
  }
  const prod = new Synthesized(rendered[2].objects);
  expect(envMap(prod.get('CronJob', 'embeddings-reindex')).OTEL_EXPORTER_OTLP_ENDPOINT.value).toBe('http://otel-collector.monitoring.svc:4317');
  expect(prod.get('ConfigMap', 'support-copilot-dashboards').metadata.labels).toEqual(expect.objectContaining({ grafana_dashboard: '1' }));
});
