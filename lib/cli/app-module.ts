import * as fs from 'fs';
import * as path from 'path';
import { type AgentAppDefinition } from '../synth/synthesizer';
import { CliError } from './io';

/** Where the CLI looks for the apps when `--apps` is not given: `"cdk8s-agents": { "apps": "<module>" }` in package.json. */
export const PACKAGE_FIELD = 'cdk8s-agents';

interface PackageManifest {
  readonly [PACKAGE_FIELD]?: { readonly apps?: unknown };
}

/** The module named by `--apps`, else by package.json's `cdk8s-agents.apps`. */
export function appModulePath(cwd: string, given: string | undefined): string {
  if (given) {
    return path.resolve(cwd, given);
  }
  const manifestPath = path.join(cwd, 'package.json');
  const manifest = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as PackageManifest : {};
  const configured = manifest[PACKAGE_FIELD]?.apps;
  if (typeof configured !== 'string') {
    throw new CliError(`no apps to load: pass --apps <module>, or add "${PACKAGE_FIELD}": { "apps": "build/apps/index.js" } to ${manifestPath}; the module exports "apps", an array of AgentAppDefinition ({ name, environments, build })`);
  }
  return path.resolve(cwd, configured);
}

function isDefinition(value: unknown): value is AgentAppDefinition {
  const v = value as Partial<AgentAppDefinition> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && Array.isArray(v.environments) && typeof v.build === 'function';
}

/** A TypeScript module is loaded through ts-node when the project has it (as cdk8s TypeScript projects do). */
function registerTypeScript(file: string, cwd: string): void {
  let tsNode: string;
  try {
    tsNode = require.resolve('ts-node', { paths: [cwd, path.dirname(file)] });
  } catch {
    throw new CliError(`${file} is TypeScript and ts-node is not installed: compile it first (e.g. tsc) and pass the .js file, or npm install --save-dev ts-node`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(tsNode) as { register(options: object): void }).register({ transpileOnly: true });
}

/**
 * Loads the app definitions: the module's `apps` export (or its default export), an array of
 * `AgentAppDefinition` or a single one.
 */
export function loadApps(cwd: string, given: string | undefined): AgentAppDefinition[] {
  const file = appModulePath(cwd, given);
  if (/\.(c|m)?ts$/.test(file)) {
    registerTypeScript(file, cwd);
  }
  let loaded: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot load the apps from ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const exported = loaded.apps ?? loaded.default;
  const apps = Array.isArray(exported) ? exported : [exported];
  if (apps.length === 0 || !apps.every(isDefinition)) {
    throw new CliError(`${file} must export "apps": an array of AgentAppDefinition ({ name, environments, build }); it exports ${Object.keys(loaded).map((k) => `"${k}"`).join(', ') || 'nothing'}`);
  }
  return apps;
}

/** The definitions narrowed to one app and some environments (all when not given); unknown names are errors. */
export function selectApps(apps: readonly AgentAppDefinition[], app: string | undefined, environments: readonly string[] | undefined): AgentAppDefinition[] {
  const chosen = app === undefined ? apps : apps.filter((a) => a.name === app);
  if (chosen.length === 0) {
    throw new CliError(`no app named "${app}"; the apps are ${apps.map((a) => a.name).join(', ')}`);
  }
  if (!environments) {
    return [...chosen];
  }
  return chosen.map((a) => {
    const known = a.environments.map((e) => e.name);
    const unknown = environments.filter((e) => !known.includes(e));
    if (unknown.length > 0) {
      throw new CliError(`app "${a.name}" has no environment ${unknown.map((e) => `"${e}"`).join(', ')}; it has ${known.join(', ')}`);
    }
    return { ...a, environments: environments.map((e) => a.environments[known.indexOf(e)]) };
  });
}
