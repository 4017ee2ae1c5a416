import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, type Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { AgentPlatform } from '../agent-platform';
import { type EnvironmentConfig } from '../environment';
import { collectProblems, SynthesisError } from '../core/errors';
import { toKubernetesName } from '../core/labels';
import { type KubeObject } from './kube-object';
import { renderApiObject } from './render';
import { toYamlDocuments } from './yaml';

export { type KubeObject } from './kube-object';

/** An app written once, as a function of its environment. */
export interface AgentAppDefinition {
  /** Name of the app: the folder under `manifests/` and the `app.kubernetes.io/part-of` label. */
  readonly name: string;
  /** The environments the app is synthesized for. */
  readonly environments: readonly EnvironmentConfig[];
  /** Builds the app in the platform (chart) of one environment. */
  readonly build: (platform: AgentPlatform) => void;
}

/** The objects of one construct, written to one file. */
export interface ManifestFile {
  /** File name, e.g. `jd-classifier.yaml`. */
  readonly fileName: string;
  readonly objects: readonly KubeObject[];
  /** The construct each object was rendered from, in the same order. */
  readonly sources: readonly ApiObject[];
}

/** One app in one environment, rendered. */
export interface RenderedEnvironment {
  readonly app: string;
  readonly environment: string;
  readonly platform: AgentPlatform;
  /** Files in write order: a construct's dependencies come before it. */
  readonly files: readonly ManifestFile[];
  /** Every object, in the same order. */
  readonly objects: readonly KubeObject[];
}

/** Something that writes more files from the rendered environments (the Helm chart writer). */
export interface IOutputWriter {
  files(environments: readonly RenderedEnvironment[]): Map<string, string>;
}

export interface SynthesizeOptions {
  /** Folder replaced by the output. */
  readonly outdir: string;
  /**
   * More outputs, e.g. Helm charts.
   * @default - plain manifests only
   */
  readonly writers?: readonly IOutputWriter[];
}

/** What a synthesis wrote. */
export interface SynthesisReport {
  readonly outdir: string;
  readonly environments: readonly RenderedEnvironment[];
  readonly fileCount: number;
  readonly objectCount: number;
}

interface FileNamed {
  readonly manifestFileName?: string;
}

