import {
  AgentBatchJob, AgentMicroservice, Environments, ExternalEndpoint, GpuInferencePool, InferenceFallback, ScalingMetric, SecretSource,
} from '../../lib';
import { at, OTEL_METRICS_ENV_BY_NAME, problemsOf, synth, type Synthesized } from '../helpers/synth';
import {
  AGENT_IMAGE, dev, expectOneProblem, MODEL_DIR, poolProps, problemsOfPool, prod, REPOSITORY, synthPool, synthPoolAndAgent,
} from './helpers';
import {
  cidrPath, egressPaths, envOf, everyContainer, indexOf, ingressPaths, INTERNET_HTTPS, mainContainer, nameLabel, podPath, podSpec,
  resourceNames, volumeNamed, withDns,
} from './pods';

const NAME = 'llm';
const SELECTOR = { 'app.kubernetes.io/name': NAME };
const POOL_URL = `http://${NAME}.agents.svc.cluster.local:8000/v1`;

const deployment = (s: Synthesized) => s.get('Deployment', NAME);
const server = (s: Synthesized) => mainContainer(deployment(s));
const initContainers = (s: Synthesized) => podSpec(deployment(s)).initContainers ?? [];

describe('GpuInferencePool: the vLLM Deployment with its defaults (production)', () => {
  // GIVEN only a model, in production with an RWX storage class
  const s = synthPool();

  test('the pinned default image, on the server, its wait step and the download Job', () => {
    expect(GpuInferencePool.DEFAULT_IMAGE).toBe('docker.io/vllm/vllm-openai:v0.11.2');
    expect(GpuInferencePool.DEFAULT_IMAGE).not.toMatch(/:latest$/);
    expect(server(s).image).toBe(GpuInferencePool.DEFAULT_IMAGE);
    expect(initContainers(s).map((c) => `${c.name} ${c.image}`)).toEqual([`wait-for-weights ${GpuInferencePool.DEFAULT_IMAGE}`]);
    expect(mainContainer(s.all('Job')[0]).image).toBe(GpuInferencePool.DEFAULT_IMAGE);
  });

  test('engine arguments: the revision\'s directory in the cache (positional, as `vllm serve` wants it), the repository as served name, port 8000, one tensor-parallel GPU, 0.9 of GPU memory, no max-model-len', () => {
    expect(server(s).args).toEqual([
      MODEL_DIR,
      '--served-model-name', REPOSITORY,
      '--port', '8000',
      '--tensor-parallel-size', '1',
      '--gpu-memory-utilization', '0.9',
    ]);
  });

  test('one nvidia.com/gpu, requested and limited equally, beside the gpu-inference preset', () => {
    expect(server(s).resources).toEqual({
      requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 1 },
      limits: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': 1 },
    });
  });

  test('the default toleration of the GPU taint; no product selector, runtime class or priority class', () => {
    const pod = podSpec(deployment(s));
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod).not.toHaveProperty('nodeSelector');
    expect(pod).not.toHaveProperty('runtimeClassName');
    expect(pod).not.toHaveProperty('priorityClassName');
  });

  test('the model cache: a 100Gi ReadWriteMany claim `llm-models` on the environment\'s shared storage class, mounted read-only at /models', () => {
    expect(at(s.get('PersistentVolumeClaim', `${NAME}-models`), 'spec')).toEqual({
      accessModes: ['ReadWriteMany'],
      storageClassName: 'efs-sc',
      resources: { requests: { storage: '100Gi' } },
    });
    expect(volumeNamed(podSpec(deployment(s)), 'model-cache')).toEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: `${NAME}-models`, readOnly: true } });
    expect(server(s).volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/models', readOnly: true });
  });

  test('the serving pod waits for the download Job\'s marker, with the one-hour budget of an unknown size', () => {
    const [wait] = initContainers(s);
    expect(wait.name).toBe('wait-for-weights');
    expect(envOf(wait)).toEqual({ MODEL_DIR: { value: MODEL_DIR }, WAIT_SECONDS: { value: '3600' }, DOWNLOAD_JOB: { value: `${NAME}-weights` } });
    expect(wait.volumeMounts).toEqual([{ name: 'model-cache', mountPath: '/models', readOnly: true }]);
  });

  test('the serving pod has no internet egress: DNS only (the download Job reaches the Hub, not the server)', () => {
    expect(egressPaths(s.get('NetworkPolicy', NAME))).toEqual(withDns());
  });

  test('/dev/shm: a memory-backed emptyDir of 2Gi for one tensor-parallel GPU', () => {
    expect(volumeNamed(podSpec(deployment(s)), 'dshm')).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(server(s).volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
  });

  test('a startup probe allowing 1800 s of model loading (1800 / 5 = 360 failures), readiness and liveness on /health', () => {
    const c = server(s);
    expect(c.startupProbe).toEqual({
      httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 1800 / 5, successThreshold: 1,
    });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
  });

  test('a ClusterIP Service on 8000 targeting the named container port', () => {
    expect(server(s).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(at(s.get('Service', NAME), 'spec')).toEqual({
      type: 'ClusterIP',
      selector: SELECTOR,
      ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    });
  });

  test('Prometheus scrapes vLLM\'s /metrics on 8000', () => {
    expect(at(deployment(s), 'spec.template.metadata.annotations')).toEqual({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000', 'prometheus.io/path': '/metrics',
    });
  });

  test('no HPA by default: the environment\'s 3 replicas, a PodDisruptionBudget, the inference component label', () => {
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(deployment(s), 'spec.replicas')).toBe(3);
    expect(at(s.get('PodDisruptionBudget', NAME), 'spec')).toEqual({ maxUnavailable: 1, selector: { matchLabels: SELECTOR }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect((deployment(s).metadata.labels as Record<string, string>)['app.kubernetes.io/component']).toBe('inference');
  });

  test('120 s of termination grace for in-flight generations', () => {
    expect(podSpec(deployment(s)).terminationGracePeriodSeconds).toBe(120);
  });
});

describe('GpuInferencePool: engine arguments', () => {
  test('served name, tensor parallelism, GPU memory share, max model length and extra arguments, in that order', () => {
    // GIVEN every engine option
    const s = synthPool({
      servedModelName: 'llama-3.1-8b-instruct',
      gpus: { count: 4 },
      tensorParallelSize: 2,
      gpuMemoryUtilization: 0.85,
      maxModelLength: 8192,
      extraEngineArgs: ['--enable-prefix-caching', '--max-num-seqs', '64'],
    });
    // THEN
    expect(server(s).args).toEqual([
      MODEL_DIR,
      '--served-model-name', 'llama-3.1-8b-instruct',
      '--port', '8000',
      '--tensor-parallel-size', '2',
      '--gpu-memory-utilization', '0.85',
      '--max-model-len', '8192',
      '--enable-prefix-caching', '--max-num-seqs', '64',
    ]);
  });

  test('the tensor-parallel size defaults to every GPU of the replica', () => {
    expect(server(synthPool({ gpus: { count: 4 }, resources: { limits: { memory: '64Gi' } } })).args).toEqual(expect.arrayContaining(['--tensor-parallel-size', '4']));
  });
});

describe('GpuInferencePool: GPUs and scheduling', () => {
  test('two whole GPUs: nvidia.com/gpu 2 on requests and limits', () => {
    const c = server(synthPool({ gpus: { count: 2 } }));
    expect(c.resources?.requests?.['nvidia.com/gpu']).toBe(2);
    expect(c.resources?.limits?.['nvidia.com/gpu']).toBe(2);
  });

  test('a MIG slice: the MIG resource on requests and limits, and no whole GPU', () => {
    const c = server(synthPool({ gpus: { resource: 'nvidia.com/mig-1g.10gb' } }));
    expect(c.resources).toEqual({
      requests: { cpu: '4', memory: '16Gi', 'nvidia.com/mig-1g.10gb': 1 },
      limits: { cpu: '8', memory: '32Gi', 'nvidia.com/mig-1g.10gb': 1 },
    });
  });

  test('the GPU product becomes a nodeSelector on nvidia.com/gpu.product, merged with the pool\'s own node labels', () => {
    const pod = podSpec(deployment(synthPool({ gpus: { product: 'NVIDIA-A100-SXM4-80GB' }, nodeSelector: { 'node-pool': 'gpu-a100' } })));
    expect(pod.nodeSelector).toEqual({ 'node-pool': 'gpu-a100', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
  });

  test('custom tolerations replace the default one; operator Exists and effect NoSchedule fill what is left out', () => {
    const pod = podSpec(deployment(synthPool({
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'inference', effect: 'NoExecute' }, { key: 'nvidia.com/gpu' }],
    })));
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'inference', effect: 'NoExecute' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  test('runtimeClassName and priorityClassName', () => {
    const pod = podSpec(deployment(synthPool({ runtimeClassName: 'nvidia', priorityClassName: 'model-serving' })));
    expect(pod.runtimeClassName).toBe('nvidia');
    expect(pod.priorityClassName).toBe('model-serving');
  });
});

describe('GpuInferencePool: model cache', () => {
  test('shared with an explicit size and storage class', () => {
    const s = synthPool({ modelCache: { mode: 'shared', size: '300Gi', storageClassName: 'filestore-rwx' } });
    expect(at(s.get('PersistentVolumeClaim', `${NAME}-models`), 'spec')).toEqual({
      accessModes: ['ReadWriteMany'], storageClassName: 'filestore-rwx', resources: { requests: { storage: '300Gi' } },
    });
  });

  test('shared in an environment without a shared storage class: the claim uses the cluster default class', () => {
    const s = synthPool({}, Environments.prod({ namespace: 'agents' }));
    expect(at(s.get('PersistentVolumeClaim', `${NAME}-models`), 'spec')).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } } });
  });

  // A cache per replica would need internet egress on every serving pod: refused with the reason.
  test('per-replica is refused: the weights are downloaded once into the shared cache', () => {
    const problems = problemsOfPool(poolProps({ modelCache: { mode: 'per-replica' as 'shared' } }));
    expect(problems).toEqual(['[test/llm] modelCache.mode: must be "shared": a Job downloads the weights once into a ReadWriteMany cache; a cache per replica would need internet egress on every serving pod (got "per-replica")']);
  });
});

