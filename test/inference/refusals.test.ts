import { Environments, GpuInferencePool, InferenceFallback, InferenceGateway, InferenceRouting } from '../../lib';
import { problemsOf } from '../helpers/synth';
import { COMMIT, MODEL, poolProps, problemsOfPool, prod, REPOSITORY } from './helpers';

/**
 * Every refusal of the pool, one line each, pinned to its exact message: the construct path, the
 * field, what is wrong and allowed, and the given value. Every problem of a build is reported at
 * once, so each test also shows that a refusal does not hide another.
 */

const GATEWAY = InferenceGateway.fromName('inference-gateway', { namespace: 'gateway-system', url: 'http://inference-gateway.gateway-system.svc.cluster.local' });
const ROUTED = InferenceRouting.inferencePool({ gateway: GATEWAY });
const SCALING = { prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090' };

describe('GPU rules (issue #10)', () => {
  test('a MIG resource name that is not "nvidia.com/mig-<n>g.<m>gb" (the typo "mig-3g40gb")', () => {
    expect(problemsOfPool(poolProps({ gpus: { resource: 'nvidia.com/mig-3g40gb' } }))).toEqual([
      '[test/llm] gpus.resource: is not a MIG resource name: NVIDIA\'s device plugin names MIG slices "nvidia.com/mig-<compute>g.<memory>gb", e.g. "nvidia.com/mig-3g.40gb"; check `kubectl describe node` for the names your nodes offer (a pod requesting a name no node has stays Pending) (got "nvidia.com/mig-3g40gb")',
    ]);
  });

  test.each(['nvidia.com/mig', 'nvidia.com/mig-3g', 'nvidia.com/mig-0g.10gb', 'nvidia.com/mig-1g.10g', 'nvidia.com/mig-1c.3g.20gb'])('%s is refused as a MIG name', (resource) => {
    expect(problemsOfPool(poolProps({ gpus: { resource } }))).toEqual([expect.stringMatching(/^\[test\/llm\] gpus\.resource: is not a MIG resource name: /)]);
  });

  test.each(['nvidia.com/mig-1g.10gb', 'nvidia.com/mig-2g.20gb', 'nvidia.com/mig-3g.40gb', 'nvidia.com/mig-7g.80gb', 'nvidia.com/gpu', 'amd.com/gpu'])('%s is accepted', (resource) => {
    expect(problemsOfPool(poolProps({ gpus: { resource } }))).toEqual([]);
  });

  test('tensor parallelism above 1 on a MIG slice: a CUDA process sees one MIG device', () => {
    expect(problemsOfPool(poolProps({ gpus: { resource: 'nvidia.com/mig-3g.40gb' }, tensorParallelSize: 2 }))).toEqual([
      '[test/llm] tensorParallelSize: must be 1 on MIG slices: a CUDA process sees only one MIG device, so vLLM cannot shard the model across slices; use tensorParallelSize 1, or whole GPUs (nvidia.com/gpu) (got 2)',
    ]);
  });

  test('two MIG slices per replica (tensor parallelism would default to 2): the count is refused', () => {
    expect(problemsOfPool(poolProps({ gpus: { resource: 'nvidia.com/mig-1g.10gb', count: 2 } }))).toEqual([
      '[test/llm] gpus.count: must be 1 on MIG slices: a CUDA process sees only one MIG device, so further slices would sit idle; serve one slice per replica (add replicas), or use whole GPUs (nvidia.com/gpu) to shard a model (got 2)',
    ]);
  });

  test.each([[0, '0'], [-1, '-1'], [1.5, '1.5'], [Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, 'Infinity']])('a GPU count of %p: a positive whole number of devices', (count, shown) => {
    expect(problemsOfPool(poolProps({ gpus: { count } }))).toEqual([
      `[test/llm] gpus.count: must be a positive whole number of GPUs, e.g. 1 or 2: Kubernetes allocates whole devices (for part of a GPU, request a MIG slice such as "nvidia.com/mig-1g.10gb") (got ${shown})`,
    ]);
  });

  test('a GPU count that is not a number', () => {
    const problems = problemsOfPool(poolProps({ gpus: { count: '2' as unknown as number } }));
    expect(problems).toEqual(['[test/llm] gpus.count: must be a positive whole number of GPUs, e.g. 1 or 2: Kubernetes allocates whole devices (for part of a GPU, request a MIG slice such as "nvidia.com/mig-1g.10gb") (got "2")']);
  });

  test('a toleration with operator Exists and a value: the API server would reject the pod', () => {
    expect(problemsOfPool(poolProps({ tolerations: [{ key: 'nvidia.com/gpu' }, { key: 'dedicated', operator: 'Exists', value: 'gpu' }] }))).toEqual([
      '[test/llm] tolerations[1].value: must be empty with operator "Exists", which matches every value of the key (the API server rejects the pod); remove value, or use operator "Equal" to match it (got "gpu")',
    ]);
  });

  test('a toleration with a value and no operator is an Equal toleration, not refused', () => {
    expect(problemsOfPool(poolProps({ tolerations: [{ key: 'dedicated', value: 'gpu' }] }))).toEqual([]);
  });

  test('across nodes, tensor x pipeline parallel must equal gpus.count x nodes', () => {
    expect(problemsOfPool(poolProps({ nodes: 2, gpus: { count: 8 }, tensorParallelSize: 8, pipelineParallelSize: 1, resources: { limits: { memory: '256Gi' } } }))).toEqual([
      '[test/llm] pipelineParallelSize: tensor x pipeline parallel (8 x 1 = 8) must equal the GPUs of a replica, gpus.count x nodes (8 x 2 = 16): vLLM runs one rank per GPU; e.g. tensorParallelSize 8 with pipelineParallelSize 2 (got 1)',
    ]);
    expect(problemsOfPool(poolProps({ nodes: 2, gpus: { count: 8 }, tensorParallelSize: 4, resources: { limits: { memory: '256Gi' } } }))).toEqual([
      '[test/llm] tensorParallelSize: tensor x pipeline parallel (4 x 2 = 8) must equal the GPUs of a replica, gpus.count x nodes (8 x 2 = 16): vLLM runs one rank per GPU; e.g. tensorParallelSize 8 with pipelineParallelSize 2 (got 4)',
    ]);
  });

  test('every GPU problem of one pool at once', () => {
    const problems = problemsOfPool(poolProps({
      gpus: { resource: 'nvidia.com/mig-3g40gb', count: 2 },
      tensorParallelSize: 2,
      tolerations: [{ key: 'x', operator: 'Exists', value: 'y' }],
    }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['[test/llm] gpus.resource', '[test/llm] gpus.count', '[test/llm] tensorParallelSize', '[test/llm] tolerations[0].value']);
  });
});

describe('model revisions', () => {
  test('a floating revision (none) in an environment that pins', () => {
    expect(problemsOfPool(poolProps({ model: REPOSITORY }))).toEqual([
      `[test/llm] model: has no revision, so the default branch, which moves; environment "prod" pins what it deploys (images.tagPolicy "pinned"): give the 40-character commit, e.g. "${REPOSITORY}@<commit>" (Hugging Face: Files and versions, History) (got "${REPOSITORY}")`,
    ]);
  });

  test.each(['main', 'v1.0', 'refs/pr/12', COMMIT.slice(0, 12)])('a branch, tag or short commit "%s" is floating too', (revision) => {
    expect(problemsOfPool(poolProps({ model: `${REPOSITORY}@${revision}` }))).toEqual([
      `[test/llm] model: has revision "${revision}" is a branch or tag, which moves; environment "prod" pins what it deploys (images.tagPolicy "pinned"): give the 40-character commit, e.g. "${REPOSITORY}@<commit>" (Hugging Face: Files and versions, History) (got "${REPOSITORY}@${revision}")`,
    ]);
  });

  test('a floating revision is accepted where the environment takes any tag (dev with GPUs)', () => {
    expect(problemsOfPool(poolProps({ model: REPOSITORY }), Environments.dev({ namespace: 'agents', gpu: { available: true } }))).toEqual([]);
  });

  test('the CPU fallback\'s model is checked where it serves (a pinned environment without GPUs)', () => {
    const problems = problemsOf((p) => {
      new GpuInferencePool(p, 'llm', { model: MODEL, fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) });
    }, Environments.staging({ namespace: 'agents', gpu: { available: false } }));
    expect(problems).toEqual([
      '[test/llm] fallback.model: has no revision, so the default branch, which moves; environment "staging" pins what it deploys (images.tagPolicy "pinned"): give the 40-character commit, e.g. "Qwen/Qwen2.5-0.5B-Instruct@<commit>" (Hugging Face: Files and versions, History) (got "Qwen/Qwen2.5-0.5B-Instruct")',
    ]);
  });

  test.each(['meta llama/x', 'a/b/c', '@abc', 'org/name@'])('a malformed model "%s"', (model) => {
    expect(problemsOfPool(poolProps({ model }))).toEqual([
      `[test/llm] model: must be a Hugging Face repository id with an optional revision, e.g. "meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659", or an absolute path in the model cache (got ${JSON.stringify(model)})`,
    ]);
  });

  test('weights larger than the model cache', () => {
    expect(problemsOfPool(poolProps({ modelSize: '140Gi' }))).toEqual(['[test/llm] modelSize: does not fit the model cache (modelCache.size "100Gi"); raise modelCache.size (got "140Gi")']);
  });

  test('a name too long for the download Job\'s name', () => {
    const name = 'a-very-long-inference-pool-name-for-llama';
    expect(problemsOfPool(poolProps({ name }))).toEqual([
      `[test/llm] name: must be at most 39 characters when the pool downloads its weights: the download Job is named "<name>-weights-<revision>-<hash>" (at most 63); shorten the name, or set downloadModel false and fill the cache yourself (got "${name}")`,
    ]);
    expect(problemsOfPool(poolProps({ name, downloadModel: false }))).toEqual([]);
  });
});

describe('engine arguments', () => {
  test.each([
    ['--tensor-parallel-size', 'tensorParallelSize'],
    ['-tp', 'tensorParallelSize'],
    ['--model', 'model (the pool serves it from the model cache)'],
    ['--port', 'nothing: the pool serves on 8000'],
    ['--max-model-len=4096', 'maxModelLength'],
    ['--otlp-traces-endpoint', 'the ObservabilityStack (it wires the collector)'],
    ['--api-key', 'apiKey (a Secret: a key on the command line is visible in the process list)'],
  ])('extraEngineArgs %s is set by the pool: use %s', (flag, use) => {
    expect(problemsOfPool(poolProps({ extraEngineArgs: ['--max-num-seqs', '64', flag] }))).toEqual([
      `[test/llm] extraEngineArgs[2]: is set by the pool; use ${use} (got ${JSON.stringify(flag)})`,
    ]);
  });
});

describe('rollouts and disruption budgets (issue #12 item 3)', () => {
  test('maxSurge 0 with maxUnavailable 0 stalls every rollout', () => {
    expect(problemsOfPool(poolProps({ rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }))).toEqual([
      '[test/llm] rollingUpdate: maxSurge 0 with maxUnavailable 0 can never replace a pod, so every rollout stalls; allow one unavailable replica (maxUnavailable 1, the default, needs no spare GPU) or one extra (maxSurge 1, needs a spare GPU) (got {"maxSurge":0,"maxUnavailable":0})',
    ]);
  });

  test('a budget that forbids every eviction of a one-replica pool', () => {
    expect(problemsOfPool(poolProps({ replicas: 1, disruptionBudget: { minAvailable: 1 } }))).toEqual([
      '[test/llm] disruptionBudget.minAvailable: with 1 replica(s) at the fewest forbids every voluntary eviction: node drains and cluster upgrades block until someone deletes the budget; use minAvailable 0 or maxUnavailable 1 (a one-replica pool cannot stay up through a drain: add a replica for that) (got 1)',
    ]);
  });

  test('minAvailable equal to the replicas of a larger pool, maxUnavailable 0, and both at once', () => {
    expect(problemsOfPool(poolProps({ replicas: 3, disruptionBudget: { minAvailable: 3 } }))).toEqual([
      '[test/llm] disruptionBudget.minAvailable: with 3 replica(s) at the fewest forbids every voluntary eviction: node drains and cluster upgrades block until someone deletes the budget; use minAvailable 2 or maxUnavailable 1 (got 3)',
    ]);
    expect(problemsOfPool(poolProps({ disruptionBudget: { maxUnavailable: 0 } }))).toEqual([
      '[test/llm] disruptionBudget.maxUnavailable: forbids every voluntary eviction: node drains and cluster upgrades block until someone deletes the budget; allow 1 (got 0)',
    ]);
    expect(problemsOfPool(poolProps({ disruptionBudget: { maxUnavailable: 1, minAvailable: 1 } }))).toEqual([
      '[test/llm] disruptionBudget: takes maxUnavailable or minAvailable, not both (Kubernetes refuses a budget with both) (got {"maxUnavailable":1,"minAvailable":1})',
    ]);
  });

  test('the fewest replicas of a KEDA-scaled pool decide: minAvailable 2 with scaling.minReplicas 2', () => {
    expect(problemsOfPool(poolProps({ scaling: { ...SCALING, minReplicas: 2 }, disruptionBudget: { minAvailable: 2 } }))).toEqual([
      expect.stringContaining('[test/llm] disruptionBudget.minAvailable: with 2 replica(s) at the fewest forbids every voluntary eviction'),
    ]);
  });
});

describe('scaling (issue #12 item 4)', () => {
  test('scaling with an HPA or raw queueScaling: two autoscalers fight', () => {
    expect(problemsOfPool(poolProps({ scaling: SCALING, autoscaling: { minReplicas: 1, maxReplicas: 2 } }))).toEqual([
      '[test/llm] scaling: cannot be combined with autoscaling (an HPA) or queueScaling: KEDA owns the HPA of its ScaledObject, and two autoscalers on one workload fight over its replicas; keep one of them',
    ]);
  });

  test('minReplicas 0 without the explicit scale-to-zero opt-in', () => {
    expect(problemsOfPool(poolProps({ scaling: { ...SCALING, minReplicas: 0 } }))).toEqual([
      '[test/llm] scaling.minReplicas: scales the pool to zero, which is an explicit opt-in: give scaling.scaleToZero with the cold-start budget you accept, e.g. { coldStartBudgetSeconds: 900 }, or keep minReplicas at 1 or more (got 0)',
    ]);
  });

  test('scale to zero without routing through an InferencePool: nothing could wake the pool', () => {
    expect(problemsOfPool(poolProps({ scaling: { ...SCALING, scaleToZero: { coldStartBudgetSeconds: 3600 } } }))).toEqual([
      '[test/llm] scaling.scaleToZero: needs routing: InferenceRouting.inferencePool(...): with plain Service routing nothing records the requests that arrive while no model server runs, so KEDA could never scale the pool up again',
    ]);
  });

  test('a cold-start budget shorter than the pool may take to start', () => {
    expect(problemsOfPool(poolProps({ routing: ROUTED, modelSize: '16Gi', scaling: { ...SCALING, scaleToZero: { coldStartBudgetSeconds: 300 } } }))).toEqual([
      '[test/llm] scaling.scaleToZero.coldStartBudgetSeconds: is shorter than a cold start of this pool may take: 15 s for KEDA to notice plus its 480 s startup budget (495 s); raise it to at least 495, or lower startupTimeoutSeconds (give modelSize to derive a tighter one) (got 300)',
    ]);
  });

  test('scaling.scaleToZero without its budget', () => {
    expect(problemsOfPool(poolProps({ routing: ROUTED, scaling: { ...SCALING, scaleToZero: {} as { coldStartBudgetSeconds: number } } }))).toEqual([
      '[test/llm] scaling.scaleToZero.coldStartBudgetSeconds: must be a positive integer',
    ]);
  });

  test('a multi-node pool scales by replica groups only', () => {
    expect(problemsOfPool(poolProps({ nodes: 2, scaling: SCALING, resources: { limits: { memory: '64Gi' } } }))).toEqual([
      '[test/llm] nodes: multi-node pools run a fixed number of replica groups (replicas); remove autoscaling, queueScaling and scaling, or serve on one node (got 2)',
    ]);
  });
});

describe('routing (issue #12 item 1)', () => {
  test('a Gateway in the app\'s own namespace: the default deny would block its traffic', () => {
    const gateway = InferenceGateway.fromName('gw', { namespace: 'agents', url: 'http://gw.agents.svc' });
    expect(problemsOfPool(poolProps({ routing: InferenceRouting.inferencePool({ gateway }) }))).toEqual([
      '[test/llm] routing.gateway.namespace: is the app\'s namespace, whose default-deny NetworkPolicy would block the gateway\'s own traffic; run the Gateway in its own namespace (e.g. "gateway-system") (got "agents")',
    ]);
  });

  test('a malformed gateway and picker options: every problem, with its field', () => {
    const gateway = InferenceGateway.fromName('Bad_Name', { namespace: 'gateway-system', url: 'gateway:80', podPort: 0 });
    const problems = problemsOfPool(poolProps({
      routing: InferenceRouting.inferencePool({ gateway, endpointPicker: { replicas: 0, scorers: { queue: 0, kvCache: 0, prefixCache: 0 }, image: 'epp:latest' } }),
    }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      '[test/llm] routing.endpointPicker.replicas',
      '[test/llm] routing.endpointPicker.scorers',
      '[test/llm] routing.gateway.name',
      '[test/llm] routing.gateway.podPort',
      '[test/llm] routing.gateway.url',
    ].sort());
  });

  test('a floating picker image where the environment pins', () => {
    expect(problemsOfPool(poolProps({ routing: InferenceRouting.inferencePool({ gateway: GATEWAY, endpointPicker: { image: 'registry.k8s.io/gateway-api-inference-extension/epp:latest' } }) }))).toEqual([
      '[test/llm] routing.endpointPicker.image: uses the mutable tag "latest"; this environment\'s image tag policy is "pinned": use a version tag or a digest, e.g. "registry.k8s.io/gateway-api-inference-extension/epp:1.4.2" (only an environment with imageTagPolicy "any", such as dev, accepts it) (got "registry.k8s.io/gateway-api-inference-extension/epp:latest")',
    ]);
  });

  test('a routing that is not an InferenceRouting', () => {
    expect(problemsOfPool(poolProps({ routing: { kind: 'inference-pool' } as unknown as InferenceRouting }))).toEqual([
      '[test/llm] routing: must be InferenceRouting.service() or InferenceRouting.inferencePool({ gateway }) (got {"kind":"inference-pool"})',
    ]);
  });
});

test('the helpers serve a pinned model', () => {
  expect(MODEL).toBe(`${REPOSITORY}@${COMMIT}`);
  expect(prod().images.tagPolicy).toBe('pinned');
});
