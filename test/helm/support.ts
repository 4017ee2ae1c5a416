/**
 * Shared plumbing of the Helm chart tests: writes the charts of the example apps (or of any
 * rendered environment) into a temp folder, renders them with a real Helm binary, and compares
 * rendered objects field by field.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { apps } from '../../apps';
import { type AgentAppDefinition, HelmChartWriter, type HelmChartOptions, type KubeObject, renderApps, type RenderedEnvironment } from '../../lib';
import { manifestFiles } from '../../lib/synth/synthesizer';
import { type HelmBinary, type HelmRun, runHelm } from '../helpers/helm';

/** The message both Helm majors print first when values break values.schema.json. */
export const SCHEMA_ERROR = "values don't meet the specifications of the schema(s)";

/** One written chart: where it is, what it was made from, and its default values. */
export interface WrittenChart {
  /** `<app>-<env>`, the folder and the chart name. */
  readonly name: string;
  readonly dir: string;
  readonly env: RenderedEnvironment;
  readonly namespace: string;
  /** The plain objects of the environment, parsed from the plain manifest files (YAML 1.1). */
  readonly plain: readonly KubeObject[];
  /** values.yaml, parsed. */
  readonly values: Record<string, unknown>;
}

/** Charts written into a temp folder; `dispose()` removes it. */
export class ChartSet {
  public readonly charts = new Map<string, WrittenChart>();

  constructor(
    public readonly root: string,
    public readonly environments: readonly RenderedEnvironment[],
    /** Every file the writer returned, by path relative to `root`. */
    public readonly files: ReadonlyMap<string, string>,
  ) {
    const plainFiles = manifestFiles(environments);
    for (const env of environments) {
      const name = `${env.app}-${env.environment}`;
      const dir = path.join(root, 'helm', name);
      const prefix = `manifests/${env.app}/${env.environment}/`;
      const plain = [...plainFiles.entries()].filter(([file]) => file.startsWith(prefix)).flatMap(([, text]) => parseManifests(text));
      const values = parseYaml(fs.readFileSync(path.join(dir, 'values.yaml'), 'utf8'), { version: '1.1' }) as Record<string, unknown>;
      this.charts.set(name, { name, dir, env, namespace: env.platform.environment.namespace, plain, values });
    }
  }

  public chart(name: string): WrittenChart {
    const chart = this.charts.get(name);
    if (!chart) {
      throw new Error(`no chart "${name}" (there are: ${[...this.charts.keys()].join(', ')})`);
    }
    return chart;
  }

