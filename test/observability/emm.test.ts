import { collectNotices, formatNotice, ObservabilityMode, ObservabilityStack, renderApps, ScrapeMethod, type Workload } from '../../lib';
import { emm } from '../../apps/emm';
import { at, Synthesized } from '../helpers/synth';
import { envMap } from './helpers';

// emm (seed 001) with Prometheus, Tempo and Grafana in every environment, alerts to Slack, and
// the LangGraph API tracing to Langfuse in prod.

const rendered = renderApps([emm]);
const APP_WORKLOADS = [
  'bookmark-classifier', 'bookmark-scraper', 'confluence', 'confluence-agent', 'content-classifier', 'file-system', 'file-system-agent',
  'jd-classifier', 'langgraph-api', 'notifications', 'redis-cache', 'web-scraper',
];

describe.each(rendered.map((env) => [env.environment, env] as const))('emm in %s', (name, env) => {
  const s = new Synthesized(env.objects);
  const stack = env.platform.node.findAll().find((c): c is ObservabilityStack => c instanceof ObservabilityStack);
  if (!stack) {
    throw new Error('emm has no ObservabilityStack');
  }
  const controller = (workload: string) => s.find('Deployment', workload) ?? s.get('StatefulSet', workload);

  test('the stack is self-hosted: Prometheus, Alertmanager, Grafana, Tempo, the collector, kube-state-metrics', () => {
    expect(env.platform.environment.observability.mode).toBe(ObservabilityMode.SELF_HOSTED);
    expect(stack.servers.map((w) => w.name).sort()).toEqual(['alertmanager', 'grafana', 'kube-state-metrics', 'otel-collector', 'prometheus', 'tempo']);
  });

  test('the scrape ports, written out: 9464 for every agent and tool, 9121 for the Redis exporter', () => {
    const ports = Object.fromEntries(APP_WORKLOADS.map((w) => [w, (at(controller(w), 'spec.template.metadata.annotations') as Record<string, string>)['prometheus.io/port']]));
    expect(ports).toEqual(Object.fromEntries(APP_WORKLOADS.map((w) => [w, w === 'redis-cache' ? '9121' : '9464'])));
  });

  test('every workload of emm is scraped, through its prometheus.io annotations', () => {
    const targets = stack.scrapeTargets().filter((t) => !(stack.servers as Workload[]).includes(t.workload));
    // staging and prod run the Redis replicated, with HAProxy in front of it
    expect(targets.map((t) => t.workload.name).sort()).toEqual(name === 'dev' ? APP_WORKLOADS : [...APP_WORKLOADS, 'redis-cache-proxy'].sort());
    for (const target of targets) {
      expect(target.method).toBe(ScrapeMethod.ANNOTATIONS);
      expect(at(controller(target.workload.name), 'spec.template.metadata.annotations')).toEqual(expect.objectContaining({
        'prometheus.io/scrape': 'true', 'prometheus.io/port': String(target.endpoint.port),
      }));
    }
  });

  test('every agent and tool sends traces to the collector; Redis does not', () => {
    expect(stack.telemetryClients().map((w) => w.name).sort()).toEqual(APP_WORKLOADS.filter((n) => n !== 'redis-cache'));
    for (const client of stack.telemetryClients()) {
      expect(envMap(controller(client.name)).OTEL_EXPORTER_OTLP_ENDPOINT.value).toBe('http://otel-collector.agentic-ai.svc.cluster.local:4317');
      expect(envMap(controller(client.name)).OTEL_RESOURCE_ATTRIBUTES.value).toBe(`deployment.environment=${name},service.namespace=emm,service.version=1.0.0`);
    }
  });

  test(name === 'dev'
    ? 'dev: no Secret nothing creates: alerts stay in Alertmanager (no Slack), Grafana generates its admin password'
    : 'alerts go to Slack, the webhook URL read from a Secret file; both Secrets come from External Secrets', () => {
    const volumes = at(s.get('StatefulSet', 'alertmanager'), 'spec.template.spec.volumes') as { name: string; secret?: { secretName: string } }[];
    const grafanaEnv = envMap(s.get('Deployment', 'grafana'));
    expect(JSON.stringify(env.objects)).not.toContain('hooks.slack.com/services');
    if (name === 'dev') {
      expect(volumes.filter((v) => v.secret)).toEqual([]);
      // AND the generated password is said, not silent
      expect(collectNotices(env.platform).filter((n) => n.field === 'grafana.adminPassword').map(formatNotice)).toEqual([
        '[emm-dev/observability] grafana.adminPassword: asked for the default admin password, from the Secret "grafana-admin" (key "admin-password"); rendered a random password generated when the Grafana pod starts (kubectl exec deploy/grafana -- cat /etc/grafana/admin/password), because environment "dev" is a development one whose secrets backend is "existing": nothing would create that Secret and the pod would wait for it',
      ]);
      expect(grafanaEnv.GF_SECURITY_ADMIN_PASSWORD__FILE.value).toBe('/etc/grafana/admin/password');
      expect(grafanaEnv).not.toHaveProperty('GF_SECURITY_ADMIN_PASSWORD');
    } else {
      expect(volumes.find((v) => v.name === 'slack')?.secret?.secretName).toBe('alertmanager-slack');
      expect(at(s.get('ExternalSecret', 'alertmanager-slack'), 'spec.data')).toEqual([{ secretKey: 'webhook-url', remoteRef: { key: `${name}/slack/alerts-webhook-url` } }]);
      expect(at(s.get('ExternalSecret', 'grafana-admin'), 'spec.data.0.secretKey')).toBe('admin-password');
      expect(grafanaEnv.GF_SECURITY_ADMIN_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } });
    }
  });

  test(`Langfuse: ${name === 'prod' ? 'the LangGraph API traces there, nothing else' : 'off'}`, () => {
    const traced = stack.langfuseTracedWorkloads.map((w) => w.name);
    const withKeys = s.all('Deployment').filter((d) => 'LANGFUSE_SECRET_KEY' in envMap(d)).map((d) => d.metadata.name);
    if (name === 'prod') {
      expect(traced).toEqual(['langgraph-api']);
      expect(withKeys).toEqual(['langgraph-api']);
      expect(envMap(s.get('Deployment', 'langgraph-api')).LANGFUSE_SECRET_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'langfuse-credentials', key: 'secret-key' } });
    } else {
      expect(traced).toEqual([]);
      expect(withKeys).toEqual([]);
    }
  });
});
