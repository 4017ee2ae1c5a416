import * as yaml from 'yaml';
import { AgentMicroservice, Environments, type KubeObject, ObservabilityMode, ObservabilityStack, SecretSource } from '../../lib';
import { at, synth, type Synthesized } from '../helpers/synth';
import { configFile, envMap, fullProps, NS, selfHosted, synthSample } from './helpers';

// Self-hosted mode: Prometheus, Alertmanager, Grafana, Tempo, an OpenTelemetry Collector and a
// namespaced kube-state-metrics, each a hardened single-replica server with its own policy.

const SERVERS = ['prometheus', 'alertmanager', 'grafana', 'tempo', 'otel-collector', 'kube-state-metrics'];
const STATEFUL = ['prometheus', 'alertmanager', 'tempo'];

const { app, s } = synthSample(selfHosted(), fullProps);

function controller(name: string): KubeObject {
  return STATEFUL.includes(name) ? s.get('StatefulSet', name) : s.get('Deployment', name);
}

const container = (name: string) => at(controller(name), 'spec.template.spec.containers.0') as Record<string, unknown>;

describe('the servers', () => {
  test('Prometheus, Alertmanager and Tempo are StatefulSets with a volumeClaimTemplate; Grafana, the collector and kube-state-metrics Deployments', () => {
    // THEN
    expect(app.stack.servers.map((w) => w.name).sort()).toEqual([...SERVERS].sort());
    for (const name of STATEFUL) {
      const set = s.get('StatefulSet', name);
      expect(at(set, 'spec.volumeClaimTemplates.0.spec')).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: expect.any(String) } } });
      expect(at(set, 'spec.serviceName')).toBe(`${name}-headless`);
      expect(at(set, 'spec.replicas')).toBe(1);
    }
    expect(at(s.get('StatefulSet', 'prometheus'), 'spec.volumeClaimTemplates.0.spec.resources.requests.storage')).toBe('20Gi');
    for (const name of SERVERS.filter((n) => !STATEFUL.includes(n))) {
      expect(at(s.get('Deployment', name), 'spec.replicas')).toBe(1);
    }
  });

  test.each(SERVERS)('%s: pinned image, restricted security context, requests and limits', (name) => {
    // GIVEN the server's pod
    const pod = at(controller(name), 'spec.template.spec') as Record<string, unknown>;
    const c = container(name);
    // THEN the image is one of the pinned defaults, never latest
    expect(Object.values(ObservabilityStack.IMAGES)).toContain(c.image);
    expect(String(c.image)).toMatch(/:v?[0-9]+\.[0-9]+\.[0-9]+$/);
    // AND the restricted profile with a read-only root filesystem
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(at(pod, 'securityContext.runAsNonRoot')).toBe(true);
    expect(at(pod, 'securityContext.runAsUser')).toBeGreaterThan(0);
    // AND requests and limits for CPU and memory
    expect(Object.keys(at(c, 'resources.requests') as object).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(at(c, 'resources.limits') as object).sort()).toEqual(['cpu', 'memory']);
  });

  test.each([
    ['prometheus', 'http', '/-/ready', '/-/ready', '/-/healthy'],
    ['alertmanager', 'http', '/-/ready', '/-/ready', '/-/healthy'],
    ['grafana', 'http', '/api/health', '/api/health', '/api/health'],
    ['tempo', 'http', '/ready', '/ready', '/ready'],
    ['otel-collector', 'health', '/', '/', '/'],
    ['kube-state-metrics', 'http-metrics', '/healthz', '/healthz', '/healthz'],
  ])('%s: startup, readiness and liveness on its health endpoints (port %s)', (name, port, startup, readiness, liveness) => {
    const c = container(name);
    expect([at(c, 'startupProbe.httpGet'), at(c, 'readinessProbe.httpGet'), at(c, 'livenessProbe.httpGet')]).toEqual([
      { path: startup, port, scheme: 'HTTP' }, { path: readiness, port, scheme: 'HTTP' }, { path: liveness, port, scheme: 'HTTP' },
    ]);
  });

  test('the collector health port is 13133, from the health_check extension', () => {
    const ports = at(container('otel-collector'), 'ports') as { name: string; containerPort: number }[];
    expect(ports.find((p) => p.name === 'health')?.containerPort).toBe(13133);
    expect(yaml.parse(configFile(s, 'otel-collector-config', 'config.yaml')).extensions.health_check).toEqual({ endpoint: '0.0.0.0:13133' });
  });

  test.each(SERVERS)('%s: writable paths are volumes, the root filesystem stays read-only', (name) => {
    const mounts = (at(container(name), 'volumeMounts') ?? []) as { name: string; mountPath: string; readOnly?: boolean }[];
    const writable = mounts.filter((m) => !m.readOnly).map((m) => m.mountPath).sort();
    const expected: Record<string, string[]> = {
      prometheus: ['/prometheus'],
      alertmanager: ['/alertmanager'],
      grafana: ['/tmp', '/var/lib/grafana'],
      tempo: ['/tmp', '/var/tempo'],
      'otel-collector': ['/tmp'],
      'kube-state-metrics': [],
    };
    expect(writable).toEqual(expected[name]);
  });

  test('only Prometheus and kube-state-metrics mount an API token; every ServiceAccount says so', () => {
    const mounted = SERVERS.filter((name) => at(controller(name), 'spec.template.spec.automountServiceAccountToken') === true).sort();
    expect(mounted).toEqual(['kube-state-metrics', 'prometheus']);
    for (const name of SERVERS) {
      expect([name, s.get('ServiceAccount', name).automountServiceAccountToken]).toEqual([name, mounted.includes(name)]);
    }
  });

  test('a PodDisruptionBudget and a NetworkPolicy per server', () => {
    for (const name of SERVERS) {
      expect(at(s.get('NetworkPolicy', name), 'spec.podSelector.matchLabels')).toEqual({ 'app.kubernetes.io/name': name });
      expect(at(s.get('PodDisruptionBudget', name), 'spec.maxUnavailable')).toBe(1);
    }
  });

  test('the quota counts the servers: their pods, requests and volumes', () => {
    const demands = app.platform.workloadDemands();
    const stackDemands = app.stack.servers.map((server) => server.quotaDemand());
    expect(demands).toEqual(expect.arrayContaining(stackDemands));
    expect(stackDemands.reduce((n, d) => n + d.volumeClaims, 0)).toBe(3);
  });
});

