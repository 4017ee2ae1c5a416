import * as fc from 'fast-check';
import { GpuInferencePool } from '../../lib';
import { synth } from '../helpers/synth';
import { MODEL, problemsOfPool, prod } from './helpers';
import { mainContainer, podSpec, volumeNamed } from './pods';

/**
 * Memory limit high enough for the largest default /dev/shm (2Gi x 16 tensor-parallel GPUs), so
 * that the properties are about GPUs only. (With the 32Gi default, 16-way tensor parallelism is
 * refused: see the failing test in gpu-inference-pool.test.ts.)
 */
const ROOMY = { limits: { memory: '64Gi' } };

const gpuCount = fc.integer({ min: 1, max: 16 });
const tensorParallel = fc.integer({ min: 1, max: 16 });
const gpuResource = fc.constantFrom('nvidia.com/gpu', 'nvidia.com/mig-1g.10gb', 'nvidia.com/mig-3g.40gb', 'amd.com/gpu');

describe('GpuInferencePool GPU properties', () => {
  test('a tensor-parallel size is refused exactly when it does not divide the GPU count, with the divisors listed', () => {
    fc.assert(fc.property(gpuCount, tensorParallel, (count, tp) => {
      // GIVEN any GPU count and tensor-parallel size from 1 to 16
      const problems = problemsOfPool({ model: MODEL, gpus: { count }, tensorParallelSize: tp, resources: ROOMY });
      // THEN there is one problem on tensorParallelSize iff count % tp != 0
      if (count % tp === 0) {
        expect(problems).toEqual([]);
      } else {
        const divisors = Array.from({ length: count }, (_, i) => i + 1).filter((d) => count % d === 0);
        expect(problems).toEqual([
          `[test/llm] tensorParallelSize: must divide the GPUs per replica (gpus.count = ${count}): vLLM shards the model over tensor-parallel groups of that many GPUs; use one of ${divisors.join(', ')} (got ${tp})`,
        ]);
      }
    }), { numRuns: 200 });
  });

  test('every valid combination validates strictly, with equal request and limit of the GPU resource and 2Gi of /dev/shm per tensor-parallel GPU up to a quarter of the memory limit', () => {
    const valid = gpuCount.chain((count) => fc.record({
      count: fc.constant(count),
      tp: fc.constantFrom(...Array.from({ length: count }, (_, i) => i + 1).filter((d) => count % d === 0)),
      resource: gpuResource,
      replicas: fc.integer({ min: 1, max: 4 }),
    }));
    fc.assert(fc.property(valid, ({ count, tp, resource, replicas }) => {
      // GIVEN a valid combination WHEN it is synthesized (synth() validates every object strictly)
      const s = synth((p) => {
        new GpuInferencePool(p, 'llm', { model: MODEL, gpus: { count, resource }, tensorParallelSize: tp, resources: ROOMY, replicas });
      }, prod());
      const deployment = s.get('Deployment', 'llm');
      const c = mainContainer(deployment);
      // THEN the GPU resource is requested and limited equally
      expect(c.resources?.requests?.[resource]).toBe(count);
      expect(c.resources?.limits?.[resource]).toBe(count);
      // AND the engine shards over tp GPUs, with /dev/shm sized for them
      const args = c.args ?? [];
      expect(args[args.indexOf('--tensor-parallel-size') + 1]).toBe(String(tp));
      // (the 64Gi memory limit caps the memory-backed /dev/shm at 16Gi)
      expect(volumeNamed(podSpec(deployment), 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: `${Math.min(2 * tp, 16)}Gi` });
    }), { numRuns: 60 });
  });
});
