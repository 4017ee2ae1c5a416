import { describeWithPrograms } from '../../helpers/programs';
import { subjects } from './fixtures';
import { failedQueries, panelQueries, returnsData } from './dashboard-queries';
import { interpolate } from './grafana-variables';
import { testRules } from './promtool';
import { allSeries } from './series';

// Every dashboard query, with its variables substituted the way Grafana substitutes them for one
// value and for All, parsed and evaluated by promtool against synthetic series of the metrics the
// workloads declare (named by their contract, so custom names are covered): each returns data.

const describePromtool = describeWithPrograms(['promtool']);

describe('Grafana variable substitution (as Grafana does it)', () => {
  const variables = [{ name: 'workload', options: [{ text: 'All', value: '$__all' }, { text: 'api', value: 'api-[a-z0-9]+-[a-z0-9]+' }, { text: 'redis', value: 'redis-[0-9]+' }] }];

  test(':pipe joins the values with "|" and escapes nothing; :raw joins them with commas', () => {
    expect(interpolate('pod=~"${workload:pipe}"', variables, { workload: { kind: 'all' } })).toBe('pod=~"api-[a-z0-9]+-[a-z0-9]+|redis-[0-9]+"');
    expect(interpolate('pod=~"${workload:raw}"', variables, { workload: { kind: 'all' } })).toBe('pod=~"api-[a-z0-9]+-[a-z0-9]+,redis-[0-9]+"');
    expect(interpolate('pod=~"${workload:pipe}"', variables, { workload: { kind: 'one', value: 'redis-[0-9]+' } })).toBe('pod=~"redis-[0-9]+"');
  });

  test('the default format escapes regex characters (doubled backslashes: a PromQL string) and groups several values', () => {
    expect(interpolate('pod=~"$workload"', variables, { workload: { kind: 'one', value: 'redis-[0-9]+' } })).toBe('pod=~"redis-\\\\[0-9\\\\]\\\\+"');
    const names = [{ name: 'requests1', options: [{ text: 'a', value: 'a' }, { text: 'b', value: 'b' }] }];
    expect(interpolate('workload=~"$requests1"', names, { requests1: { kind: 'all' } })).toBe('workload=~"(a|b)"');
  });
});

describePromtool('every dashboard query returns data in promtool, for one value and for All', () => {
  const all = subjects();

  test('the subjects cover every example app with a stack and the samples', () => {
    expect(all.map((s) => s.label)).toEqual([
      'emm/dev', 'emm/staging', 'emm/prod', 'support-copilot/prod',
      'sample/self-hosted', 'sample/operator', 'queues-and-mig/self-hosted', 'queues-and-mig/operator', 'queues-and-mig/dev',
    ]);
  });

  test.each(all.map((s) => [s.label, s] as const))('%s', (_label, subject) => {
    const queries = panelQueries(subject);
    expect(queries.length).toBeGreaterThan(0);
    const result = testRules(undefined, [{ name: `${subject.label} dashboards`, series: allSeries(subject), exprs: queries.map((q) => returnsData(q.expr)) }]);
    expect({ subject: subject.label, failed: failedQueries(result.output, queries), status: result.status }).toEqual({ subject: subject.label, failed: [], status: 0 });
  });

  test('the old `${workload:raw}` pod regex matched nothing for All: the check catches it', () => {
    const subject = all[0];
    const broken = panelQueries(subject).filter((q) => q.description.includes('"CPU (cores)"') && q.description.endsWith('workload=All'));
    expect(broken).toHaveLength(1);
    const raw = broken[0].expr.replace(/pod=~"[^"]*"/, `pod=~"${subject.stack.observedApp().workloads.map((w) => w.podPattern).join(',')}"`);
    const result = testRules(undefined, [{ name: 'raw', series: allSeries(subject), exprs: [returnsData(raw)] }]);
    expect(result.status).not.toBe(0);
  });
});