describe('Prometheus', () => {
  const config = yaml.parse(configFile(s, 'prometheus-config', 'prometheus.yml'));
  const job = (name: string) => config.scrape_configs.find((j: { job_name: string }) => j.job_name === name);

  test('discovers pods of the app namespace only, honouring prometheus.io/scrape, port and path', () => {
    const pods = job('kubernetes-pods');
    expect(pods.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: [NS] } }]);
    expect(pods.relabel_configs).toEqual(expect.arrayContaining([
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], target_label: '__meta_kubernetes_pod_annotation_prometheus_io_port', action: 'keepequal' },
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], target_label: 'workload' },
    ]));
  });

  test('scrapes itself on localhost and kube-state-metrics with honor_labels', () => {
    expect(job('prometheus').static_configs[0].targets).toEqual(['localhost:9090']);
    expect(job('kube-state-metrics').honor_labels).toBe(true);
    expect(job('kube-state-metrics').kubernetes_sd_configs[0].namespaces.names).toEqual([NS]);
  });

  test('cAdvisor through the kubelets, kept to this namespace, when asked', () => {
    const cadvisor = job('kubelet-cadvisor');
    expect(cadvisor.metrics_path).toBe('/metrics/cadvisor');
    expect(cadvisor.metric_relabel_configs[0]).toEqual({ source_labels: ['namespace'], action: 'keep', regex: NS });
  });

  test('rules are mounted from a ConfigMap, alerts go to the Alertmanager Service', () => {
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yaml']);
    expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual([`alertmanager.${NS}.svc.cluster.local:9093`]);
    expect(yaml.parse(configFile(s, 'prometheus-rules', 'alerts.yaml')).groups.length).toBeGreaterThan(0);
  });

  test('retention in time and in size (85% of the volume)', () => {
    expect(at(container('prometheus'), 'args')).toEqual(expect.arrayContaining(['--storage.tsdb.retention.time=15d', '--storage.tsdb.retention.size=17408MB']));
  });

  test('discovery RBAC is a namespaced Role; node access a ClusterRole without namespace, no nodes/proxy', () => {
    expect(s.get('Role', 'prometheus').rules).toEqual([{ apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] }]);
    expect(at(s.get('RoleBinding', 'prometheus'), 'subjects')).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: NS }]);
    const clusterRole = s.get('ClusterRole', `${NS}-prometheus-kubelet`);
    expect(clusterRole.metadata.namespace).toBeUndefined();
    expect(s.get('ClusterRoleBinding', `${NS}-prometheus-kubelet`).metadata.namespace).toBeUndefined();
    expect(JSON.stringify(clusterRole.rules)).not.toContain('nodes/proxy');
  });

  test('without cAdvisor there is no cluster-scoped object at all', () => {
    const plain = synthSample(selfHosted()).s;
    expect(plain.objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    expect(yaml.parse(configFile(plain, 'prometheus-config', 'prometheus.yml')).scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(['prometheus', 'kubernetes-pods', 'kube-state-metrics']);
  });
});

