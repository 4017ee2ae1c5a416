import { AgentMicroservice, type KubeObject, ObservabilityStack, ScrapeMethod, type Workload } from '../../lib';
import { at, platformFor, synthPlatform, type Synthesized } from '../helpers/synth';
import { type ExternalHost, NetworkModel, namespacesOf, type Pod, podsOf, policiesOf } from '../wiring/network-model';
import { buildSample, envMap, fullProps, NS, operator, type SampleApp, selfHosted, synthSample } from './helpers';

// Derived, not declared twice: the scrape targets, the telemetry variables and both ends of every
// NetworkPolicy path come from the workloads themselves. The paths are checked with the
// NetworkPolicy model, from the manifests alone.

const INTERNET: ExternalHost = { kind: 'external', name: 'internet', ip: '93.184.216.34' };

/** Pods of the manifests, the CronJob's included (the model reads Deployments and StatefulSets). */
function podsOfAll(s: Synthesized): Pod[] {
  const pods = podsOf(s.objects, NS);
  const jobs = s.all('CronJob').map((o, i) => ({
    kind: 'pod' as const,
    name: o.metadata.name,
    namespace: NS,
    labels: at(o, 'spec.jobTemplate.spec.template.metadata.labels') as Record<string, string>,
    ip: `10.244.5.${i + 1}`,
    ports: [],
  }));
  return [...pods, ...jobs];
}

function clusterOf(s: Synthesized) {
  const pods = podsOfAll(s);
  const model = new NetworkModel(policiesOf(s.objects, NS), { ...namespacesOf(s.objects), monitoring: {}, elsewhere: {} });
  const pod = (name: string): Pod => {
    const found = pods.find((p) => p.name === name);
    if (!found) {
      throw new Error(`no pod ${name}`);
    }
    return found;
  };
  return { pods, model, pod };
}

/** Every (src -> dst:port) the policies allow between pods, on the destinations' container ports. */
function allowedEdges(model: NetworkModel, pods: readonly Pod[]): Set<string> {
  const edges = new Set<string>();
  for (const src of pods) {
    for (const dst of pods) {
      for (const port of dst.ports) {
        if (model.allows(src, dst, port.port)) {
          edges.add(`${src.name} -> ${dst.name}:${port.port}`);
        }
      }
    }
  }
  return edges;
}

const names = (workloads: readonly Workload[]) => workloads.map((w) => w.name).sort();

