/**
 * The refusal campaign: every public construct, factory and method, with random recipes in dev
 * and in prod. Each run must either synthesize output that passes the strict validation (and, on
 * a sample, `helm lint --strict` and `helm template` with Helm 3 and 4), or fail with a
 * SynthesisError; any other exception is a crash. Inputs come from `fc.sample` with a seed per
 * target and environment, so `FUZZ_SEED` plus the reported index reproduces a failure.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import {
  AgentBatchJob, AgentMicroservice, AgentPlatform, collectProblems, EnvValue, type EnvironmentConfig, Environments, ExternalEndpoint,
  GpuInferencePool, HelmChartWriter, InferenceFallback, InferenceGateway, InferenceRouting, McpToolService, ObservabilityStack, QueueTrigger, RedisCacheStatefulSet, RedisUsage,
  type RenderedEnvironment, ScalingMetric, SecretSource, SharedVolume, SynthesisError,
} from '../../lib';
import { describeValue } from '../../lib/core/errors';
import { renderPlatform } from '../../lib/synth/synthesizer';
import { HELM_BINARIES, runHelm } from '../helpers/helm';
import { formatProblems, validateManifests } from '../validation';
import * as r from './recipes';

const { fc } = r;

export type EnvName = 'dev' | 'prod';

/** The constructs a recipe may reference, created on first use in the run's platform. */
class Fixtures {
  private readonly made = new Map<string, unknown>();
  private foreign?: AgentPlatform;

  constructor(private readonly platform: AgentPlatform) {}

  public get(name: r.RefName): unknown {
    if (!this.made.has(name)) {
      this.made.set(name, this.make(name));
    }
    return this.made.get(name);
  }

  private foreignPlatform(): AgentPlatform {
    this.foreign ??= new AgentPlatform(new App({ outdir: '.' }), 'other', { appName: 'other', environment: this.platform.environment });
    return this.foreign;
  }

  private make(name: r.RefName): unknown {
    const p = this.platform;
    switch (name) {
      case 'cache': return new RedisCacheStatefulSet(p, 'fx-cache', { usage: RedisUsage.QUEUE });
      case 'tool': return new McpToolService(p, 'fx-tool', { image: 'ghcr.io/acme/tool:1.0.0' });
      case 'externalTool': return McpToolService.fromServiceName(p, 'fx-external-tool', { name: 'search', namespace: 'shared-tools' });
      case 'agent': return new AgentMicroservice(p, 'fx-agent', { image: 'ghcr.io/acme/agent:1.0.0' });
      case 'secret': return new SecretSource(p, 'fx-secret', { keys: ['password', 'username'] });
      case 'volume': return new SharedVolume(p, 'fx-volume', { size: '1Gi' });
      case 'pool': return new GpuInferencePool(p, 'fx-pool', { model: r.PINNED_MODEL, fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) });
      case 'foreignCache': return new RedisCacheStatefulSet(this.foreignPlatform(), 'foreign-cache', { usage: RedisUsage.QUEUE });
      case 'foreignSecret': return new SecretSource(this.foreignPlatform(), 'foreign-secret', { keys: ['password'] });
      case 'platform': return p;
      case 'duck': return { name: 'duck', wireName: 'duck', secretName: 'duck', keys: ['password'], block: '0.0.0.0/0', ports: [], node: {}, connections: {}, bindingEnv: () => ({}), toVolume: () => ({}), passwordSecret: {} };
    }
  }
}

