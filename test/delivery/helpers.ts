import {
  AgentMicroservice, type AgentMicroserviceProps, type AgentPlatform, type EnvironmentConfig, Environments, type KubeObject, ObservabilityMode,
  ObservabilityStack, type RolloutOptions,
} from '../../lib';
import { at, synth, type Synthesized } from '../helpers/synth';

export const NS = 'agents';
export const NAME = 'support-agent';
export const IMAGE = 'ghcr.io/acme/support-agent:1.2.0';

export const selfHostedProd = (): EnvironmentConfig => Environments.prod({ namespace: NS, observability: { mode: ObservabilityMode.SELF_HOSTED } });
export const operatorProd = (): EnvironmentConfig => Environments.prod({ namespace: NS, observability: { mode: ObservabilityMode.OPERATOR } });

/** An agent with a canary, and the self-hosted stack (created last), synthesized and strictly validated. */
export function synthCanary(rollout: RolloutOptions = {}, props: Partial<AgentMicroserviceProps> = {}, environment: EnvironmentConfig = selfHostedProd()): Synthesized {
  return synth((p: AgentPlatform) => {
    new AgentMicroservice(p, NAME, { image: IMAGE, rollout, ...props });
    new ObservabilityStack(p, 'observability');
  }, environment);
}

/** The spec of a synthesized object. */
export function specOf(object: KubeObject): Record<string, unknown> {
  return at(object, 'spec') as Record<string, unknown>;
}
