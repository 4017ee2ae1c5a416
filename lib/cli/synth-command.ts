import * as fs from 'fs';
import * as path from 'path';
import { SynthesisError } from '../core/errors';
import { formatNotice } from '../core/notices';
import { type PriceTable } from '../cost/price-table';
import { HelmChartWriter } from '../synth/helm';
import { type AgentAppDefinition, synthesize } from '../synth/synthesizer';
import { loadApps } from './app-module';
import { type CliIo, CliError, ExitCode } from './io';

export interface SynthOptions {
  readonly apps?: string;
  readonly outdir: string;
  /** Replace an output folder synth did not write. */
  readonly force?: boolean;
  /** A JSON price table: writes COST.md per environment. */
  readonly prices?: string;
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

/** The price table file, read as JSON; `synthesize()` validates it with the other problems. */
function readPrices(cwd: string, file: string): PriceTable {
  try {
    return JSON.parse(fs.readFileSync(path.resolve(cwd, file), 'utf8')) as PriceTable;
  } catch (error) {
    throw new CliError(`cannot read the price table ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
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
    const cost = options.prices ? { prices: readPrices(io.cwd, options.prices) } : undefined;
    const report = synthesize(apps, { outdir, writers, force: options.force ?? false, ...(cost ? { cost } : {}) });
    for (const env of report.environments) {
      const estimate = report.cost.find((c) => c.app === env.app && c.environment === env.environment);
      io.out(`  ${env.app}/${env.environment}: ${env.objects.length} objects in ${env.files.length} files${estimate ? `; ${estimate.summary}` : ''}\n`);
    }
    if (report.notices.length > 0) {
      io.out(`What the environments changed in what was asked (${report.notices.length}):\n${report.notices.map((n) => `  ${formatNotice(n)}\n`).join('')}`);
    }
    io.out(`Synthesized ${report.objectCount} objects into ${report.fileCount} files under ${shownPath(io.cwd, outdir)}/ in ${Date.now() - started} ms\n`);
    return ExitCode.OK;
  } catch (error) {
    if (SynthesisError.isSynthesisError(error)) {
      io.err(`${error.message}\n`);
      return ExitCode.PROBLEMS;
    }
    throw error;
  }
}
