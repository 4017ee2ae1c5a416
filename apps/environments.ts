import { type EnvironmentConfig, type EnvironmentOptions, Environments } from '../lib';

/** The registry and domains the example apps deploy to. */
const REGISTRY = 'registry.example.com/agents';

/**
 * dev, staging and prod for one app: the presets plus this organisation's registry, domains
 * and certificate issuer. `overrides` apply to every environment.
 */
export function standardEnvironments(namespace: string, overrides: EnvironmentOptions = {}): EnvironmentConfig[] {
  const shared = (domain: string): EnvironmentOptions => ({
    namespace,
    images: { registry: REGISTRY },
    ingress: { domain },
    ...overrides,
  });
  return [
    Environments.dev(shared('dev.agents.example.com')),
    Environments.staging({ ...shared('staging.agents.example.com'), ingress: { domain: 'staging.agents.example.com', clusterIssuer: 'letsencrypt-staging' } }),
    Environments.prod({ ...shared('agents.example.com'), ingress: { domain: 'agents.example.com', clusterIssuer: 'letsencrypt-prod' } }),
  ];
}
