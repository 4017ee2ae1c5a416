import fc from 'fast-check';
import { AgentMicroservice, type AgentMicroserviceProps, type EnvironmentConfig } from '../../lib';
import { problemsOf } from '../helpers/synth';
import { agentProps, dev, prod, staging } from './helpers';

const PATH = '[test/agent]';
const RUNS = { numRuns: 200 };

function problemsOfAgent(props: AgentMicroserviceProps, environment: EnvironmentConfig = prod()): string[] {
  return problemsOf((p) => {
    new AgentMicroservice(p, 'agent', props);
  }, environment);
}

describe('name: accepted iff it is a DNS-1035 label of at most 63 characters', () => {
  const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
  const isValidName = (name: string) => DNS_1035.test(name) && name.length <= 63;

  // Any string, valid labels of any length, labels around the 63-character bound, and near misses.
  const names = fc.oneof(
    fc.string({ maxLength: 70 }),
    fc.string({ unit: fc.constantFrom(...'abcxyz019-_.A'), maxLength: 70 }),
    fc.stringMatching(DNS_1035),
    fc.stringMatching(/^[a-z][-a-z0-9]{59,64}[a-z0-9]$/),
    fc.stringMatching(DNS_1035).map((n) => `${n}-`),
    fc.stringMatching(DNS_1035).map((n) => `9${n}`),
  );

  test('accepted iff valid; when rejected, the one problem names the field and the value', () => {
    fc.assert(fc.property(names, (name) => {
      // WHEN an agent is given the name
      const problems = problemsOfAgent(agentProps({ name }));
      // THEN
      if (isValidName(name)) {
        expect(problems).toEqual([]);
      } else {
        expect(problems).toHaveLength(1);
        expect(problems[0].startsWith(`${PATH} name: must be`)).toBe(true);
        if (name.length <= 100) {
          expect(problems[0].endsWith(`(got ${JSON.stringify(name)})`)).toBe(true);
        }
      }
    }), RUNS);
  });
});

/** A quantity as written in a manifest and its exact value (millicores for CPU, bytes for memory). */
interface Quantity {
  readonly text: string;
  readonly exact: bigint;
}

/** CPU in millicores ("350m") or cores ("0.35", "2"), 1m to 64 cores. */
const cpuQuantity: fc.Arbitrary<Quantity> = fc.tuple(fc.integer({ min: 1, max: 64_000 }), fc.boolean()).map(([millis, asCores]) => ({
  text: asCores ? String(millis / 1000) : `${millis}m`,
  exact: BigInt(millis),
}));

const MEMORY_UNITS: Readonly<Record<string, bigint>> = {
  '': 1n, k: 1000n, M: 1000n ** 2n, G: 1000n ** 3n, Ki: 1024n, Mi: 1024n ** 2n, Gi: 1024n ** 3n,
};

/** Memory as a whole number of any unit ("512Mi", "1G", "1048576"), or with up to 3 decimals of M or G ("1.5G"). */
const memoryQuantity: fc.Arbitrary<Quantity> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom(...Object.keys(MEMORY_UNITS))).map(([n, unit]) => ({
    text: `${n}${unit}`,
    exact: BigInt(n) * MEMORY_UNITS[unit],
  })),
  fc.tuple(fc.integer({ min: 1, max: 4_096_000 }), fc.constantFrom('M', 'G')).map(([thousandths, unit]) => ({
    text: `${thousandths / 1000}${unit}`,
    exact: (BigInt(thousandths) * MEMORY_UNITS[unit]) / 1000n,
  })),
);

/** The resource problems of an agent whose `kind` request and limit are the given quantities. */
function resourceProblems(kind: 'cpu' | 'memory', request: string, limit: string): string[] {
  return problemsOfAgent(agentProps({ resources: { requests: { [kind]: request }, limits: { [kind]: limit } } }));
}

function checkRequestAgainstLimit(kind: 'cpu' | 'memory', request: Quantity, limit: Quantity): void {
  const problems = resourceProblems(kind, request.text, limit.text);
  if (request.exact > limit.exact) {
    expect(problems).toEqual([
      `${PATH} resources.requests.${kind}: the ${kind} request is above the ${kind} limit "${limit.text}"; a request must be at most its limit: lower the request or raise resources.limits.${kind} (got "${request.text}")`,
    ]);
  } else {
    expect(problems).toEqual([]);
  }
}

