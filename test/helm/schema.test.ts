/**
 * Issue 6: values.schema.json rejects wrong values before anything renders, in Helm 3 and Helm 4
 * (`helm template`, `helm lint`, and `helm install --dry-run=client` where that works offline).
 */
import * as fs from 'fs';
import * as path from 'path';
import { HELM_BINARIES, type HelmBinary, runHelm } from '../helpers/helm';
import { type ChartSet, findObject, imageKey, render, SCHEMA_ERROR, template, workloadOf, type WrittenChart, writeCharts } from './support';

let set: ChartSet;
beforeAll(() => {
  set = writeCharts();
});
afterAll(() => {
  set.dispose();
});

interface Rejection {
  readonly name: string;
  readonly chart: string;
  /** The override, given the workload values key of the evaluation service. */
  readonly args: (workload: string) => string[];
  /** A line Helm prints for it, per major. */
  readonly message: Record<HelmBinary['major'], (workload: string) => string>;
}

/** Each must fail the schema; evaluationService is found in values.yaml by its image. */
const REJECTIONS: readonly Rejection[] = [
  {
    name: 'replicas=abc',
    chart: 'evaluation-dev',
    args: (w) => ['--set', `${w}.replicas=abc`],
    message: {
      3: (w) => `- ${w}.replicas: Invalid type. Expected: integer, given: string`,
      4: (w) => `- at '/${w}/replicas': got string, want integer`,
    },
  },
  {
    name: 'a negative memory quantity (-1Gi)',
    chart: 'evaluation-dev',
    args: (w) => ['--set', `${w}.resources.limits.memory=-1Gi`],
    message: {
      3: (w) => `- ${w}.resources.limits.memory: Does not match pattern`,
      4: (w) => `at '/${w}/resources/limits/memory': '-1Gi' does not match pattern`,
    },
  },
  {
    name: 'a negative memory number (-5)',
    chart: 'evaluation-dev',
    args: (w) => ['--set', `${w}.resources.requests.memory=-5`],
    message: {
      3: (w) => `- ${w}.resources.requests.memory: Must be greater than or equal to 0`,
      4: (w) => `at '/${w}/resources/requests/memory': minimum: got -5, want 0`,
    },
  },
  {
    name: 'an unknown key of a workload',
    chart: 'evaluation-dev',
    args: (w) => ['--set', `${w}.bogus=1`],
    message: {
      3: (w) => `- ${w}: Additional property bogus is not allowed`,
      4: (w) => `- at '/${w}': additional properties 'bogus' not allowed`,
    },
  },
  {
    name: 'an unknown top-level key',
    chart: 'evaluation-dev',
    args: () => ['--set', 'bogusWorkload.replicas=2'],
    message: {
      3: () => '- (root): Additional property bogusWorkload is not allowed',
      4: () => "- at '': additional properties 'bogusWorkload' not allowed",
    },
  },
  {
    name: 'an unknown key of global',
    chart: 'evaluation-dev',
    args: () => ['--set', 'global.storageClass=gp3'],
    message: {
      3: () => '- global: Additional property storageClass is not allowed',
      4: () => "- at '/global': additional properties 'storageClass' not allowed",
    },
  },
  {
    name: 'an image tag that is an object (--set-json)',
    chart: 'evaluation-dev',
    args: (w) => ['--set-json', `${w}.image.tag={"major":1}`],
    message: {
      3: (w) => `- ${w}.image.tag: Invalid type. Expected: string, given: object`,
      4: (w) => `- at '/${w}/image/tag': got object, want string`,
    },
  },
  {
    name: 'autoscaling.minReplicas=0',
    chart: 'evaluation-prod',
    args: (w) => ['--set', `${w}.autoscaling.minReplicas=0`],
    message: {
      3: (w) => `- ${w}.autoscaling.minReplicas: Must be greater than or equal to 1`,
      4: (w) => `- at '/${w}/autoscaling/minReplicas': minimum: got 0, want 1`,
    },
  },
  {
    name: 'replicas above 1000',
    chart: 'evaluation-dev',
    args: (w) => ['--set', `${w}.replicas=1001`],
    message: {
      3: (w) => `- ${w}.replicas: Must be less than or equal to 1000`,
      4: (w) => `- at '/${w}/replicas': maximum: got 1,001, want 1,000`,
    },
  },
  {
    name: 'a fractional replica count',
    chart: 'evaluation-dev',
    args: (w) => ['--set-json', `${w}.replicas=2.5`],
    message: {
      3: (w) => `- ${w}.replicas: Invalid type. Expected: integer, given: number`,
      4: (w) => `- at '/${w}/replicas': got number, want integer`,
    },
  },
  {
    name: 'an image tag with a character a tag cannot hold',
    chart: 'evaluation-dev',
    args: (w) => ['--set', `${w}.image.tag=v1/evil`],
    message: {
      3: (w) => `- ${w}.image.tag: Does not match pattern`,
      4: (w) => `at '/${w}/image/tag': 'v1/evil' does not match pattern`,
    },
  },
  {
    name: 'a malformed digest',
    chart: 'evaluation-dev',
    args: (w) => ['--set', `${w}.image.digest=sha256:1234`],
    message: {
      3: (w) => `- ${w}.image.digest: Does not match pattern`,
      4: (w) => `at '/${w}/image/digest': 'sha256:1234' does not match pattern`,
    },
  },
  {
    name: 'a string for global.createNamespace',
    chart: 'evaluation-dev',
    args: () => ['--set', 'global.createNamespace=maybe'],
    message: {
      3: () => '- global.createNamespace: Invalid type. Expected: boolean, given: string',
      4: () => "- at '/global/createNamespace': got string, want boolean",
    },
  },
  {
    name: 'a negative queueScaling.minReplicas',
    chart: 'support-copilot-prod',
    args: () => ['--set', 'copilotWorker.queueScaling.minReplicas=-1'],
    message: {
      3: () => '- copilotWorker.queueScaling.minReplicas: Must be greater than or equal to 0',
      4: () => "- at '/copilotWorker/queueScaling/minReplicas': minimum: got -1, want 0",
    },
  },
];