describe('Grafana', () => {
  const env = envMap(controller('grafana'));

  test('admin password from the grafana-admin Secret (key admin-password), anonymous access off', () => {
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toEqual({ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } });
    expect(env.GF_AUTH_ANONYMOUS_ENABLED.value).toBe('false');
    expect(env.GF_USERS_ALLOW_SIGN_UP.value).toBe('false');
  });

  test('another Secret and key for the password', () => {
    const out = synth((p) => {
      new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
      new ObservabilityStack(p, 'obs', { grafana: { adminPassword: new SecretSource(p, 'ops', { keys: ['grafana'] }), adminPasswordKey: 'grafana' } });
    }, selfHosted());
    expect(envMap(out.get('Deployment', 'grafana')).GF_SECURITY_ADMIN_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: 'ops', key: 'grafana' } });
  });

  test('datasources and dashboards are provisioned from ConfigMaps', () => {
    const datasources = yaml.parse(configFile(s, 'grafana-datasources', 'datasources.yaml')).datasources;
    expect(datasources.map((d: { type: string; url: string }) => [d.type, d.url])).toEqual([
      ['prometheus', `http://prometheus.${NS}.svc.cluster.local:9090`],
      ['tempo', `http://tempo.${NS}.svc.cluster.local:3200`],
    ]);
    const providers = yaml.parse(configFile(s, 'grafana-dashboard-providers', 'dashboards.yaml')).providers;
    expect(providers[0].options.path).toBe('/etc/grafana/dashboards');
    const volumes = at(controller('grafana'), 'spec.template.spec.volumes') as { name: string; configMap?: { name: string } }[];
    expect(volumes.find((v) => v.name === 'dashboards')?.configMap?.name).toBe(app.stack.dashboardsConfigMapName);
  });
});

describe('Alertmanager', () => {
  test('routes to Slack with the URL read from the mounted Secret file', () => {
    const config = yaml.parse(configFile(s, 'alertmanager-config', 'alertmanager.yml'));
    expect(config.route.receiver).toBe('slack');
    expect(config.receivers[0].slack_configs[0]).toEqual(expect.objectContaining({ api_url_file: '/etc/alertmanager/slack/webhook-url', channel: '#alerts', send_resolved: true }));
    expect(config.receivers[0].slack_configs[0]).not.toHaveProperty('api_url');
    const volumes = at(controller('alertmanager'), 'spec.template.spec.volumes') as { name: string; secret?: unknown }[];
    expect(volumes.find((v) => v.name === 'slack')?.secret).toEqual({ secretName: 'slack-webhook', items: [{ key: 'webhook-url', path: 'webhook-url' }], defaultMode: 0o440 });
  });

  test('the Slack templates stay literal', () => {
    const text = configFile(s, 'alertmanager-config', 'alertmanager.yml');
    expect(text).toContain('{{ .CommonAnnotations.summary }}');
    expect(text).toContain('{{ .Status | toUpper }}');
  });

  test('without Slack, alerts go to a receiver that drops them and nothing leaves the cluster', () => {
    const plain = synthSample(selfHosted()).s;
    const config = yaml.parse(configFile(plain, 'alertmanager-config', 'alertmanager.yml'));
    expect(config.receivers).toEqual([{ name: 'blackhole' }]);
    expect(JSON.stringify(at(plain.get('NetworkPolicy', 'alertmanager'), 'spec.egress'))).not.toContain('0.0.0.0/0');
  });
});

