/**
 * Issue 6: text that looks like a Go template (Grafana legends, Alertmanager templates) is data,
 * not template: after `helm template` it is byte-identical to the plain object, with Helm 3 and 4.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { k8s } from 'cdk8s-plus-28';
import fc from 'fast-check';
import { AgentMicroservice, type AgentAppDefinition, type AgentPlatform, ConfigFile, ConfigFiles, Environments, HelmChartWriter, type KubeObject, renderApps } from '../../lib';
import { manifestFiles } from '../../lib/synth/synthesizer';
import { expectValidManifests } from '../validation';
import { HELM_BINARIES, type HelmBinary } from '../helpers/helm';
import { byKey, findObject, render, writeFiles, type WrittenChart } from './support';

const NAMESPACE = 'literals';

/** Values that Go's template engine would interpret if they reached it unescaped. */
const LITERALS: Readonly<Record<string, string>> = {
  'dashboard.json': '{"legendFormat": "{{pod}}", "title": "{{ $labels.namespace }} / {{instance}}"}',
  'alert.tmpl': '{{ define "slack.title" }}{{ .CommonAnnotations.summary }}{{ end }}',
  'summary.tmpl': '{{ .CommonAnnotations.summary }}',
  'leading.txt': '{{ starts the line\n{{ and the next }}\nend',
  'triple.txt': '{{{triple}}}',
  'trim.txt': '{{- trim -}}',
  'closing.txt': '}}',
  'opening.txt': '{{',
  'run.txt': '{{{{{{ }}}}}}',
  'escape-lookalike.txt': '{{ "{{" }}',
  'comment.txt': '{{/* not a comment */}}',
  'range.tmpl': '{{ range .Alerts }}- {{ .Labels.alertname }}\n{{ end }}',
  'raw.txt': '{{`raw`}}',
  'quoted.yaml': "single: '{{ x }}'\ndouble: \"{{ y }}\"\n",
  'values-lookalike.txt': '{{ .Values.global.imageRegistry }} {{ .Release.Name }}',
  'trailing-newline.txt': '{{ x }}\n',
  'indented.txt': '  {{ x }}\n    {{- y -}}\n',
  // Found by the property below (seed -1692242328): kept trailing blank lines were a `|+` block, which Helm lost
  // when it ended the document (data is rendered last, its keys sorted, so these two come last).
  'zz-blank-lines.txt': '!\n\n',
  'zzz-more-blank-lines.txt': '{{ x }}\n\n\n',
};

/** The env var of the agent holds a literal too: its file also has value bindings (placeholders). */
const ENV_LITERAL = '{{ .Values.evil }} {{- "x" -}}';

function literalApp(data: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>> = {}): AgentAppDefinition {
  return {
    name: 'literal',
    environments: [Environments.dev({ namespace: NAMESPACE })],
    build: (platform: AgentPlatform) => {
      new k8s.KubeConfigMap(platform, 'templates', { metadata: { name: 'templates', annotations: { ...annotations } }, data: { ...data } });
      new AgentMicroservice(platform, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', env: { TEMPLATE: ENV_LITERAL } });
    },
  };
}

/** Renders the app, writes its chart into a fresh folder below `root`. */
function writeLiteralChart(root: string, app: AgentAppDefinition): WrittenChart {
  const [env] = renderApps([app]);
  const dir = fs.mkdtempSync(path.join(root, 'chart-'));
  writeFiles(dir, new HelmChartWriter({ version: '0.1.0' }).files([env]));
  const name = `${env.app}-${env.environment}`;
  return {
    name,
    dir: path.join(dir, 'helm', name),
    env,
    namespace: NAMESPACE,
    plain: JSON.parse(JSON.stringify(env.objects)) as KubeObject[],
    values: {},
  };
}

function configMap(objects: readonly KubeObject[]): { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } } {
  return findObject(objects, 'ConfigMap', 'templates') as unknown as { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } };
}

function agentEnv(objects: readonly KubeObject[]): unknown {
  const deployment = findObject(objects, 'Deployment', 'agent') as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  return deployment.spec.template.spec.containers[0].env.find((e) => e.name === 'TEMPLATE')?.value;
}

/** A configuration file of the user, from disk, whose text is all the literals above (a Jinja or Go template, a Grafana dashboard...). */
const TEMPLATE_FILE = Object.entries(LITERALS).map(([key, value]) => `# ${key}\n${value}`).join('\n');
/** Bytes that are not UTF-8 (binaryData) and hold "{{" once base64-decoded. */
const BINARY = Buffer.concat([Buffer.from('{{ .Values.x }}'), Buffer.from([0xff, 0xfe, 0x00])]);