type Factory = (...args: unknown[]) => unknown;
const FACTORIES: Record<r.FactoryName, Factory> = {
  'ExternalEndpoint.internet': (o) => ExternalEndpoint.internet(o as never),
  'ExternalEndpoint.https': (...h) => ExternalEndpoint.https(...(h as never[])),
  'ExternalEndpoint.cidr': (b, o) => ExternalEndpoint.cidr(b as never, o as never),
  'EnvValue.fromValue': (v) => EnvValue.fromValue(v as never),
  'EnvValue.fromConfigMap': (c, k) => EnvValue.fromConfigMap(c as never, k as never),
  'EnvValue.fromSecret': (s, k) => EnvValue.fromSecret(s as never, k as never),
  'EnvValue.fromFieldPath': (f) => EnvValue.fromFieldPath(f as never),
  'QueueTrigger.redisList': (c, o) => QueueTrigger.redisList(c as never, o as never),
  'QueueTrigger.rabbitMq': (o) => QueueTrigger.rabbitMq(o as never),
  'QueueTrigger.kafka': (o) => QueueTrigger.kafka(o as never),
  'QueueTrigger.sqs': (o) => QueueTrigger.sqs(o as never),
  'QueueTrigger.prometheus': (o) => QueueTrigger.prometheus(o as never),
  'InferenceFallback.cpuModel': (o) => InferenceFallback.cpuModel(o as never),
  'InferenceFallback.external': (o) => InferenceFallback.external(o as never),
  'InferenceRouting.service': () => InferenceRouting.service(),
  'InferenceRouting.inferencePool': (o) => InferenceRouting.inferencePool(o as never),
  'InferenceGateway.fromName': (n, o) => InferenceGateway.fromName(n as never, o as never),
  'ScalingMetric.podsAverage': (m, v, s) => ScalingMetric.podsAverage(m as never, v as never, s as never),
  'ScalingMetric.latency': (m, v) => ScalingMetric.latency(m as never, v as never),
  'ScalingMetric.external': (m, v, s) => ScalingMetric.external(m as never, v as never, s as never),
  'Environments.dev': (...o) => Environments.dev(...(o as never[])),
  'Environments.staging': (...o) => Environments.staging(...(o as never[])),
  'Environments.prod': (...o) => Environments.prod(...(o as never[])),
};

/** Replaces references and factory calls of a recipe by the real things. */
function materialize(recipe: unknown, fixtures: Fixtures): unknown {
  if (recipe instanceof r.Ref) {
    return fixtures.get(recipe.name);
  }
  if (recipe instanceof r.Call) {
    return FACTORIES[recipe.fn](...recipe.args.map((a) => materialize(a, fixtures)));
  }
  if (Array.isArray(recipe)) {
    return recipe.map((item) => materialize(item, fixtures));
  }
  const prototype = recipe !== null && typeof recipe === 'object' ? Object.getPrototypeOf(recipe) as unknown : undefined;
  if (prototype === Object.prototype || prototype === null) {
    return Object.fromEntries(Object.entries(recipe as object).map(([k, v]) => [k, materialize(v, fixtures)]));
  }
  return recipe;
}

const IMAGE = 'ghcr.io/acme/agent:1.0.0';
const WORKER_HEALTH = { command: ['/bin/worker', 'healthcheck'] };

/** A public entry point: what to generate and how to apply it in a platform. */
export interface Target {
  readonly name: string;
  readonly recipe: r.fc.Arbitrary<unknown>;
  /** The environment of the run; by default the preset of the campaign's environment. */
  readonly environment?: (input: unknown, env: EnvName, fixtures: (p: AgentPlatform) => Fixtures) => EnvironmentConfig;
  apply(platform: AgentPlatform, input: unknown, fixtures: Fixtures): void;
}

