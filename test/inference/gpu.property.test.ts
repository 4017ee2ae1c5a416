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
    // MIG slices take one slice and no tensor parallelism (a CUDA process sees one MIG device).
    const valid = fc.tuple(gpuResource, gpuCount).chain(([resource, any]) => {
      const count = resource.includes('/mig-') ? 1 : any;
      return fc.record({
        count: fc.constant(count),
        tp: fc.constantFrom(...Array.from({ length: count }, (_, i) => i + 1).filter((d) => count % d === 0)),
        resource: fc.constant(resource),
        replicas: fc.integer({ min: 1, max: 4 }),
      });
    });
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

  test('on a MIG slice, every GPU count above 1 and every tensor-parallel size above 1 is refused, each with its own line', () => {
    const mig = fc.constantFrom('nvidia.com/mig-1g.10gb', 'nvidia.com/mig-3g.40gb', 'nvidia.com/mig-7g.80gb');
    fc.assert(fc.property(mig, gpuCount, fc.option(tensorParallel, { nil: undefined }), (resource, count, tp) => {
      // GIVEN a MIG resource with any count and tensor-parallel size
      const problems = problemsOfPool({ model: MODEL, gpus: { count, resource }, tensorParallelSize: tp, resources: ROOMY });
      // THEN exactly the count above 1 and the explicit tensor parallelism above 1 are refused
      const expected = [
        ...(count > 1 ? [`[test/llm] gpus.count: must be 1 on MIG slices: a CUDA process sees only one MIG device, so further slices would sit idle; serve one slice per replica (add replicas), or use whole GPUs (nvidia.com/gpu) to shard a model (got ${count})`] : []),
        ...((tp ?? 1) > 1 ? [`[test/llm] tensorParallelSize: must be 1 on MIG slices: a CUDA process sees only one MIG device, so vLLM cannot shard the model across slices; use tensorParallelSize 1, or whole GPUs (nvidia.com/gpu) (got ${tp})`] : []),
      ];
      expect(problems).toEqual(expected);
    }), { numRuns: 100, seed: 12 });
  });
});