describe('self-hosted', () => {
  const { app, s } = synthSample(selfHosted(), fullProps);
  const { pods, model, pod } = clusterOf(s);
  const collector = pod('otel-collector');
  const prometheus = pod('prometheus');

  test('every workload with a metrics endpoint is a scrape target, the stack\'s own servers included', () => {
    // GIVEN every workload of the chart
    const withMetrics = app.platform.node.findAll().filter((c): c is Workload => 'metricsEndpoints' in c && typeof (c as Workload).metricsEndpoints === 'function')
      .filter((w) => w.metricsEndpoints().length > 0);
    // THEN each is a target on its first endpoint, Prometheus through localhost, kube-state-metrics with honor_labels
    const targets = app.stack.scrapeTargets();
    expect(names(targets.map((t) => t.workload))).toEqual(names(withMetrics));
    expect(names(withMetrics)).toEqual(['alertmanager', 'cache', 'cache-proxy', 'grafana', 'kube-state-metrics', 'llm', 'otel-collector', 'prometheus', 'queue', 'queue-proxy', 'search-tool', 'support-agent', 'tempo', 'worker']);
    expect(targets.filter((t) => t.method !== ScrapeMethod.ANNOTATIONS).map((t) => [t.workload.name, t.method])).toEqual([
      ['kube-state-metrics', ScrapeMethod.HONOR_LABELS], ['prometheus', ScrapeMethod.SELF],
    ]);
  });

  test('the scrape annotations, written out: metrics ports of their own for agents, tools and Redis', () => {
    const annotations = (name: string) => {
      const kind = s.find('StatefulSet', name) ? 'StatefulSet' : 'Deployment';
      const all = at(s.get(kind, name), 'spec.template.metadata.annotations') as Record<string, string>;
      return [all['prometheus.io/scrape'], all['prometheus.io/port'], all['prometheus.io/path']];
    };
    expect(Object.fromEntries(['support-agent', 'worker', 'search-tool', 'cache', 'queue', 'llm'].map((n) => [n, annotations(n)]))).toEqual({
      'support-agent': ['true', '9464', '/metrics'],
      worker: ['true', '9464', '/metrics'],
      'search-tool': ['true', '9464', '/metrics'],
      cache: ['true', '9121', '/metrics'],
      queue: ['true', '9121', '/metrics'],
      llm: ['true', '8000', '/metrics'],
    });
  });

  test('every annotated target carries prometheus.io/scrape, port and path on its pods', () => {
    for (const target of app.stack.scrapeTargets().filter((t) => t.method === ScrapeMethod.ANNOTATIONS)) {
      const kind = s.find('StatefulSet', target.workload.name) ? 'StatefulSet' : 'Deployment';
      expect([target.workload.name, at(s.get(kind, target.workload.name), 'spec.template.metadata.annotations')]).toEqual([target.workload.name, expect.objectContaining({
        'prometheus.io/scrape': 'true', 'prometheus.io/port': String(target.endpoint.port), 'prometheus.io/path': target.endpoint.path,
      })]);
    }
  });

  test('Prometheus reaches each target on its metrics port, and only there; nothing reaches Prometheus but Grafana', () => {
    for (const target of app.stack.scrapeTargets().filter((t) => t.method !== ScrapeMethod.SELF)) {
      const dst = pod(target.workload.name);
      expect([target.workload.name, model.allows(prometheus, dst, target.endpoint.port)]).toEqual([target.workload.name, true]);
      // the other direction is closed
      expect([target.workload.name, model.allows(dst, prometheus, 9090)]).toEqual([target.workload.name, target.workload.name === 'grafana']);
    }
    // AND not the app ports: Prometheus cannot call the Redis port or an agent's API beyond /metrics' port
    expect(model.allows(prometheus, pod('cache'), 6379)).toBe(false);
  });

  test('workloads that emit traces reach the collector on 4317 and 4318; the collector reaches none of them', () => {
    const clients = app.stack.telemetryClients();
    expect(names(clients)).toEqual(['llm', 'reindex', 'search-tool', 'support-agent', 'worker']);
    for (const client of clients) {
      const src = pod(client.name);
      expect([client.name, model.allows(src, collector, 4317), model.allows(src, collector, 4318)]).toEqual([client.name, true, true]);
      expect([client.name, model.allows(src, collector, 8889)]).toEqual([client.name, false]);
    }
    // Redis does not trace, so it may not send
    expect(model.allows(pod('cache'), collector, 4317)).toBe(false);
    expect(pods.filter((p) => p.ports.length > 0).filter((p) => p.ports.some((port) => model.allows(collector, p, port.port))).map((p) => p.name)).toEqual(['tempo']);
  });

  test('the servers\' own paths: collector -> Tempo, Grafana -> Prometheus and Tempo, Prometheus -> Alertmanager', () => {
    expect(model.allows(collector, pod('tempo'), 4317)).toBe(true);
    expect(model.allows(pod('tempo'), collector, 4317)).toBe(false);
    expect(model.allows(pod('grafana'), prometheus, 9090)).toBe(true);
    expect(model.allows(pod('grafana'), pod('tempo'), 3200)).toBe(true);
    expect(model.allows(pod('grafana'), pod('tempo'), 4317)).toBe(false);
    expect(model.allows(prometheus, pod('alertmanager'), 9093)).toBe(true);
    expect(model.allows(pod('alertmanager'), prometheus, 9090)).toBe(false);
  });

  test('exactly the derived edges, between every pod of the app: nothing more, nothing less', () => {
    // GIVEN the declared wiring of the app and the observability paths, written here: Prometheus to
    // every metrics port (agents and tools on 9464, Redis exporters on 9121, vLLM on its API port
    // 8000, the servers on theirs), every tracing workload to the collector, the servers' own paths
    const app1: readonly string[] = [
      'support-agent -> cache:6379', 'search-tool -> cache:6379', 'worker -> queue:6379',
      'support-agent -> search-tool:8080', 'support-agent -> llm:8000',
      // the replicated Redis: Sentinels (26379) and HAProxy for its users, replication between its pods, HAProxy to its pods
      'support-agent -> cache:26379', 'search-tool -> cache:26379', 'worker -> queue:26379',
      'support-agent -> cache-proxy:6379', 'search-tool -> cache-proxy:6379', 'worker -> queue-proxy:6379',
      'cache -> cache:6379', 'cache -> cache:26379', 'queue -> queue:6379', 'queue -> queue:26379', 'cache-proxy -> cache:6379', 'queue-proxy -> queue:6379',
    ];
    const scraped = [
      'cache:9121', 'cache-proxy:8404', 'queue:9121', 'queue-proxy:8404', 'search-tool:9464', 'support-agent:9464', 'worker:9464', 'llm:8000',
      'alertmanager:9093', 'grafana:3000', 'tempo:3200', 'otel-collector:8889', 'kube-state-metrics:8080',
    ];
    const tracing = ['llm', 'search-tool', 'support-agent', 'worker'];
    const observability = [
      ...scraped.map((target) => `prometheus -> ${target}`),
      ...tracing.flatMap((c) => [`${c} -> otel-collector:4317`, `${c} -> otel-collector:4318`]),
      'otel-collector -> tempo:4317', 'grafana -> prometheus:9090', 'grafana -> tempo:3200', 'prometheus -> alertmanager:9093',
    ];
    // THEN the policies allow exactly them (the CronJob's pods send traces too; the model has none of its pods here)
    expect([...allowedEdges(model, pods)].filter((e) => !e.startsWith('reindex ')).sort()).toEqual([...new Set([...app1, ...observability])].sort());
    // AND the stack's API says the same
    expect(app.stack.scrapeTargets().filter((t) => t.method !== ScrapeMethod.SELF).map((t) => `${t.workload.name}:${t.endpoint.port}`).sort()).toEqual([...scraped].sort());
  });

  test('to the internet: Slack from Alertmanager, Langfuse from the collector and the traced agent, the API server from Prometheus and kube-state-metrics', () => {
    const reach = (name: string, port: number) => model.allows(pod(name), INTERNET, port);
    expect(reach('alertmanager', 443)).toBe(true);
    expect(reach('otel-collector', 443)).toBe(true);
    expect(reach('support-agent', 443)).toBe(true);
    expect(reach('worker', 443)).toBe(false);
    expect(reach('grafana', 443)).toBe(false);
    expect(reach('tempo', 443)).toBe(false);
    expect(reach('prometheus', 6443)).toBe(true);
    expect(reach('prometheus', 10250)).toBe(true);
    expect(reach('kube-state-metrics', 6443)).toBe(true);
    expect(reach('kube-state-metrics', 10250)).toBe(false);
  });

  test('the collector reaches Langfuse only when it exports there, and the agent only when it is traced', () => {
    const noExport = clusterOf(synthSample(selfHosted(), (p, a) => fullProps(p, a, false)).s);
    expect(noExport.model.allows(noExport.pod('otel-collector'), INTERNET, 443)).toBe(false);
    expect(noExport.model.allows(noExport.pod('support-agent'), INTERNET, 443)).toBe(true);
    const none = clusterOf(synthSample(selfHosted()).s);
    expect(none.model.allows(none.pod('support-agent'), INTERNET, 443)).toBe(false);
    expect(none.model.allows(none.pod('alertmanager'), INTERNET, 443)).toBe(false);
  });
});