/** The values key of the evaluation service (evaluation charts only), found by its image in values.yaml. */
function evaluationWorkload(chart: WrittenChart): string {
  return chart.name.startsWith('evaluation-') ? workloadOf(imageKey(chart.values, 'evaluation-service')) : '';
}

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  describe.each(REJECTIONS.map((r) => [r.name, r] as const))('rejects %s', (_name, rejection) => {
    test('helm template fails with the schema error and renders nothing', () => {
      const chart = set.chart(rejection.chart);
      const workload = evaluationWorkload(chart);
      const run = template(helm, chart, rejection.args(workload));
      expect(run.status).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`Error: ${SCHEMA_ERROR} in the following chart(s):\n${chart.name}:\n`);
      expect(run.stderr).toContain(rejection.message[helm.major](workload));
    });

    // Helm 3.16 `install --dry-run` (also `=client`) checks that the cluster is reachable before it
    // validates anything ("Kubernetes cluster unreachable"), so it cannot run offline; Helm 4's
    // `--dry-run=client` renders without a cluster. The test exists for Helm 4 only (no skipped test).
    const helm4Only = helm.major === 4 ? test : undefined;
    helm4Only?.('helm install --dry-run=client fails with the schema error', () => {
      const chart = set.chart(rejection.chart);
      const workload = evaluationWorkload(chart);
      const run = runHelm(helm, ['install', 'release', chart.dir, '--namespace', chart.namespace, '--dry-run=client', ...rejection.args(workload)]);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(`Error: INSTALLATION FAILED: ${SCHEMA_ERROR} in the following chart(s):\n${chart.name}:\n`);
      expect(run.stderr).toContain(rejection.message[helm.major](workload));
    });
  });

  test('helm lint --strict reports a schema violation as an [ERROR]', () => {
    const chart = set.chart('evaluation-dev');
    const workload = evaluationWorkload(chart);
    const run = runHelm(helm, ['lint', '--strict', chart.dir, '--set', `${workload}.replicas=abc`]);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('[ERROR] values.yaml:');
    expect(run.stdout).toContain(REJECTIONS[0].message[helm.major](workload).slice(2));
  });

  (helm.major === 4 ? test : undefined)?.('helm install --dry-run=client with default values succeeds offline (Helm 4 only: Helm 3 needs a cluster)', () => {
    const chart = set.chart('support-copilot-prod');
    const run = runHelm(helm, ['install', 'release', chart.dir, '--namespace', chart.namespace, '--dry-run=client']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('STATUS: pending-install');
  });

  test('a numeric tag from --set is accepted and rendered as digits', () => {
    const chart = set.chart('evaluation-dev');
    const workload = evaluationWorkload(chart);
    const rendered = render(helm, chart, ['--set', `${workload}.image.tag=20240101`]);
    const container = (findObject(rendered, 'Deployment', 'evaluation-service').spec as PodOwnerSpec).template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/agents/evaluation-service:20240101');
  });

  // Values files and --set-json hand whole numbers to Helm as floats; the image helper prints them as digits.
  test.each(['values file', '--set-json'])('a numeric tag from a %s renders as digits', (source) => {
    const chart = set.chart('evaluation-dev');
    const workload = evaluationWorkload(chart);
    const file = path.join(set.root, `numeric-tag-${helm.label}.yaml`);
    fs.writeFileSync(file, `${workload}:\n  image:\n    tag: 20240101\n`);
    const args = source === 'values file' ? ['--values', file] : ['--set-json', `${workload}.image.tag=20240101`];
    const rendered = render(helm, chart, args);
    const container = (findObject(rendered, 'Deployment', 'evaluation-service').spec as PodOwnerSpec).template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/agents/evaluation-service:20240101');
  });

  // `tag: 0` is a tag like any other: `image:0`, never an untagged image.
  test('image.tag=0 is rendered as ":0", never as an untagged image', () => {
    const chart = set.chart('evaluation-dev');
    const workload = evaluationWorkload(chart);
    const rendered = render(helm, chart, ['--set', `${workload}.image.tag=0`]);
    const container = (findObject(rendered, 'Deployment', 'evaluation-service').spec as PodOwnerSpec).template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/agents/evaluation-service:0');
  });

  // Contradictions a JSON Schema cannot see (minReplicas > maxReplicas, a request above its limit)
  // fail the render through the chart's value-check template, before anything is applied.
  test.each([
    ['autoscaling.minReplicas above maxReplicas', 'evaluation-prod', (w: string) => [`${w}.autoscaling.minReplicas=15`], (w: string) => `${w}.autoscaling.minReplicas must be at most ${w}.autoscaling.maxReplicas`],
    ['a memory request above the memory limit', 'evaluation-dev', (w: string) => [`${w}.resources.requests.memory=1Gi`], (w: string) => `${w}.resources.requests.memory must be at most ${w}.resources.limits.memory`],
    // The quota is a chart value: more pods than it allows fail and name the value to raise,
    // instead of a rollout stuck on "exceeded quota".
    ['more replicas than the namespace quota allows', 'evaluation-dev', (w: string) => [`${w}.replicas=200`],
      () => 'the workloads can run more pods than resourceQuota.hard.pods allows: raise resourceQuota.hard.pods (and the CPU and memory limits) with the replicas'],
  ])('%s is rejected before anything renders, with the value-check message', (_name, chartName, sets, message) => {
    const chart = set.chart(chartName);
    const workload = evaluationWorkload(chart);
    const run = template(helm, chart, sets(workload).flatMap((v) => ['--set', v]));
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Error: execution error at (${chart.name}/templates/zz-value-checks.yaml:`);
    expect(run.stderr).toContain(message(workload));
  });

  test('replicas raised together with the quota render, and the quota admits them', () => {
    const chart = set.chart('evaluation-dev');
    const workload = evaluationWorkload(chart);
    const quota = findObject(render(helm, chart, ['--set', `${workload}.replicas=200`, '--set', 'resourceQuota.hard.pods=300']), 'ResourceQuota', 'workloads') as unknown as { spec: { hard: { pods: number } } };
    expect(quota.spec.hard.pods).toBe(300);
  });

  // Production's image tag policy is in the prod chart's schema too: no `latest`, no missing tag.
  test.each([
    ['latest', { 3: (w: string) => `- ${w}.image.tag: Must not validate the schema (not)`, 4: (w: string) => `- at '/${w}/image/tag': 'not' failed` }],
    ['null', { 3: (w: string) => `- ${w}.image: tag is required`, 4: (w: string) => `- at '/${w}/image': missing property 'tag'` }],
  ] as const)('the prod chart refuses image.tag=%s like the prod environment does', (tag, messages) => {
    const chart = set.chart('evaluation-prod');
    const workload = evaluationWorkload(chart);
    const run = template(helm, chart, ['--set', `${workload}.image.tag=${tag}`]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`Error: ${SCHEMA_ERROR} in the following chart(s):\n${chart.name}:\n`);
    expect(run.stderr).toContain(messages[helm.major](workload));
  });
});

interface PodOwnerSpec {
  readonly template: { readonly spec: { readonly containers: readonly { readonly image: string }[] } };
}
