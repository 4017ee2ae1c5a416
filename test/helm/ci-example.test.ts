/**
 * The CI example in docs/github-actions-deploy.yml is not run here, but what it relies on is: its
 * YAML parses, its jobs have the promised shape, and the values it sets, the chart paths and the
 * Namespace file it applies exist in the synthesized output of the example app, so the same
 * `helm upgrade --install` flags render (`helm template`) with both Helms.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { manifestFiles } from '../../lib/synth/synthesizer';
import { HELM_BINARIES, runHelm } from '../helpers/helm';
import { type ChartSet, findObject, parseManifests, render, writeCharts } from './support';
import { nonEmpty } from '../helpers/lists';

const WORKFLOW_PATH = path.resolve(__dirname, '..', '..', 'docs', 'github-actions-deploy.yml');

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly needs?: string[];
  readonly environment?: { name: string };
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly steps: Step[];
}
interface Workflow {
  readonly on: { push: { branches: string[] } };
  readonly env: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

/** A commit SHA standing in for `${{ github.sha }}`. */
const SHA = '3f2a9c1d7e4b5a69788d1b2c3a4f5e6d7c8b9a0f';
const text = fs.readFileSync(WORKFLOW_PATH, 'utf8');
const workflow = parseYaml(text) as Workflow;

let set: ChartSet;
beforeAll(() => {
  set = writeCharts();
});
afterAll(() => {
  set.dispose();
});

/** The `--set key=value` pairs of the deploy command of a job, with the SHA expression replaced. */
function deploySets(job: Job): string[] {
  const command = job.steps.map((s) => s.run ?? '').find((run) => run.includes('helm upgrade --install')) ?? '';
  const expanded = command.split('${{ github.sha }}').join(SHA);
  return [...expanded.matchAll(/--set ([^\s\\]+)/g)].map((m) => m[1]);
}

test('the workflow has the promised jobs, triggers, environments and concurrency', () => {
  expect(workflow.on.push.branches).toEqual(['main']);
  expect(Object.keys(workflow.jobs)).toEqual(['test-and-package', 'images', 'deploy-staging', 'deploy-prod']);
  const build = workflow.jobs['test-and-package'];
  const runs = build.steps.map((s) => s.run ?? '').join('\n');
  expect(build.steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with).toEqual({ 'node-version': 20, cache: 'npm' });
  for (const command of ['npm ci', 'npm test', 'npm run synth', 'helm lint --strict', 'helm package', '--version "$CHART_VERSION"']) {
    expect(runs).toContain(command);
  }
  expect(workflow.jobs.images.steps.some((s) => s.uses?.startsWith('docker/build-push-action'))).toBe(true);
  expect(workflow.jobs['deploy-staging'].needs).toEqual(['test-and-package', 'images']);
  expect(workflow.jobs['deploy-prod'].needs).toContain('deploy-staging');
  expect(workflow.jobs['deploy-staging'].environment?.name).toBe('staging');
  expect(workflow.jobs['deploy-prod'].environment?.name).toBe('production');
  for (const job of ['deploy-staging', 'deploy-prod']) {
    expect(workflow.jobs[job].concurrency?.['cancel-in-progress']).toBe(false);
    const deploy = workflow.jobs[job].steps.map((s) => s.run ?? '').join('\n');
    expect(deploy).toMatch(/--atomic --wait --timeout 10m/);
    expect(deploy).toContain('.tgz');
  }
  expect(workflow.jobs['deploy-staging'].concurrency?.group).not.toBe(workflow.jobs['deploy-prod'].concurrency?.group);
});

test('the app, namespace and Namespace file the workflow names exist in the synthesized output', () => {
  for (const environment of ['staging', 'prod']) {
    const chart = set.chart(`${workflow.env.APP}-${environment}`);
    expect(chart.namespace).toBe(workflow.env.NAMESPACE);
    expect(valueOfRegistry(chart.values)).toBe(workflow.env.IMAGE_REGISTRY);
    const namespaceFile = manifestFiles([chart.env]).get(`manifests/${workflow.env.APP}/${environment}/00-namespace.yaml`);
    expect(namespaceFile).toBeDefined();
    expect(findObject(parseManifests(namespaceFile ?? ''), 'Namespace', workflow.env.NAMESPACE)).toBeDefined();
  }
});

function valueOfRegistry(values: Record<string, unknown>): unknown {
  return (values.global as Record<string, unknown>).imageRegistry;
}

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  test.each([['deploy-staging', 'staging'], ['deploy-prod', 'prod']])('the --set flags of %s render the %s chart', (job, environment) => {
    const chart = set.chart(`${workflow.env.APP}-${environment}`);
    const sets = deploySets(workflow.jobs[job]);
    expect(sets.length).toBeGreaterThanOrEqual(4);
    const rendered = render(helm, chart, sets.flatMap((s) => ['--set', s]));
    expect(rendered.some((o) => o.kind === 'Namespace')).toBe(false);
    const images = JSON.stringify(rendered);
    for (const tagged of nonEmpty(sets.filter((s) => s.includes('.image.tag=')))) {
      const repository = String((chart.values[tagged.split('.')[0]] as { image: { repository: string } }).image.repository);
      expect(images).toContain(`"${workflow.env.IMAGE_REGISTRY}/${repository}:${SHA}"`);
    }
    // And lint agrees.
    expect(runHelm(helm, ['lint', '--strict', chart.dir, ...sets.flatMap((s) => ['--set', s])]).status).toBe(0);
  });
});
