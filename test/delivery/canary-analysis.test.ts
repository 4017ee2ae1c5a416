/**
 * The AnalysisTemplate of emm prod's langgraph-api canary, evaluated by the real promtool against
 * synthetic series of a passing and a failing canary, with stable pods that fail badly beside
 * them (the queries must see the canary's pods only). promtool proves each query's value; the
 * template's own success and failure conditions then judge that value, as Argo Rollouts would.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  AgentMicroservice, type AnalysisMetric, type KubeObject, McpToolService, MCP_TOOL_SIGNALS, HTTP_SERVER_SIGNALS, VLLM_SIGNALS, canaryQueries, GpuInferencePool, ObservabilityStack, renderApps, type WorkloadSignals,
} from '../../lib';
import { revisionPodPattern } from '../../lib/delivery/canary-analysis';
import { CLUSTER_METRICS } from '../../lib/observability/catalog';
import { DEFAULT_THRESHOLDS } from '../../lib/observability/alerts';
import { toYamlDocuments } from '../../lib/synth/yaml';
import { emm } from '../../apps/emm';
import { describeWithPrograms, makeTempDir, removeTempDir, runProgram } from '../helpers/programs';
import { at, synth } from '../helpers/synth';
import { promqlProblems } from '../observability/promql-checker';
import { selfHostedProd } from './helpers';

const NAMESPACE = 'agentic-ai';
const WORKLOAD = 'langgraph-api';
const CANARY_HASH = '7c9d5b8f4d';
const CANARY_POD = `${WORKLOAD}-${CANARY_HASH}-x7k2p`;
const STABLE_POD = `${WORKLOAD}-5f6d7c8b9a-q9w4z`;

const prod = renderApps([emm]).find((e) => e.environment === 'prod');
const template = prod?.objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === `${WORKLOAD}-canary`) as KubeObject;
const metrics = at(template, 'spec.metrics') as AnalysisMetric[];

/** The query of one metric as Argo Rollouts sends it: the canary's hash in place of the argument. */
function queryOf(name: string): string {
  const metric = metrics.find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.provider.prometheus.query.replaceAll('{{args.canary-hash}}', CANARY_HASH);
}

type Phase = 'Successful' | 'Failed' | 'Inconclusive';

/** Evaluates the template's conditions (`result[0] <op> <number>`, all the library writes) on one value. */
function condition(text: string, value: number): boolean {
  const match = /^result\[0\] (<=|>=|==|<|>) (-?[0-9.]+)$/.exec(text);
  if (!match) throw new Error(`unexpected condition ${text}`);
  const bound = Number(match[2]);
  switch (match[1]) {
    case '<=': return value <= bound;
    case '>=': return value >= bound;
    case '<': return value < bound;
    case '>': return value > bound;
    default: return value === bound;
  }
}

/** One measurement's phase, as Argo Rollouts judges it (neither condition: inconclusive). */
function phaseOf(name: string, value: number): Phase {
  const metric = metrics.find((m) => m.name === name) as AnalysisMetric;
  if (condition(metric.failureCondition, value)) return 'Failed';
  return condition(metric.successCondition, value) ? 'Successful' : 'Inconclusive';
}

/** A metric's verdict after its measurements, by Argo Rollouts' limits (failureLimit, inconclusiveLimit, count). */
function verdict(name: string, phases: readonly Phase[]): Phase {
  const metric = metrics.find((m) => m.name === name) as AnalysisMetric;
  expect(phases).toHaveLength(metric.count);
  if (phases.filter((p) => p === 'Failed').length > metric.failureLimit) return 'Failed';
  if (phases.filter((p) => p === 'Inconclusive').length > metric.inconclusiveLimit) return 'Inconclusive';
  return 'Successful';
}

