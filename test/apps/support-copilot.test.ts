import { GpuInferencePool, type KubeObject, renderApps } from '../../lib';
import { supportCopilot } from '../../apps/support-copilot';
import { at, Synthesized } from '../helpers/synth';
import { expectValidManifests } from '../validation';
import {
  cidrPath, egressPaths, envOf, everyContainer, ingressPaths, INTERNET_HTTPS, mainContainer, namespacePath, podPath, podSpec, podSpecOf,
  resourceNames, withDns,
} from '../inference/pods';

// GIVEN the support copilot rendered for dev, staging and prod
const rendered = renderApps([supportCopilot]);

function environment(name: string): Synthesized {
  const found = rendered.find((r) => r.environment === name);
  if (!found) {
    throw new Error(`no rendered environment "${name}" (there are: ${rendered.map((r) => r.environment).join(', ')})`);
  }
  return new Synthesized(found.objects);
}

const NAMESPACE = 'support-copilot';
const DATABASE = cidrPath('10.20.0.0/16', 5432);
const DOMAINS: Record<string, string> = { dev: 'dev.agents.example.com', staging: 'staging.agents.example.com', prod: 'agents.example.com' };
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const CLUSTERS_WITH_GPUS = ['staging', 'prod'] as const;

/** Prod routes the LLM through the inference Gateway; dev and staging call the pool's Service. */
const GATEWAY_PODS = 'pods gateway.networking.k8s.io/gateway-name=inference-gateway in namespace gateway-system';
const llmPath = (env: string): string => (env === 'prod' ? `${GATEWAY_PODS} TCP/80` : podPath('llm', 8000));
const LLM_URL: Record<string, string> = {
  dev: `http://llm.${NAMESPACE}.svc.cluster.local:8000/v1`,
  staging: `http://llm.${NAMESPACE}.svc.cluster.local:8000/v1`,
  prod: 'http://inference-gateway-istio.gateway-system.svc.cluster.local/v1',
};

/**
 * Prod runs the observability stack in operator mode: the cluster's Prometheus and collector live
 * in `monitoring`. Only the Prometheus pods (`app.kubernetes.io/name: prometheus`) are admitted, and
 * only to the metrics port.
 */
const scrapedBy = (env: string, port: number): string[] => (env === 'prod' ? [`pods prometheus in namespace monitoring TCP/${port}`] : []);
const tracesTo = (env: string): string[] => (env === 'prod' ? [namespacePath('monitoring', 4317), namespacePath('monitoring', 4318)] : []);

/** Most replicas a Deployment or StatefulSet can run: its ScaledObject's or HPA's maximum, else its replicas. */
function maxReplicas(s: Synthesized, workload: KubeObject): number {
  const targets = (kind: string) => s.all(kind).filter((o) => at(o, 'spec.scaleTargetRef.name') === workload.metadata.name && at(o, 'spec.scaleTargetRef.kind') === workload.kind);
  const [scaledObject] = targets('ScaledObject');
  const [hpa] = targets('HorizontalPodAutoscaler');
  if (scaledObject) {
    return at(scaledObject, 'spec.maxReplicaCount') as number;
  }
  if (hpa) {
    return at(hpa, 'spec.maxReplicas') as number;
  }
  return (at(workload, 'spec.replicas') as number | undefined) ?? 1;
}

test('the app renders for dev, staging and prod', () => {
  expect(rendered.map((r) => `${r.app}/${r.environment}`)).toEqual(['support-copilot/dev', 'support-copilot/staging', 'support-copilot/prod']);
});