export const TARGETS: readonly Target[] = [
  { name: 'AgentMicroservice', recipe: r.agentProps, apply: (p, i, f) => { new AgentMicroservice(p, 'subject', materialize(i, f) as never); } },
  { name: 'McpToolService', recipe: r.mcpProps, apply: (p, i, f) => { new McpToolService(p, 'subject', materialize(i, f) as never); } },
  { name: 'RedisCacheStatefulSet', recipe: r.redisProps, apply: (p, i, f) => { new RedisCacheStatefulSet(p, 'subject', materialize(i, f) as never); } },
  { name: 'GpuInferencePool', recipe: r.poolProps, apply: (p, i, f) => { new GpuInferencePool(p, 'subject', materialize(i, f) as never); } },
  { name: 'AgentBatchJob', recipe: r.batchProps, apply: (p, i, f) => { new AgentBatchJob(p, 'subject', materialize(i, f) as never); } },
  { name: 'SecretSource', recipe: r.secretProps, apply: (p, i, f) => {
    const secret = new SecretSource(p, 'subject', materialize(i, f) as never);
    new AgentMicroservice(p, 'consumer', { image: IMAGE, env: { APP_PASSWORD: secret.envValue('password') } });
  } },
  { name: 'SharedVolume', recipe: r.volumeProps, apply: (p, i, f) => {
    const volume = new SharedVolume(p, 'subject', materialize(i, f) as never);
    new AgentMicroservice(p, 'consumer', { image: IMAGE, sharedVolumes: [{ volume, mountPath: '/data' }] });
  } },
  { name: 'ObservabilityStack', recipe: r.stackProps, apply: (p, i, f) => {
    new AgentMicroservice(p, 'consumer', { image: IMAGE });
    new ObservabilityStack(p, 'subject', materialize(i, f) as never);
  } },
  { name: 'McpToolService.fromServiceName', recipe: r.externalToolOptions, apply: (p, i, f) => {
    const tool = McpToolService.fromServiceName(p, 'subject', materialize(i, f) as never);
    new AgentMicroservice(p, 'consumer', { image: IMAGE, tools: [tool] });
  } },
  { name: 'SecretSource.fromSecretName', recipe: fc.tuple(r.garbage, fc.oneof(fc.constant('db-credentials'), r.garbage), fc.oneof(fc.constant(['password']), r.garbage)), apply: (p, i) => {
    const [, name, keys] = i as unknown[];
    const secret = SecretSource.fromSecretName(p, 'subject', name as never, keys as never);
    new AgentMicroservice(p, 'consumer', { image: IMAGE, env: { DB_PASSWORD: EnvValue.fromSecret(secret, 'password') } });
  } },
  { name: 'ExternalEndpoint.*', recipe: r.endpoints, apply: (p, i, f) => { new AgentMicroservice(p, 'consumer', { image: IMAGE, externalEndpoints: [materialize(i, f) as never] }); } },
  { name: 'EnvValue.*', recipe: r.envValues, apply: (p, i, f) => { new AgentMicroservice(p, 'consumer', { image: IMAGE, env: { VALUE: materialize(i, f) as never } }); } },
  { name: 'QueueTrigger.*', recipe: r.triggers, apply: (p, i, f) => {
    new AgentMicroservice(p, 'consumer', { image: IMAGE, mode: 'worker' as never, healthCheck: WORKER_HEALTH, queueScaling: { enabled: true, triggers: [materialize(i, f) as never] } });
  } },
  { name: 'InferenceFallback.*', recipe: r.fallbacks, apply: (p, i, f) => {
    const pool = new GpuInferencePool(p, 'subject', { model: r.PINNED_MODEL, fallback: materialize(i, f) as never });
    new AgentMicroservice(p, 'consumer', { image: IMAGE, inference: pool });
  } },
  { name: 'ScalingMetric.*', recipe: r.scalingMetrics, apply: (p, i, f) => { new AgentMicroservice(p, 'consumer', { image: IMAGE, autoscaling: { metrics: [materialize(i, f) as never] } }); } },
  { name: 'Environments.*', recipe: r.environmentCalls,
    environment: (i, env) => (env === 'dev' ? Environments.dev : Environments.prod)(...((i as r.Call).args as never[])),
    apply: (p) => { new AgentMicroservice(p, 'consumer', { image: IMAGE }); } },
  { name: 'Workload methods', recipe: fc.array(r.methodCalls, { minLength: 1, maxLength: 3 }), apply: (p, i, f) => {
    const agent = new AgentMicroservice(p, 'subject', { image: IMAGE });
    for (const [method, ...args] of i as unknown[][]) {
      (agent as unknown as Record<string, (...a: unknown[]) => unknown>)[method as string](...args.map((a) => materialize(a, f)));
    }
  } },
];

export interface TargetStats {
  readonly target: string;
  readonly env: EnvName;
  readonly seed: number;
  runs: number;
  successes: number;
  cleanErrors: number;
  crashes: string[];
  invalid: string[];
  helmChecked: number;
  helmFailures: string[];
  /** How often each refusal (its message up to the given value) was seen: what the clean errors were. */
  readonly refusals: Map<string, number>;
}

function seedOf(base: number, target: string, env: EnvName): number {
  let h = base | 0;
  for (const c of `${target}/${env}`) {
    h = Math.imul(h ^ c.charCodeAt(0), 16777619) | 0;
  }
  return h;
}

const PRESETS: Record<EnvName, () => EnvironmentConfig> = {
  dev: () => Environments.dev({ namespace: 'fuzz' }),
  prod: () => Environments.prod({ namespace: 'fuzz', ingress: { domain: 'agents.example.com' } }),
};

