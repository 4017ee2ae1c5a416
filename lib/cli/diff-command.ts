import * as fs from 'fs';
import * as path from 'path';
import { diffEnvironments, environmentDiffMarkdown } from '../diff/environment-diff';
import { diffOutputs, outputDiffMarkdown, outputDiffText } from '../diff/output-diff';
import { renderApps } from '../synth/synthesizer';
import { loadApps, selectApps } from './app-module';
import { type CliIo, CliError, ExitCode } from './io';
import { type ManifestSet, readManifestFolder, readManifestRevision } from './manifest-files';

export interface EnvironmentDiffOptions {
  readonly apps?: string;
  readonly app?: string;
  readonly changedOnly: boolean;
}

/** `cdk8s-agents diff envs <first> <second>`: a table per workload, for each app that has both environments. */
export function diffEnvironmentsCommand(first: string, second: string, options: EnvironmentDiffOptions, io: CliIo): ExitCode {
  const apps = loadApps(io.cwd, options.apps).filter((a) => options.app === undefined || a.name === options.app);
  const both = apps.filter((a) => [first, second].every((e) => a.environments.some((x) => x.name === e)));
  if (both.length === 0) {
    throw new CliError(`no app${options.app ? ` named "${options.app}"` : ''} has both environments "${first}" and "${second}"; the apps have ${apps.map((a) => `${a.name} (${a.environments.map((e) => e.name).join(', ')})`).join('; ') || 'none'}`);
  }
  const rendered = renderApps(both.flatMap((a) => selectApps([a], undefined, [first, second])));
  for (const app of both) {
    const [x, y] = [first, second].map((e) => rendered.find((r) => r.app === app.name && r.environment === e));
    if (x && y) {
      io.out(environmentDiffMarkdown(diffEnvironments(app.name, x, y), { changedOnly: options.changedOnly }));
    }
  }
  return ExitCode.OK;
}

export interface OutputDiffOptions {
  /** A folder, or a git revision (`rev` or `rev:path`). */
  readonly base: string;
  /** The current output folder. */
  readonly head: string;
  readonly format: 'markdown' | 'text';
  readonly exitCode: boolean;
}

function readSide(spec: string, head: string, io: CliIo): ManifestSet {
  const folder = path.resolve(io.cwd, spec);
  return fs.existsSync(folder) ? readManifestFolder(folder) : readManifestRevision(io.cwd, spec, head);
}

/** `cdk8s-agents diff output --base <folder|rev>`: object-level changes of the output, for a pull-request comment or a CI log. */
export function diffOutputCommand(options: OutputDiffOptions, io: CliIo): ExitCode {
  if (!['markdown', 'text'].includes(options.format)) {
    throw new CliError(`--format must be markdown or text (got "${options.format}")`);
  }
  const after = readManifestFolder(path.resolve(io.cwd, options.head));
  const before = readSide(options.base, options.head, io);
  for (const u of [...before.unreadable, ...after.unreadable]) {
    io.err(`warning: ${u.file}: ${u.message}\n`);
  }
  const result = diffOutputs(before.objects, after.objects);
  const title = `output (${options.base} -> ${options.head})`;
  io.out(options.format === 'markdown' ? outputDiffMarkdown(result, title) : outputDiffText(result, title));
  return options.exitCode && result.changes.length > 0 ? ExitCode.PROBLEMS : ExitCode.OK;
}
