import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'yaml';
import { HelmChartWriter, type KubeObject, ObservabilityStack, renderApps } from '../../lib';
import { emm } from '../../apps/emm';
import { HELM_BINARIES, runHelm } from '../helpers/helm';
import { at } from '../helpers/synth';

// The emm prod chart, with the self-hosted stack, through real Helm 3 and Helm 4: it lints
// strictly, renders exactly the plain manifests, and the `{{ ... }}` of alert templates and
// dashboard legends survive byte for byte.

const prod = renderApps([emm]).find((e) => e.environment === 'prod');
if (!prod) {
  throw new Error('emm has no prod environment');
}
const stack = prod.platform.node.findAll().find((c): c is ObservabilityStack => c instanceof ObservabilityStack);
const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
const plain = new Map(prod.objects.map((o) => [key(o), o]));
let chart: string;

beforeAll(() => {
  chart = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-observability-chart-'));
  for (const [file, content] of new HelmChartWriter({ version: '0.1.0' }).chartFiles(prod)) {
    fs.mkdirSync(path.dirname(path.join(chart, file)), { recursive: true });
    fs.writeFileSync(path.join(chart, file), content);
  }
});

afterAll(() => {
  fs.rmSync(chart, { recursive: true, force: true });
});

function template(helm: (typeof HELM_BINARIES)[number], ...args: string[]): KubeObject[] {
  const run = runHelm(helm, ['template', 'emm', chart, ...args]);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return yaml.parseAllDocuments(run.stdout).map((d) => d.toJSON() as KubeObject).filter((o) => o !== null);
}

test('the chart holds the stack, with values for every server', () => {
  const values = yaml.parse(fs.readFileSync(path.join(chart, 'values.yaml'), 'utf8'));
  for (const server of ['prometheus', 'alertmanager', 'grafana', 'tempo', 'otelCollector', 'kubeStateMetrics']) {
    expect([server, Object.keys(values[server]).sort()]).toEqual([server, ['image', 'resources']]);
  }
  expect(stack?.servers.length).toBe(6);
});

test('the templates escape the literal braces: no raw Alertmanager or Grafana template is left for Helm', () => {
  const text = fs.readFileSync(path.join(chart, 'templates', 'observability.yaml'), 'utf8');
  expect(text).toContain('{{ "{{" }} .CommonAnnotations.summary }}');
  expect(text).toContain('{{ "{{" }}pod}}');
  expect(text).not.toMatch(/\{\{ \.CommonAnnotations/);
});

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  test('lint --strict passes', () => {
    const run = runHelm(helm, ['lint', '--strict', chart]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  test('template with default values renders exactly the plain manifests', () => {
    const rendered = template(helm);
    expect(rendered.map(key).sort()).toEqual([...plain.keys()].sort());
    for (const object of rendered) {
      expect(object).toEqual(plain.get(key(object)));
    }
  });

  test('every ConfigMap\'s data is byte for byte the plain one, {{ ... }} included', () => {
    const configMaps = template(helm).filter((o) => o.kind === 'ConfigMap');
    expect(configMaps.map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['alertmanager-config', 'prometheus-rules', 'emm-dashboards', 'otel-collector-config']));
    for (const configMap of configMaps) {
      const data = configMap.data as Record<string, string>;
      const expected = plain.get(key(configMap))?.data as Record<string, string>;
      expect(Object.keys(data)).toEqual(Object.keys(expected));
      for (const [file, text] of Object.entries(expected)) {
        expect([configMap.metadata.name, file, data[file] === text]).toEqual([configMap.metadata.name, file, true]);
      }
    }
    const alertmanager = configMaps.find((o) => o.metadata.name === 'alertmanager-config')?.data as Record<string, string>;
    expect(alertmanager['alertmanager.yml']).toContain('{{ .CommonAnnotations.summary }}');
    const dashboards = configMaps.find((o) => o.metadata.name === 'emm-dashboards')?.data as Record<string, string>;
    expect(dashboards['services.json']).toContain('"legendFormat": "{{pod}}"');
  });

  test('values drive the servers: image tag and resources', () => {
    const rendered = template(helm, '--set', 'prometheus.image.tag=v3.2.1', '--set', 'grafana.resources.limits.memory=1Gi');
    const container = (kind: string, name: string) => at(rendered.find((o) => o.kind === kind && o.metadata.name === name), 'spec.template.spec.containers.0');
    expect(at(container('StatefulSet', 'prometheus'), 'image')).toBe('quay.io/prometheus/prometheus:v3.2.1');
    expect(at(container('Deployment', 'grafana'), 'resources.limits.memory')).toBe('1Gi');
  });
});

test('emm dev: one image value moves Grafana and the init container that generates its password', () => {
  const dev = renderApps([emm]).find((e) => e.environment === 'dev');
  const helm = HELM_BINARIES[1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-observability-dev-'));
  try {
    for (const [file, content] of new HelmChartWriter({ version: '0.1.0' }).chartFiles(dev ?? prod)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    const run = runHelm(helm, ['template', 'emm', dir, '--set', 'grafana.image.tag=11.5.0']);
    expect(run.status).toBe(0);
    const grafana = yaml.parseAllDocuments(run.stdout).map((d) => d.toJSON() as KubeObject).find((o) => o?.kind === 'Deployment' && o.metadata.name === 'grafana');
    expect([at(grafana, 'spec.template.spec.containers.0.image'), at(grafana, 'spec.template.spec.initContainers.0.name'), at(grafana, 'spec.template.spec.initContainers.0.image')])
      .toEqual(['docker.io/grafana/grafana:11.5.0', 'admin-password', 'docker.io/grafana/grafana:11.5.0']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
