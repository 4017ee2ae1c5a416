import { ApiObject, App, type Chart } from 'cdk8s';
import { AgentPlatform, collectProblems, type EnvironmentConfig, Environments, type KubeObject, SynthesisError } from '../../lib';
import { renderPlatform } from '../../lib/synth/synthesizer';
import { expectValidManifests } from '../validation';
import { ApiObjectRenderer } from '../../lib/synth/render';

/** The objects of one synthesized platform, with finders. */
export class Synthesized {
  constructor(public readonly objects: readonly KubeObject[]) {}

  /** Every object of a kind. */
  public all(kind: string): KubeObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  /** The one object of a kind and name; fails the test when it is missing. */
  public get(kind: string, name: string): KubeObject {
    const found = this.find(kind, name);
    if (!found) {
      const names = this.all(kind).map((o) => o.metadata.name).join(', ') || 'none';
      throw new Error(`no ${kind} named "${name}" (there are: ${names})`);
    }
    return found;
  }

  public find(kind: string, name: string): KubeObject | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }
}

/** Reads a nested field: `at(obj, 'spec.template.spec.containers.0.image')`. */
export function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export type PlatformBuilder = (platform: AgentPlatform) => void;

/** A fresh platform in the given environment (production by default, namespace "agents"). */
export function platformFor(environment: EnvironmentConfig = Environments.prod({ namespace: 'agents' })): AgentPlatform {
  return new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment });
}

/**
 * Builds, validates the construct tree (throws the SynthesisError every user would see),
 * renders, and validates every object strictly against the Kubernetes 1.28 schemas, the CRDs
 * and the semantic checks.
 */
export function synth(build: PlatformBuilder, environment?: EnvironmentConfig): Synthesized {
  const platform = platformFor(environment);
  build(platform);
  return synthPlatform(platform);
}

export function synthPlatform(platform: Chart): Synthesized {
  const problems = collectProblems(platform);
  if (problems.length > 0) {
    throw new SynthesisError(problems);
  }
  const objects = renderPlatform(platform).flatMap((f) => f.objects);
  expectValidManifests(objects);
  return new Synthesized(objects);
}

/** The problems a build reports (empty when it is valid); nothing is rendered. */
export function problemsOf(build: PlatformBuilder, environment?: EnvironmentConfig): string[] {
  const platform = platformFor(environment);
  build(platform);
  return collectProblems(platform);
}

/** The error `fn` throws, which must be a SynthesisError; fails the test when nothing or something else is thrown. */
export function synthesisErrorOf(fn: () => unknown): SynthesisError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SynthesisError);
    return error as SynthesisError;
  }
  throw new Error('expected a SynthesisError, nothing was thrown');
}

/**
 * Every object of a chart as it would render, without validating it first: for tests that look
 * into what an app with problems contains (renderPlatform refuses such an app).
 */
export function renderUnvalidated(platform: Chart): KubeObject[] {
  const renderer = new ApiObjectRenderer(platform);
  return platform.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c)).map((o) => renderer.render(o));
}

/**
 * The variables an agent or tool gets with its metrics on the separate default port 9464: they
 * make an OpenTelemetry SDK serve Prometheus metrics there (the metrics contract, README).
 */
export const OTEL_METRICS_ENV = [
  { name: 'OTEL_METRICS_EXPORTER', value: 'prometheus' },
  { name: 'OTEL_EXPORTER_PROMETHEUS_HOST', value: '0.0.0.0' },
  { name: 'OTEL_EXPORTER_PROMETHEUS_PORT', value: '9464' },
] as const;

/** `OTEL_METRICS_ENV` by name, as `envByName`-style helpers return variables. */
export const OTEL_METRICS_ENV_BY_NAME: Readonly<Record<string, { value: string }>> = Object.fromEntries(OTEL_METRICS_ENV.map((e) => [e.name, { value: e.value }]));