interface PodTraffic {
  /** Successful and failed requests per minute. */
  readonly ok: number;
  readonly errors: number;
  /** Requests per minute at or below each bucket bound (cumulative, as Prometheus histograms are). */
  readonly buckets: Readonly<Record<string, number>>;
  /** Restarts by minute 4 (the counter is scraped from minute 0), and whether the last termination was an OOMKill. */
  readonly restarts: number;
  readonly oomKilled: boolean;
  /** Whether kube-state-metrics reports the pod at all. */
  readonly inKubeStateMetrics?: boolean;
}

const FAST = { '0.5': 50, '1': 90, '2': 100, '5': 100, '+Inf': 100 };
const SLOW = { '0.5': 10, '1': 20, '2': 40, '5': 100, '+Inf': 100 };

/** Input series of one pod over 20 minutes, one sample a minute. */
function podSeries(pod: string, traffic: PodTraffic): { series: string; values: string }[] {
  const own = `namespace="${NAMESPACE}", workload="${WORKLOAD}", pod="${pod}"`;
  const counter = (perMinute: number) => `0+${perMinute}x20`;
  const out = [{ series: `http_server_request_duration_seconds_count{${own}, http_response_status_code="200"}`, values: counter(traffic.ok) }];
  if (traffic.errors > 0) {
    out.push({ series: `http_server_request_duration_seconds_count{${own}, http_response_status_code="500"}`, values: counter(traffic.errors) });
  }
  for (const [le, perHundred] of Object.entries(traffic.buckets)) {
    out.push({ series: `http_server_request_duration_seconds_bucket{${own}, le="${le}"}`, values: counter(((traffic.ok + traffic.errors) * perHundred) / 100) });
  }
  if (traffic.inKubeStateMetrics !== false) {
    const ksm = `namespace="${NAMESPACE}", pod="${pod}", container="${WORKLOAD}"`;
    out.push({ series: `kube_pod_container_status_restarts_total{${ksm}}`, values: `0 0 0 0 ${traffic.restarts}x16` });
    if (traffic.oomKilled) {
      out.push({ series: `kube_pod_container_status_last_terminated_reason{${ksm}, reason="OOMKilled"}`, values: '1x20' });
    }
  }
  return out;
}

/** The stable pods beside every canary: failing, slow, crash-looping. None of it may reach the canary's queries. */
const BROKEN_STABLE: PodTraffic = { ok: 10, errors: 50, buckets: SLOW, restarts: 7, oomKilled: true };

const SCENARIOS: Readonly<Record<string, { canary: PodTraffic; expected: Readonly<Record<string, number>> }>> = {
  passing: { canary: { ok: 59, errors: 1, buckets: FAST, restarts: 0, oomKilled: false }, expected: { 'error-rate': 1 / 60, 'p95-latency': 1.5, restarts: 0, 'oom-kills': 0 } },
  'passing at the 5% bound, with no failed request series at all for another metric': {
    canary: { ok: 57, errors: 3, buckets: FAST, restarts: 0, oomKilled: false }, expected: { 'error-rate': 0.05, 'p95-latency': 1.5, restarts: 0, 'oom-kills': 0 },
  },
  'passing without a single failed request (no 5xx series exists)': {
    canary: { ok: 60, errors: 0, buckets: FAST, restarts: 0, oomKilled: false }, expected: { 'error-rate': 0, 'p95-latency': 1.5, restarts: 0, 'oom-kills': 0 },
  },
  failing: { canary: { ok: 54, errors: 6, buckets: SLOW, restarts: 1, oomKilled: true }, expected: { 'error-rate': 0.1, 'p95-latency': 4.75, restarts: 1, 'oom-kills': 1 } },
  'too little traffic to judge': { canary: { ok: 3, errors: 0, buckets: FAST, restarts: 0, oomKilled: false, inKubeStateMetrics: false }, expected: { 'error-rate': NaN, 'p95-latency': NaN, restarts: NaN, 'oom-kills': 0 } },
};

const MEASUREMENT_MINUTES = [6, 7, 8, 9, 10];

