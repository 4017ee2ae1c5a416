/**
 * Issue 6: the chart of every example app and environment lints clean with `--strict` and, with
 * its default values, renders exactly the plain manifests of the same app and environment, with
 * Helm 3 and Helm 4.
 */
import { apps } from '../../apps';
import { expectValidManifests } from '../validation';
import { HELM_BINARIES, runHelm } from '../helpers/helm';
import { byKey, type ChartSet, objectKey, render, writeCharts } from './support';
import { nonEmpty } from '../helpers/lists';

let set: ChartSet;
beforeAll(() => {
  set = writeCharts();
});
afterAll(() => {
  set.dispose();
});

/** app-env of every example app and environment, as the apps declare them. */
const CHART_NAMES = apps.flatMap((app) => app.environments.map((env) => `${app.name}-${env.name}`));

test('one chart per example app and environment', () => {
  expect([...set.charts.keys()].sort()).toEqual([...CHART_NAMES].sort());
  expect(CHART_NAMES).toHaveLength(9);
});

test('the plain manifest files parse back to exactly the rendered objects', () => {
  for (const chart of nonEmpty(set.charts.values())) {
    expect(chart.plain).toEqual(JSON.parse(JSON.stringify(chart.env.objects)));
    // Keys are unique, so object-by-object comparison is well defined.
    expect(Object.keys(byKey(chart.plain))).toHaveLength(chart.plain.length);
  }
});

describe.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
  test.each(CHART_NAMES)('lint --strict passes for %s', (name) => {
    const run = runHelm(helm, ['lint', '--strict', set.chart(name).dir]);
    expect(run.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(run.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(run.status).toBe(0);
  });

  test.each(CHART_NAMES)('template with default values renders exactly the plain manifests of %s', (name) => {
    const chart = set.chart(name);
    const rendered = render(helm, chart);
    expectValidManifests(rendered);
    expect(rendered).toHaveLength(chart.plain.length);
    const renderedByKey = byKey(rendered);
    const plainByKey = byKey(chart.plain);
    expect(Object.keys(renderedByKey)).toEqual(Object.keys(plainByKey));
    for (const key of nonEmpty(Object.keys(plainByKey))) {
      // Object by object, so a failure names the object.
      expect({ key, object: renderedByKey[key] }).toStrictEqual({ key, object: plainByKey[key] });
    }
    // The Namespace comes first, as in the plain manifests (Helm sorts it first on install anyway).
    expect(objectKey(rendered[0])).toBe(objectKey(chart.plain[0]));
  });
});
