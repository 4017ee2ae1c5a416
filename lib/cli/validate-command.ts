import * as path from 'path';
import { type LocatedObject } from '../diff/output-diff';
import { formatFinding, type ManifestProblem, validateManifests, type ValidationOptions } from '../validation';
import { type CliIo, CliError, ExitCode } from './io';
import { readManifestFolder, type UnreadableFile } from './manifest-files';
import { shownPath } from './synth-command';

export interface ValidateOptions {
  /** `key=value,key=value`: the labels the cluster's Prometheus selects monitors by. */
  readonly prometheusSelector?: string;
  readonly domainRules: boolean;
  readonly ignoreMissingSchemas: boolean;
}

/** `release=kube-prometheus-stack,team=ml` as labels. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new CliError(`--prometheus-selector takes key=value pairs separated by commas, e.g. release=kube-prometheus-stack (got "${pair}")`);
    }
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/** One finding of a set, with the file its object came from. */
export interface Finding {
  readonly file: string;
  readonly line: string;
}

/**
 * Validates objects read from files as one set per folder (a folder is what gets applied
 * together, e.g. one app in one environment): the strict schemas, the API-server rules and the
 * domain rules, each finding in the form of a synthesis error.
 */
export function validateLocated(objects: readonly LocatedObject[], options: ValidationOptions): Finding[] {
  const sets = new Map<string, LocatedObject[]>();
  for (const o of objects) sets.set(o.folder, [...(sets.get(o.folder) ?? []), o]);
  return [...sets.values()].flatMap((set) => validateManifests(set.map((o) => o.object), options)
    .map((problem: ManifestProblem) => ({ file: set[problem.index].file, line: formatFinding(problem, set[problem.index].file) })));
}

function unreadableFindings(unreadable: readonly UnreadableFile[], cwd: string): Finding[] {
  return unreadable.map((u) => {
    const file = shownPath(cwd, path.resolve(u.file));
    return { file, line: `[${file}] (file): ${u.message.replace(`${u.file}: `, '')}` };
  });
}

/** `cdk8s-agents validate <paths...>`: any folder or file of Kubernetes manifests. */
export function validateCommand(paths: readonly string[], options: ValidateOptions, io: CliIo): ExitCode {
  const validation: ValidationOptions = {
    domainRules: options.domainRules,
    ignoreUnknownKinds: options.ignoreMissingSchemas,
    ...(options.prometheusSelector ? { prometheusSelector: parseLabels(options.prometheusSelector) } : {}),
  };
  let objects = 0;
  let files = 0;
  const findings: Finding[] = [];
  for (const given of paths) {
    const target = path.resolve(io.cwd, given);
    const set = readManifestFolder(target);
    const shown = (file: string) => shownPath(io.cwd, path.resolve(set.root, file));
    const located = set.objects.map((o) => ({ ...o, folder: shown(o.folder), file: shown(o.file) }));
    objects += located.length;
    files += set.fileCount;
    findings.push(...unreadableFindings(set.unreadable, io.cwd), ...validateLocated(located, validation));
  }
  if (files === 0) {
    throw new CliError(`no manifest files (.yaml, .yml, .json) in ${paths.join(', ')}`);
  }
  const checked = `${objects} object${objects === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  if (findings.length === 0) {
    io.out(`Checked ${checked}: no problems.\n`);
    return ExitCode.OK;
  }
  const count = findings.length === 1 ? '1 problem' : `${findings.length} problems`;
  io.err(`cdk8s-agents found ${count} in ${checked}:\n${findings.map((f) => `  ${f.line}\n`).join('')}`);
  return ExitCode.PROBLEMS;
}