describe.each(ENVIRONMENTS)('support-copilot in %s', (name) => {
  const s = environment(name);

  test('every object passes the strict validation (Kubernetes 1.28 schemas, CRDs, semantic checks)', () => {
    expectValidManifests(s.objects);
    expect(new Set(s.objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace))).toEqual(new Set([NAMESPACE]));
  });

  test('the ConfigMap copilot-config holds the plain settings, and the API and the worker read them by configMapKeyRef', () => {
    expect(Object.keys(at(s.get('ConfigMap', 'copilot-config'), 'data') as Record<string, string>).sort()).toEqual(['MAX_TOOL_CALLS', 'RETRIEVAL_TOP_K', 'SYSTEM_PROMPT']);
    for (const agent of ['copilot-api', 'copilot-worker']) {
      const env = envOf(mainContainer(s.get('Deployment', agent)));
      expect(env.SYSTEM_PROMPT).toEqual({ valueFrom: { configMapKeyRef: { name: 'copilot-config', key: 'SYSTEM_PROMPT' } } });
      expect(env.RETRIEVAL_TOP_K).toEqual({ valueFrom: { configMapKeyRef: { name: 'copilot-config', key: 'RETRIEVAL_TOP_K' } } });
    }
  });

  test('keys come from Secrets by reference; no Secret with literal data is rendered', () => {
    const secretRefs = everyContainer(s.objects).flatMap(({ container }) => (container.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`] : [])));
    expect(new Set(secretRefs)).toEqual(new Set(['database-credentials/url', 'huggingface-token/token', 'task-queue-auth/password']));
    expect(s.all('Secret').filter((o) => 'data' in o || 'stringData' in o)).toEqual([]);
    expect(everyContainer(s.objects).flatMap(({ owner, container }) => (container.env ?? []).filter((e) => /(PASSWORD|TOKEN|API_KEY|DATABASE_URL)$/.test(e.name) && e.value !== undefined && !e.value.includes('$(')).map((e) => `${owner}: ${e.name}`))).toEqual([]);
  });

  test('the API has an Ingress with TLS on its domain', () => {
    const ingress = s.get('Ingress', 'copilot-api');
    const host = `copilot-api.${DOMAINS[name]}`;
    expect(at(ingress, 'spec.tls')).toEqual([{ hosts: [host], secretName: 'copilot-api-tls' }]);
    expect(at(ingress, 'spec.rules.0.host')).toBe(host);
    expect(at(ingress, 'spec.rules.0.http.paths.0.backend')).toEqual({ service: { name: 'copilot-api', port: { name: 'http' } } });
    expect(ingressPaths(s.get('NetworkPolicy', 'copilot-api'))).toEqual([namespacePath('ingress-nginx', 8080), ...scrapedBy(name, 9464)].sort());
  });

  test('the worker has no Service and no Ingress, and nobody may connect to it, not even scrapers (it names no port) (prod)', () => {
    expect(s.find('Service', 'copilot-worker')).toBeUndefined();
    expect(s.find('Ingress', 'copilot-worker')).toBeUndefined();
    expect(ingressPaths(s.get('NetworkPolicy', 'copilot-worker'))).toEqual([]);
  });

  test('egress of the API and the worker: DNS, the LLM (the Gateway in prod), the Redis queue (replicated outside dev: its Sentinels and HAProxy too), the docs-search tool on 8080, the database range on 5432, traces (prod), no internet', () => {
    const queue = name === 'dev' ? [podPath('task-queue', 6379)] : [podPath('task-queue', 26379), podPath('task-queue', 6379), podPath('task-queue-proxy', 6379)];
    for (const agent of ['copilot-api', 'copilot-worker']) {
      expect(egressPaths(s.get('NetworkPolicy', agent))).toEqual(withDns(DATABASE, ...queue, llmPath(name), podPath('docs-search', 8080), ...tracesTo(name)));
    }
  });

  test('the docs-search tool: a Python stdio server in its own image behind the bridge, admitting only the agents', () => {
    const pod = podSpec(s.get('Deployment', 'docs-search'));
    expect(pod.containers.map((c) => [c.name, c.image])).toEqual([
      ['mcp-bridge', 'docker.io/supercorp/supergateway:4.0.0'],
      ['docs-search', 'registry.example.com/agents/support-docs-search:1.4.0'],
    ]);
    expect(pod.containers[1].command).toEqual(['/mcp-relay/busybox', 'nc', '-ll', '-p', '9000', '-e', 'python3', '-m', 'docs_search']);
    expect(Object.keys(envOf(pod.containers[1])).filter((k) => !k.startsWith('OTEL_'))).toEqual(['DATABASE_URL', 'RETRIEVAL_TOP_K']);
    for (const agent of ['copilot-api', 'copilot-worker']) {
      expect(envOf(mainContainer(s.get('Deployment', agent))).MCP_DOCS_SEARCH_URL).toEqual({ value: `http://docs-search.${NAMESPACE}.svc.cluster.local:8080/mcp` });
    }
    expect(ingressPaths(s.get('NetworkPolicy', 'docs-search'))).toEqual([podPath('copilot-api', 8080), podPath('copilot-worker', 8080)]);
    expect(egressPaths(s.get('NetworkPolicy', 'docs-search'))).toEqual(withDns(DATABASE, ...tracesTo(name)));
  });

  test('egress of the nightly job: DNS, the LLM (the Gateway in prod) and the database range on 5432, traces (prod), not the queue', () => {
    expect(egressPaths(s.get('NetworkPolicy', 'embeddings-reindex'))).toEqual(withDns(DATABASE, llmPath(name), ...tracesTo(name)));
  });

  test('the model servers admit their callers on 8000 (the agents, or in prod the Gateway and the endpoint picker) and never reach the internet; only the weights download does, on 443', () => {
    const callers = name === 'prod'
      ? [`${GATEWAY_PODS} TCP/8000`, podPath('llm-epp', 8000)]
      : [podPath('copilot-api', 8000), podPath('copilot-worker', 8000), podPath('embeddings-reindex', 8000)];
    expect(ingressPaths(s.get('NetworkPolicy', 'llm'))).toEqual([...callers, ...scrapedBy(name, 8000)].sort());
    // dev: the CPU fallback's pod downloads its small model itself (an emptyDir); elsewhere a Job does
    const downloader = name === 'dev' ? 'llm' : 'llm-weights';
    expect(egressPaths(s.get('NetworkPolicy', downloader))).toEqual(withDns(INTERNET_HTTPS, ...(downloader === 'llm' ? tracesTo(name) : [])));
    if (name !== 'dev') {
      expect(egressPaths(s.get('NetworkPolicy', 'llm'))).toEqual(withDns(...tracesTo(name)));
    }
    // AND no other workload may reach the public internet
    const others = s.all('NetworkPolicy').filter((o) => o.metadata.name !== downloader);
    expect(others.flatMap((o) => egressPaths(o).filter((p) => p.includes('0.0.0.0/0')).map((p) => `${o.metadata.name}: ${p}`))).toEqual([]);
  });

  test('the agents and the job call the pool at its Service, or the Gateway in prod', () => {
    for (const workload of [s.get('Deployment', 'copilot-api'), s.get('Deployment', 'copilot-worker'), s.get('CronJob', 'embeddings-reindex')]) {
      expect(envOf(mainContainer(workload)).OPENAI_BASE_URL).toEqual({ value: LLM_URL[name] });
    }
  });

  test('a PodDisruptionBudget selects every workload that can run more than one replica', () => {
    const budgets = s.all('PodDisruptionBudget').map((o) => JSON.stringify(at(o, 'spec.selector.matchLabels')));
    const multi = [...s.all('Deployment'), ...s.all('StatefulSet')].filter((w) => maxReplicas(s, w) > 1);
    for (const workload of multi) {
      expect({ workload: workload.metadata.name, selected: budgets.includes(JSON.stringify(at(workload, 'spec.selector.matchLabels'))) }).toEqual({ workload: workload.metadata.name, selected: true });
    }
    expect(multi.length > 0).toBe(name !== 'dev');
  });

  test('a nightly CronJob at 02:00 UTC with a four-hour deadline', () => {
    const cron = s.get('CronJob', 'embeddings-reindex');
    expect(at(cron, 'spec')).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(at(cron, 'spec.jobTemplate.spec.activeDeadlineSeconds')).toBe(4 * 3600);
    expect(mainContainer(cron).resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
  });
});

describe.each(CLUSTERS_WITH_GPUS)('support-copilot in %s (GPUs, autoscaling, External Secrets)', (name) => {
  const s = environment(name);

  test('the LLM: a GPU Deployment with 1 GPU each, requested and limited equally, updated without a spare GPU (2 replicas in staging, KEDA 2..6 in prod)', () => {
    const llm = s.get('Deployment', 'llm');
    const server = mainContainer(llm);
    expect(at(llm, 'spec.replicas')).toBe(name === 'prod' ? undefined : 2);
    expect(at(llm, 'spec.strategy.rollingUpdate')).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(server.image).toBe(GpuInferencePool.DEFAULT_IMAGE);
    expect(server.resources?.requests?.['nvidia.com/gpu']).toBe(1);
    expect(server.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    expect(server.args).toEqual([
      '/models/meta-llama/Llama-3.1-8B-Instruct/0e9e39f249a16976918f6564b8830bc894c89659', '--served-model-name', 'llama-3.1-8b-instruct', '--port', '8000',
      '--tensor-parallel-size', '1', '--gpu-memory-utilization', '0.9', '--max-model-len', '8192',
      ...(name === 'prod' ? ['--otlp-traces-endpoint', 'http://otel-collector.monitoring.svc:4317'] : []), '--enable-prefix-caching',
    ]);
    expect(podSpec(llm).tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(at(s.get('PersistentVolumeClaim', 'llm-models'), 'spec.storageClassName')).toBe('efs-sc');
    expect(at(s.get('ResourceQuota', 'workloads'), 'spec.hard')).toMatchObject({ 'requests.nvidia.com/gpu': name === 'prod' ? 6 : 2 });
  });

  test('the weights: one download Job of the pinned revision, the servers waiting for it', () => {
    expect(s.all('Job').map((o) => o.metadata.name)).toEqual([expect.stringMatching(/^llm-weights-0e9e39f2-[0-9a-f]{6}$/)]);
    expect((podSpec(s.get('Deployment', 'llm')).initContainers ?? []).map((c) => c.name)).toEqual(['wait-for-weights']);
  });

  test('the API: an HPA 2..12 on memory and the p95 latency, and the Deployment leaves replicas to it', () => {
    expect(at(s.get('HorizontalPodAutoscaler', 'copilot-api'), 'spec')).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'copilot-api' },
      minReplicas: 2,
      maxReplicas: 12,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
        { type: 'Pods', pods: { metric: { name: 'http_server_request_duration_seconds_p95' }, target: { type: 'AverageValue', averageValue: '2' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    });
    expect(at(s.get('Deployment', 'copilot-api'), 'spec')).not.toHaveProperty('replicas');
    expect(at(s.get('Ingress', 'copilot-api'), 'metadata.annotations')).toEqual({ 'cert-manager.io/cluster-issuer': name === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging', 'argocd.argoproj.io/sync-wave': '5' });
  });

  test('the worker: a ScaledObject 0..20 on the Redis list through its Sentinels, its TriggerAuthentication reading the queue password, and no HPA', () => {
    expect(at(s.get('ScaledObject', 'copilot-worker'), 'spec')).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'copilot-worker' },
      minReplicaCount: 0,
      maxReplicaCount: 20,
      pollingInterval: 30,
      cooldownPeriod: 300,
      triggers: [{
        type: 'redis-sentinel',
        metadata: { addresses: `task-queue-sentinel.${NAMESPACE}.svc.cluster.local:26379`, sentinelMaster: 'task-queue', listName: 'support-tasks', listLength: '5' },
        authenticationRef: { name: 'copilot-worker-redis-sentinel' },
      }],
    });
    expect(at(s.get('TriggerAuthentication', 'copilot-worker-redis-sentinel'), 'spec')).toEqual({
      secretTargetRef: [{ parameter: 'password', name: 'task-queue-auth', key: 'password' }, { parameter: 'sentinelPassword', name: 'task-queue-auth', key: 'password' }],
    });
    expect(s.find('HorizontalPodAutoscaler', 'copilot-worker')).toBeUndefined();
    expect(at(s.get('Deployment', 'copilot-worker'), 'spec')).not.toHaveProperty('replicas');
    expect(ingressPaths(s.get('NetworkPolicy', 'task-queue'))).toEqual([
      ...[26379, 6379].flatMap((port) => [namespacePath('keda', port), podPath('copilot-api', port), podPath('copilot-worker', port), podPath('task-queue', port)]),
      podPath('task-queue-proxy', 6379), ...scrapedBy(name, 9121),
    ].sort());
    expect(envOf(mainContainer(s.get('Deployment', 'copilot-worker'))).TASK_QUEUE).toEqual({ value: 'support-tasks' });
  });

  test('an ExternalSecret per Secret, read from the ClusterSecretStore under the environment\'s prefix', () => {
    const remoteKeys = s.all('ExternalSecret').map((o) => [o.metadata.name, at(o, 'spec.secretStoreRef.name'), at(o, 'spec.data')]);
    expect(remoteKeys).toEqual([
      ['database-credentials', 'aws-secretsmanager', [{ secretKey: 'url', remoteRef: { key: `${name}/database-credentials`, property: 'url' } }]],
      ['huggingface-token', 'aws-secretsmanager', [{ secretKey: 'token', remoteRef: { key: `${name}/huggingface-token`, property: 'token' } }]],
      ['task-queue-auth', 'aws-secretsmanager', [{ secretKey: 'password', remoteRef: { key: `${name}/task-queue-auth`, property: 'password' } }]],
    ]);
  });

  test('PodDisruptionBudgets for the LLM, the queue and its HAProxy, the API, the worker and the docs-search tool (and the endpoint picker in prod)', () => {
    expect(s.all('PodDisruptionBudget').map((o) => o.metadata.name).sort()).toEqual(['copilot-api', 'copilot-worker', 'docs-search', 'llm', ...(name === 'prod' ? ['llm-epp'] : []), 'task-queue', 'task-queue-proxy']);
  });

  test('routing: an InferencePool behind the Gateway in prod, plain Service routing in staging', () => {
    expect(s.all('InferencePool').map((o) => o.metadata.name)).toEqual(name === 'prod' ? ['llm'] : []);
    expect(s.all('HTTPRoute').map((o) => o.metadata.name)).toEqual(name === 'prod' ? ['llm'] : []);
    expect(s.find('Deployment', 'llm-epp') !== undefined).toBe(name === 'prod');
  });
});

describe('support-copilot in dev (no GPUs, no autoscaling)', () => {
  const s = environment('dev');

  test('no GPU is requested anywhere: no container of any object, no quota line', () => {
    const gpu = everyContainer(s.objects).flatMap(({ owner, container }) => resourceNames(container).filter((r) => /gpu|mig-|nvidia|amd\.com/.test(r)).map((r) => `${owner} ${container.name}: ${r}`));
    expect(gpu).toEqual([]);
    expect(everyContainer(s.objects).length).toBeGreaterThan(4);
    expect(Object.keys(at(s.get('ResourceQuota', 'workloads'), 'spec.hard') as Record<string, unknown>).filter((k) => /gpu|nvidia/.test(k))).toEqual([]);
    for (const object of s.objects) {
      expect({ object: `${object.kind}/${object.metadata.name}`, tolerations: podSpecOf(object)?.tolerations }).toEqual({ object: `${object.kind}/${object.metadata.name}`, tolerations: undefined });
    }
  });

  test('the LLM is the CPU fallback: the small model on the CPU image, one replica', () => {
    const llm = s.get('Deployment', 'llm');
    expect(mainContainer(llm).image).toBe(GpuInferencePool.DEFAULT_CPU_IMAGE);
    expect(mainContainer(llm).args?.slice(0, 3)).toEqual(['/models/Qwen/Qwen2.5-0.5B-Instruct/main', '--served-model-name', 'Qwen/Qwen2.5-0.5B-Instruct']);
    expect((podSpec(llm).initContainers ?? []).map((c) => c.name)).toEqual(['download-model']);
    expect(s.all('Job')).toEqual([]);
    expect(at(llm, 'spec.replicas')).toBe(1);
    expect(envOf(mainContainer(s.get('Deployment', 'copilot-api'))).OPENAI_MODEL).toEqual({ value: 'Qwen/Qwen2.5-0.5B-Instruct' });
  });

  test('no HPA, no ScaledObject, no PodDisruptionBudget; the worker runs one replica', () => {
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(s.all('ScaledObject')).toEqual([]);
    expect(s.all('TriggerAuthentication')).toEqual([]);
    expect(s.all('PodDisruptionBudget')).toEqual([]);
    expect(at(s.get('Deployment', 'copilot-worker'), 'spec.replicas')).toBe(1);
    expect(ingressPaths(s.get('NetworkPolicy', 'task-queue'))).toEqual([podPath('copilot-api', 6379), podPath('copilot-worker', 6379)]);
  });

  test('secrets are expected to exist already: neither ExternalSecrets nor Secrets are rendered', () => {
    expect(s.all('ExternalSecret')).toEqual([]);
    expect(s.all('Secret')).toEqual([]);
  });
});