describe('telemetry variables', () => {
  const { app, s } = synthSample(selfHosted(), fullProps);
  const controller = (name: string): KubeObject => s.find('Deployment', name) ?? s.find('StatefulSet', name) ?? s.get('CronJob', name);

  test.each(['support-agent', 'search-tool', 'worker', 'llm', 'reindex'])('%s: OTLP endpoint of the collector, its name, environment, app and version', (name) => {
    const env = envMap(controller(name));
    const version = { 'support-agent': '1.2.0', 'search-tool': '1.0.0', worker: '1.2.0', llm: app.pool.server?.image.tag, reindex: '1.0.0' }[name];
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT.value).toBe(`http://otel-collector.${NS}.svc.cluster.local:4317`);
    expect(env.OTEL_EXPORTER_OTLP_PROTOCOL.value).toBe('grpc');
    expect(env.OTEL_SERVICE_NAME.value).toBe(name);
    expect(env.OTEL_RESOURCE_ATTRIBUTES.value).toBe(`deployment.environment=prod,service.namespace=test,service.version=${version}`);
  });

  test('Redis and the stack\'s servers get none', () => {
    for (const name of ['cache', 'prometheus', 'grafana', 'tempo', 'otel-collector', 'alertmanager', 'kube-state-metrics']) {
      expect([name, Object.keys(envMap(controller(name))).filter((n) => n.startsWith('OTEL_'))]).toEqual([name, []]);
    }
  });

  test('the traced agent gets LANGFUSE_HOST and both keys from the Secret; the others nothing', () => {
    const env = envMap(controller('support-agent'));
    expect(env.LANGFUSE_HOST.value).toBe('https://cloud.langfuse.com');
    expect(env.LANGFUSE_PUBLIC_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'langfuse', key: 'public-key' } });
    expect(env.LANGFUSE_SECRET_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'langfuse', key: 'secret-key' } });
    expect(Object.keys(envMap(controller('worker'))).filter((n) => n.startsWith('LANGFUSE_'))).toEqual([]);
    expect(app.stack.langfuseTracedWorkloads.map((w) => w.name)).toEqual(['support-agent']);
  });

  test('traceToLangfuse() adds a workload after construction: variables and egress', () => {
    // GIVEN the stack with Langfuse and no traced agent, then the worker traced by the method
    const platform = platformFor(selfHosted());
    const sample = buildSample(platform, (p, a) => {
      const props = fullProps(p, a, false);
      return { ...props, langfuse: props.langfuse && { ...props.langfuse, tracedAgents: [] } };
    });
    expect(sample.stack.traceToLangfuse(sample.worker)).toBe(sample.worker);
    const out = synthPlatform(platform);
    // THEN the worker has them, the agent not
    expect(Object.keys(envMap(out.get('Deployment', 'worker')))).toEqual(expect.arrayContaining(['LANGFUSE_HOST', 'LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY']));
    expect(Object.keys(envMap(out.get('Deployment', 'support-agent')))).not.toContain('LANGFUSE_HOST');
    const { model: m, pod: p } = clusterOf(out);
    expect([m.allows(p('worker'), INTERNET, 443), m.allows(p('support-agent'), INTERNET, 443)]).toEqual([true, false]);
  });

  test('a variable the workload sets itself wins and is not duplicated', () => {
    const { s: own } = synthSample(selfHosted(), (p) => {
      const agent = p.node.findChild('support-agent') as SampleApp['agent'];
      agent.addEnv('OTEL_SERVICE_NAME', 'custom-name');
      return {};
    });
    const env = (at(own.get('Deployment', 'support-agent'), 'spec.template.spec.containers.0.env') as { name: string; value?: string }[]).filter((e) => e.name === 'OTEL_SERVICE_NAME');
    expect(env).toEqual([{ name: 'OTEL_SERVICE_NAME', value: 'custom-name' }]);
  });
});

