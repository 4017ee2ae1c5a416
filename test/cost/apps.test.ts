import { costMarkdown, estimateCost, EXAMPLE_PRICE_TABLE, renderApps } from '../../lib';
import { apps } from '../../apps';

// GIVEN every example app in every environment, estimated with the example table (what
// `npm run synth` writes as COST.md).
const estimates = renderApps(apps).map((env) => estimateCost(env.objects, EXAMPLE_PRICE_TABLE, { app: env.app, environment: env.environment }));
const estimateOf = (app: string, environment: string) => {
  const found = estimates.find((e) => e.app === app && e.environment === environment);
  if (!found) {
    throw new Error(`no estimate for ${app}/${environment}`);
  }
  return found;
};

test('every app and environment has an estimate', () => {
  expect(estimates.map((e) => `${e.app}/${e.environment}`)).toEqual(apps.flatMap((a) => a.environments.map((env) => `${a.name}/${env.name}`)));
  expect(estimates.length).toBeGreaterThan(0);
});

describe.each(estimates.map((e) => [`${e.app}/${e.environment}`, e] as const))('%s', (_label, estimate) => {
  test('COST.md matches the snapshot', () => {
    expect(costMarkdown(estimate)).toMatchSnapshot();
  });

  test('the minimum is at most the maximum and each total is the sum of its lines', () => {
    expect(estimate.minimum.total).toBeLessThanOrEqual(estimate.maximum.total);
    for (const end of [estimate.minimum, estimate.maximum]) {
      expect(Math.round(end.lines.reduce((sum, l) => sum + l.amount, 0) * 100)).toBe(Math.round(end.total * 100));
    }
  });
});

describe('emm prod against seed 001', () => {
  const emm = estimateOf('emm', 'prod');

  test('45 pods at the minimum (11 services at their HPA minimum of 3, 3 Redis pods, 3 HAProxy pods and 6 observability servers), 122 at the maximum (HPA maximum of 10)', () => {
    expect([emm.minimum.pods, emm.maximum.pods]).toEqual([11 * 3 + 3 + 3 + 6, 11 * 10 + 3 + 3 + 6]);
    // One replica of each autoscaled service: 4 agents × 500m + content-classifier 1000m + jd-classifier 100m
    // + 5 other tools × 250m = 4350m. The replicated Redis: 3 pods of Redis 500m + Sentinel 25m + exporter
    // 50m = 1725m, and 3 HAProxy pods of 50m = 150m. Observability: Tempo 100m, Alertmanager 50m,
    // kube-state-metrics 50m, Prometheus 250m, collector 100m, Grafana 100m = 650m.
    // Minimum: 3 × 4350 + 1725 + 150 + 650 = 15575m; maximum: 10 × 4350 + 2525 = 46025m.
    expect(emm.minimum.cpu).toBe(15.575);
    expect(emm.maximum.cpu).toBe((10 * 4350 + 1725 + 150 + 650) / 1000);
  });

  test('priced with the seed\'s own prices it costs $305.91 to $852.54 a month, against the seed\'s $117', () => {
    // 15.575 CPU over 1.805 CPU per t3.medium: at least 9 nodes, and first-fit decreasing needs 9.
    expect(emm.minimum.nodePools.map((p) => [p.lowerBound, p.needed, p.nodes])).toEqual([[9, 9, 9]]);
    expect(emm.minimum.lines.map((l) => [l.arithmetic, l.amount])).toEqual([
      ['9 × $0.0416/h × 730 h', 273.31],
      // Redis 3 × 10Gi, Prometheus 20Gi, Tempo 10Gi, Alertmanager 1Gi on gp3; the vault 20Gi and the inbox 5Gi on EFS.
      ['61 GiB × $0.10/GiB-month', 6.10],
      ['25 GiB × $0.30/GiB-month', 7.50],
      ['1 × $18.00/month', 18],
      ['$1.00/month, fixed', 1],
    ]);
    expect(emm.minimum.total).toBe(305.91);
    // 46.025 CPU: at least 26 nodes; first-fit decreasing needs 27 (27 × 0.0416 × 730 = 819.94).
    expect(emm.maximum.nodePools.map((p) => [p.lowerBound, p.needed, p.nodes])).toEqual([[26, 27, 27]]);
    expect(emm.maximum.total).toBe(852.54);
  });
});
