import fc from 'fast-check';
import { Environments, RedisCacheStatefulSet, type RedisReplicationOptions, SynthesisError } from '../../lib';
import { at, platformFor, synthPlatform } from '../helpers/synth';
import { collectProblems } from '../../lib';

// Replication options, valid and not (wrong types, NaN, out of range, unknown keys), in staging and
// prod: the result is either a strictly valid Redis whose objects agree with each other (the
// StatefulSet, the PDB, the Sentinels' quorum, the node count the scripts read, maxmemory within
// the limit of every pod with the replicas' buffers) or the problems; never another exception.

const RUNS = { numRuns: 300, seed: 1313 };
const MiB = 2 ** 20;

const garbage = fc.oneof(fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY), fc.constant('3'), fc.constant(null), fc.double({ min: -5, max: 10 }));
/** Mostly integers around the allowed range, sometimes garbage. */
const intOr = (min: number, max: number) => fc.oneof({ weight: 15, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: garbage });

const options: fc.Arbitrary<Record<string, unknown>> = fc.tuple(fc.record({
  enabled: fc.oneof(fc.constant(true), fc.constant(undefined)),
  nodes: intOr(2, 8),
  downAfterMilliseconds: intOr(900, 610_000),
  failoverTimeoutMilliseconds: intOr(4_000, 3_700_000),
  minReplicasToWrite: intOr(0, 3),
  minReplicasMaxLagSeconds: intOr(1, 3601),
  primaryProxy: fc.option(fc.record({ enabled: fc.boolean(), replicas: intOr(0, 5) }, { requiredKeys: [] }), { nil: undefined }),
}, { requiredKeys: [] }), fc.integer({ min: 0, max: 19 })).map(([o, dice]) => (dice === 0 ? { ...o, unknownKey: 1 } : o));

const memory = fc.constantFrom(undefined, '256Mi', '1Gi', '2Gi', '8Gi');
const maxMemory = fc.constantFrom(undefined, '100Mi', '1Gi', '1800Mi', '7Gi');

test('any replication options: a consistent, valid Redis or the problems, never a crash', () => {
  const outcomes = { valid: 0, refused: 0 };
  fc.assert(fc.property(options, memory, maxMemory, fc.constantFrom('staging', 'prod'), (replication, limit, max, tier) => {
    const environment = tier === 'prod' ? Environments.prod({ namespace: 'agents' }) : Environments.staging({ namespace: 'agents' });
    const platform = platformFor(environment);
    let redis: RedisCacheStatefulSet | undefined;
    try {
      redis = new RedisCacheStatefulSet(platform, 'redis', {
        replication: replication as RedisReplicationOptions,
        ...(limit ? { resources: { limits: { memory: limit }, requests: { memory: '128Mi' } } } : {}),
        ...(max ? { maxMemory: max } : {}),
      });
    } catch (error) {
      throw new Error(`the constructor threw ${String(error)} for ${JSON.stringify(replication)}`);
    }
    const problems = collectProblems(platform);
    if (problems.length > 0) {
      // Every problem names the Redis and a field.
      expect(problems.every((p) => /^\[test\/redis\] [a-zA-Z.[\]0-9]+: /.test(p))).toBe(true);
      outcomes.refused++;
      return;
    }
    let s;
    try {
      s = synthPlatform(platform);
    } catch (error) {
      expect(error).not.toBeInstanceOf(SynthesisError);
      throw error;
    }
    const replicated = redis.replication;
    expect(replicated).toBeDefined();
    const nodes = replicated?.nodes ?? 0;
    expect(at(s.get('StatefulSet', 'redis'), 'spec.replicas')).toBe(nodes);
    expect(at(s.get('PodDisruptionBudget', 'redis'), 'spec.minAvailable')).toBe(Math.floor(nodes / 2) + 1);
    const conf = (s.get('ConfigMap', 'redis-config').data as Record<string, string>);
    expect(conf['sentinel.conf']).toContain(` 6379 ${Math.floor(nodes / 2) + 1}\n`);
    const containers = at(s.get('StatefulSet', 'redis'), 'spec.template.spec.containers') as { name: string; env?: { name: string; value?: string }[] }[];
    for (const name of ['redis', 'sentinel']) {
      expect(containers.find((c) => c.name === name)?.env?.find((e) => e.name === 'REDIS_NODES')?.value).toBe(String(nodes));
    }
    const limitBytes = { '256Mi': 256, '1Gi': 1024, '2Gi': 2048, '8Gi': 8192 }[limit ?? '2Gi'] as number * MiB;
    expect(redis.maxMemoryBytes + (nodes - 1) * (replicated?.replicaBufferBytes ?? 0)).toBeLessThanOrEqual(limitBytes * 0.9);
    expect(redis.maxMemoryBytes).toBeGreaterThan(0);
    expect(replicated?.minReplicasToWrite).toBeLessThanOrEqual(nodes - 1);
    expect(s.find('Deployment', 'redis-proxy') !== undefined).toBe(replicated?.primaryProxy !== undefined);
    outcomes.valid++;
  }), RUNS);
  // Both outcomes were exercised, often.
  expect(outcomes.valid).toBeGreaterThan(20);
  expect(outcomes.refused).toBeGreaterThan(20);
});
