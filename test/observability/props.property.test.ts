import * as fc from 'fast-check';
import { AgentMicroservice, type AgentPlatform, ObservabilityStack, type ObservabilityStackProps, SecretSource } from '../../lib';
import { problemsOf, synth } from '../helpers/synth';
import { operator, selfHosted } from './helpers';

// Props of the stack: any valid combination builds and validates strictly; any invalid value is
// reported against its field, with what is allowed, and nothing throws.

function build(props: (p: AgentPlatform) => ObservabilityStackProps) {
  return (p: AgentPlatform) => {
    new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
    new ObservabilityStack(p, 'obs', props(p));
  };
}

const promDuration = fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('s', 'm', 'h', 'd', 'w')).map(([n, u]) => `${n}${u}`);
const goDuration = fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.constantFrom('s', 'm', 'h')).map(([n, u]) => `${n}${u}`);
const storage = fc.tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom('Gi', 'Mi')).map(([n, u]) => `${u === 'Mi' ? n * 512 : n}${u}`);
const cpu = fc.integer({ min: 50, max: 4000 }).map((m) => `${m}m`);
const memory = fc.integer({ min: 64, max: 8192 }).map((m) => `${m}Mi`);
const resources = fc.record({ requests: fc.record({ cpu, memory }), limits: fc.record({ cpu, memory }) })
  .map((r) => ({ requests: r.requests, limits: { cpu: `${Number(r.requests.cpu.slice(0, -1)) + Number(r.limits.cpu.slice(0, -1))}m`, memory: `${Number(r.requests.memory.slice(0, -2)) + Number(r.limits.memory.slice(0, -2))}Mi` } }));
const ratio = fc.double({ min: 0.001, max: 1, noNaN: true });

const validProps = fc.record({
  prometheus: fc.record({ retention: promDuration, storageSize: storage, scrapeInterval: fc.constantFrom('15s', '30s', '1m'), resources }, { requiredKeys: [] }),
  tempo: fc.record({ retention: goDuration, storageSize: storage }, { requiredKeys: [] }),
  alertmanager: fc.record({ storageSize: storage }, { requiredKeys: [] }),
  grafana: fc.record({ adminUser: fc.constantFrom('admin', 'ops@acme.io', 'root_1') }, { requiredKeys: [] }),
  kubeStateMetrics: fc.record({ enabled: fc.boolean() }, { requiredKeys: [] }),
  cadvisor: fc.boolean(),
  alerts: fc.record({
    errorRatio: ratio, latencyP95Seconds: fc.double({ min: 0.01, max: 60, noNaN: true }), redisMemoryRatio: ratio,
    gpuUtilizationPercent: fc.integer({ min: 1, max: 100 }), restartsPer15m: fc.integer({ min: 1, max: 50 }),
  }, { requiredKeys: [] }),
}, { requiredKeys: [] });

test('any valid props build, render and validate strictly in self-hosted mode', () => {
  fc.assert(fc.property(validProps, (props) => {
    expect(problemsOf(build(() => props), selfHosted())).toEqual([]);
    synth(build(() => props), selfHosted());
  }), { numRuns: 40 });
});

test('any valid props build in operator mode too (self-hosted settings are inert there)', () => {
  fc.assert(fc.property(validProps, (props) => {
    expect(problemsOf(build(() => ({ ...props, otlpEndpoint: 'http://otel-collector.monitoring.svc:4317' })), operator())).toEqual([]);
  }), { numRuns: 20 });
});

