import { renderApps, type RenderedEnvironment } from '../../lib';
import { diffEnvironments, environmentDiffMarkdown } from '../../lib/diff/environment-diff';
import { supportCopilot } from '../../apps/support-copilot';

const rendered = renderApps([supportCopilot]);
const env = (name: string) => rendered.find((r) => r.environment === name) as RenderedEnvironment;

describe('diffEnvironments on support-copilot', () => {
  const result = diffEnvironments('support-copilot', env('dev'), env('prod'));
  const rowsOf = (workload: string) => Object.fromEntries((result.comparisons.find((c) => c.workload === workload)?.rows ?? []).map((r) => [r.setting, r.values]));

  test('one comparison per workload after the namespace', () => {
    // the queue's HAProxy runs only where the Redis is replicated (staging, prod)
    expect(result.comparisons.map((c) => c.workload)).toEqual(['(namespace)', 'llm', 'task-queue', 'docs-search', 'copilot-api', 'copilot-worker', 'embeddings-reindex', 'llm-weights', 'llm-epp', 'task-queue-proxy']);
  });

  test('scaling, budget, spread and secret backend of an agent', () => {
    // GIVEN the API agent: one replica in dev, its own HPA bounds in prod
    const rows = rowsOf('copilot-api');
    // THEN
    expect(rows['replicas / autoscaling']).toEqual(['1 replica', 'HPA 2..12 (memory 80%, http_server_request_duration_seconds_p95)']);
    expect(rows['disruption budget']).toEqual(['-', 'maxUnavailable 1']);
    expect(rows['topology spread']).toEqual(['-', 'hostname required, zone preferred']);
    expect(rows.secrets).toEqual([
      'database-credentials (existing, created out of band), task-queue-auth (existing, created out of band)',
      'database-credentials (ExternalSecret from ClusterSecretStore aws-secretsmanager), task-queue-auth (ExternalSecret from ClusterSecretStore aws-secretsmanager)',
    ]);
  });

  test('the GPU pool: the CPU fallback in dev, GPUs in prod', () => {
    const rows = rowsOf('llm');
    expect(rows.resources[0]).toBe('llm: requests 1/2Gi, limits 2/4Gi');
    expect(rows.resources[1]).toContain('1 nvidia.com/gpu');
  });

  test('features prod adds: autoscalers, budgets, monitors', () => {
    const worker = result.comparisons.find((c) => c.workload === 'copilot-worker');
    expect(worker?.added).toEqual(['PodDisruptionBudget', 'ScaledObject', 'TriggerAuthentication']);
    expect(worker?.dropped).toEqual([]);
  });

  test('the Markdown table bolds what differs and lists the features', () => {
    const text = environmentDiffMarkdown(result, { changedOnly: true });
    expect(text).toContain('## support-copilot: dev and prod compared');
    expect(text).toContain('| **replicas / autoscaling** | 1 replica | HPA 2..12 (memory 80%, http_server_request_duration_seconds_p95) |');
    expect(text).not.toMatch(/^\| kind \|/m);
    expect(text).toContain('- copilot-worker: adds PodDisruptionBudget, ScaledObject, TriggerAuthentication');
    // AND the synthesis notices of dev, the features it changed or dropped
    expect(text).toContain('### What dev changed of what the app asked for\n\n- [support-copilot-dev/llm] gpus: asked for 1 nvidia.com/gpu per replica');
    expect(text).toContain('- [support-copilot-dev/copilot-worker] queueScaling: asked for KEDA scaling (0..20 replicas on redis); rendered 1 replica without KEDA');
    expect(text).not.toContain('### What prod changed');
  });
});

test('a workload only one environment renders is shown as not rendered there', () => {
  // GIVEN prod without the batch job
  const prod = env('prod');
  const without = { environment: 'prod', objects: prod.objects.filter((o) => o.metadata.name !== 'embeddings-reindex') };
  // WHEN compared
  const result = diffEnvironments('support-copilot', env('staging'), without);
  const job = result.comparisons.find((c) => c.workload === 'embeddings-reindex');
  // THEN every row says so, and its objects are dropped
  expect(job?.rows.every((r) => r.values[1] === 'not rendered')).toBe(true);
  expect(job?.dropped).toContain('CronJob');
});
