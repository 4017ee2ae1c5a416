import * as fs from 'fs';
import * as path from 'path';
import { SynthesisError } from '../core/errors';
import { HelmChartWriter } from '../synth/helm';
import { type AgentAppDefinition, synthesize } from '../synth/synthesizer';
import { loadApps } from './app-module';
import { type CliIo, ExitCode } from './io';

export interface SynthOptions {
  readonly apps?: string;
  readonly outdir: string;
  readonly helm: boolean;
  readonly chartVersion?: string;
  /** true/false forces; undefined: progress when more than `PROGRESS_THRESHOLD` app environments. */
  readonly progress?: boolean;
}

/** Above this many app environments, `synth` prints a line as it builds each. */
export const PROGRESS_THRESHOLD = 3;

/** The version of the project in `cwd` (its package.json), for the chart version. */
function projectVersion(cwd: string): string {
  const file = path.join(cwd, 'package.json');
  const version = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : '0.1.0';
}

/** A path relative to the working folder when it is below it, else absolute. */
export function shownPath(cwd: string, target: string): string {
  const relative = path.relative(cwd, target);
  return relative === '' ? '.' : relative.startsWith('..') ? target : relative;
}

/** Each definition's build reports itself first: progress without a hook in the synthesizer. */
function withProgress(apps: readonly AgentAppDefinition[], io: CliIo): AgentAppDefinition[] {
  const total = apps.reduce((n, a) => n + a.environments.length, 0);
  let done = 0;
  return apps.map((a) => ({
    ...a,
    build: (platform) => {
      done++;
      io.err(`[${done}/${total}] building ${a.name}/${platform.environment.name}\n`);
      a.build(platform);
    },
  }));
}

/** `cdk8s-agents synth`: every app in every environment, written atomically; exit 1 with every problem listed. */
export function synthCommand(options: SynthOptions, io: CliIo): ExitCode {
  const started = Date.now();
  const loaded = loadApps(io.cwd, options.apps);
  const count = loaded.reduce((n, a) => n + a.environments.length, 0);
  const apps = options.progress ?? count > PROGRESS_THRESHOLD ? withProgress(loaded, io) : loaded;
  const outdir = path.resolve(io.cwd, options.outdir);
  const writers = options.helm ? [new HelmChartWriter({ version: options.chartVersion ?? projectVersion(io.cwd) })] : [];
  try {
    const report = synthesize(apps, { outdir, writers });
    for (const env of report.environments) {
      io.out(`  ${env.app}/${env.environment}: ${env.objects.length} objects in ${env.files.length} files\n`);
    }
    io.out(`Synthesized ${report.objectCount} objects into ${report.fileCount} files under ${shownPath(io.cwd, outdir)}/ in ${Date.now() - started} ms\n`);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof SynthesisError) {
      io.err(`${error.message}\n`);
      return ExitCode.PROBLEMS;
    }
    throw error;
  }
}