describe('GpuInferencePool: model download', () => {
  test('a Hugging Face token from a SecretSource reaches only the download Job as HF_TOKEN, never as a literal', () => {
    // GIVEN a gated model and the token in a SecretSource
    const s = synth((p) => {
      const hf = new SecretSource(p, 'huggingface-token', { keys: ['token'] });
      new GpuInferencePool(p, NAME, poolProps({ huggingFaceToken: { secret: hf, key: 'token' } }));
    }, prod());
    // THEN the Job reads it from the Secret, and the serving pods never see it
    const token = { valueFrom: { secretKeyRef: { name: 'huggingface-token', key: 'token' } } };
    expect(envOf(mainContainer(s.all('Job')[0])).HF_TOKEN).toEqual(token);
    expect(everyContainer([deployment(s)]).filter(({ container }) => envOf(container).HF_TOKEN !== undefined)).toEqual([]);
    expect(s.all('Secret')).toEqual([]);
  });

  test('downloadModel false: no Job, no wait step, no internet egress', () => {
    const s = synthPool({ downloadModel: false });
    expect(s.all('Job')).toEqual([]);
    expect(podSpec(deployment(s))).not.toHaveProperty('initContainers');
    expect(egressPaths(s.get('NetworkPolicy', NAME))).toEqual(withDns());
  });

  test('a model path in the cache is served as given and never downloaded', () => {
    const s = synthPool({ model: '/models/llama-3.1-8b-instruct' });
    expect(server(s).args?.slice(0, 3)).toEqual(['/models/llama-3.1-8b-instruct', '--served-model-name', '/models/llama-3.1-8b-instruct']);
    expect(s.all('Job')).toEqual([]);
    expect(podSpec(deployment(s))).not.toHaveProperty('initContainers');
    expect(egressPaths(s.get('NetworkPolicy', NAME))).toEqual(withDns());
  });
});