/** Builds every app in every environment; construction errors become problems, not crashes. */
function buildAll(definitions: readonly AgentAppDefinition[], problems: string[]): { definition: AgentAppDefinition; env: EnvironmentConfig; platform: AgentPlatform }[] {
  const built = [];
  for (const definition of definitions) {
    for (const env of definition.environments) {
      try {
        const platform = new AgentPlatform(new App({ outdir: '.' }), `${definition.name}-${env.name}`, { appName: definition.name, environment: env });
        definition.build(platform);
        built.push({ definition, env, platform });
      } catch (error) {
        problems.push(`[${definition.name}/${env.name}] ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return built;
}

/** Top-level constructs of the platform, dependencies first, otherwise in creation order. */
function orderedOwners(platform: Chart): IConstruct[] {
  const owners = platform.node.children;
  const ownerOf = new Map<IConstruct, IConstruct>();
  for (const owner of owners) {
    for (const c of owner.node.findAll()) {
      ownerOf.set(c, owner);
    }
  }
  const dependsOn = new Map<IConstruct, Set<IConstruct>>(owners.map((o) => [o, new Set()]));
  for (const owner of owners) {
    for (const c of owner.node.findAll()) {
      for (const dep of c.node.dependencies) {
        const target = ownerOf.get(dep);
        if (target && target !== owner) {
          dependsOn.get(owner)?.add(target);
        }
      }
    }
  }
  const ordered: IConstruct[] = [];
  const state = new Map<IConstruct, 'visiting' | 'done'>();
  const visit = (owner: IConstruct) => {
    if (state.get(owner) === 'done' || state.get(owner) === 'visiting') {
      return;
    }
    state.set(owner, 'visiting');
    for (const dep of dependsOn.get(owner) ?? []) {
      visit(dep);
    }
    state.set(owner, 'done');
    ordered.push(owner);
  };
  owners.forEach(visit);
  return ordered;
}

function fileNameOf(owner: IConstruct): string {
  const named = (owner as FileNamed).manifestFileName ?? (owner as { name?: unknown }).name;
  return `${typeof named === 'string' ? named : toKubernetesName(owner.node.id)}.yaml`;
}

/** Renders the objects of a validated chart (an `AgentPlatform` or any cdk8s Chart), one file per top-level construct. */
export function renderPlatform(platform: Chart): ManifestFile[] {
  const files = new Map<string, { objects: KubeObject[]; sources: ApiObject[] }>();
  for (const owner of orderedOwners(platform)) {
    const sources = owner.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
    if (sources.length > 0) {
      // Constructs sharing a name (a SecretSource and the agent it serves) share a file.
      const file = files.get(fileNameOf(owner)) ?? { objects: [], sources: [] };
      file.objects.push(...sources.map(renderApiObject));
      file.sources.push(...sources);
      files.set(fileNameOf(owner), file);
    }
  }
  return [...files.entries()].map(([fileName, f]) => ({ fileName, objects: f.objects, sources: f.sources }));
}

/**
 * Builds, validates and renders every app in every environment, in memory. Every problem of
 * every app and environment is collected first; if there is any, it throws a `SynthesisError`
 * listing all of them.
 */
export function renderApps(definitions: readonly AgentAppDefinition[]): RenderedEnvironment[] {
  const problems: string[] = [];
  const built = buildAll(definitions, problems);
  for (const { platform } of built) {
    problems.push(...collectProblems(platform));
  }
  if (problems.length > 0) {
    throw new SynthesisError(problems);
  }
  const rendered: RenderedEnvironment[] = [];
  for (const { definition, env, platform } of built) {
    try {
      const files = renderPlatform(platform);
      rendered.push({ app: definition.name, environment: env.name, platform, files, objects: files.flatMap((f) => f.objects) });
    } catch (error) {
      problems.push(`[${definition.name}/${env.name}] ${error instanceof Error ? error.message : String(error)}`);
    }
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

/**
 * Writes the files into a staging folder next to `outdir`, then swaps it in. On any error the
 * previous output stays untouched.
 */
export function writeAtomically(outdir: string, files: ReadonlyMap<string, string>): void {
  const target = path.resolve(outdir);
  refuseDangerousOutdir(target);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.staging-`));
  try {
    const dirs = new Set<string>();
    for (const relative of files.keys()) {
      dirs.add(path.dirname(path.join(staging, relative)));
    }
    for (const dir of dirs) {
      fs.mkdirSync(dir, { recursive: true });
    }
    for (const [relative, content] of files) {
      fs.writeFileSync(path.join(staging, relative), content);
    }
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const previous = `${staging}.previous`;
  const hadPrevious = fs.existsSync(target);
  if (hadPrevious) {
    fs.renameSync(target, previous);
  }
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    if (hadPrevious) {
      fs.renameSync(previous, target);
    }
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  fs.rmSync(previous, { recursive: true, force: true });
}

/**
 * The output folder is replaced whole: never a filesystem root, the current folder or one of
 * its parents, or a folder that holds a project (package.json, .git).
 */
function refuseDangerousOutdir(target: string): void {
  const cwd = path.resolve('.');
  const isAncestorOfCwd = cwd === target || cwd.startsWith(`${target}${path.sep}`);
  const holdsProject = ['package.json', '.git'].some((f) => fs.existsSync(path.join(target, f)));
  if (path.parse(target).root === target || isAncestorOfCwd || holdsProject) {
    throw new Error(`refusing to replace "${target}": the output folder is deleted and rewritten on every synthesis; use a dedicated folder such as "dist"`);
  }
}

/**
 * Synthesizes every app in every environment to `<outdir>/manifests/<app>/<env>/` (plus the
 * writers' outputs), replacing `outdir` only when everything succeeded.
 * @throws SynthesisError listing every problem found, with nothing written
 */
export function synthesize(definitions: readonly AgentAppDefinition[], options: SynthesizeOptions): SynthesisReport {
  const environments = renderApps(definitions);
  const files = manifestFiles(environments);
  for (const writer of options.writers ?? []) {
    for (const [relative, content] of writer.files(environments)) {
      files.set(relative, content);
    }
  }
  writeAtomically(options.outdir, files);
  return {
    outdir: options.outdir,
    environments,
    fileCount: files.size,
    objectCount: environments.reduce((n, e) => n + e.objects.length, 0),
  };
}