  public dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Writes `files` (relative path to content) below `root`. */
export function writeFiles(root: string, files: ReadonlyMap<string, string>): void {
  for (const [relative, content] of files) {
    const target = path.join(root, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

/** Renders the apps and writes one chart per app and environment into a fresh temp folder. */
export function writeCharts(
  definitions: readonly AgentAppDefinition[] = apps,
  options: HelmChartOptions = { version: '0.1.0' },
): ChartSet {
  const environments = renderApps(definitions);
  const files = new HelmChartWriter(options).files(environments);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-helm-charts-'));
  writeFiles(root, files);
  return new ChartSet(root, environments, files);
}

/** Every non-empty document of a multi-document YAML stream, parsed as YAML 1.1 (what Kubernetes reads). */
export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text, { version: '1.1' })) {
    if (document.errors.length > 0) {
      throw new Error(`YAML error: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    const value = document.toJS() as unknown;
    if (value !== null && value !== undefined) {
      objects.push(value as KubeObject);
    }
  }
  return objects;
}

/** `apiVersion kind namespace/name`, unique per object in a chart. */
export function objectKey(object: KubeObject): string {
  return `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** Objects by key, sorted by key; fails on a duplicate key. */
export function byKey(objects: readonly KubeObject[]): Record<string, KubeObject> {
  const out: Record<string, KubeObject> = {};
  for (const object of [...objects].sort((a, b) => objectKey(a).localeCompare(objectKey(b)))) {
    const key = objectKey(object);
    if (key in out) {
      throw new Error(`two objects share the key "${key}"`);
    }
    out[key] = object;
  }
  return out;
}

/** `helm template` of a chart; returns the run. */
export function template(helm: HelmBinary, chart: WrittenChart, args: readonly string[] = [], release = chart.name): HelmRun {
  return runHelm(helm, ['template', release, chart.dir, '--namespace', chart.namespace, ...args]);
}

/** `helm template` that must succeed; returns the parsed objects. */
export function render(helm: HelmBinary, chart: WrittenChart, args: readonly string[] = [], release = chart.name): KubeObject[] {
  const run = template(helm, chart, args, release);
  if (run.status !== 0) {
    throw new Error(`${helm.label} template ${chart.name} ${args.join(' ')} failed (${run.status}):\n${run.stderr}`);
  }
  return parseManifests(run.stdout);
}

/** One field that differs between two object sets; `before`/`after` undefined when absent. */
export interface FieldChange {
  /** Object key (see `objectKey`). */
  readonly object: string;
  /** Dotted path; array items that have a `name` are written `[name=<name>]`, others `[<index>]`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function namedItems(items: readonly unknown[]): Map<string, unknown> | undefined {
  const named = new Map<string, unknown>();
  for (const item of items) {
    if (!isRecord(item) || typeof item.name !== 'string' || named.has(item.name)) {
      return undefined;
    }
    named.set(item.name, item);
  }
  return named;
}

function diffValues(object: string, at: string, before: unknown, after: unknown, out: FieldChange[]): void {
  const join = (key: string) => (at === '' ? key : `${at}.${key}`);
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      diffValues(object, join(key), before[key], after[key], out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = namedItems(before);
    const b = namedItems(after);
    if (a && b) {
      for (const name of new Set([...a.keys(), ...b.keys()])) {
        diffValues(object, `${at}[name=${name}]`, a.get(name), b.get(name), out);
      }
      return;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      diffValues(object, `${at}[${i}]`, before[i], after[i], out);
    }
    return;
  }
  if (!Object.is(before, after)) {
    out.push({ object, path: at, before, after });
  }
}

/**
 * Every leaf that differs between two renders, object by object. An object present on one side
 * only is one change with path `''`.
 */
export function diffRenders(before: readonly KubeObject[], after: readonly KubeObject[]): FieldChange[] {
  const a = byKey(before);
  const b = byKey(after);
  const changes: FieldChange[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!(key in a) || !(key in b)) {
      changes.push({ object: key, path: '', before: a[key], after: b[key] });
    } else {
      diffValues(key, '', a[key], b[key], changes);
    }
  }
  return changes;
}

/** Reads a dotted values path (`a.b.c`). */
export function valueAt(values: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), values);
}

/**
 * Every leaf of a values tree as a dotted path. Keys with dots (`nvidia.com/gpu`) stay whole,
 * so a path is split by its parents rather than by dots.
 */
export function valueLeaves(values: unknown, prefix: readonly string[] = []): string[][] {
  if (!isRecord(values) || Object.keys(values).length === 0) {
    return [prefix as string[]];
  }
  return Object.entries(values).flatMap(([key, value]) => valueLeaves(value, [...prefix, key]));
}

/** The values path of every image block (`{ repository, ... }`), e.g. `redisCache.exporter.image`. */
export function imageBlocks(values: unknown, prefix = ''): { path: string; image: Record<string, unknown> }[] {
  if (!isRecord(values)) {
    return [];
  }
  return Object.entries(values).flatMap(([key, value]) => {
    const at = prefix === '' ? key : `${prefix}.${key}`;
    if (key === 'image' && isRecord(value) && typeof value.repository === 'string') {
      return [{ path: at, image: value }];
    }
    return imageBlocks(value, at);
  });
}

/** The values path of the image block whose repository is `repository`; fails when not exactly one. */
export function imageKey(values: unknown, repository: string): string {
  const found = imageBlocks(values).filter((b) => b.image.repository === repository);
  if (found.length !== 1) {
    throw new Error(`expected one image block with repository "${repository}", found ${found.length}: ${imageBlocks(values).map((b) => `${b.path}=${String(b.image.repository)}`).join(', ')}`);
  }
  return found[0].path;
}

/** The top-level values key (workload) of a values path. */
export function workloadOf(valuesPath: string): string {
  return valuesPath.split('.')[0];
}

/** Every `image` field of every container, init container and job container of the objects. */
export function imageFields(objects: readonly KubeObject[]): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (object: string, at: string, node: unknown) => {
    if (Array.isArray(node)) {
      const named = namedItems(node);
      node.forEach((item, i) => walk(object, `${at}[${named ? `name=${(item as { name: string }).name}` : i}]`, item));
    } else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        const here = at === '' ? key : `${at}.${key}`;
        if (key === 'image' && typeof value === 'string' && /(containers|initContainers)\[name=[^\]]+\]$/.test(at)) {
          out.push({ object, path: here, before: value, after: value });
        } else {
          walk(object, here, value);
        }
      }
    }
  };
  for (const object of objects) {
    walk(objectKey(object), '', object);
  }
  return out;
}

/** Find one object by kind and name. */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} "${name}", found ${found.length}`);
  }
  return found[0];
}