describe('GpuInferencePool: /dev/shm and probes', () => {
  test.each([
    [1, 1, '2Gi'],
    [4, 2, '4Gi'],
    [4, 4, '8Gi'],
    [8, 8, '16Gi'],
  ])('%i GPUs with tensor parallelism %i: /dev/shm is %s (2Gi per tensor-parallel GPU)', (count, tp, size) => {
    const s = synthPool({ gpus: { count }, tensorParallelSize: tp, resources: { limits: { memory: '64Gi' } } });
    expect(volumeNamed(podSpec(deployment(s)), 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: size });
  });

  test('an explicit shmSize', () => {
    expect(volumeNamed(podSpec(deployment(synthPool({ shmSize: '6Gi' }))), 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '6Gi' });
  });

  test('startupTimeoutSeconds 600 allows 120 startup failures at 5 s', () => {
    expect(server(synthPool({ startupTimeoutSeconds: 600 })).startupProbe?.failureThreshold).toBe(120);
  });
});

describe('GpuInferencePool: replicas and autoscaling', () => {
  test('one replica: no PodDisruptionBudget and no spread', () => {
    const s = synthPool({ replicas: 1 });
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
    expect(s.all('PodDisruptionBudget')).toEqual([]);
    expect(podSpec(deployment(s))).not.toHaveProperty('topologySpreadConstraints');
  });

  test('two replicas: a PodDisruptionBudget and spread across nodes', () => {
    const s = synthPool({ replicas: 2 });
    expect(at(deployment(s), 'spec.replicas')).toBe(2);
    expect(s.all('PodDisruptionBudget').map((o) => o.metadata.name)).toEqual([NAME]);
    expect(podSpec(deployment(s)).topologySpreadConstraints?.map((t) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  });

  test('an HPA on waiting requests only (no CPU or memory target), and the Deployment leaves replicas to it', () => {
    const s = synthPool({ autoscaling: { minReplicas: 1, maxReplicas: 4, metrics: [ScalingMetric.podsAverage('vllm_num_requests_waiting', '5')] } });
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec')).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [{ type: 'Pods', pods: { metric: { name: 'vllm_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: '5' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    });
    expect(at(deployment(s), 'spec')).not.toHaveProperty('replicas');
  });
});