describe('operator mode', () => {
  const { app, s } = synthSample(operator(), () => ({ otlpEndpoint: 'http://otel-collector.monitoring.svc:4317' }));
  const { model, pod } = clusterOf(s);
  const scraper: Pod = { kind: 'pod', name: 'prometheus-k8s', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, ip: '10.244.7.1', ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] };
  const otel: Pod = { kind: 'pod', name: 'otel-collector', namespace: 'monitoring', labels: { app: 'otel' }, ip: '10.244.7.2', ports: [{ name: 'grpc', port: 4317, protocol: 'TCP' }, { name: 'http', port: 4318, protocol: 'TCP' }] };
  const stranger: Pod = { ...scraper, name: 'stranger', namespace: 'elsewhere' };

  test('the monitoring namespace reaches every target on its metrics port, other namespaces do not', () => {
    const targets = app.stack.scrapeTargets();
    expect(names(targets.map((t) => t.workload))).toEqual(['cache', 'cache-proxy', 'llm', 'queue', 'queue-proxy', 'search-tool', 'support-agent', 'worker']);
    for (const target of targets) {
      expect([target.workload.name, model.allows(scraper, pod(target.workload.name), target.endpoint.port)]).toEqual([target.workload.name, true]);
      expect([target.workload.name, model.allows(stranger, pod(target.workload.name), target.endpoint.port)]).toEqual([target.workload.name, false]);
    }
  });

  test('the monitoring namespace is admitted once per port, not twice', () => {
    for (const name of ['support-agent', 'cache']) {
      const rules = at(s.get('NetworkPolicy', name), 'spec.ingress') as { from: { namespaceSelector?: unknown }[] }[];
      expect([name, rules.flatMap((r) => r.from).filter((peer) => JSON.stringify(peer).includes('monitoring')).length]).toEqual([name, 1]);
    }
  });

  test('workloads that emit traces reach the cluster collector on 4317 and 4318 and get its endpoint', () => {
    for (const client of app.stack.telemetryClients()) {
      const src = pod(client.name);
      expect([client.name, model.allows(src, otel, 4317), model.allows(src, otel, 4318)]).toEqual([client.name, true, true]);
      expect(envMap(s.find('Deployment', client.name) ?? s.get('CronJob', client.name)).OTEL_EXPORTER_OTLP_ENDPOINT.value).toBe('http://otel-collector.monitoring.svc:4317');
    }
    expect(model.allows(pod('cache'), otel, 4317)).toBe(false);
  });
});

test('self-hosted, a workload created after the stack is still scraped and traced: everything derives at render time', () => {
  // GIVEN the stack first, then an agent
  const platform = platformFor(selfHosted());
  const stack = new ObservabilityStack(platform, 'obs');
  new AgentMicroservice(platform, 'late-agent', { image: 'agent:1.0.0' });
  // WHEN rendered
  const out = synthPlatform(platform);
  const { model, pod } = clusterOf(out);
  // THEN Prometheus scrapes it and it sends to the collector
  expect(stack.scrapeTargets().map((t) => t.workload.name)).toContain('late-agent');
  expect(model.allows(pod('prometheus'), pod('late-agent'), 9464)).toBe(true);
  // AND only on the metrics port: the app port stays closed to the scraper
  expect(model.allows(pod('prometheus'), pod('late-agent'), 8080)).toBe(false);
  expect(model.allows(pod('late-agent'), pod('otel-collector'), 4317)).toBe(true);
  expect(envMap(out.get('Deployment', 'late-agent')).OTEL_SERVICE_NAME.value).toBe('late-agent');
});
