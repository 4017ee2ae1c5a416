/**
 * The generated HAProxy configurations pass `haproxy -c`, and the replication alerts pass
 * `promtool check rules` and `promtool test rules`: a failover, a lagging replica and a replica
 * whose link is down fire them; a steady replicated Redis does not.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';
import { type AlertRule, renderApps } from '../../lib';
import { emm } from '../../apps/emm';
import { supportCopilot } from '../../apps/support-copilot';
import { describeWithPrograms, makeTempDir, removeTempDir, runProgram } from '../helpers/programs';
import { selfHosted, synthSample } from '../observability/helpers';

const proxyConfigs = renderApps([emm, supportCopilot]).flatMap((env) => env.objects
  .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-proxy-config'))
  .map((o) => [`${env.app}/${env.environment}/${o.metadata.name}`, (o.data as Record<string, string>)['haproxy.cfg']] as const));

test('HAProxy runs in front of the replicated Redis of staging and prod of both apps', () => {
  expect(proxyConfigs.map(([label]) => label)).toEqual([
    'emm/staging/redis-cache-proxy-config', 'emm/prod/redis-cache-proxy-config',
    'support-copilot/staging/task-queue-proxy-config', 'support-copilot/prod/task-queue-proxy-config',
  ]);
});

describeWithPrograms(['haproxy'])('haproxy -c', () => {
  test.each(proxyConfigs)('%s is valid; its only warnings are the nodes\' cluster host names, unresolvable here', (_label, config) => {
    const dir = makeTempDir('haproxy');
    try {
      fs.writeFileSync(path.join(dir, 'haproxy.cfg'), config);
      const result = runProgram('haproxy', ['-c', '-f', path.join(dir, 'haproxy.cfg')], { env: { PATH: process.env.PATH, REDIS_PASSWORD: 'any"thing \\ at all' } });
      // The nodes' host names resolve only in the cluster (and nodes above the current count never):
      // HAProxy starts those servers disabled and resolves them at run time. Nothing else may warn.
      const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.trim() !== '' && !l.includes('[NOTICE]'));
      const other = lines.filter((l) => !/could not resolve address '[a-z0-9-]+-[0-6]\.[a-z0-9-]+-headless\.[a-z0-9.-]+\.svc\.cluster\.local', disabling server\.$/.test(l));
      expect({ status: result.status, other }).toEqual({ status: 0, other: expect.arrayContaining(['Configuration file is valid']) });
      expect(other.filter((l) => l !== 'Configuration file is valid' && l !== 'Warnings were found.')).toEqual([]);
    } finally {
      removeTempDir(dir);
    }
  });
});

describeWithPrograms(['promtool'])('promtool: the replication alerts', () => {
  const { app } = synthSample(selfHosted());
  const group = app.stack.alertGroups().find((g) => g.name.endsWith('.redis'));
  const rules = (group?.rules ?? []).filter((r) => ['RedisFailover', 'RedisReplicationLag', 'RedisReplicaLinkDown'].includes(r.alert));
  const labels = (pod: string) => `namespace="agents", workload="cache", pod="${pod}"`;

  function promtool(args: string[], files: Record<string, string>): { status: number | null; output: string } {
    const dir = makeTempDir('promtool');
    try {
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
      const result = runProgram('promtool', args, { cwd: dir });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      removeTempDir(dir);
    }
  }

  const rulesFile = (list: readonly AlertRule[]) => yaml.stringify({ groups: [{ name: 'redis-replication', rules: list }] });

  test('the three rules exist for the replicated caches and pass promtool check rules without findings', () => {
    expect(rules.map((r) => r.alert)).toEqual(['RedisFailover', 'RedisReplicationLag', 'RedisReplicaLinkDown']);
    const result = promtool(['check', 'rules', 'rules.yml'], { 'rules.yml': rulesFile(rules) });
    expect(result.output).toContain('SUCCESS: 3 rules found');
    expect(result.status).toBe(0);
  });

  test('they fire on a failover, a lagging replica and a broken link, and stay silent on a steady Redis', () => {
    const info = (pod: string, role: string) => `redis_instance_info{${labels(pod)}, role="${role}", redis_version="7.2.5"}`;
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          // cache-0 is the master for 15 minutes, then cache-1 takes over; cache-2 stays a replica
          interval: '1m',
          input_series: [
            { series: info('cache-0', 'master'), values: '1x15 _x15' },
            { series: info('cache-0', 'slave'), values: '_x15 1x15' },
            { series: info('cache-1', 'slave'), values: '1x15 _x15' },
            { series: info('cache-1', 'master'), values: '_x15 1x15' },
            { series: info('cache-2', 'slave'), values: '1x30' },
            { series: `redis_connected_slave_lag_seconds{${labels('cache-1')}, slave_ip="10.0.0.3", slave_port="6379", slave_state="online"}`, values: '0x30' },
            { series: `redis_master_link_up{${labels('cache-2')}, master_host="cache-1", master_port="6379"}`, values: '1x30' },
          ],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'RedisFailover', exp_alerts: [] },
            { eval_time: '20m', alertname: 'RedisFailover', exp_alerts: [expected(rules[0], { namespace: 'agents', workload: 'cache', pod: 'cache-1' })] },
            { eval_time: '28m', alertname: 'RedisFailover', exp_alerts: [] },
            { eval_time: '20m', alertname: 'RedisReplicationLag', exp_alerts: [] },
            { eval_time: '20m', alertname: 'RedisReplicaLinkDown', exp_alerts: [] },
          ],
        },
        {
          interval: '1m',
          input_series: [
            { series: `redis_connected_slave_lag_seconds{${labels('cache-0')}, slave_ip="10.0.0.2", slave_port="6379", slave_state="online"}`, values: '0x5 30x10' },
            { series: `redis_master_link_up{${labels('cache-2')}, master_host="cache-0", master_port="6379"}`, values: '1x5 0x10' },
          ],
          alert_rule_test: [
            { eval_time: '5m', alertname: 'RedisReplicationLag', exp_alerts: [] },
            { eval_time: '10m', alertname: 'RedisReplicationLag', exp_alerts: [expected(rules[1], { namespace: 'agents', workload: 'cache', slave_ip: '10.0.0.2' }, '30s')] },
            { eval_time: '10m', alertname: 'RedisReplicaLinkDown', exp_alerts: [expected(rules[2], { namespace: 'agents', workload: 'cache', pod: 'cache-2' })] },
          ],
        },
      ],
    };
    const result = promtool(['test', 'rules', 'tests.yml'], { 'rules.yml': rulesFile(rules), 'tests.yml': yaml.stringify(tests) });
    expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});

/** The alert promtool must see: its labels, and its annotations rendered as Prometheus renders them. */
function expected(rule: AlertRule, labels: Record<string, string>, value = ''): { exp_labels: Record<string, string>; exp_annotations: Record<string, string> } {
  const render = (text: string) => text
    .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, name: string) => labels[name] ?? '')
    .replace(/\{\{ \$value \| humanizeDuration \}\}/g, value);
  return {
    exp_labels: { severity: rule.labels.severity, ...labels },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v)])),
  };
}