describe('GpuInferencePool: API key', () => {
  test('apiKey: VLLM_API_KEY on the server, OPENAI_API_KEY on the wired agent, both from the Secret', () => {
    // GIVEN a key in a SecretSource
    const s = synth((p) => {
      const key = new SecretSource(p, 'vllm-api-key', { keys: ['key'] });
      const pool = new GpuInferencePool(p, NAME, poolProps({ apiKey: { secret: key, key: 'key' } }));
      new AgentMicroservice(p, 'support-agent', { image: AGENT_IMAGE, inference: pool });
    }, prod());
    // THEN
    const ref = { valueFrom: { secretKeyRef: { name: 'vllm-api-key', key: 'key' } } };
    expect(envOf(server(s)).VLLM_API_KEY).toEqual(ref);
    expect(envOf(mainContainer(s.get('Deployment', 'support-agent')))).toEqual({
      OPENAI_BASE_URL: { value: POOL_URL },
      OPENAI_MODEL: { value: REPOSITORY },
      OPENAI_API_KEY: ref,
      ...OTEL_METRICS_ENV_BY_NAME,
    });
  });

  test('without apiKey neither side gets a key', () => {
    const s = synthPoolAndAgent();
    expect(envOf(server(s))).not.toHaveProperty('VLLM_API_KEY');
    expect(envOf(mainContainer(s.get('Deployment', 'support-agent')))).not.toHaveProperty('OPENAI_API_KEY');
  });
});

describe('GpuInferencePool: ResourceQuota', () => {
  // The default rollout adds no pod (maxSurge 0), so the quota holds no spare GPU either.
  test('requests.nvidia.com/gpu counts every GPU at full scale, without a surge pod: 2 replicas x 2 GPUs', () => {
    const s = synthPool({ replicas: 2, gpus: { count: 2 } });
    expect(at(s.get('ResourceQuota', 'workloads'), 'spec.hard')).toMatchObject({ 'requests.nvidia.com/gpu': 4 });
  });

  test('with an HPA the maximum counts: 4 x 1 GPU', () => {
    const s = synthPool({ autoscaling: { minReplicas: 1, maxReplicas: 4, metrics: [ScalingMetric.podsAverage('vllm_num_requests_waiting', '5')] } });
    expect(at(s.get('ResourceQuota', 'workloads'), 'spec.hard')).toMatchObject({ 'requests.nvidia.com/gpu': 4 });
  });

  test('a rollout with maxSurge 1 counts the surge pod\'s GPUs: (2 + 1) x 1 GPU', () => {
    const s = synthPool({ replicas: 2, rollingUpdate: { maxSurge: 1 } });
    expect(at(s.get('ResourceQuota', 'workloads'), 'spec.hard')).toMatchObject({ 'requests.nvidia.com/gpu': 3 });
  });

  // Each extended resource has its own quota: MIG slices are not whole GPUs.
  test('a MIG pool is counted under its own resource, not as whole GPUs', () => {
    const s = synthPool({ replicas: 3, gpus: { resource: 'nvidia.com/mig-1g.10gb' } });
    const hard = at(s.get('ResourceQuota', 'workloads'), 'spec.hard') as Record<string, unknown>;
    expect(hard['requests.nvidia.com/mig-1g.10gb']).toBe(3);
    expect(hard).not.toHaveProperty('requests.nvidia.com/gpu');
  });
});

