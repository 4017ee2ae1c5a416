import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, Option } from 'commander';
import { SynthesisError } from '../core/errors';
import { diffEnvironmentsCommand, diffOutputCommand } from './diff-command';
import { graphCommand } from './graph-command';
import { type CliIo, CliError, ExitCode } from './io';
import { synthCommand } from './synth-command';
import { validateCommand } from './validate-command';

/** This package's version, from the package.json above this file (source and build layouts differ in depth). */
function ownVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'cdk8s-agents' && manifest.version) return manifest.version;
    }
  }
  return 'unknown';
}

const APPS_HELP = 'module exporting "apps", an array of AgentAppDefinition (default: package.json "cdk8s-agents": { "apps": ... })';

function program(io: CliIo, setExit: (code: ExitCode) => void): Command {
  const root = new Command('cdk8s-agents')
    .description('Synthesize, compare, draw and validate Kubernetes manifests of cdk8s-agents apps (and any manifests).')
    .version(ownVersion())
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 done and nothing wrong, 1 problems found (invalid manifests, synthesis errors, stale files,\ndifferences with --exit-code), 2 the command could not run (bad arguments, unreadable module or folder).');

  root.command('synth')
    .description('synthesize every app in every environment: <outdir>/manifests/<app>/<env>/ and <outdir>/helm/<app>-<env>/, replaced only when everything succeeded')
    .option('--apps <module>', APPS_HELP)
    .option('-o, --outdir <folder>', 'output folder', 'dist')
    .option('--no-helm', 'write plain manifests only, no Helm charts')
    .option('--force', 'replace an output folder that synth did not write (every file in it is deleted)')
    .option('--prices <file>', 'a JSON price table: writes a monthly cost estimate, COST.md, next to each environment (see docs/cost.md)')
    .option('--chart-version <semver>', 'Helm chart version (default: the version in package.json)')
    .option('--progress', 'print a line per app and environment as it is built (default: when there are more than 3)')
    .option('--no-progress', 'never print progress')
    .action((options: { apps?: string; outdir: string; helm: boolean; force?: boolean; prices?: string; chartVersion?: string; progress?: boolean }) => setExit(synthCommand(options, io)));

  const diff = root.command('diff').description('compare two environments of an app, or the output with a previous one');
  diff.command('envs <first> <second>')
    .description('a table per workload: replicas or autoscaling, resources, probes, budget, spread, NetworkPolicy, secrets, and the features one environment adds or drops')
    .option('--apps <module>', APPS_HELP)
    .option('--app <name>', 'only this app (default: every app that has both environments)')
    .option('--changed-only', 'only the settings that differ', false)
    .action((first: string, second: string, options: { apps?: string; app?: string; changedOnly: boolean }) => setExit(diffEnvironmentsCommand(first, second, options, io)));
  diff.command('output')
    .description('object-level changes between a previous output (a folder, or a git revision: <rev> or <rev>:<path>) and the current one')
    .requiredOption('--base <folder|rev>', 'the previous output: a folder, or a git revision of the --head folder (rev) or of another path (rev:path)')
    .option('--head <folder>', 'the current output', 'dist')
    .addOption(new Option('--format <format>', 'markdown (for a pull-request comment) or text (for a CI log)').choices(['markdown', 'text']).default('markdown'))
    .option('--exit-code', 'exit 1 when anything changed', false)
    .action((options: { base: string; head: string; format: 'markdown' | 'text'; exitCode: boolean }) => setExit(diffOutputCommand(options, io)));

  root.command('graph')
    .description('the topology of each app and environment (workloads, tools, caches, inference, ingress, scrapers, external endpoints; the paths the NetworkPolicies allow)')
    .option('--apps <module>', APPS_HELP)
    .option('--app <name>', 'only this app')
    .option('--env <name...>', 'only these environments')
    .option('-o, --outdir <folder>', 'write <app>-<env>.md (Mermaid) and <app>-<env>.svg (Graphviz) there instead of printing')
    .option('--check', 'with --outdir: write nothing, exit 1 when a file is missing or stale', false)
    .addOption(new Option('--format <format>', 'what to print without --outdir').choices(['mermaid', 'markdown', 'svg']).default('mermaid'))
    .action(async (options: { apps?: string; app?: string; env?: string[]; outdir?: string; check: boolean; format: 'mermaid' | 'markdown' | 'svg' }) => setExit(await graphCommand(options, io)));
  root.command('validate <paths...>')
    .description('check folders or files of Kubernetes manifests (any, not only ours): strict Kubernetes 1.28 and CRD schemas, the rules the API server applies, and the domain rules (GPU pods without a startup probe, an evicting Redis used as a queue, KEDA targets of 0, budgets that block every eviction, monitors no Prometheus selects); each folder is one set applied together')
    .option('--prometheus-selector <labels>', 'the labels your Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by, e.g. release=kube-prometheus-stack (besides any Prometheus object in the set)')
    .option('--no-domain-rules', 'only the schemas and the API-server rules')
    .option('--ignore-missing-schemas', 'let kinds without a bundled schema pass (custom resources of other operators)', false)
    .action((paths: string[], options: { prometheusSelector?: string; domainRules: boolean; ignoreMissingSchemas: boolean }) => setExit(validateCommand(paths, options, io)));
  return root;
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit code. Usage
 * errors and problems are printed as plain text; nothing is thrown.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: ExitCode = ExitCode.OK;
  const root = program(io, (c) => { code = c; });
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    command.commands.forEach(configure);
  };
  configure(root);
  try {
    await root.parseAsync([...argv], { from: 'user' });
    if (argv.length === 0) {
      root.outputHelp();
    }
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (error instanceof CliError) {
      io.err(`cdk8s-agents: ${error.message}\n`);
      return error.exitCode;
    }
    if (SynthesisError.isSynthesisError(error)) {
      io.err(`${error.message}\n`);
      return ExitCode.PROBLEMS;
    }
    io.err(`cdk8s-agents: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return ExitCode.USAGE;
  }
}
