import {
  AgentMicroservice, type AgentPlatform, type EnvironmentConfig, Environments, EnvValue, SecretBackend, SecretSource, type SecretSourceProps,
} from '../../lib';
import { at, OTEL_METRICS_ENV, problemsOf, synth } from '../helpers/synth';

const NS = 'agents';

const external = (overrides: { kind?: 'SecretStore' | 'ClusterSecretStore'; prefix?: string; refresh?: string } = {}): EnvironmentConfig => Environments.prod({
  namespace: NS,
  secrets: {
    backend: SecretBackend.EXTERNAL_SECRETS,
    store: { name: 'aws-secretsmanager', kind: overrides.kind ?? 'ClusterSecretStore' },
    remoteKeyPrefix: overrides.prefix ?? 'prod/',
    ...(overrides.refresh ? { refreshInterval: overrides.refresh } : {}),
  },
});
const sealed = Environments.prod({ namespace: NS, secrets: { backend: SecretBackend.SEALED_SECRETS } });
const existing = Environments.prod({ namespace: NS });
const devWithLiterals = Environments.dev({ namespace: NS, secrets: { allowLiteralValues: true } });

const secret = (props: Partial<SecretSourceProps> = {}, id = 'confluence-credentials') =>
  (p: AgentPlatform) => { new SecretSource(p, id, { keys: ['base_url', 'username', 'password'], ...props }); };

const SECRET_KINDS = ['Secret', 'ExternalSecret', 'SealedSecret'];

describe('existing backend', () => {
  test('renders nothing: the Secret is created out of band', () => {
    // GIVEN a declared secret in prod with the default (existing) backend
    const s = synth(secret(), existing);
    // THEN
    expect(s.objects.filter((o) => SECRET_KINDS.includes(o.kind))).toEqual([]);
  });

  test('workloads reference it by name and key', () => {
    // GIVEN
    const s = synth((p) => {
      const creds = new SecretSource(p, 'confluence-credentials', { keys: ['password'] });
      expect(creds.secretName).toBe('confluence-credentials');
      expect(creds.backend).toBe(SecretBackend.EXISTING);
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', env: { CONFLUENCE_PASSWORD: creds.envValue('password') } });
    }, existing);
    // THEN
    expect(at(s.get('Deployment', 'planner'), 'spec.template.spec.containers.0.env')).toEqual([
      { name: 'CONFLUENCE_PASSWORD', valueFrom: { secretKeyRef: { name: 'confluence-credentials', key: 'password' } } },
      ...OTEL_METRICS_ENV,
    ]);
  });
});

describe('external-secrets backend', () => {
  test('an ExternalSecret external-secrets.io/v1 reading <prefix><name> property <key> from the environment store', () => {
    // GIVEN
    const s = synth(secret(), external());
    const es = s.get('ExternalSecret', 'confluence-credentials');
    // THEN
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata.namespace).toBe(NS);
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'aws-secretsmanager', kind: 'ClusterSecretStore' },
      target: { name: 'confluence-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'base_url', remoteRef: { key: 'prod/confluence-credentials', property: 'base_url' } },
        { secretKey: 'username', remoteRef: { key: 'prod/confluence-credentials', property: 'username' } },
        { secretKey: 'password', remoteRef: { key: 'prod/confluence-credentials', property: 'password' } },
      ],
    });
    expect(s.all('Secret')).toEqual([]);
  });

  test('explicit remoteKeys get the prefix and no property; the others keep the default', () => {
    // GIVEN remote keys for two of three keys
    const s = synth(secret({ remoteKeys: { base_url: 'confluence/base_url', password: 'confluence/password' } }), external());
    // THEN
    expect(at(s.get('ExternalSecret', 'confluence-credentials'), 'spec.data')).toEqual([
      { secretKey: 'base_url', remoteRef: { key: 'prod/confluence/base_url' } },
      { secretKey: 'username', remoteRef: { key: 'prod/confluence-credentials', property: 'username' } },
      { secretKey: 'password', remoteRef: { key: 'prod/confluence/password' } },
    ]);
  });

  test('the store kind, prefix and refresh interval come from the environment; the name prop names target and object', () => {
    // GIVEN a namespaced SecretStore, no prefix, a 15m refresh and an explicit name
    const s = synth(secret({ name: 'confluence' }), external({ kind: 'SecretStore', prefix: '', refresh: '15m' }));
    // THEN
    const spec = at(s.get('ExternalSecret', 'confluence'), 'spec') as Record<string, unknown>;
    expect(spec.secretStoreRef).toEqual({ name: 'aws-secretsmanager', kind: 'SecretStore' });
    expect(spec.refreshInterval).toBe('15m');
    expect(spec.target).toEqual({ name: 'confluence', creationPolicy: 'Owner', deletionPolicy: 'Retain' });
    expect(at(spec, 'data.0.remoteRef')).toEqual({ key: 'confluence', property: 'base_url' });
  });
});

