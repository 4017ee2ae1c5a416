import * as path from 'path';
import { ApiObject, App, type Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { AgentPlatform } from '../agent-platform';
import { type EnvironmentConfig } from '../environment';
import { z } from 'zod';
import { collectProblems, describeValue, formatIssue, SynthesisError } from '../core/errors';
import { toKubernetesName } from '../core/labels';
import { type KubeObject } from './kube-object';
import { type IOutputWriter, type ManifestFile, type RenderedEnvironment } from './rendered';
import { type PrerequisiteReport, prerequisitesMarkdown, prerequisitesOf } from './prerequisites';
import { costFiles, costOptionProblems, type CostOptions, estimateEnvironments } from '../cost/cost-options';
import { type CostEstimate } from '../cost/estimate';
import { collectNotices, type SynthesisNotice } from '../core/notices';
import { checkProps } from '../core/props';
import { resourceName } from '../core/schemas';
import { writeOutputFolder } from './output-folder';
import { orderedOwners } from './owners';
import { ApiObjectRenderer } from './render';
import { applySyncWaves } from './sync-waves';
import { toYamlDocuments } from './yaml';

export { type KubeObject } from './kube-object';
export { type IOutputWriter, type ManifestFile, type RenderedEnvironment } from './rendered';

/** An app written once, as a function of its environment. */
export interface AgentAppDefinition {
  /** Name of the app: the folder under `manifests/` and the `app.kubernetes.io/part-of` label. */
  readonly name: string;
  /** The environments the app is synthesized for. */
  readonly environments: readonly EnvironmentConfig[];
  /** Builds the app in the platform (chart) of one environment. */
  readonly build: (platform: AgentPlatform) => void;
}

export interface SynthesizeOptions {
  /** Folder replaced by the output (it gets a `.cdk8s-agents-output` marker file). */
  readonly outdir: string;
  /**
   * Replace `outdir` even when it exists and was not written by `synthesize()` (it has no marker
   * file): every file in it is deleted. Never a filesystem root, the current folder, one of its
   * parents, or a project folder.
   * @default false
   */
  readonly force?: boolean;
  /**
   * More outputs, e.g. Helm charts.
   * @default - plain manifests only
   */
  readonly writers?: readonly IOutputWriter[];
  /**
   * Estimates the monthly cost of every app and environment from its objects and a price table:
   * `COST.md` next to each environment's manifests and `SynthesisReport.cost`. An invalid table
   * is refused with the other problems, before anything is written.
   * @default - no estimate
   */
  readonly cost?: CostOptions;
}

/** What a synthesis wrote. */
export interface SynthesisReport {
  readonly outdir: string;
  readonly environments: readonly RenderedEnvironment[];
  readonly fileCount: number;
  readonly objectCount: number;
  /** Per app and environment, what must exist in the cluster before it is applied (also written as PREREQUISITES.md). */
  readonly prerequisites: readonly PrerequisiteReport[];
  /** The monthly cost estimate of every app and environment; empty unless `cost` was given. */
  readonly cost: readonly CostEstimate[];
  /** What the environments changed in what the constructs asked for (dev dropping an HPA...), one per change. */
  readonly notices: readonly SynthesisNotice[];
}

interface FileNamed {
  readonly manifestFileName?: string;
}

/** A thrown SynthesisError keeps its problems; anything else thrown by user code becomes one. */
function thrownProblems(where: string, error: unknown): string[] {
  if (SynthesisError.isSynthesisError(error)) {
    return [...error.problems];
  }
  return [`[${where}] ${error instanceof Error ? error.message : typeof error === 'string' ? error : describeValue(error)}`];
}

/** The name of an environment for paths and messages, whatever it was given. */
function environmentLabel(env: unknown, index: number): string {
  const name = typeof env === 'object' && env !== null ? (env as { name?: unknown }).name : undefined;
  return typeof name === 'string' && resourceName(30).safeParse(name).success ? name : `environment-${index + 1}`;
}

/** Builds every app in every environment; construction errors become problems, not crashes. */
interface BuiltEnvironment {
  readonly definition: AgentAppDefinition;
  readonly env: EnvironmentConfig;
  readonly label: string;
  readonly platform: AgentPlatform;
}

function buildAll(definitions: readonly AgentAppDefinition[], problems: string[]): BuiltEnvironment[] {
  const built: BuiltEnvironment[] = [];
  for (const definition of definitions) {
    definition.environments.forEach((env, index) => {
      const label = environmentLabel(env, index);
      try {
        const platform = new AgentPlatform(new App({ outdir: '.' }), `${definition.name}-${label}`, { appName: definition.name, environment: env });
        definition.build(platform);
        built.push({ definition, env, label, platform });
      } catch (error) {
        problems.push(...thrownProblems(`${definition.name}/${label}`, error));
      }
    });
  }
  return built;
}

const definitionSchema = z.object({
  name: resourceName(40),
  environments: z.array(z.unknown(), { error: 'must be a list of environments, e.g. [Environments.dev(), Environments.prod()]' })
    .min(1, { error: 'must list at least one environment (an app without one would write nothing)' }),
  build: z.custom<AgentAppDefinition['build']>((v) => typeof v === 'function', { error: 'must be a function (platform) => void that builds the app' }),
}).strict();

/**
 * The definitions themselves: a list of `{ name, environments, build }`, each app named once,
 * each environment of an app named once, and no two app/environment pairs writing one chart.
 */
export function definitionProblems(definitions: unknown): string[] {
  if (!Array.isArray(definitions)) {
    return [`[synthesize] definitions: must be a list of AgentAppDefinition ({ name, environments, build }) (got ${describeValue(definitions)})`];
  }
  const problems: string[] = [];
  const apps = new Map<string, number>();
  const charts = new Map<string, string>();
  definitions.forEach((definition: unknown, i) => {
    const { value, issues } = checkProps(definitionSchema, definition);
    const where = value ? value.name : `definitions[${i}]`;
    problems.push(...issues.map((issue) => `[${where}] ${formatIssue(issue)}`));
    if (!value) {
      return;
    }
    const first = apps.get(value.name);
    if (first !== undefined) {
      problems.push(`[${value.name}] name: is also the name of definitions[${first}]; each app needs its own name, or their manifests/${value.name}/ folders and charts would overwrite each other`);
      return;
    }
    apps.set(value.name, i);
    const names = new Map<string, number>();
    value.environments.forEach((env, j) => {
      const label = environmentLabel(env, j);
      const earlier = names.get(label);
      if (earlier !== undefined) {
        problems.push(`[${value.name}] environments[${j}].name: "${label}" is also the name of environments[${earlier}]; each environment of an app needs its own name, or one would overwrite the other's output`);
        return;
      }
      names.set(label, j);
      const chart = `${value.name}-${label}`;
      const other = charts.get(chart);
      if (other !== undefined) {
        problems.push(`[${value.name}/${label}] chart "${chart}" is also the chart of ${other}; rename the app or the environment`);
      }
      charts.set(chart, `${value.name}/${label}`);
    });
  });
  return problems;
}

function fileNameOf(owner: IConstruct): string {
  const named = (owner as FileNamed).manifestFileName ?? (owner as { name?: unknown }).name;
  return `${typeof named === 'string' ? named : toKubernetesName(owner.node.id)}.yaml`;
}

/**
 * Validates a chart (an `AgentPlatform` or any cdk8s Chart) as `App.synth()` does, then renders
 * its objects, one file per top-level construct.
 * @throws SynthesisError listing every problem of the chart; nothing is rendered then
 */
export function renderPlatform(platform: Chart): ManifestFile[] {
  const problems = collectProblems(platform);
  if (problems.length > 0) {
    throw new SynthesisError(problems);
  }
  const { files, problems: renderProblems } = renderValidated(platform);
  if (renderProblems.length > 0) {
    throw new SynthesisError(renderProblems);
  }
  return files;
}

/**
 * Renders the objects of a chart whose validation passed, one file per top-level construct.
 * Render failures come back as problems, each naming the construct path.
 */
function renderValidated(platform: Chart): { files: ManifestFile[]; problems: string[] } {
  applySyncWaves(platform);
  const renderer = new ApiObjectRenderer(platform);
  const problems: string[] = [];
  const files = new Map<string, { objects: KubeObject[]; sources: ApiObject[] }>();
  for (const owner of orderedOwners(platform)) {
    const sources = owner.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
    if (sources.length > 0) {
      // Constructs sharing a name (a SecretSource and the agent it serves) share a file.
      const file = files.get(fileNameOf(owner)) ?? { objects: [], sources: [] };
      for (const source of sources) {
        try {
          file.objects.push(renderer.render(source));
          file.sources.push(source);
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
      files.set(fileNameOf(owner), file);
    }
  }
  return { files: [...files.entries()].map(([fileName, f]) => ({ fileName, objects: f.objects, sources: f.sources })), problems };
}

/**
 * Builds, validates and renders every app in every environment, in memory. Every problem of
 * every app and environment is collected first; if there is any, it throws a `SynthesisError`
 * listing all of them.
 */
export function renderApps(definitions: readonly AgentAppDefinition[]): RenderedEnvironment[] {
  const problems = definitionProblems(definitions);
  if (problems.length > 0) {
    throw new SynthesisError(problems);
  }
  const built = buildAll(definitions, problems);
  for (const { platform } of built) {
    problems.push(...collectProblems(platform));
  }
  if (problems.length > 0) {
    throw new SynthesisError(problems);
  }
  const rendered: RenderedEnvironment[] = [];
  for (const { definition, label, platform } of built) {
    const result = renderValidated(platform);
    problems.push(...result.problems.map((p) => `[${definition.name}/${label}] ${p}`));
    rendered.push({ app: definition.name, environment: label, platform, files: result.files, objects: result.files.flatMap((f) => f.objects), notices: collectNotices(platform) });
  }
  if (problems.length > 0) {
    throw new SynthesisError(problems);
  }
  return rendered;
}

/** The plain-manifest files of the rendered environments, by path relative to the output folder. */
export function manifestFiles(environments: readonly RenderedEnvironment[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const env of environments) {
    for (const file of env.files) {
      files.set(path.posix.join('manifests', env.app, env.environment, file.fileName), toYamlDocuments(file.objects));
    }
  }
  return files;
}

/** `manifests/<app>/<env>/PREREQUISITES.md` of each rendered environment. */
export function prerequisiteFiles(environments: readonly RenderedEnvironment[]): Map<string, string> {
  return new Map(environments.map((env) => [path.posix.join('manifests', env.app, env.environment, 'PREREQUISITES.md'), prerequisitesMarkdown(prerequisitesOf(env))]));
}

/**
 * Writes the files to `outdir`, replacing it atomically (see `writeOutputFolder`): a killed
 * process leaves the previous or the new output there, never neither.
 */
export function writeAtomically(outdir: string, files: ReadonlyMap<string, string>, options: { force?: boolean } = {}): void {
  writeOutputFolder(outdir, files, options);
}

/**
 * Synthesizes every app in every environment to `<outdir>/manifests/<app>/<env>/` (plus the
 * writers' outputs), replacing `outdir` only when everything succeeded.
 * @throws SynthesisError listing every problem found, with nothing written
 */
export function synthesize(definitions: readonly AgentAppDefinition[], options: SynthesizeOptions): SynthesisReport {
  const outdir = typeof options === 'object' && options !== null ? options.outdir : undefined;
  if (typeof outdir !== 'string' || outdir === '') {
    throw new SynthesisError([`[synthesize] outdir: must name the output folder, e.g. { outdir: "dist" } (got ${describeValue(outdir)})`]);
  }
  const environments = renderWithCostProblems(definitions, options);
  const files = manifestFiles(environments);
  for (const [relative, content] of prerequisiteFiles(environments)) {
    files.set(relative, content);
  }
  const cost = options.cost ? estimateEnvironments(environments, options.cost) : [];
  for (const [relative, content] of costFiles(cost)) {
    files.set(relative, content);
  }
  for (const writer of options.writers ?? []) {
    for (const [relative, content] of writer.files(environments)) {
      files.set(relative, content);
    }
  }
  writeAtomically(outdir, files, { force: options.force === true });
  return {
    outdir,
    environments,
    fileCount: files.size,
    objectCount: environments.reduce((n, e) => n + e.objects.length, 0),
    prerequisites: environments.map(prerequisitesOf),
    cost,
    notices: environments.flatMap((e) => e.notices),
  };
}

/** The environment names the definitions declare; malformed definitions are reported by `renderApps`. */
function declaredEnvironmentNames(definitions: unknown): string[] {
  const names = new Set<string>();
  for (const definition of Array.isArray(definitions) ? definitions : []) {
    const environments: unknown = (definition as { environments?: unknown } | null)?.environments;
    for (const environment of Array.isArray(environments) ? environments : []) {
      const name: unknown = (environment as { name?: unknown } | null)?.name;
      if (typeof name === 'string') {
        names.add(name);
      }
    }
  }
  return [...names];
}

/** `renderApps`, with the problems of the cost options reported in the same error. */
function renderWithCostProblems(definitions: readonly AgentAppDefinition[], options: SynthesizeOptions): RenderedEnvironment[] {
  const environmentNames = declaredEnvironmentNames(definitions);
  const costProblems = options.cost !== undefined ? costOptionProblems(options.cost, environmentNames) : [];
  let environments: RenderedEnvironment[];
  try {
    environments = renderApps(definitions);
  } catch (error) {
    throw error instanceof SynthesisError && costProblems.length > 0 ? new SynthesisError([...error.problems, ...costProblems]) : error;
  }
  if (costProblems.length > 0) {
    throw new SynthesisError(costProblems);
  }
  return environments;
}
