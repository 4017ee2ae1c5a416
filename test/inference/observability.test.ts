import * as fs from 'fs';
import * as path from 'path';
import { renderApps } from '../../lib';
import { toYaml } from '../../lib/synth/yaml';
import { supportCopilot } from '../../apps/support-copilot';
import { ObservabilityStack } from '../../lib';
import { ruleFile } from '../../lib/observability/configs/prometheus';
import { describeWithPrograms, makeTempDir, removeTempDir, runProgram } from '../helpers/programs';

/**
 * The dashboards and alerts cover the routing objects (issue #12 item 4): the LLM dashboard gets
 * a routing row from the endpoint picker's series, and an alert fires when a pool has no ready
 * model server. The alert is checked with the real promtool: a series that fires it and one
 * that does not.
 */

const prod = renderApps([supportCopilot]).find((r) => r.environment === 'prod');
const stack = prod?.platform.node.findAll().find((c): c is ObservabilityStack => c instanceof ObservabilityStack);

test('support-copilot prod: the LLM dashboard has the routing row, from the picker\'s own series', () => {
  const llm = stack?.dashboards().get('llm.json');
  const titles = (llm?.panels ?? []).map((p) => p.title);
  expect(titles).toEqual(expect.arrayContaining(['Routing (endpoint picker)', 'Ready model servers per pool', 'Pool average queue', 'Pool average KV-cache use', 'Requests routed per second']));
});

test('support-copilot prod: the InferencePoolNoReadyServers alert, on the picker\'s series', () => {
  const rule = stack?.alertGroups().flatMap((g) => g.rules).find((r) => r.alert === 'InferencePoolNoReadyServers');
  expect(rule?.expr).toBe('max by (namespace, name) (inference_pool_ready_pods{namespace="support-copilot", workload="llm-epp"}) == 0');
  expect(rule?.labels.severity).toBe('critical');
});

describeWithPrograms(['promtool'])('promtool', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('inference-alerts');
  });
  afterAll(() => removeTempDir(dir));

  test('the rule file passes promtool check rules, and the alert fires with no ready server and not with one', () => {
    const groups = (stack?.alertGroups() ?? []).filter((g) => g.rules.some((r) => r.alert === 'InferencePoolNoReadyServers'));
    expect(groups).toHaveLength(1);
    fs.writeFileSync(path.join(dir, 'rules.yaml'), toYaml(ruleFile(groups)));
    const check = runProgram('promtool', ['check', 'rules', 'rules.yaml'], { cwd: dir });
    expect([check.status, check.stderr]).toEqual([0, '']);
    const SERIES = 'inference_pool_ready_pods{namespace="support-copilot",workload="llm-epp",name="llm",pod="llm-epp-0"}';
    const constant = (value: number) => ({ series: SERIES, values: `${value}x12` });
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [constant(0)],
          alert_rule_test: [{
            eval_time: '10m',
            alertname: 'InferencePoolNoReadyServers',
            exp_alerts: [{
              exp_labels: { severity: 'critical', namespace: 'support-copilot', name: 'llm' },
              exp_annotations: {
                summary: 'InferencePool llm has no ready model server',
                description: 'The endpoint picker of llm in support-copilot has seen no ready model server for 5 minutes: requests through the gateway fail.',
                runbook: 'kubectl get pods -l app.kubernetes.io/name=llm; check the weights download Job, the wait-for-weights init container and the startup probe, then GPU capacity.',
              },
            }],
          }],
        },
        {
          interval: '1m',
          input_series: [constant(2)],
          alert_rule_test: [{ eval_time: '10m', alertname: 'InferencePoolNoReadyServers', exp_alerts: [] }],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, 'tests.yaml'), toYaml(tests));
    const result = runProgram('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir });
    expect([result.status, result.stdout + result.stderr]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });
});
