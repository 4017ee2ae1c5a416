import * as fs from 'fs';
import * as path from 'path';
import {
  AgentMicroservice, AgentMode, type AgentPlatform, GpuInferencePool, McpToolService, ObservabilityStack, QueueTrigger, RedisCacheStatefulSet, RedisUsage,
} from '../../lib';
import { platformFor, synthPlatform } from '../helpers/synth';
import { operator } from './helpers';
import { checkPromql } from './promql-checker';

// The README's metrics contract is what the dashboards and alerts read: for an app of each kind
// of construct alone, the series its dashboards and rules name, the cluster's aside, are exactly
// the README's row; and the cluster series all of them read are the README's cluster row.

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The rows of the metrics contract table: first cell to the series named in the second. */
function contractRows(): Map<string, string[]> {
  const section = README.slice(README.indexOf('#### Metrics contract'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| construct |'))).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---') && !l.startsWith('| construct'));
  return new Map(table.map((line) => {
    const cells = line.split(' | ');
    return [cells[0].replace(/^\| /, ''), [...cells[1].matchAll(/`([^`]+)`/g)].map((m) => m[1])];
  }));
}

/** The series the dashboards and rules of an app built by `build` read. */
function seriesRead(build: (p: AgentPlatform) => void): Set<string> {
  const platform = platformFor(operator());
  build(platform);
  const stack = new ObservabilityStack(platform, 'obs', {});
  synthPlatform(platform);
  const exprs = [
    ...stack.alertGroups().flatMap((g) => g.rules.map((r) => r.expr)),
    ...[...stack.dashboards().values()].flatMap((d) => d.panels.flatMap((p) => ('targets' in p ? p.targets.map((t) => t.expr) : []))),
  ];
  return new Set(exprs.flatMap((e) => checkPromql(e.replace(/\$\{?[a-z0-9_:]+\}?/g, 'x')).metrics));
}

const KINDS: Readonly<Record<string, (p: AgentPlatform) => void>> = {
  '`AgentMicroservice` (API)': (p) => { new AgentMicroservice(p, 'api', { image: 'api:1.0.0' }); },
  '`AgentMicroservice` (worker)': (p) => { new AgentMicroservice(p, 'worker', { image: 'worker:1.0.0', mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] } }); },
  '`McpToolService`': (p) => { new McpToolService(p, 'tool', { image: 'tool:1.0.0' }); },
  '`GpuInferencePool`': (p) => { new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659' }); },
  '`RedisCacheStatefulSet`': (p) => {
    const queue = new RedisCacheStatefulSet(p, 'queue', { usage: RedisUsage.QUEUE });
    new AgentMicroservice(p, 'worker', { image: 'worker:1.0.0', mode: AgentMode.WORKER, cache: queue, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, queueScaling: { triggers: [QueueTrigger.redisList(queue, { listName: 'tasks' })] } });
  },
  '`GpuInferencePool` on MIG': (p) => { new GpuInferencePool(p, 'llm', { model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659', gpus: { resource: 'nvidia.com/mig-1g.10gb' } }); },
};

const rows = contractRows();
const cluster = new Set(rows.get('cluster (cAdvisor, kube-state-metrics, DCGM exporter, Prometheus)') ?? []);

test('the README has a row for every kind, and the cluster row', () => {
  expect([...rows.keys()]).toEqual([
    '`AgentMicroservice` (API)', '`AgentMicroservice` (worker)', '`McpToolService`', '`GpuInferencePool`', '`RedisCacheStatefulSet`',
    'cluster (cAdvisor, kube-state-metrics, DCGM exporter, Prometheus)',
  ]);
  expect(cluster.size).toBe(8);
});

test.each(Object.keys(KINDS).filter((k) => rows.has(k)).map((k) => [k] as const))('%s: the README lists exactly what its dashboards and alerts read', (kind) => {
  const read = [...seriesRead(KINDS[kind])].filter((s) => !cluster.has(s)).sort();
  expect(read).toEqual([...(rows.get(kind) ?? [])].sort());
});

test('the cluster series every kind reads are the README\'s cluster row, MIG\'s profiling metric included', () => {
  const read = new Set(Object.values(KINDS).flatMap((build) => [...seriesRead(build)].filter((s) => cluster.has(s) || /^(container_|kube_|DCGM_|up$)/.test(s))));
  expect([...read].sort()).toEqual([...cluster].sort());
});