describe('GpuInferencePool: the development fallback', () => {
  test('InferenceFallback.cpuModel: a CPU vLLM with the CPU image and the small model, no GPU anywhere in the output', () => {
    // GIVEN a GPU pool with every GPU option, and a CPU fallback, in dev
    const s = synth((p) => {
      const pool = new GpuInferencePool(p, NAME, poolProps({
        gpus: { count: 2, product: 'NVIDIA-A100-SXM4-80GB' },
        tolerations: [{ key: 'dedicated', value: 'gpu', operator: 'Equal' }],
        runtimeClassName: 'nvidia',
        fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }),
      }));
      new AgentMicroservice(p, 'support-agent', { image: AGENT_IMAGE, inference: pool });
    }, dev());
    const c = server(s);
    const pod = podSpec(deployment(s));
    // THEN the CPU image serves the fallback model, without GPU engine arguments
    expect(c.image).toBe(GpuInferencePool.DEFAULT_CPU_IMAGE);
    expect(c.args).toEqual(['/models/Qwen/Qwen2.5-0.5B-Instruct/main', '--served-model-name', 'Qwen/Qwen2.5-0.5B-Instruct', '--port', '8000', '--max-model-len', '4096']);
    expect(envOf(c).VLLM_CPU_KVCACHE_SPACE).toEqual({ value: '2' });
    // AND no container of any object requests or limits a GPU, and the quota counts none
    const gpuResources = everyContainer(s.objects).flatMap(({ owner, container }) => resourceNames(container).filter((r) => r.includes('gpu') || r.includes('mig')).map((r) => `${owner}: ${r}`));
    expect(gpuResources).toEqual([]);
    expect(Object.keys(at(s.get('ResourceQuota', 'workloads'), 'spec.hard') as Record<string, unknown>).filter((k) => k.includes('nvidia'))).toEqual([]);
    // AND no toleration, runtime class or GPU product selector
    expect(pod).not.toHaveProperty('tolerations');
    expect(pod).not.toHaveProperty('runtimeClassName');
    expect(pod.nodeSelector ?? {}).not.toHaveProperty('nvidia.com/gpu.product');
    // AND the cpu-inference preset, halved by dev's small profile, a 1Gi /dev/shm
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    expect(volumeNamed(pod, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    // AND the small model is downloaded by the pod's own init container into a 10Gi emptyDir (no Job, no claim)
    expect(volumeNamed(pod, 'model-cache')).toEqual({ name: 'model-cache', emptyDir: { sizeLimit: '10Gi' } });
    expect(pod.initContainers?.map((i) => i.name)).toEqual(['download-model']);
    expect(s.all('PersistentVolumeClaim')).toEqual([]);
    expect(s.all('Job')).toEqual([]);
    // AND the agent asks for the fallback model at the pool's Service
    expect(envOf(mainContainer(s.get('Deployment', 'support-agent')))).toEqual({ OPENAI_BASE_URL: { value: POOL_URL }, OPENAI_MODEL: { value: 'Qwen/Qwen2.5-0.5B-Instruct' }, ...OTEL_METRICS_ENV_BY_NAME });
  });

  test('cpuModel with its own image, context length and resources', () => {
    const s = synthPool({
      fallback: InferenceFallback.cpuModel({
        model: 'Qwen/Qwen2.5-1.5B-Instruct', image: 'ghcr.io/acme/vllm-cpu:0.11.0', maxModelLength: 2048,
        resources: { requests: { cpu: '2', memory: '6Gi' }, limits: { cpu: '4', memory: '8Gi' } },
      }),
    }, dev());
    const c = server(s);
    expect(c.image).toBe('ghcr.io/acme/vllm-cpu:0.11.0');
    expect(c.args).toEqual(expect.arrayContaining(['--max-model-len', '2048']));
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '6Gi' }, limits: { cpu: '4', memory: '8Gi' } });
  });

  test('where the environment has GPUs the fallback is ignored', () => {
    const s = synthPool({ fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) });
    expect(server(s).image).toBe(GpuInferencePool.DEFAULT_IMAGE);
    expect(server(s).resources?.limits?.['nvidia.com/gpu']).toBe(1);
  });

  test('InferenceFallback.external: nothing is rendered for the pool; wired agents get the external URL, the model, the key and egress on 443', () => {
    // GIVEN a hosted API as the dev fallback, with its key in a Secret
    const s = synth((p) => {
      const key = new SecretSource(p, 'openai', { keys: ['api-key'] });
      const pool = new GpuInferencePool(p, NAME, poolProps({
        fallback: InferenceFallback.external({ baseUrl: 'https://api.openai.com/v1/', model: 'gpt-4o-mini', apiKey: { secret: key, key: 'api-key' } }),
      }));
      new AgentMicroservice(p, 'support-agent', { image: AGENT_IMAGE, inference: pool });
    }, dev());
    // THEN no object belongs to the pool
    expect(s.objects.filter((o) => nameLabel(o) === NAME || o.metadata.name.startsWith(NAME))).toEqual([]);
    // AND the agent calls the external API (trailing slash removed)
    expect(envOf(mainContainer(s.get('Deployment', 'support-agent')))).toEqual({
      OPENAI_BASE_URL: { value: 'https://api.openai.com/v1' },
      OPENAI_MODEL: { value: 'gpt-4o-mini' },
      OPENAI_API_KEY: { valueFrom: { secretKeyRef: { name: 'openai', key: 'api-key' } } },
      ...OTEL_METRICS_ENV_BY_NAME,
    });
    expect(egressPaths(s.get('NetworkPolicy', 'support-agent'))).toEqual(withDns(INTERNET_HTTPS));
  });

  test('InferenceFallback.external with an explicit endpoint: the egress goes to that range and port', () => {
    const s = synthPoolAndAgent({
      fallback: InferenceFallback.external({ baseUrl: 'http://10.30.0.15:8000/v1', model: 'llama', endpoint: ExternalEndpoint.cidr('10.30.0.15/32', { ports: [8000] }) }),
    }, dev());
    expect(egressPaths(s.get('NetworkPolicy', 'support-agent'))).toEqual(withDns(cidrPath('10.30.0.15/32', 8000)));
  });

  // The egress follows the base URL's scheme and port: a shared dev server on :8000 stays reachable.
  test('InferenceFallback.external on another port: the agent\'s egress opens the URL\'s port', () => {
    const s = synthPoolAndAgent({ fallback: InferenceFallback.external({ baseUrl: 'http://dev-llm.example.com:8000/v1', model: 'llama' }) }, dev());
    const beyondDns = egressPaths(s.get('NetworkPolicy', 'support-agent')).filter((path) => !path.includes('kube-dns'));
    expect(beyondDns).toHaveLength(1);
    expect(beyondDns[0]).toMatch(/ TCP\/8000$/);
  });

  // A malformed base URL is a reported problem naming the field, never a TypeError while building.
  test('InferenceFallback.external with a malformed base URL is a problem naming the field, not a crash', () => {
    const problems = problemsOfPool(poolProps({ fallback: InferenceFallback.external({ baseUrl: 'api.openai.com/v1', model: 'gpt-4o-mini' }) }), dev());
    expect(problems).toEqual([expect.stringMatching(/fallback.*baseUrl/)]);
  });

  test('no fallback where the environment has no GPUs: one problem naming `fallback` and both remedies', () => {
    expectOneProblem(problemsOfPool(poolProps(), dev()), {
      construct: 'test/llm',
      field: 'fallback',
      allowed: ['environment "dev" has no GPUs (gpu.available is false)', 'InferenceFallback.cpuModel(', 'InferenceFallback.external('],
    });
  });

  test('a production environment without GPUs needs the fallback too', () => {
    const problems = problemsOfPool(poolProps(), Environments.prod({ namespace: 'agents', gpu: { available: false } }));
    expect(problems).toEqual([expect.stringContaining('[test/llm] fallback: environment "prod" has no GPUs')]);
  });
});

