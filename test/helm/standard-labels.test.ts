/**
 * Issue 6: `standardLabels: true` adds Helm's standard labels to every object's metadata and
 * changes nothing else: selectors and pod template labels stay as they are (a selector is
 * immutable, and the release must not decide which pods a Service selects).
 */
import { apps } from '../../apps';
import { type AgentAppDefinition, AgentMicroservice, Environments, type KubeObject } from '../../lib';
import { expectValidManifests } from '../validation';
import { HELM_BINARIES, runHelm } from '../helpers/helm';
import { type ChartSet, diffRenders, objectKey, render, writeCharts } from './support';
import { nonEmpty } from '../helpers/lists';

const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by'] as const;
const CHART_NAMES = apps.flatMap((app) => app.environments.map((env) => `${app.name}-${env.name}`));
/** A Kubernetes label value: at most 63 characters, alphanumeric at both ends. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

let set: ChartSet;
beforeAll(() => {
  set = writeCharts(apps, { version: '0.1.0', standardLabels: true });
});
afterAll(() => {
  set.dispose();
});

function labelsOf(object: KubeObject): Record<string, string> {
  return (object.metadata.labels ?? {}) as Record<string, string>;
}

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  test.each(CHART_NAMES)('%s: every object gets the three labels; nothing else changes', (name) => {
    const chart = set.chart(name);
    const release = `rel-${helm.major}`;
    const rendered = render(helm, chart, [], release);
    expect(rendered).toHaveLength(chart.plain.length);
    for (const object of nonEmpty(rendered)) {
      expect({ object: objectKey(object), labels: labelsOf(object) }).toMatchObject({
        object: objectKey(object),
        labels: { 'helm.sh/chart': `${name}-0.1.0`, 'app.kubernetes.io/instance': release, 'app.kubernetes.io/managed-by': 'Helm' },
      });
    }
    // Exactly the three labels of metadata differ from the plain output (managed-by replaces
    // the plain "cdk8s-agents"); selectors, pod templates and everything else are equal.
    const allowed = new Set(HELM_LABELS.map((l) => `metadata.labels.${l}`));
    const changes = diffRenders(chart.plain, rendered);
    expect(changes.filter((c) => !allowed.has(c.path))).toEqual([]);
    expect(changes).toHaveLength(3 * chart.plain.length);
    for (const change of nonEmpty(changes.filter((c) => c.path === 'metadata.labels.app.kubernetes.io/managed-by'))) {
      expect(change.before).toBe('cdk8s-agents');
    }
    expectValidManifests(rendered);
  });

  test('selectors never carry the release labels', () => {
    const rendered = render(helm, set.chart('support-copilot-prod'), [], 'rel');
    const selectors: unknown[] = [];
    const walk = (node: unknown, key: string) => {
      if (Array.isArray(node)) {
        node.forEach((item) => walk(item, key));
      } else if (typeof node === 'object' && node !== null) {
        if (/selector$/i.test(key) || key === 'matchLabels') {
          selectors.push(node);
        }
        for (const [k, v] of Object.entries(node)) {
          walk(v, k);
        }
      }
    };
    rendered.forEach((o) => walk(o.spec, 'spec'));
    expect(selectors.length).toBeGreaterThan(5);
    const text = JSON.stringify(selectors);
    expect(text).not.toContain('app.kubernetes.io/instance');
    expect(text).not.toContain('helm.sh/chart');
    expect(text).not.toContain('"Helm"');
  });

  test('lint --strict passes with standard labels', () => {
    const run = runHelm(helm, ['lint', '--strict', set.chart('emm-prod').dir]);
    expect(run.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(run.status).toBe(0);
  });

  // helm.sh/chart is cut to 63 characters, the limit of a label value, whatever the chart version.
  test('helm.sh/chart stays a valid label value for a long chart version', () => {
    const app: AgentAppDefinition = {
      name: 'support-copilot-assistant',
      environments: [Environments.staging({ namespace: 'labels' })],
      build: (platform) => {
        new AgentMicroservice(platform, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' });
      },
    };
    const long = writeCharts([app], { version: '1.0.0-alpha.1+build.20240501.0123456789', standardLabels: true });
    try {
      const rendered = render(helm, long.chart('support-copilot-assistant-staging'), [], 'rel');
      for (const object of nonEmpty(rendered)) {
        const value = labelsOf(object)['helm.sh/chart'];
        expect(value.length).toBeLessThanOrEqual(63);
        expect(value).toMatch(LABEL_VALUE);
      }
    } finally {
      long.dispose();
    }
  });
});