/** An app whose ConfigFiles hold template-looking files: from a file, inline and binary, mounted by an agent. */
function configFilesApp(templateFile: string): AgentAppDefinition {
  return {
    name: 'literal',
    environments: [Environments.dev({ namespace: NAMESPACE })],
    build: (platform: AgentPlatform) => {
      const files = new ConfigFiles(platform, 'prompts', {
        files: [
          ConfigFile.fromFile(templateFile, { key: 'system.tmpl' }),
          ...Object.entries(LITERALS).map(([key, value]) => ConfigFile.fromContent(key, value)),
          ConfigFile.fromContent('blob.bin', BINARY),
        ],
      });
      new AgentMicroservice(platform, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', env: { TEMPLATE: ENV_LITERAL }, configFiles: [{ files, mountPath: '/etc/prompts' }] });
    },
  };
}

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-helm-literals-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm: HelmBinary) => {
  let chart: WrittenChart;
  beforeAll(() => {
    chart = writeLiteralChart(root, literalApp(LITERALS, { 'example.com/legend': '{{pod}}', 'example.com/trim': '{{- x -}}' }));
  });

  test('ConfigMap data and annotations with {{ }} render byte-identical to the plain object', () => {
    const rendered = render(helm, chart);
    expect(configMap(chart.plain).data).toStrictEqual(LITERALS);
    expect(configMap(rendered).data).toStrictEqual(LITERALS);
    expect(configMap(rendered).metadata.annotations).toStrictEqual({ 'argocd.argoproj.io/sync-wave': '2', 'example.com/legend': '{{pod}}', 'example.com/trim': '{{- x -}}' });
    expect(configMap(rendered)).toStrictEqual(configMap(chart.plain));
  });

  test('a literal in a file that also has value bindings survives, and the whole chart equals the plain output', () => {
    const rendered = render(helm, chart);
    expect(agentEnv(rendered)).toBe(ENV_LITERAL);
    expect(byKey(rendered)).toStrictEqual(byKey(chart.plain));
    expectValidManifests(rendered);
  });

  test('overriding a value does not disturb the literals', () => {
    const rendered = render(helm, chart, ['--set', 'agent.image.tag=2.0.0', '--set', 'global.imageRegistry=ghcr.io']);
    expect(configMap(rendered).data).toStrictEqual(LITERALS);
    expect(agentEnv(rendered)).toBe(ENV_LITERAL);
  });

  // The placeholders marking bound fields carry a random per-chart nonce: user data can never be one.
  test('user data that happens to look like an internal placeholder token stays as it is', () => {
    const lookalike = { 'token.txt': 'zzcdk8sagentsvalue0zz "zzcdk8sagentsvalue1zz"' };
    const tokenChart = writeLiteralChart(root, literalApp(lookalike));
    const rendered = render(helm, tokenChart);
    expect(configMap(rendered).data).toStrictEqual(lookalike);
  });

  test('ConfigFiles: a file from disk, inline content and binary content stay data, byte-identical to the plain object, and the pod keeps its checksum', () => {
    const templateFile = path.join(root, `system-${helm.label}.tmpl`);
    fs.writeFileSync(templateFile, TEMPLATE_FILE);
    const configChart = writeLiteralChart(root, configFilesApp(templateFile));
    const rendered = render(helm, configChart);
    const map = (objects: readonly KubeObject[]) => findObject(objects, 'ConfigMap', 'prompts') as unknown as { data: Record<string, string>; binaryData: Record<string, string> };
    expect(map(rendered).data).toStrictEqual({ 'system.tmpl': TEMPLATE_FILE, ...LITERALS });
    expect(Buffer.from(map(rendered).binaryData['blob.bin'], 'base64')).toEqual(BINARY);
    expect(byKey(rendered)).toStrictEqual(byKey(configChart.plain));
    const deployment = findObject(rendered, 'Deployment', 'agent') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(deployment.spec.template.metadata.annotations['checksum/config-prompts']).toMatch(/^[0-9a-f]{64}$/);
    expectValidManifests(rendered);
  });

  test('property: arbitrary strings of braces, dashes, quotes, backticks and newlines survive Helm', () => {
    const fragment = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('{', '}', '{{', '}}', '{{-', '-}}', '-', '"', '`', '\n', ' ', "'", '\\', '$', '.', '/*', '*/', '|', '#', ': ', '---', 'x', 'é', '\t') },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
    );
    const value = fc.array(fragment, { maxLength: 16 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 24 }), (values) => {
        const data = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
        const written = writeLiteralChart(root, literalApp(data));
        try {
          const rendered = render(helm, written);
          expect(configMap(written.plain).data ?? {}).toStrictEqual(data);
          expect(configMap(rendered).data ?? {}).toStrictEqual(data);
        } finally {
          fs.rmSync(path.dirname(path.dirname(written.dir)), { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});

test('the chart template escapes every {{ of the plain manifest, and only those', () => {
  const [env] = renderApps([literalApp(LITERALS)]);
  const template = new HelmChartWriter({ version: '0.1.0' }).chartFiles(env).get('templates/templates.yaml') ?? '';
  const plain = manifestFiles([env]).get(`manifests/literal/dev/templates.yaml`) ?? '';
  const count = (text: string, what: string) => text.split(what).length - 1;
  expect(count(plain, '{{')).toBeGreaterThan(Object.keys(LITERALS).length);
  expect(count(template, '{{ "{{" }}')).toBe(count(plain, '{{'));
  expect(template.split('{{ "{{" }}').join('{{')).toBe(plain);
});