describe('Tempo and the collector', () => {
  test('Tempo keeps traces on its volume and receives OTLP gRPC', () => {
    const config = yaml.parse(configFile(s, 'tempo-config', 'tempo.yaml'));
    expect(config.storage.trace).toEqual({ backend: 'local', wal: { path: '/var/tempo/wal' }, local: { path: '/var/tempo/blocks' } });
    expect(config.distributor.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(config.compactor.compaction.block_retention).toBe('336h');
  });

  test('the collector: OTLP gRPC and HTTP in, traces to Tempo and Langfuse, metrics out of its Prometheus exporter', () => {
    const config = yaml.parse(configFile(s, 'otel-collector-config', 'config.yaml'));
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(config.exporters['otlp/tempo'].endpoint).toBe(`tempo.${NS}.svc.cluster.local:4317`);
    expect(config.exporters.prometheus.endpoint).toBe('0.0.0.0:8889');
    expect(config.service.pipelines.traces.exporters).toEqual(['otlp/tempo', 'otlphttp/langfuse']);
    expect(config.exporters['otlphttp/langfuse']).toEqual({ endpoint: 'https://cloud.langfuse.com/api/public/otel', auth: { authenticator: 'basicauth/langfuse' } });
    expect(config.extensions['basicauth/langfuse'].client_auth).toEqual({ username: '${env:LANGFUSE_PUBLIC_KEY}', password: '${env:LANGFUSE_SECRET_KEY}' });
    const env = envMap(controller('otel-collector'));
    expect(env.LANGFUSE_PUBLIC_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'langfuse', key: 'public-key' } });
    expect(env.LANGFUSE_SECRET_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'langfuse', key: 'secret-key' } });
  });

  test('the collector forwards nothing to Langfuse unless asked', () => {
    const plain = synthSample(selfHosted(), (p, a) => fullProps(p, a, false)).s;
    const config = yaml.parse(configFile(plain, 'otel-collector-config', 'config.yaml'));
    expect(config.service.pipelines.traces.exporters).toEqual(['otlp/tempo']);
    expect(Object.keys(envMap(plain.get('Deployment', 'otel-collector')))).toEqual([]);
  });

  test('a config change rolls the pod: the pod template carries a checksum of its ConfigMaps', () => {
    const checksum = (out: Synthesized) => at(out.get('Deployment', 'otel-collector'), 'spec.template.metadata.annotations')?.['checksum/config' as never];
    const other = synthSample(selfHosted(), (p, a) => fullProps(p, a, false)).s;
    expect(checksum(s)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(other)).not.toBe(checksum(s));
  });
});

test('no secret value anywhere: no Secret with data, no webhook URL, no Langfuse key', () => {
  expect(s.all('Secret')).toEqual([]);
  const text = JSON.stringify(s.objects);
  expect(text).not.toMatch(/hooks\.slack\.com\/services|pk-lf-|sk-lf-/);
});

test('mode none renders nothing and adds nothing to the workloads', () => {
  // GIVEN the same app in an environment without observability
  const none = synthSample(Environments.prod({ namespace: NS, observability: { mode: ObservabilityMode.NONE } }), fullProps);
  // THEN no server, no monitor, no dashboard, no OTEL variable, no annotation beyond the workload's own
  expect(none.app.stack.servers).toEqual([]);
  expect(none.s.objects.filter((o) => o.metadata.name === 'test-dashboards' || o.apiVersion.startsWith('monitoring.coreos.com'))).toEqual([]);
  // (the agent's own metrics variables stay: they belong to its metrics port, not to the stack)
  expect(Object.keys(envMap(none.s.get('Deployment', 'support-agent'))).filter((n) => n.startsWith('OTEL_') || n.startsWith('LANGFUSE_')))
    .toEqual(['OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_PROMETHEUS_HOST', 'OTEL_EXPORTER_PROMETHEUS_PORT']);
  expect(none.app.stack.scrapeTargets()).toEqual([]);
});
