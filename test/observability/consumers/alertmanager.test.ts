import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as yaml from 'yaml';
import { describeWithPrograms, freePort, makeTempDir, removeTempDir, runProgram, startProcess, stopAllProcesses, waitFor } from '../../helpers/programs';
import { at } from '../../helpers/synth';
import { configMapFile, selfHostedSubjects, type Subject } from './fixtures';

// Every generated alertmanager.yml passes `amtool check-config` (Slack templates included), routes
// every alert to the configured receiver, and is loaded by the real Alertmanager on 127.0.0.1,
// which accepts an alert shaped like the generated rules' and holds it in the expected group.

const describeAlertmanager = describeWithPrograms(['amtool', 'prometheus-alertmanager']);

interface AlertmanagerYml { route: { receiver: string; group_by: string[] }; receivers: { name: string; slack_configs?: { api_url_file: string }[] }[] }

/** The config with the mounted Secret's file path moved below `root`, where a webhook URL is written, as the pod's Secret volume provides it. */
function prepare(subject: Subject, root: string): { file: string; config: AlertmanagerYml } {
  const config = yaml.parse(configMapFile(subject, 'alertmanager-config', 'alertmanager.yml')) as AlertmanagerYml;
  for (const receiver of config.receivers) {
    for (const slack of receiver.slack_configs ?? []) {
      const file = path.join(root, slack.api_url_file);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'https://hooks.slack.invalid/services/T000/B000/XXXX');
      slack.api_url_file = file;
    }
  }
  const file = path.join(root, 'alertmanager.yml');
  fs.writeFileSync(file, yaml.stringify(config));
  return { file, config };
}

function request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) as unknown : undefined }));
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.write(JSON.stringify(body));
    }
    req.end();
  });
}

describeAlertmanager('amtool and the real Alertmanager', () => {
  afterAll(stopAllProcesses);
  const subjects = selfHostedSubjects();

  test('with Slack where the app sends alerts there, a receiver that keeps them in Alertmanager elsewhere', () => {
    const receivers = subjects.map((s) => [s.label, (yaml.parse(configMapFile(s, 'alertmanager-config', 'alertmanager.yml')) as AlertmanagerYml).route.receiver]);
    expect(receivers).toEqual([
      ['emm/dev', 'blackhole'], ['emm/staging', 'slack'], ['emm/prod', 'slack'], ['sample/self-hosted', 'slack'],
      ['queues-and-mig/self-hosted', 'blackhole'], ['queues-and-mig/dev', 'blackhole'],
    ]);
  });

  test.each(subjects.map((s) => [s.label, s] as const))('%s', async (_label, subject) => {
    const root = makeTempDir('alertmanager');
    try {
      const { file, config } = prepare(subject, root);
      // amtool accepts it
      const check = runProgram('amtool', ['check-config', file]);
      expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
      // AND routes a critical and a warning alert of a workload to the receiver
      for (const severity of ['critical', 'warning']) {
        const route = runProgram('amtool', ['config', 'routes', 'test', `--config.file=${file}`, 'alertname=ServiceHighErrorRate', `severity=${severity}`, `namespace=${subject.namespace}`, 'workload=api']);
        expect(route.stdout.trim()).toBe(config.route.receiver);
      }
      // AND the real Alertmanager loads it on a free loopback port
      const port = await freePort();
      const server = startProcess('prometheus-alertmanager', [
        `--config.file=${file}`, `--storage.path=${path.join(root, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=',
      ]);
      try {
        const base = `http://127.0.0.1:${port}`;
        const status = await waitFor('Alertmanager to be ready', async () => {
          const response = await request('GET', `${base}/api/v2/status`);
          return response.status === 200 ? response.json : undefined;
        }, 20_000, 100);
        expect(yaml.parse(at(status, 'config.original') as string)).toEqual(expect.objectContaining({ route: expect.objectContaining({ receiver: config.route.receiver }) }));
        // AND takes an alert as the generated rules send it, grouped by alert name, namespace and workload
        const labels = { alertname: 'ServiceHighErrorRate', severity: 'critical', namespace: subject.namespace, workload: 'api' };
        const posted = await request('POST', `${base}/api/v2/alerts`, [{ labels, annotations: { summary: 'api: 10% of requests fail', runbook: 'check' } }]);
        expect(posted.status).toBe(200);
        const groups = await waitFor('the alert to be grouped', async () => {
          const response = await request('GET', `${base}/api/v2/alerts/groups`);
          const list = response.json as { labels: Record<string, string>; receiver: { name: string } }[];
          return list.length > 0 ? list : undefined;
        }, 10_000, 100);
        expect(groups.map((g) => [g.labels, g.receiver.name])).toEqual([[{ alertname: 'ServiceHighErrorRate', namespace: subject.namespace, workload: 'api' }, config.route.receiver]]);
      } finally {
        await server.stop();
      }
    } finally {
      removeTempDir(root);
    }
  }, 60_000);
});
