import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HELM_BINARIES, runHelm, type HelmBinary } from './helm';

const CHART_YAML = `apiVersion: v2
name: tiny
description: A tiny chart used to check the Helm test helpers
type: application
version: 0.1.0
appVersion: "1.0.0"
icon: https://example.com/icon.png
`;

const VALUES_YAML = `greeting: hello
replicas: 1
`;

const VALUES_SCHEMA = JSON.stringify(
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {
      greeting: { type: 'string' },
      replicas: { type: 'integer', minimum: 1 },
    },
  },
  null,
  2,
);

const CONFIGMAP_TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
  replicas: {{ .Values.replicas | quote }}
  literal: "{{ "{{" }} x {{ "}}" }}"
`;

/** A template using an API removed long ago: Helm lint reports it as a WARNING. */
const DEPRECATED_INGRESS = `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: {{ .Release.Name }}-old
spec:
  backend:
    serviceName: svc
    servicePort: 80
`;

let workDir: string;

function writeChart(name: string, extraTemplates: Record<string, string> = {}): string {
  const dir = path.join(workDir, name);
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), CHART_YAML.replace('name: tiny', `name: ${name}`));
  fs.writeFileSync(path.join(dir, 'values.yaml'), VALUES_YAML);
  fs.writeFileSync(path.join(dir, 'values.schema.json'), VALUES_SCHEMA);
  fs.writeFileSync(path.join(dir, 'templates', 'configmap.yaml'), CONFIGMAP_TEMPLATE);
  for (const [file, text] of Object.entries(extraTemplates)) {
    fs.writeFileSync(path.join(dir, 'templates', file), text);
  }
  return dir;
}

/** The schema-violation line each Helm major prints for an unknown top-level key. */
const UNKNOWN_KEY_MESSAGE: Record<HelmBinary['major'], (key: string) => string> = {
  3: (key) => `- (root): Additional property ${key} is not allowed`,
  4: (key) => `- at '': additional properties '${key}' not allowed`,
};

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-helm-test-'));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('both Helm majors are configured', () => {
  expect(HELM_BINARIES.map((h) => [h.label, h.major])).toEqual([
    ['helm3', 3],
    ['helm4', 4],
  ]);
  for (const helm of HELM_BINARIES) {
    expect(path.isAbsolute(helm.path)).toBe(true);
    expect(fs.existsSync(helm.path)).toBe(true);
  }
});

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  let chart: string;
  let warnChart: string;

  beforeAll(() => {
    chart = writeChart(`tiny-${helm.major}`);
    warnChart = writeChart(`warn-${helm.major}`, { 'ingress.yaml': DEPRECATED_INGRESS });
  });

  test('version runs and reports the right major', () => {
    const run = runHelm(helm, ['version', '--short']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(new RegExp(`^v${helm.major}\\.\\d+\\.\\d+`));
  });

  test('a failing command returns its status instead of throwing', () => {
    const run = runHelm(helm, ['template', 'rel', path.join(workDir, 'no-such-chart')]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Error:');
  });

  test('lint --strict passes on the tiny chart', () => {
    const run = runHelm(helm, ['lint', '--strict', chart]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  test('lint --strict fails on warnings, which are printed on stdout', () => {
    const run = runHelm(helm, ['lint', '--strict', warnChart]);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain(
      '[WARNING] templates/ingress.yaml: extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+',
    );
    expect(run.stderr).toContain('Error: 1 chart(s) linted, 1 chart(s) failed');
    // Without --strict the same warning does not fail the lint.
    expect(runHelm(helm, ['lint', warnChart]).status).toBe(0);
  });

  test('template renders the default values and the escaped literal', () => {
    const run = runHelm(helm, ['template', 'rel', chart]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('  name: rel-config\n');
    expect(run.stdout).toContain('  greeting: "hello"\n');
    expect(run.stdout).toContain('  replicas: "1"\n');
    expect(run.stdout).toContain('  literal: "{{ x }}"\n');
  });

  test('template honours --set of a known key', () => {
    const run = runHelm(helm, ['template', 'rel', chart, '--set', 'greeting=hi']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('  greeting: "hi"\n');
  });

  test('--set of an unknown key fails the schema', () => {
    const run = runHelm(helm, ['template', 'rel', chart, '--set', 'bogus=1']);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("Error: values don't meet the specifications of the schema(s) in the following chart(s):");
    expect(run.stderr).toContain(UNKNOWN_KEY_MESSAGE[helm.major]('bogus'));
  });

  test('lint --strict also reports the schema violation', () => {
    const run = runHelm(helm, ['lint', '--strict', chart, '--set', 'bogus=1']);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain(`[ERROR] values.yaml: ${UNKNOWN_KEY_MESSAGE[helm.major]('bogus')}`);
    expect(run.stderr).toContain('Error: 1 chart(s) linted, 1 chart(s) failed');
  });

  test('runs with the given cwd', () => {
    const run = runHelm(helm, ['template', 'rel', path.basename(chart)], { cwd: workDir });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`# Source: ${path.basename(chart)}/templates/configmap.yaml`);
  });
});
