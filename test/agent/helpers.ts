import { AgentMicroservice, type AgentMicroserviceProps, type AgentPlatform, type EnvironmentConfig, Environments, type KubeObject } from '../../lib';
import { at, synth, type Synthesized } from '../helpers/synth';

/** A pinned image every environment accepts. */
export const IMAGE = 'ghcr.io/acme/evaluation-service:1.4.2';

/** The three presets in namespace `agents`, the namespace `test/helpers/synth` uses by default. */
export const dev = (): EnvironmentConfig => Environments.dev({ namespace: 'agents' });
export const staging = (): EnvironmentConfig => Environments.staging({ namespace: 'agents' });
export const prod = (): EnvironmentConfig => Environments.prod({ namespace: 'agents' });

/** Props of an agent: the pinned image plus the overrides of one test. */
export function agentProps(overrides: Partial<AgentMicroserviceProps> = {}): AgentMicroserviceProps {
  return { image: IMAGE, ...overrides };
}

/** One agent with id `evaluation-service`, synthesized and strictly validated. */
export function synthAgent(overrides: Partial<AgentMicroserviceProps> = {}, environment: EnvironmentConfig = prod()): Synthesized {
  return synth((platform: AgentPlatform) => {
    new AgentMicroservice(platform, 'evaluation-service', agentProps(overrides));
  }, environment);
}

/** The pod template spec of a Deployment. */
export function podSpec(deployment: KubeObject): unknown {
  return at(deployment, 'spec.template.spec');
}

/** The first (main) container of a Deployment or StatefulSet. */
export function mainContainer(workload: KubeObject): unknown {
  return at(workload, 'spec.template.spec.containers.0');
}

/** The environment variables of the main container, by name. */
export function envByName(workload: KubeObject): Record<string, unknown> {
  const env = at(workload, 'spec.template.spec.containers.0.env');
  const out: Record<string, unknown> = {};
  for (const item of Array.isArray(env) ? env : []) {
    const { name, ...rest } = item as { name: string };
    out[name] = rest;
  }
  return out;
}

/** The `kind/name` of every object, for assertions on presence and absence. */
export function kindsAndNames(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}