describe('GpuInferencePool: wiring', () => {
  test('inference: pool gives OPENAI_BASE_URL and OPENAI_MODEL, and the NetworkPolicy path on both sides on 8000', () => {
    const s = synthPoolAndAgent({ servedModelName: 'llama-3.1-8b-instruct' });
    expect(envOf(mainContainer(s.get('Deployment', 'support-agent')))).toEqual({
      OPENAI_BASE_URL: { value: POOL_URL },
      OPENAI_MODEL: { value: 'llama-3.1-8b-instruct' },
      ...OTEL_METRICS_ENV_BY_NAME,
    });
    expect(egressPaths(s.get('NetworkPolicy', 'support-agent'))).toEqual(withDns(podPath(NAME, 8000)));
    expect(ingressPaths(s.get('NetworkPolicy', NAME))).toEqual([podPath('support-agent', 8000)]);
  });

  test('useInference() on an agent created before the pool: the same variables, and the pool is rendered first', () => {
    // GIVEN the agent declared first and wired afterwards
    const s = synth((p) => {
      const agent = new AgentMicroservice(p, 'support-agent', { image: AGENT_IMAGE });
      agent.useInference(new GpuInferencePool(p, NAME, poolProps()));
    }, prod());
    // THEN
    expect(envOf(mainContainer(s.get('Deployment', 'support-agent')))).toEqual({ OPENAI_BASE_URL: { value: POOL_URL }, OPENAI_MODEL: { value: REPOSITORY }, ...OTEL_METRICS_ENV_BY_NAME });
    expect(ingressPaths(s.get('NetworkPolicy', NAME))).toEqual([podPath('support-agent', 8000)]);
    expect(indexOf(s.objects, 'Deployment', NAME)).toBeLessThan(indexOf(s.objects, 'Deployment', 'support-agent'));
    expect(indexOf(s.objects, 'Service', NAME)).toBeLessThan(indexOf(s.objects, 'Deployment', 'support-agent'));
  });

  test('a batch job wired to the pool gets the same variables and path', () => {
    const s = synth((p) => {
      const pool = new GpuInferencePool(p, NAME, poolProps());
      new AgentBatchJob(p, 'reindex', { image: AGENT_IMAGE, schedule: '0 2 * * *', inference: pool });
    }, prod());
    expect(envOf(mainContainer(s.get('CronJob', 'reindex')))).toEqual({ OPENAI_BASE_URL: { value: POOL_URL }, OPENAI_MODEL: { value: REPOSITORY } });
    expect(ingressPaths(s.get('NetworkPolicy', NAME))).toEqual([podPath('reindex', 8000)]);
  });

  test('a second inference endpoint on one agent is refused', () => {
    const problems = problemsOf((p) => {
      const agent = new AgentMicroservice(p, 'support-agent', { image: AGENT_IMAGE, inference: new GpuInferencePool(p, NAME, poolProps()) });
      agent.useInference(new GpuInferencePool(p, 'llm-large', poolProps({ model: 'meta-llama/Llama-3.1-70B-Instruct@945c8663693130f8be2ee66210e062158b2a9693' })));
    }, prod());
    expect(problems).toEqual(['[test/support-agent] inference: is already inference pool llm; an agent uses one inference endpoint']);
  });
});

