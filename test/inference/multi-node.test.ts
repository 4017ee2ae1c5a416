import { InferenceGateway, InferenceRouting, type KubeObject } from '../../lib';
import { vllmArgumentProblems } from '../../lib/inference/vllm-flags';
import { at } from '../helpers/synth';
import { MODEL_DIR, synthPool } from './helpers';
import { envOf, ingressPaths, type PodSpecJson, podPath, withDns, egressPaths } from './pods';

/**
 * Multi-node pools (issue #12 item 5): a LeaderWorkerSet whose groups are one leader (Ray head and
 * vLLM) and workers (Ray), the distributed flags, tensor x pipeline = GPUs per node x nodes, and
 * the single-node pool's restricted security and probes.
 */

const ROOMY = { limits: { memory: '256Gi' } };
const s = synthPool({ nodes: 2, gpus: { count: 8 }, replicas: 2, resources: ROOMY, modelSize: '140Gi', modelCache: { size: '300Gi' } });
const lws = (): KubeObject => s.get('LeaderWorkerSet', 'llm');
const template = (role: 'leaderTemplate' | 'workerTemplate') => at(lws(), `spec.leaderWorkerTemplate.${role}`) as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpecJson };

describe('a two-node pool of 8 GPUs per node', () => {
  test('a LeaderWorkerSet of 2 groups of 2 pods, restarted together, workers started with the leader, rolled without spare GPUs', () => {
    expect(lws().apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
    expect(at(lws(), 'spec.replicas')).toBe(2);
    expect(at(lws(), 'spec.startupPolicy')).toBe('LeaderCreated');
    expect(at(lws(), 'spec.rolloutStrategy')).toEqual({ type: 'RollingUpdate', rollingUpdateConfiguration: { maxSurge: 0, maxUnavailable: 1 } });
    expect(at(lws(), 'spec.leaderWorkerTemplate.size')).toBe(2);
    expect(at(lws(), 'spec.leaderWorkerTemplate.restartPolicy')).toBe('RecreateGroupOnPodRestart');
    expect(s.all('Deployment')).toEqual([]);
  });

  test('the leader: Ray head, then vLLM with tensor parallel 8 inside a node, pipeline parallel 2 across nodes, on Ray', () => {
    const leader = template('leaderTemplate').spec.containers[0];
    expect(leader.command?.slice(0, 2)).toEqual(['sh', '-c']);
    expect(leader.command?.[2]).toBe('ray start --head --port=6379 --node-manager-port=6380 --object-manager-port=6381 --include-dashboard=false --disable-usage-stats && exec vllm serve "$@"');
    expect(leader.args).toEqual([
      MODEL_DIR, '--served-model-name', 'meta-llama/Llama-3.1-8B-Instruct', '--port', '8000',
      '--tensor-parallel-size', '8', '--pipeline-parallel-size', '2', '--distributed-executor-backend', 'ray', '--gpu-memory-utilization', '0.9',
    ]);
    expect(vllmArgumentProblems(leader.args ?? [])).toEqual([]);
  });

  test('the workers join the leader\'s Ray cluster at LWS_LEADER_ADDRESS', () => {
    const worker = template('workerTemplate').spec.containers[0];
    expect(worker.name).toBe('ray-worker');
    expect(worker.command).toEqual(['sh', '-c', 'exec ray start --address="$LWS_LEADER_ADDRESS:6379" --node-manager-port=6380 --object-manager-port=6381 --disable-usage-stats --block']);
  });

  test('every pod: all 8 GPUs requested and limited equally, /dev/shm for 8-way tensor parallelism, the cache read-only, the GPU toleration', () => {
    for (const role of ['leaderTemplate', 'workerTemplate'] as const) {
      const pod = template(role).spec;
      const c = pod.containers[0];
      expect([role, c.resources?.requests?.['nvidia.com/gpu'], c.resources?.limits?.['nvidia.com/gpu']]).toEqual([role, 8, 8]);
      expect(pod.volumes?.find((v) => v.name === 'dshm')?.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '16Gi' });
      expect(c.volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/models', readOnly: true });
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(pod.initContainers?.map((i) => i.name)).toEqual(['wait-for-weights']);
    }
  });

  test('restricted security and probes as on single-node pools: HTTP /health on the leader with the startup budget, the Ray node manager on workers', () => {
    const leader = template('leaderTemplate');
    const worker = template('workerTemplate');
    for (const pod of [leader.spec, worker.spec]) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(envOf(pod.containers[0]).USER).toEqual({ value: 'vllm' });
    }
    const l = leader.spec.containers[0];
    expect(l.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 1740 / 5, successThreshold: 1 });
    expect(l.readinessProbe?.httpGet?.path).toBe('/health');
    const w = worker.spec.containers[0] as unknown as Record<string, { tcpSocket?: { port: string }; failureThreshold?: number }>;
    expect([w.startupProbe.tcpSocket, w.readinessProbe.tcpSocket, w.livenessProbe.tcpSocket]).toEqual([{ port: 'ray-node' }, { port: 'ray-node' }, { port: 'ray-node' }]);
  });

  test('the Service, the metrics annotations and (when routed) the InferencePool select the leaders only', () => {
    expect(template('leaderTemplate').metadata.labels['agents.cdk8s.io/role']).toBe('leader');
    expect(template('workerTemplate').metadata.labels['agents.cdk8s.io/role']).toBe('worker');
    expect(at(s.get('Service', 'llm'), 'spec.selector')).toEqual({ 'app.kubernetes.io/name': 'llm', 'agents.cdk8s.io/role': 'leader' });
    expect(template('leaderTemplate').metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000' });
    expect(template('workerTemplate').metadata.annotations).toBeUndefined();
    const gateway = InferenceGateway.fromName('gw', { namespace: 'gateway-system', url: 'http://gw.gateway-system.svc' });
    const routed = synthPool({ nodes: 2, gpus: { count: 8 }, resources: ROOMY, routing: InferenceRouting.inferencePool({ gateway }) });
    expect(at(routed.get('InferencePool', 'llm'), 'spec.selector.matchLabels')).toEqual({ 'app.kubernetes.io/name': 'llm', 'agents.cdk8s.io/role': 'leader' });
  });

  test('NetworkPolicy: the pods of the pool reach each other on any port (Ray, NCCL), nothing else beyond DNS', () => {
    const policy = s.get('NetworkPolicy', 'llm');
    expect(ingressPaths(policy)).toEqual(['pods llm all ports']);
    expect(egressPaths(policy)).toEqual(withDns('pods llm all ports'));
    expect(podPath('llm', 8000)).toBe('pods llm TCP/8000');
  });

  test('a PDB over every pod of the pool (one pod at a time), the quota for (2 groups x 2 pods) x 8 GPUs', () => {
    expect(at(s.get('PodDisruptionBudget', 'llm'), 'spec')).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(at(s.get('ResourceQuota', 'workloads'), 'spec.hard')).toMatchObject({ 'requests.nvidia.com/gpu': 32 });
  });
});
