import * as fc from 'fast-check';
import {
  AgentMicroservice, collectProblems, type EnvironmentConfig, Environments, type KubeObject, RedisCacheStatefulSet, SecretBackend, SecretSource,
  SynthesisError,
} from '../../lib';
import { renderPlatform } from '../../lib/synth/synthesizer';
import { toYamlDocuments } from '../../lib/synth/yaml';
import { platformFor, renderUnvalidated } from '../helpers/synth';
import { nonEmpty } from '../helpers/lists';

// Property: whatever the keys, the environment (dev, staging, prod), the environment's backend,
// the per-secret backend and whether literals are allowed, no rendered object other than the
// plain Secret of a development environment that opted in ever contains a literal value: not
// the ExternalSecret, the SealedSecret, the workloads reading the keys, nor the Redis using it
// as its password. Construction problems do not stop the check: everything renderable is scanned.

const NS = 'agents';
const BACKENDS = [SecretBackend.EXISTING, SecretBackend.EXTERNAL_SECRETS, SecretBackend.SEALED_SECRETS] as const;
const STORE = { name: 'aws-secretsmanager', kind: 'ClusterSecretStore' as const };

interface Scenario {
  readonly tier: 'dev' | 'staging' | 'prod';
  readonly environmentBackend: SecretBackend;
  readonly allowLiteralValues: boolean;
  readonly secretBackend: SecretBackend | undefined;
  readonly keys: readonly string[];
  /** A unique marker per key: the literal value is `${marker}${suffix}`, so the marker is always in it verbatim. */
  readonly markers: readonly string[];
  readonly suffixes: readonly string[];
  readonly withEncryptedData: boolean;
  readonly withRemoteKeys: boolean;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  tier: fc.constantFrom('dev' as const, 'staging' as const, 'prod' as const),
  environmentBackend: fc.constantFrom(...BACKENDS),
  allowLiteralValues: fc.boolean(),
  secretBackend: fc.option(fc.constantFrom(...BACKENDS), { nil: undefined }),
  keys: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,11}$/), { minLength: 1, maxLength: 5 }),
  markers: fc.array(fc.uuid(), { minLength: 5, maxLength: 5 }),
  suffixes: fc.array(fc.string({ maxLength: 16 }), { minLength: 5, maxLength: 5 }),
  withEncryptedData: fc.boolean(),
  withRemoteKeys: fc.boolean(),
});

function environmentOf(s: Scenario): EnvironmentConfig {
  const secrets = {
    backend: s.environmentBackend,
    allowLiteralValues: s.allowLiteralValues,
    ...(s.environmentBackend === SecretBackend.EXTERNAL_SECRETS ? { store: STORE, remoteKeyPrefix: `${s.tier}/` } : {}),
  };
  const make = { dev: Environments.dev, staging: Environments.staging, prod: Environments.prod }[s.tier];
  return make({ namespace: NS, secrets });
}

/** Every string of a value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

function render(s: Scenario): { objects: KubeObject[]; problems: string[]; secretName: string; literals: Record<string, string> } {
  const literals = Object.fromEntries(s.keys.map((key, i) => [key, `${s.markers[i]}${s.suffixes[i]}`]));
  const platform = platformFor(environmentOf(s));
  const source = new SecretSource(platform, 'credentials', {
    keys: [...s.keys],
    literalValues: literals,
    ...(s.secretBackend ? { backend: s.secretBackend } : {}),
    ...(s.withEncryptedData ? { encryptedData: Object.fromEntries(s.keys.map((k) => [k, `AgB${k.length}`])) } : {}),
    ...(s.withRemoteKeys ? { remoteKeys: Object.fromEntries(s.keys.map((k) => [k, `remote/${k}`])) } : {}),
  });
  const redis = new RedisCacheStatefulSet(platform, 'redis', { passwordSecret: source, passwordKey: s.keys[0] });
  new AgentMicroservice(platform, 'reader', {
    image: 'reader:1.0.0',
    cache: redis,
    env: Object.fromEntries(s.keys.map((k, i) => [`VALUE_${i}`, source.envValue(k)])),
  });
  const problems = collectProblems(platform);
  if (problems.length > 0) {
    expect(() => renderPlatform(platform)).toThrow(SynthesisError);
  }
  return { objects: renderUnvalidated(platform), problems, secretName: source.secretName, literals };
}

describe('SecretSource literal values (property)', () => {
  test('no rendered object other than a dev opt-in literal Secret contains a literal value', () => {
    fc.assert(fc.property(scenario, (s) => {
      // GIVEN a random secret with literal values in a random environment, read by a workload and a Redis
      const { objects, problems, secretName, literals } = render(s);
      const optIn = s.tier === 'dev' && s.allowLiteralValues;
      const isOptInSecret = (o: KubeObject) => optIn && o.kind === 'Secret' && o.metadata.name === secretName;

      // THEN no other object holds any marker, in its fields or in its YAML
      const markers = s.markers.slice(0, s.keys.length);
      for (const object of nonEmpty(objects.filter((o) => !isOptInSecret(o)))) {
        const found = strings(object).filter((text) => markers.some((m) => text.includes(m)));
        expect([`${object.kind}/${object.metadata.name}`, found]).toEqual([`${object.kind}/${object.metadata.name}`, []]);
        const yaml = toYamlDocuments([object]);
        expect(markers.filter((m) => yaml.includes(m))).toEqual([]);
      }

      if (optIn) {
        // AND the opt-in Secret holds exactly the literals, as stringData
        const rendered = objects.filter(isOptInSecret);
        expect(rendered).toHaveLength(1);
        expect(rendered[0].stringData).toEqual(literals);
        expect(problems.filter((p) => p.includes('literalValues'))).toEqual([]);
      } else {
        // AND the literals were refused, so the app cannot be synthesized
        expect(problems.some((p) => p.includes('] literalValues: literal secret values would be committed to Git'))).toBe(true);
        expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      }
    }), { numRuns: 150 });
  });

  test('without literal values nothing of the declared keys is ever rendered as a Secret value', () => {
    fc.assert(fc.property(scenario, (s) => {
      // GIVEN the same scenarios, without literal values
      const platform = platformFor(environmentOf(s));
      new SecretSource(platform, 'credentials', {
        keys: [...s.keys],
        ...(s.secretBackend ? { backend: s.secretBackend } : {}),
        encryptedData: Object.fromEntries(s.keys.map((k, i) => [k, `Ag${s.markers[i]}`])),
      });
      const objects = renderUnvalidated(platform);
      // THEN no plain Secret exists, and encrypted data only appears in a SealedSecret
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      for (const object of nonEmpty(objects.filter((o) => o.kind !== 'SealedSecret'))) {
        expect(strings(object).filter((text) => s.markers.some((m) => text.includes(m)))).toEqual([]);
      }
    }), { numRuns: 100 });
  });
});