describe('resources: a problem iff the request is above the limit', () => {
  test('CPU in mixed millicore and core notation, request and limit different', () => {
    fc.assert(fc.property(cpuQuantity, cpuQuantity, (request, limit) => {
      fc.pre(request.exact !== limit.exact);
      checkRequestAgainstLimit('cpu', request, limit);
    }), RUNS);
  });

  test('memory in mixed binary, decimal and plain units, request and limit different', () => {
    fc.assert(fc.property(memoryQuantity, memoryQuantity, (request, limit) => {
      fc.pre(request.exact !== limit.exact);
      checkRequestAgainstLimit('memory', request, limit);
    }), RUNS);
  });

  test('a request equal to its limit, written the same way, is accepted', () => {
    fc.assert(fc.property(fc.oneof(
      cpuQuantity.map((q) => ['cpu', q] as const),
      memoryQuantity.map((q) => ['memory', q] as const),
    ), ([kind, q]) => {
      expect(resourceProblems(kind, q.text, q.text)).toEqual([]);
    }), RUNS);
  });

  // Quantities are compared exactly, not as floating point: "350m" (0.35000000000000003 as a float)
  // equals "0.35", and "4.1M" equals "4100k" (Guaranteed QoS written two ways).
  test('a request equal to its limit in another notation is accepted', () => {
    const sameCpu = fc.integer({ min: 1, max: 64_000 }).map((millis) => ({ kind: 'cpu' as const, a: `${millis}m`, b: String(millis / 1000) }));
    const sameMemory = fc.integer({ min: 1, max: 4_096_000 }).map((thousandths) => ({ kind: 'memory' as const, a: `${thousandths / 1000}M`, b: `${thousandths}k` }));
    fc.assert(fc.property(fc.oneof(sameCpu, sameMemory), fc.boolean(), ({ kind, a, b }, swap) => {
      const [request, limit] = swap ? [b, a] : [a, b];
      expect(resourceProblems(kind, request, limit)).toEqual([]);
    }), { ...RUNS, examples: [[{ kind: 'cpu', a: '350m', b: '0.35' }, false], [{ kind: 'memory', a: '4.1M', b: '4100k' }, false]] });
  });
});

describe('image: pinned tags pass everywhere, "latest" and no tag only in development', () => {
  const component = fc.stringMatching(/^[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}$/);
  const registry = fc.option(fc.constantFrom('ghcr.io', 'registry.acme.io:5000', 'localhost:5000', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'), { nil: undefined });
  const repository = fc.array(component, { minLength: 1, maxLength: 2 }).map((parts) => ['acme', ...parts].join('/'));
  const tag = fc.option(fc.oneof(
    fc.stringMatching(/^\w[\w.-]{0,20}$/),
    fc.constantFrom('latest', 'LATEST', 'Latest', '1.4.2', 'v1.2', 'latest-1', '2024.01.01'),
  ), { nil: undefined });
  const digest = fc.option(fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`), { nil: undefined });
  const image = fc.record({ registry, repository, tag, digest }).map((parts) => ({
    ...parts,
    text: `${parts.registry ? `${parts.registry}/` : ''}${parts.repository}${parts.tag ? `:${parts.tag}` : ''}${parts.digest ? `@${parts.digest}` : ''}`,
  }));

  /** A digest pins the image; otherwise a tag that is not "latest" (in any case) does. */
  const isPinned = (i: { tag?: string; digest?: string }) => i.digest !== undefined || (i.tag !== undefined && i.tag.toLowerCase() !== 'latest');

  test('production and staging accept exactly the pinned images; a refusal names the image', () => {
    fc.assert(fc.property(image, fc.constantFrom('prod', 'staging'), (i, tier) => {
      const problems = problemsOfAgent({ image: i.text }, tier === 'prod' ? prod() : staging());
      if (isPinned(i)) {
        expect(problems).toEqual([]);
      } else {
        expect(problems).toHaveLength(1);
        expect(problems[0].startsWith(`${PATH} image: `)).toBe(true);
        expect(problems[0]).toContain(i.tag === undefined ? 'has no tag, so it means "latest"' : 'uses the mutable tag "latest"');
        expect(problems[0].endsWith(`(got ${JSON.stringify(i.text)})`)).toBe(true);
      }
    }), RUNS);
  });

  test('development accepts every valid reference', () => {
    fc.assert(fc.property(image, (i) => {
      expect(problemsOfAgent({ image: i.text }, dev())).toEqual([]);
    }), RUNS);
  });
});

describe('autoscaling: a problem iff minReplicas > maxReplicas', () => {
  test('in production and staging', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }), fc.constantFrom('prod', 'staging'), (minReplicas, maxReplicas, tier) => {
      const problems = problemsOfAgent(agentProps({ autoscaling: { minReplicas, maxReplicas } }), tier === 'prod' ? prod() : staging());
      if (minReplicas > maxReplicas) {
        expect(problems).toEqual([
          `${PATH} autoscaling.minReplicas: is above autoscaling.maxReplicas (${maxReplicas}); minReplicas must be at most maxReplicas (got ${minReplicas})`,
        ]);
      } else {
        expect(problems).toEqual([]);
      }
    }), RUNS);
  });
});
