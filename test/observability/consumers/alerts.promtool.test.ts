import { describeWithPrograms } from '../../helpers/programs';
import { expectedAlert, SCENARIOS } from './alert-scenarios';
import { ruleFileOf, subjects } from './fixtures';
import { checkRules, END, testRules, type UnitTest } from './promtool';

// Every rule file and PrometheusRule spec passes `promtool check rules` with every lint fatal, and
// every generated alert is unit-tested by promtool: a scenario that fires it (labels and rendered
// annotations checked) and one that does not, for every workload it covers.

const describePromtool = describeWithPrograms(['promtool']);

describePromtool('promtool check rules --lint=all --lint-fatal', () => {
  test.each(subjects().map((s) => [s.label, s] as const))('%s', (_label, subject) => {
    const rules = ruleFileOf(subject);
    expect(rules.groups.length).toBeGreaterThan(0);
    const result = checkRules(rules);
    expect({ subject: subject.label, status: result.status, output: result.output }).toEqual({ subject: subject.label, status: 0, output: expect.stringContaining('SUCCESS') });
    expect(result.output).not.toMatch(/lint|duplicate/i);
  });
});

/**
 * The unit tests of every rule of a subject: one test group with the firing scenarios of every
 * workload the rule covers (each fires on its own series only, so all its alerts are expected),
 * and one with their quiet scenarios (no alert).
 */
function unitTests(label: string, rules: ReturnType<typeof ruleFileOf>): { tests: UnitTest[]; firing: number; quiet: number; uncovered: string[] } {
  const subject = subjects().find((candidate) => candidate.label === label);
  const tests: UnitTest[] = [];
  const uncovered: string[] = [];
  let firing = 0;
  let quiet = 0;
  for (const rule of rules.groups.flatMap((g) => g.rules)) {
    const scenario = SCENARIOS[rule.alert];
    const cases = subject && rule.alert in SCENARIOS ? scenario(subject, rule) : [];
    if (cases.length === 0) {
      uncovered.push(rule.alert);
    }
    if (cases.length > 0) {
      const targets = cases.map((c) => c.target).join(', ');
      tests.push({ name: `${label} ${rule.alert} fires for ${targets}`, series: cases.flatMap((c) => c.firing), alerts: [{ alertname: rule.alert, eval_time: END, exp_alerts: cases.map((c) => expectedAlert(rule, c)) }] });
      tests.push({ name: `${label} ${rule.alert} stays quiet for ${targets}`, series: cases.flatMap((c) => c.quiet), alerts: [{ alertname: rule.alert, eval_time: END, exp_alerts: [] }] });
      firing += cases.length;
      quiet += cases.length;
    }
  }
  return { tests, firing, quiet, uncovered };
}

describePromtool('promtool test rules: every alert fires on its scenario and stays quiet otherwise', () => {
  test.each(subjects().map((s) => [s.label, s] as const))('%s', (label, subject) => {
    const rules = ruleFileOf(subject);
    const { tests, firing, quiet, uncovered } = unitTests(label, rules);
    // every rule has a scenario and covers at least one workload
    expect({ subject: label, uncovered }).toEqual({ subject: label, uncovered: [] });
    expect(firing).toBeGreaterThan(0);
    expect(quiet).toBe(firing);
    const result = testRules(rules, tests);
    const failures = [...result.output.matchAll(/FAILED:\n\s+name: ([^\n]+)/g)].map((m) => m[1]);
    expect({ subject: label, status: result.status, failures, output: result.status === 0 ? '' : result.output.slice(0, 4000) })
      .toEqual({ subject: label, status: 0, failures: [], output: '' });
  });

  test('a broken expression is caught: the unit tests are not vacuous', () => {
    const subject = subjects().find((s) => s.label === 'queues-and-mig/self-hosted');
    expect(subject).toBeDefined();
    if (!subject) {
      return;
    }
    const rules = ruleFileOf(subject);
    // GIVEN the GPU alert reading GPU_UTIL, which DCGM does not report for MIG slices
    const broken = { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === 'GPUSaturated' ? { ...r, expr: 'avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{namespace="agents"}) > 95' } : r)) })) };
    const { tests } = unitTests(subject.label, broken);
    // THEN its firing case fails
    const result = testRules(broken, tests.filter((t) => t.name.includes('GPUSaturated fires')));
    expect(result.status).not.toBe(0);
  });
});