describe('GpuInferencePool: validation', () => {
  test('a tensor-parallel size that does not divide the GPUs: the value, the GPU count and the divisors', () => {
    expectOneProblem(problemsOfPool(poolProps({ gpus: { count: 4 }, tensorParallelSize: 3, resources: { limits: { memory: '64Gi' } } })), {
      construct: 'test/llm',
      field: 'tensorParallelSize',
      value: '3',
      allowed: ['must divide the GPUs per replica (gpus.count = 4)', 'use one of 1, 2, 4'],
    });
  });

  test('divisors of 12 are listed in full', () => {
    const [problem] = problemsOfPool(poolProps({ gpus: { count: 12 }, tensorParallelSize: 5, resources: { limits: { memory: '64Gi' } } }));
    expect(problem).toContain('use one of 1, 2, 3, 4, 6, 12 (got 5)');
  });

  test.each([
    [0, 'must be a positive whole number of GPUs, e.g. 1 or 2: Kubernetes allocates whole devices (for part of a GPU, request a MIG slice such as "nvidia.com/mig-1g.10gb")'],
    [1.5, 'must be a positive whole number of GPUs, e.g. 1 or 2: Kubernetes allocates whole devices (for part of a GPU, request a MIG slice such as "nvidia.com/mig-1g.10gb")'],
    [17, 'must be at most 16 GPUs per replica'],
  ])('GPU count %p is refused: %s', (count, message) => {
    expectOneProblem(problemsOfPool(poolProps({ gpus: { count } })), { construct: 'test/llm', field: 'gpus.count', value: String(count), allowed: [message] });
  });

  test.each([0, 1.5])('gpuMemoryUtilization %p is refused: above 0 and at most 1', (share) => {
    expectOneProblem(problemsOfPool(poolProps({ gpuMemoryUtilization: share })), {
      construct: 'test/llm', field: 'gpuMemoryUtilization', value: String(share), allowed: ['must be above 0 and at most 1'],
    });
  });

  test('gpuMemoryUtilization 1 is accepted', () => {
    expect(problemsOfPool(poolProps({ gpuMemoryUtilization: 1 }))).toEqual([]);
  });

  test.each(['32Gi', '40Gi'])('shmSize %s is not below the 32Gi memory limit: refused with both fixes', (shm) => {
    expectOneProblem(problemsOfPool(poolProps({ shmSize: shm })), {
      construct: 'test/llm',
      field: 'shmSize',
      value: JSON.stringify(shm),
      allowed: ['must stay below the memory limit "32Gi"', 'a memory-backed /dev/shm counts against it', 'lower shmSize or raise resources.limits.memory'],
    });
  });

  test('shmSize below a raised memory limit is accepted', () => {
    expect(problemsOfPool(poolProps({ shmSize: '40Gi', resources: { limits: { memory: '64Gi' } } }))).toEqual([]);
  });

  test.each(['GPU', 'nvidia.com/gpu/x', 'nvidia.com/GPU', 'gpu'])('extended resource name %p is refused with examples', (resource) => {
    expectOneProblem(problemsOfPool(poolProps({ gpus: { resource } })), {
      construct: 'test/llm',
      field: 'gpus.resource',
      value: JSON.stringify(resource),
      allowed: ['must be an extended resource name such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb"'],
    });
  });

  test('a `latest` image is refused in production with a pinned example', () => {
    expectOneProblem(problemsOfPool(poolProps({ image: 'docker.io/vllm/vllm-openai:latest' })), {
      construct: 'test/llm',
      field: 'image',
      value: '"docker.io/vllm/vllm-openai:latest"',
      allowed: ['uses the mutable tag "latest"', 'image tag policy is "pinned"', 'use a version tag or a digest, e.g. "docker.io/vllm/vllm-openai:1.4.2"'],
    });
  });

  test('a `latest` image is accepted in a development environment with GPUs', () => {
    const s = synthPool({ image: 'docker.io/vllm/vllm-openai:latest' }, Environments.dev({ namespace: 'agents', gpu: { available: true } }));
    expect(server(s).image).toBe('docker.io/vllm/vllm-openai:latest');
  });

  test('an empty model is refused with an example', () => {
    expectOneProblem(problemsOfPool({ model: '' }), { construct: 'test/llm', field: 'model', value: '""', allowed: ['must name a model, e.g. "meta-llama/Llama-3.1-8B-Instruct@<commit>"'] });
  });

  // The default /dev/shm (2Gi per tensor-parallel GPU) is capped at a quarter of the memory limit,
  // so the largest allowed pool is accepted with every other default.
  test('16 GPUs with every other default is accepted', () => {
    expect(problemsOfPool(poolProps({ gpus: { count: 16 } }))).toEqual([]);
  });
});

describe('GpuInferencePool: the CPU fallback runs anywhere', () => {
  test('GPU node selection, tolerations, runtime class and priority class do not apply to it', () => {
    // GIVEN a pool pinned to GPU nodes, in dev (no GPUs: the CPU fallback serves)
    const s = synthPool({
      nodeSelector: { 'node.kubernetes.io/instance-type': 'p4d.24xlarge' },
      gpus: { product: 'NVIDIA-A100-SXM4-80GB' },
      runtimeClassName: 'nvidia',
      priorityClassName: 'inference-critical',
      fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }),
    }, dev());
    // THEN the dev pod has none of the GPU scheduling, so it schedules on a plain node
    const spec = s.get('Deployment', 'llm');
    for (const field of ['nodeSelector', 'tolerations', 'runtimeClassName', 'priorityClassName']) {
      expect([field, at(spec, `spec.template.spec.${field}`)]).toEqual([field, undefined]);
    }
  });
});