/** Runs one target in one environment `runs` times; `helmEvery` > 0 checks every n-th success with both Helm majors. */
export function runTarget(target: Target, env: EnvName, runs: number, baseSeed: number, helmEvery = 0): TargetStats {
  const seed = seedOf(baseSeed, target.name, env);
  const stats: TargetStats = { target: target.name, env, seed, runs: 0, successes: 0, cleanErrors: 0, crashes: [], invalid: [], helmChecked: 0, helmFailures: [], refusals: new Map() };
  const inputs = fc.sample(target.recipe, { seed, numRuns: runs });
  inputs.forEach((input, index) => {
    stats.runs++;
    const where = `${target.name} in ${env}, FUZZ_SEED=${baseSeed} (target seed ${seed}) run #${index}, input ${describeValue(input)}`;
    try {
      const environment = target.environment ? target.environment(input, env, (p) => new Fixtures(p)) : PRESETS[env]();
      const platform = new AgentPlatform(new App({ outdir: '.' }), `fuzz-${env}`, { appName: 'fuzz', environment });
      // The ConfigMap the recipes reference by name, as an app would create it.
      for (const name of ['app-config', 'duck']) {
        new k8s.KubeConfigMap(platform, `configmap-${name}`, { metadata: { name }, data: { key: 'v', 'a.b': 'v' } });
      }
      const fixtures = new Fixtures(platform);
      target.apply(platform, input, fixtures);
      const problems = collectProblems(platform);
      if (problems.length > 0) {
        stats.cleanErrors++;
        for (const problem of problems) {
          const rule = problem.replace(/ \(got .*$/s, '');
          stats.refusals.set(rule, (stats.refusals.get(rule) ?? 0) + 1);
        }
        return;
      }
      const files = renderPlatform(platform);
      const objects = files.flatMap((f) => f.objects);
      const invalid = validateManifests(objects);
      if (invalid.length > 0) {
        stats.invalid.push(`${where}:\n${formatProblems(invalid)}`);
        return;
      }
      stats.successes++;
      if (helmEvery > 0 && stats.successes % helmEvery === 1) {
        checkWithHelm({ app: 'fuzz', environment: env, platform, files, objects, notices: [] }, stats, where);
      }
    } catch (error) {
      if (SynthesisError.isSynthesisError(error)) {
        stats.cleanErrors++;
      } else {
        stats.crashes.push(`${where}: ${error instanceof Error ? error.stack ?? error.message : describeValue(error)}`);
      }
    }
  });
  return stats;
}

/** `helm lint --strict` and `helm template` of the environment's chart, with Helm 3 and Helm 4. */
function checkWithHelm(env: RenderedEnvironment, stats: TargetStats, where: string): void {
  let files: Map<string, string>;
  try {
    files = new HelmChartWriter({ version: '0.1.0' }).files([env]);
  } catch (error) {
    if (SynthesisError.isSynthesisError(error)) {
      stats.helmFailures.push(`${where}: the chart writer refused what validation accepted: ${error.message}`);
      return;
    }
    throw error;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-fuzz-'));
  try {
    for (const [relative, content] of files) {
      fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
      fs.writeFileSync(path.join(root, relative), content);
    }
    const chart = path.join(root, 'helm', `${env.app}-${env.environment}`);
    for (const helm of HELM_BINARIES) {
      for (const args of [['lint', '--strict', chart], ['template', 'fuzz', chart, '--namespace', 'default']]) {
        const run = runHelm(helm, args);
        if (run.status !== 0) {
          stats.helmFailures.push(`${where}: ${helm.label} ${args[0]} failed: ${run.stderr || run.stdout}`);
        }
      }
    }
    stats.helmChecked++;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** One line per target and environment: the counts the closing note asks for. */
export function formatStats(all: readonly TargetStats[]): string {
  const rows = all.map((s) => `| ${s.target} | ${s.env} | ${s.runs} | ${s.successes} | ${s.cleanErrors} | ${s.crashes.length} | ${s.invalid.length} | ${s.helmChecked} | ${s.helmFailures.length} |`);
  return ['| target | env | runs | successes | clean errors | crashes | invalid outputs | Helm-checked | Helm failures |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}
