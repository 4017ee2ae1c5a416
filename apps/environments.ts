import { type EnvironmentConfig, type EnvironmentOptions, Environments, SecretBackend } from '../lib';

/** The registry the example apps pull their own images from. */
const REGISTRY = 'registry.example.com/agents';

/** Per-environment overrides of one app, on top of the organisation's defaults. */
export interface AppEnvironmentOverrides {
  readonly all?: EnvironmentOptions;
  readonly dev?: EnvironmentOptions;
  readonly staging?: EnvironmentOptions;
  readonly prod?: EnvironmentOptions;
}

/**
 * dev, staging and prod for one app: the presets, then this organisation's registry, domains,
 * certificate issuers and secret stores, then the app's own overrides.
 */
export function standardEnvironments(namespace: string, overrides: AppEnvironmentOverrides = {}): EnvironmentConfig[] {
  const shared: EnvironmentOptions = { namespace, images: { registry: REGISTRY } };
  const externalSecrets = (prefix: string): EnvironmentOptions => ({
    secrets: { backend: SecretBackend.EXTERNAL_SECRETS, store: { name: 'aws-secretsmanager', kind: 'ClusterSecretStore' }, remoteKeyPrefix: prefix },
  });
  return [
    Environments.dev(shared, { ingress: { domain: 'dev.agents.example.com' } }, overrides.all ?? {}, overrides.dev ?? {}),
    Environments.staging(shared, externalSecrets('staging/'), {
      ingress: { domain: 'staging.agents.example.com', clusterIssuer: 'letsencrypt-staging' },
      storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' },
    }, overrides.all ?? {}, overrides.staging ?? {}),
    Environments.prod(shared, externalSecrets('prod/'), {
      ingress: { domain: 'agents.example.com', clusterIssuer: 'letsencrypt-prod' },
      storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' },
    }, overrides.all ?? {}, overrides.prod ?? {}),
  ];
}
