import {
  AgentMicroservice, type AgentPlatform, type EnvironmentConfig, Environments, GpuInferencePool, type GpuInferencePoolProps,
} from '../../lib';
import { problemsOf, synth, type Synthesized } from '../helpers/synth';

/** The repository most tests serve, and the commit they pin. */
export const REPOSITORY = 'meta-llama/Llama-3.1-8B-Instruct';
export const COMMIT = '0e9e39f249a16976918f6564b8830bc894c89659';
/** The model most tests serve: the repository pinned to a commit, as pinned environments require. */
export const MODEL = `${REPOSITORY}@${COMMIT}`;
/** Where that revision lives in the model cache (the path vLLM serves). */
export const MODEL_DIR = `/models/${REPOSITORY}/${COMMIT}`;
/** A pinned agent image every environment accepts. */
export const AGENT_IMAGE = 'ghcr.io/acme/support-agent:1.2.0';

/** Production in namespace `agents`, with the storage classes of a real cluster (EFS for RWX, gp3 for RWO). */
export const prod = (): EnvironmentConfig => Environments.prod({ namespace: 'agents', storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' } });
/** Development in namespace `agents`: no GPUs, no autoscaling, any image tag. */
export const dev = (): EnvironmentConfig => Environments.dev({ namespace: 'agents' });
/** Staging in namespace `agents`. */
export const staging = (): EnvironmentConfig => Environments.staging({ namespace: 'agents' });

/** Props of a pool serving MODEL plus the overrides of one test. */
export function poolProps(overrides: Partial<GpuInferencePoolProps> = {}): GpuInferencePoolProps {
  return { model: MODEL, ...overrides };
}

/** One pool with id `llm`, synthesized and strictly validated. */
export function synthPool(overrides: Partial<GpuInferencePoolProps> = {}, environment: EnvironmentConfig = prod()): Synthesized {
  return synth((p: AgentPlatform) => {
    new GpuInferencePool(p, 'llm', poolProps(overrides));
  }, environment);
}

/** A pool `llm` and an agent `support-agent` wired to it with `inference: pool`. */
export function synthPoolAndAgent(overrides: Partial<GpuInferencePoolProps> = {}, environment: EnvironmentConfig = prod()): Synthesized {
  return synth((p: AgentPlatform) => {
    const pool = new GpuInferencePool(p, 'llm', poolProps(overrides));
    new AgentMicroservice(p, 'support-agent', { image: AGENT_IMAGE, inference: pool });
  }, environment);
}

/** The problems of one pool `llm` built from the given props (no render). */
export function problemsOfPool(props: GpuInferencePoolProps, environment: EnvironmentConfig = prod()): string[] {
  return problemsOf((p) => {
    new GpuInferencePool(p, 'llm', props);
  }, environment);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The one problem of a build: it names the construct path (`construct`, or a child of it), the
 * field, ends with the given value when there is one, and says what is allowed.
 */
export function expectOneProblem(
  problems: readonly string[],
  expected: { construct: string; field: string; value?: string; allowed: readonly string[] },
): void {
  expect(problems).toHaveLength(1);
  const [problem] = problems;
  expect(problem).toMatch(new RegExp(`^\\[${escapeRegExp(expected.construct)}(/[A-Za-z0-9]+)*\\] ${escapeRegExp(expected.field)}: `));
  if (expected.value !== undefined) {
    expect(problem).toMatch(new RegExp(`\\(got ${escapeRegExp(expected.value)}\\)$`));
  }
  for (const fragment of expected.allowed) {
    expect(problem).toContain(fragment);
  }
}