/**
 * A promtool test of every query at every measurement. promtool compares floats exactly, so
 * values are compared in millionths (`round(q * 1e6)`); NaN, unequal to itself, as `q != bool q`.
 */
function promtoolTest(canary: PodTraffic, expected: Readonly<Record<string, number>>): unknown {
  const tests = Object.entries(expected).flatMap(([name, value]) => MEASUREMENT_MINUTES.map((minute) => ({
    expr: Number.isNaN(value) ? `(${queryOf(name)}) != bool (${queryOf(name)})` : `round((${queryOf(name)}) * 1000000)`,
    eval_time: `${minute}m`,
    exp_samples: [{ labels: '{}', value: Number.isNaN(value) ? 1 : Math.round(value * 1e6) }],
  })));
  return {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [{ interval: '1m', input_series: [...podSeries(CANARY_POD, canary), ...podSeries(STABLE_POD, BROKEN_STABLE)], promql_expr_test: tests }],
  };
}

test('emm prod runs langgraph-api as a canary whose template measures error rate, p95 latency, restarts and OOMKills', () => {
  expect(prod).toBeDefined();
  expect(metrics.map((m) => m.name)).toEqual(['error-rate', 'p95-latency', 'restarts', 'oom-kills']);
  expect(new Set(metrics.map((m) => m.provider.prometheus.address))).toEqual(new Set([`http://prometheus.${NAMESPACE}.svc.cluster.local:9090`]));
  expect(metrics.map((m) => [m.name, m.successCondition, m.failureCondition])).toEqual([
    ['error-rate', 'result[0] <= 0.05', 'result[0] > 0.05'],
    ['p95-latency', 'result[0] <= 2', 'result[0] > 2'],
    ['restarts', 'result[0] == 0', 'result[0] > 0'],
    ['oom-kills', 'result[0] == 0', 'result[0] > 0'],
  ]);
  expect(at(prod?.objects.find((o) => o.kind === 'Rollout'), 'spec.workloadRef.name')).toBe(WORKLOAD);
});

test('docs/delivery.md shows emm prod\'s Rollout and AnalysisTemplate exactly as generated', () => {
  const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'delivery.md'), 'utf8');
  const rollout = prod?.objects.find((o) => o.kind === 'Rollout') as KubeObject;
  expect(docs).toContain(`\`\`\`yaml\n${toYamlDocuments([rollout, template])}\`\`\``);
});

describeWithPrograms(['promtool'])('promtool evaluates the canary analysis of emm prod', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('cdk8s-agents-canary-');
  });
  afterAll(() => {
    removeTempDir(dir);
  });

  test.each(Object.entries(SCENARIOS))('%s: every query has the expected value at every measurement', (name, scenario) => {
    const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
    fs.writeFileSync(file, stringify(promtoolTest(scenario.canary, scenario.expected)));
    const run = runProgram('promtool', ['test', 'rules', file]);
    expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  test('a wrong expectation fails, so the runs above prove the values', () => {
    const file = path.join(dir, 'wrong.yaml');
    fs.writeFileSync(file, stringify(promtoolTest(SCENARIOS.passing.canary, { 'error-rate': 0.5 })));
    const run = runProgram('promtool', ['test', 'rules', file]);
    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain('FAILED');
  });
});