describe('sealed-secrets backend', () => {
  test('a SealedSecret with the encrypted data and a template naming the Secret', () => {
    // GIVEN
    const s = synth(secret({ keys: ['username', 'password'], encryptedData: { username: 'AgBy3i4OJSWK+PiTySYZZA==', password: 'AgCtr7pU0d+zhzmbYUZT2g==' } }), sealed);
    const sealedSecret = s.get('SealedSecret', 'confluence-credentials');
    // THEN
    expect(sealedSecret.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(at(sealedSecret, 'spec.encryptedData')).toEqual({ username: 'AgBy3i4OJSWK+PiTySYZZA==', password: 'AgCtr7pU0d+zhzmbYUZT2g==' });
    expect(at(sealedSecret, 'spec.template.metadata.name')).toBe('confluence-credentials');
    expect(at(sealedSecret, 'spec.template.type')).toBe('Opaque');
    expect(s.all('Secret')).toEqual([]);
  });

  test('without the encrypted value of every key it is refused, naming the missing keys', () => {
    // GIVEN encryptedData for one key of three, and none at all
    const partial = problemsOf(secret({ encryptedData: { password: 'AgCtr7pU0d' } }), sealed);
    const none = problemsOf(secret(), sealed);
    // THEN
    expect(partial).toEqual([
      '[test/confluence-credentials] encryptedData: the sealed-secrets backend needs the encrypted value of every key (kubeseal --raw --name confluence-credentials ...); missing: base_url, username',
    ]);
    expect(none).toEqual([
      '[test/confluence-credentials] encryptedData: the sealed-secrets backend needs the encrypted value of every key (kubeseal --raw --name confluence-credentials ...); missing: base_url, username, password',
    ]);
  });
});

describe('per-secret backend override', () => {
  test('a sealed secret in an external-secrets environment, and an existing one', () => {
    // GIVEN
    const s = synth((p) => {
      new SecretSource(p, 'sealed', { keys: ['token'], backend: SecretBackend.SEALED_SECRETS, encryptedData: { token: 'AgB0' } });
      new SecretSource(p, 'manual', { keys: ['token'], backend: SecretBackend.EXISTING });
      new SecretSource(p, 'synced', { keys: ['token'] });
    }, external());
    // THEN
    expect(s.objects.filter((o) => SECRET_KINDS.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['SealedSecret/sealed', 'ExternalSecret/synced']);
  });

  test('an ExternalSecret in an environment without a store is refused', () => {
    // GIVEN the existing-secrets environment, which names no store
    const problems = problemsOf(secret({ backend: SecretBackend.EXTERNAL_SECRETS }), existing);
    // THEN
    expect(problems).toEqual([
      '[test/confluence-credentials] backend: the external-secrets backend needs the environment\'s secrets.store (a SecretStore or ClusterSecretStore)',
    ]);
  });
});

describe('literal values', () => {
  const literal = secret({ keys: ['username', 'password'], literalValues: { username: 'admin', password: 'hunter2' } });
  const refused = (env: string, tier: string) => [
    `[test/confluence-credentials] literalValues: literal secret values would be committed to Git with the manifests; environment "${env}" (${tier}) does not allow them. Remove literalValues and create the secret out of band (kubectl create secret generic confluence-credentials ...), or use the external-secrets or sealed-secrets backend; only a development environment with secrets.allowLiteralValues: true may render literals`,
  ];

  test.each([
    ['prod', existing, 'production'],
    ['staging', Environments.staging({ namespace: NS }), 'staging'],
    ['dev', Environments.dev({ namespace: NS }), 'development'],
  ])('are refused in %s without secrets.allowLiteralValues', (name, env, tier) => {
    // GIVEN / THEN
    expect(problemsOf(literal, env)).toEqual(refused(name, tier));
  });

  test('are refused in prod even with the external-secrets backend', () => {
    expect(problemsOf(literal, external())).toEqual(refused('prod', 'production'));
  });

  test('render a plain Secret with stringData only in dev with allowLiteralValues: true', () => {
    // GIVEN
    const s = synth(literal, devWithLiterals);
    // THEN
    expect(s.get('Secret', 'confluence-credentials')).toMatchObject({
      apiVersion: 'v1', type: 'Opaque', stringData: { username: 'admin', password: 'hunter2' }, metadata: { namespace: NS },
    });
    expect(s.get('Secret', 'confluence-credentials').data).toBeUndefined();
    expect(s.all('ExternalSecret')).toEqual([]);
  });

  test('a literal map missing a declared key is reported', () => {
    expect(problemsOf(secret({ keys: ['username', 'password'], literalValues: { username: 'admin' } }), devWithLiterals)).toEqual([
      '[test/confluence-credentials] literalValues: has no value for declared keys: password',
    ]);
  });

  // literalValues are checked against the declared keys like remoteKeys and encryptedData.
  test('a literal value for an undeclared key is refused like remoteKeys and encryptedData', () => {
    const problems = problemsOf(secret({ keys: ['password'], literalValues: { password: 'hunter2', token: 'abc' } }), devWithLiterals);
    expect(problems).toEqual(['[test/confluence-credentials] literalValues.token: is not one of the declared keys (password); add it to keys or remove it']);
  });

  test('the environment refuses allowLiteralValues: true outside development', () => {
    // GIVEN prod and staging environments that allow literals
    const prod = problemsOf(() => undefined, Environments.prod({ namespace: NS, secrets: { allowLiteralValues: true } }));
    const staging = problemsOf(() => undefined, Environments.staging({ namespace: NS, secrets: { allowLiteralValues: true } }));
    // THEN
    expect(prod).toEqual([
      '[test] environment.secrets.allowLiteralValues: only a development environment may render literal secret values; this one is "production": use an existing Secret, an ExternalSecret or a SealedSecret (got true)',
    ]);
    expect(staging).toEqual([
      '[test] environment.secrets.allowLiteralValues: only a development environment may render literal secret values; this one is "staging": use an existing Secret, an ExternalSecret or a SealedSecret (got true)',
    ]);
  });
});

describe('keys', () => {
  test('EnvValue.fromSecret with an undeclared key is refused naming the declared keys', () => {
    // GIVEN
    const problems = problemsOf((p) => {
      const creds = new SecretSource(p, 'confluence-credentials', { keys: ['username', 'password'] });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', env: { CONFLUENCE_TOKEN: EnvValue.fromSecret(creds, 'token') } });
    });
    // THEN
    expect(problems).toEqual([
      '[test/planner] env.CONFLUENCE_TOKEN: secret "confluence-credentials" declares no key "token"; declared keys: username, password (got "token")',
    ]);
  });

  test('envValue() of an undeclared key, added later with addEnv(), is refused too', () => {
    const problems = problemsOf((p) => {
      const creds = new SecretSource(p, 'creds', { keys: ['password'] });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0' }).addEnv('API_KEY', creds.envValue('api_key'));
    });
    expect(problems).toEqual(['[test/planner] env.API_KEY: secret "creds" declares no key "api_key"; declared keys: password (got "api_key")']);
  });

  test('remoteKeys and encryptedData for undeclared keys are refused', () => {
    // GIVEN
    const problems = problemsOf(secret({ keys: ['password'], remoteKeys: { token: 'x/token' } }), external());
    const sealedProblems = problemsOf(secret({ keys: ['password'], encryptedData: { password: 'AgB', token: 'AgC' } }), sealed);
    // THEN
    expect(problems).toEqual(['[test/confluence-credentials] remoteKeys.token: is not one of the declared keys (password); add it to keys or remove it']);
    expect(sealedProblems).toEqual(['[test/confluence-credentials] encryptedData.token: is not one of the declared keys (password); add it to keys or remove it']);
  });

  test('no keys and invalid key names are refused', () => {
    expect(problemsOf(secret({ keys: [] }))).toEqual(['[test/confluence-credentials] keys: must list at least one key (got [])']);
    expect(problemsOf(secret({ keys: ['pass word'] }))).toEqual([
      '[test/confluence-credentials] keys[0]: must be a Secret or ConfigMap key: letters, digits, "-", "_" and ".", at most 253 characters, not "." or ".." and not starting with ".." (e.g. "password") (got "pass word")',
    ]);
  });
});

describe('SecretSource.fromSecretName', () => {
  test.each([
    ['existing', existing],
    ['external-secrets', external()],
    ['sealed-secrets', sealed],
  ])('renders nothing with the %s backend and is referenced by name', (_label, env) => {
    // GIVEN
    const s = synth((p) => {
      const shared = SecretSource.fromSecretName(p, 'Shared', 'openai', ['api_key']);
      expect(shared.secretName).toBe('openai');
      expect(shared.keys).toEqual(['api_key']);
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', env: { OPENAI_API_KEY: EnvValue.fromSecret(shared, 'api_key') } });
    }, env);
    // THEN
    expect(s.objects.filter((o) => SECRET_KINDS.includes(o.kind))).toEqual([]);
    expect(at(s.get('Deployment', 'planner'), 'spec.template.spec.containers.0.env.0')).toEqual({
      name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'openai', key: 'api_key' } },
    });
  });
});