/** One invalid field: where it goes in the props, a generator of bad values, and the field path reported. */
const INVALID: readonly { field: string; props: (v: never) => ObservabilityStackProps; values: fc.Arbitrary<unknown>; message: RegExp }[] = [
  { field: 'prometheus.retention', props: (v) => ({ prometheus: { retention: v } }), values: fc.constantFrom('15 days', '', '1.5d', '-1d', 'forever', '15D'), message: /Prometheus duration/ },
  { field: 'prometheus.scrapeInterval', props: (v) => ({ prometheus: { scrapeInterval: v } }), values: fc.constantFrom('30', 's30', '1 m'), message: /Prometheus duration/ },
  { field: 'prometheus.storageSize', props: (v) => ({ prometheus: { storageSize: v } }), values: fc.constantFrom('10GB', '0', 'abc', '-5Gi'), message: /storage quantity/ },
  { field: 'tempo.retention', props: (v) => ({ tempo: { retention: v } }), values: fc.constantFrom('14d', '2w', '1y', 'two weeks'), message: /Go duration/ },
  { field: 'alerts.errorRatio', props: (v) => ({ alerts: { errorRatio: v } }), values: fc.oneof(fc.constant(0), fc.double({ min: -100, max: -0.001, noNaN: true }), fc.double({ min: 1.001, max: 100, noNaN: true })), message: /must be (above 0|at most 1)/ },
  { field: 'alerts.gpuUtilizationPercent', props: (v) => ({ alerts: { gpuUtilizationPercent: v } }), values: fc.integer({ min: 101, max: 10000 }), message: /at most 100/ },
  { field: 'alerts.restartsPer15m', props: (v) => ({ alerts: { restartsPer15m: v } }), values: fc.oneof(fc.constant(0), fc.constant(1.5), fc.integer({ min: -50, max: -1 })), message: /whole number|at least 1/ },
  { field: 'alerts.runbookBaseUrl', props: (v) => ({ alerts: { runbookBaseUrl: v } }), values: fc.constantFrom('http://wiki', 'wiki.acme.io', 'https://wiki#x'), message: /https URL/ },
  { field: 'otlpEndpoint', props: (v) => ({ otlpEndpoint: v }), values: fc.constantFrom('otel:4317', 'http://otel-collector:4317', 'https://example.com', 'http://a.b.svc:4317/v1'), message: /OTLP endpoint of a collector Service/ },
  { field: 'grafana.adminUser', props: (v) => ({ grafana: { adminUser: v } }), values: fc.constantFrom('', 'a b', 'x'.repeat(65)), message: /user name/ },
  { field: 'kubernetesApi', props: (v) => ({ kubernetesApi: v }), values: fc.constantFrom('10.0.0.1/32', { cidr: '10.0.0.1/32' }), message: /ExternalEndpoint/ },
  { field: 'prometheus.resources.limits.cpu', props: (v) => ({ prometheus: { resources: { limits: { cpu: v } } } }), values: fc.constantFrom('2 cores', '-1', 'lots'), message: /CPU quantity/ },
];

describe.each(INVALID.map((c) => [c.field, c] as const))('%s', (field, c) => {
  test('an invalid value is reported against the field, once, and nothing throws', () => {
    fc.assert(fc.property(c.values, (value) => {
      const problems = problemsOf(build(() => c.props(value as never)), selfHosted());
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^\\[test/obs\\] ${field.replace(/\./g, '\\.')}: `));
      expect(problems[0]).toMatch(c.message);
    }), { numRuns: 15 });
  });
});

test('an unknown prop is named with the closest known one', () => {
  const problems = problemsOf(build(() => ({ prometheus: { retension: '1d' } } as unknown as ObservabilityStackProps)), selfHosted());
  expect(problems).toEqual([expect.stringMatching(/prometheus\.retension: unknown field "retension"; did you mean "retention"\?/)]);
});

test('a mutable image tag is refused outside development, on the server that uses it', () => {
  fc.assert(fc.property(fc.constantFrom('grafana', 'tempo', 'prometheus', 'alertmanager', 'collector'), fc.constantFrom('latest', ''), (server, tag) => {
    const image = `docker.io/acme/${server}${tag ? `:${tag}` : ''}`;
    const problems = problemsOf(build(() => ({ [server]: { image } })), selfHosted());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/\] image: .*pinned/);
  }), { numRuns: 10 });
});

test('secret keys the Secret does not declare are reported', () => {
  const problems = problemsOf(build((p) => ({
    alertmanager: { slack: { webhook: new SecretSource(p, 'slack', { keys: ['url'] }) } },
    langfuse: { host: 'https://cloud.langfuse.com', credentials: new SecretSource(p, 'lf', { keys: ['pk'] }), publicKeyKey: 'pk' },
  })), selfHosted());
  expect(problems.sort()).toEqual([
    expect.stringMatching(/alertmanager\.slack\.webhook: secret "slack" declares no key "webhook-url"/),
    expect.stringMatching(/langfuse\.credentials: secret "lf" declares no key "secret-key"/),
  ].sort());
});

test('traceToLangfuse() without langfuse props is reported', () => {
  const problems = problemsOf((p) => {
    const agent = new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
    const stack = new ObservabilityStack(p, 'obs');
    stack.traceToLangfuse(agent);
  }, selfHosted());
  expect(problems).toEqual([expect.stringContaining('langfuse: agent cannot trace to Langfuse: the stack has no langfuse props')]);
});

test('a second stack in the same app is reported', () => {
  const problems = problemsOf((p) => {
    new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' });
    new ObservabilityStack(p, 'obs', { kubeStateMetrics: { enabled: false } });
    new ObservabilityStack(p, 'again', { kubeStateMetrics: { enabled: false } });
  }, operator());
  expect(problems).toEqual([expect.stringContaining('[test/again] (stack): the chart already has an ObservabilityStack; create one per app')]);
});
