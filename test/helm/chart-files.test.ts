/**
 * Issue 6: the files of every chart: Chart.yaml, values.yaml (global + one key per workload),
 * values.schema.json (draft-07, closed objects), README.md (documents every value), the helpers,
 * and nothing outside the chart layout. Packaging with a pinned version works in both Helms.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { apps } from '../../apps';
import { HelmChartWriter } from '../../lib';
import { HELM_BINARIES, runHelm } from '../helpers/helm';
import { byKey, type ChartSet, parseManifests, render, SCHEMA_ERROR, valueAt, valueLeaves, writeCharts } from './support';
import { nonEmpty } from '../helpers/lists';

let set: ChartSet;
beforeAll(() => {
  set = writeCharts();
});
afterAll(() => {
  set.dispose();
});

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job']);
const CHART_NAMES = apps.flatMap((app) => app.environments.map((env) => `${app.name}-${env.name}`));

/** The `app.kubernetes.io/name` label of an object, or its name. */
function nameLabelOf(o: { metadata: { name: string; labels?: unknown } }): string {
  return (o.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/name'] ?? o.metadata.name;
}

/** `evaluation-service` -> `evaluationService`, the documented values key of a workload. */
function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function readText(chart: string, file: string): string {
  return fs.readFileSync(path.join(set.chart(chart).dir, file), 'utf8');
}

function readSchema(chart: string): Record<string, unknown> {
  return JSON.parse(readText(chart, 'values.schema.json')) as Record<string, unknown>;
}

/**
 * Every sub-schema describing an object, with its JSON pointer: walks the whole document
 * (properties, definitions / $defs reached by $ref, anyOf / oneOf / allOf, items).
 */
function objectSchemas(schema: unknown, at = ''): { at: string; schema: Record<string, unknown> }[] {
  if (typeof schema !== 'object' || schema === null) {
    return [];
  }
  if (Array.isArray(schema)) {
    return schema.flatMap((item, i) => objectSchemas(item, `${at}/${i}`));
  }
  const node = schema as Record<string, unknown>;
  const own = node.type === 'object' ? [{ at: at === '' ? '/' : at, schema: node }] : [];
  return [...own, ...Object.entries(node).flatMap(([key, child]) => objectSchemas(child, `${at}/${key}`))];
}

describe.each(CHART_NAMES)('%s', (name) => {
  test('Chart.yaml: apiVersion v2, name <app>-<env>, version and appVersion from the options, kubeVersion', () => {
    const chart = parseYaml(readText(name, 'Chart.yaml')) as Record<string, unknown>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name, type: 'application', version: '0.1.0', appVersion: '0.1.0', kubeVersion: '>= 1.28.0-0' });
    expect(typeof chart.description).toBe('string');
  });

  test('values.yaml: exactly global, the namespace quota, and one key per workload, global first', () => {
    const chart = set.chart(name);
    // A workload's key follows its name label: a download Job named per model revision
    // (llm-weights-<revision>-<hash>) keeps one key (llmWeights).
    const workloads = [...new Set(chart.plain.filter((o) => WORKLOAD_KINDS.has(o.kind)).map((o) => camelCase(nameLabelOf(o))))];
    expect(workloads.length).toBeGreaterThan(0);
    const keys = Object.keys(chart.values);
    expect(keys[0]).toBe('global');
    expect([...keys].sort()).toEqual(['global', 'resourceQuota', ...workloads].sort());
    // The quota's default hard limits are exactly those of the plain ResourceQuota.
    const quota = chart.plain.find((o) => o.kind === 'ResourceQuota') as unknown as { spec: { hard: Record<string, unknown> } };
    expect(valueAt(chart.values, 'resourceQuota.hard')).toEqual(quota.spec.hard);
    expect(valueAt(chart.values, 'global.imageRegistry')).toBe(chart.env.platform.environment.images.registry ?? '');
    expect(valueAt(chart.values, 'global.createNamespace')).toBe(true);
  });

  test('values.schema.json: valid draft-07, closed at the top, per workload and in every nested object', () => {
    const schema = readSchema(name);
    expect(schema.$schema).toBe(DRAFT_07);
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    const ajv = new Ajv({ strict: true, allErrors: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties).sort()).toEqual(Object.keys(set.chart(name).values).sort());
    for (const [key, sub] of nonEmpty(Object.entries(properties))) {
      expect({ key, additionalProperties: sub.additionalProperties }).toEqual({ key, additionalProperties: false });
    }
    // The walk reaches nested objects (image, resources and their sides, inline or as definitions).
    // (More object schemas than the root plus one per top-level key.)
    expect(objectSchemas(schema).length).toBeGreaterThan(Object.keys(properties).length + 2);
    // Every object is closed, but the quota's hard limits: a map from resource name to quantity.
    const open = objectSchemas(schema).filter((s) => s.schema.additionalProperties !== false).map((s) => s.at);
    expect(open).toEqual(['/properties/resourceQuota/properties/hard']);
    expect((properties.resourceQuota.properties as Record<string, Record<string, unknown>>).hard.additionalProperties).toEqual({ $ref: '#/definitions/quantity' });
  });

  test('values.yaml validates against values.schema.json (ajv, strict)', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(readSchema(name));
    const valid = validate(set.chart(name).values);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('README.md documents every leaf of values.yaml (a whole block like resources counts for its leaves)', () => {
    const readme = readText(name, 'README.md');
    const documented = [...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(0);
    const values = set.chart(name).values;
    const undocumented = valueLeaves(values)
      .filter((leaf) => !leaf.some((_, i) => documented.includes(leaf.slice(0, i + 1).join('.'))))
      .map((leaf) => leaf.join('.'));
    expect(undocumented).toEqual([]);
    // And every documented key is a value or an optional image field.
    const unknown = documented.filter((key) => valueAt(values, key) === undefined && !/\.image\.(digest|registry)$/.test(key));
    expect(unknown).toEqual([]);
    expect(readme).toContain(`# ${name}\n`);
    expect(readme).toContain(`--namespace ${set.chart(name).namespace}`);
  });

  test('templates/_helpers.tpl defines the image helper, NOTES.txt lists the prerequisites; every file is in the chart layout', () => {
    const chart = set.chart(name);
    expect(readText(name, 'templates/_helpers.tpl')).toContain('{{- define "cdk8s-agents.image" -}}');
    const files = [...set.files.keys()].filter((f) => f.startsWith(`helm/${name}/`)).map((f) => f.slice(`helm/${name}/`.length)).sort();
    const templates = chart.env.files.map((f) => `templates/${f.fileName}`);
    expect(files).toEqual(['.helmignore', 'Chart.yaml', 'README.md', 'templates/NOTES.txt', 'templates/_helpers.tpl', ...templates, 'templates/zz-value-checks.yaml', 'values.schema.json', 'values.yaml'].sort());
    expect(readText(name, 'templates/NOTES.txt')).toContain(`needs, in the cluster:`);
    // On disk too: nothing else was written.
    const onDisk = fs.readdirSync(chart.dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(chart.dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
      .sort();
    expect(onDisk).toEqual(files);
  });
});

test('the writer writes only below helm/<app>-<env>/', () => {
  const charts = new Set(CHART_NAMES);
  const outside = [...set.files.keys()].filter((f) => {
    const [top, chart] = f.split('/');
    return top !== 'helm' || !charts.has(chart);
  });
  expect(outside).toEqual([]);
});

test('Chart.yaml takes version and appVersion from the options', () => {
  const env = set.chart('evaluation-prod').env;
  const files = new HelmChartWriter({ version: '2.4.0-rc.1+build.7', appVersion: '2024.05.01-abc123' }).chartFiles(env);
  expect(parseYaml(files.get('Chart.yaml') ?? '')).toMatchObject({ name: 'evaluation-prod', version: '2.4.0-rc.1+build.7', appVersion: '2024.05.01-abc123' });
});

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  test('helm package --version pins the chart version; the package renders what the folder renders', () => {
    const chart = set.chart('support-copilot-prod');
    const out = path.join(set.root, `packages-${helm.label}`);
    fs.mkdirSync(out, { recursive: true });
    const run = runHelm(helm, ['package', chart.dir, '--version', '1.4.2', '--app-version', 'abc1234', '--destination', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const archive = path.join(out, 'support-copilot-prod-1.4.2.tgz');
    expect(fs.existsSync(archive)).toBe(true);
    const shown = runHelm(helm, ['show', 'chart', archive]);
    expect(parseYaml(shown.stdout)).toMatchObject({ name: 'support-copilot-prod', version: '1.4.2', appVersion: 'abc1234' });
    const fromPackage = runHelm(helm, ['template', chart.name, archive, '--namespace', chart.namespace]);
    expect(fromPackage.status).toBe(0);
    expect(byKey(parseManifests(fromPackage.stdout))).toStrictEqual(byKey(render(helm, chart)));
    // The schema travels in the package.
    const rejected = runHelm(helm, ['template', chart.name, archive, '--set', 'bogus=1']);
    expect(rejected.status).not.toBe(0);
    expect(rejected.stderr).toContain(`Error: ${SCHEMA_ERROR} in the following chart(s):\n${chart.name}:\n`);
    expect(rejected.stderr).toContain('bogus');
  });

  test('helm show values prints values.yaml', () => {
    const chart = set.chart('emm-prod');
    const run = runHelm(helm, ['show', 'values', chart.dir]);
    expect(run.status).toBe(0);
    expect(parseYaml(run.stdout)).toEqual(chart.values);
  });
});