describe('the verdicts on those values', () => {
  const verdicts = (scenario: keyof typeof SCENARIOS) => Object.fromEntries(Object.entries(SCENARIOS[scenario].expected).map(([name, value]) =>
    [name, verdict(name, MEASUREMENT_MINUTES.map(() => phaseOf(name, value)))]));

  test('a passing canary passes every metric', () => {
    for (const scenario of ['passing', 'passing at the 5% bound, with no failed request series at all for another metric', 'passing without a single failed request (no 5xx series exists)'] as const) {
      expect(verdicts(scenario)).toEqual({ 'error-rate': 'Successful', 'p95-latency': 'Successful', restarts: 'Successful', 'oom-kills': 'Successful' });
    }
  });

  test('a failing canary fails every metric, whatever the stable pods do', () => {
    expect(verdicts('failing')).toEqual({ 'error-rate': 'Failed', 'p95-latency': 'Failed', restarts: 'Failed', 'oom-kills': 'Failed' });
  });

  test('too little traffic is inconclusive (the Rollout pauses for a person), not a pass', () => {
    expect(verdicts('too little traffic to judge')).toEqual({ 'error-rate': 'Inconclusive', 'p95-latency': 'Inconclusive', restarts: 'Inconclusive', 'oom-kills': 'Successful' });
  });

  test('one failed error-rate measurement is tolerated, two fail the step; one restart fails it at once', () => {
    expect(verdict('error-rate', ['Failed', 'Successful', 'Successful', 'Successful', 'Successful'])).toBe('Successful');
    expect(verdict('error-rate', ['Successful', 'Failed', 'Successful', 'Failed', 'Successful'])).toBe('Failed');
    expect(verdict('restarts', ['Successful', 'Failed', 'Successful', 'Successful', 'Successful'])).toBe('Failed');
    expect(verdict('p95-latency', ['Inconclusive', 'Inconclusive', 'Inconclusive', 'Inconclusive', 'Successful'])).toBe('Successful');
  });
});

describe('the analysis names only metrics its workload declares', () => {
  const known = (signals: WorkloadSignals) => new Set([...signals.metrics, CLUSTER_METRICS.restarts.name, CLUSTER_METRICS.lastTerminated.name]);
  const scope = { namespace: 'agents', workload: 'w', podPattern: revisionPodPattern('w', CANARY_HASH) };

  test.each([
    ['an agent (OpenTelemetry HTTP server)', HTTP_SERVER_SIGNALS, ['error-rate', 'p95-latency', 'restarts', 'oom-kills']],
    ['an MCP tool', MCP_TOOL_SIGNALS, ['error-rate', 'p95-latency', 'restarts', 'oom-kills']],
    ['a vLLM pool (latency only)', VLLM_SIGNALS, ['p95-latency', 'restarts', 'oom-kills']],
  ] as const)('%s: valid PromQL over its own series and the kube-state-metrics ones', (_what, signals, names) => {
    const queries = canaryQueries(signals, scope, DEFAULT_THRESHOLDS, 20);
    expect(queries.map((q) => q.name)).toEqual(names);
    for (const q of queries) {
      expect(promqlProblems(q.query, known(signals))).toEqual([]);
    }
  });

  test('the rendered templates of an agent and a tool read only their declared metrics', () => {
    const s = synth((p) => {
      const tool = new McpToolService(p, 'search', { image: 'ghcr.io/acme/search:1.0.0', rollout: {} });
      new AgentMicroservice(p, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', tools: [tool], rollout: {} });
      new GpuInferencePool(p, 'llm', { model: 'acme/m@0e9e39f249a16976918f6564b8830bc894c89659', rollout: { maxSurge: 0, maxUnavailable: 1 } });
      new ObservabilityStack(p, 'observability');
    }, selfHostedProd());
    const checked = [['search', MCP_TOOL_SIGNALS], ['agent', HTTP_SERVER_SIGNALS], ['llm', VLLM_SIGNALS]] as const;
    for (const [name, signals] of checked) {
      const queries = (at(s.get('AnalysisTemplate', `${name}-canary`), 'spec.metrics') as AnalysisMetric[]).map((m) => m.provider.prometheus.query.replaceAll('{{args.canary-hash}}', CANARY_HASH));
      expect(queries.length).toBeGreaterThan(0);
      for (const query of queries) {
        expect(promqlProblems(query, known(signals))).toEqual([]);
        expect(query).toContain(`pod=~"${name}-${CANARY_HASH}-[a-z0-9]+"`);
      }
    }
  });
});
