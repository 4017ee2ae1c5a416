import * as fc from 'fast-check';
import { estimateCost, EXAMPLE_PRICE_TABLE, type KubeObject, type PriceTable } from '../../lib';
import { priceTableIssues } from '../../lib/cost/price-table';
import { formatIssue } from '../../lib/core/errors';
import { container, deployment, hpa, ROUND_PRICES } from './fixtures';

// Properties of the estimate over random apps (Deployments with random requests, fixed replicas
// or an HPA range) and random node shapes, and of the price-table validation over random bad
// prices. fast-check prints the seed and path of a failure; pass them to fc.assert to replay it.

interface RandomWorkload {
  readonly millicores: number;
  readonly mebibytes: number;
  readonly min: number;
  readonly extra: number;
  readonly autoscaled: boolean;
}

const workloadArb: fc.Arbitrary<RandomWorkload> = fc.record({
  millicores: fc.integer({ min: 10, max: 3000 }),
  mebibytes: fc.integer({ min: 16, max: 12288 }),
  min: fc.integer({ min: 1, max: 5 }),
  extra: fc.integer({ min: 0, max: 10 }),
  autoscaled: fc.boolean(),
});

const nodeArb = fc.record({
  cpu: fc.integer({ min: 2, max: 64 }),
  gib: fc.integer({ min: 4, max: 256 }),
  maxPods: fc.integer({ min: 8, max: 250 }),
  hourlyPrice: fc.integer({ min: 0, max: 500 }).map((cents) => cents / 100),
  minNodes: fc.integer({ min: 0, max: 3 }),
});

function objectsOf(workloads: readonly RandomWorkload[]): KubeObject[] {
  return workloads.flatMap((w, i) => {
    const name = `w${i}`;
    const pods = deployment(name, [container(name, `${w.millicores}m`, `${w.mebibytes}Mi`)], w.autoscaled ? {} : { replicas: w.min });
    return w.autoscaled ? [pods, hpa({ apiVersion: 'apps/v1', kind: 'Deployment', name }, w.min, w.min + w.extra)] : [pods];
  });
}

test('the range is ordered, every line is non-negative, the total is the sum of the lines, and packing never beats its lower bound', () => {
  fc.assert(fc.property(fc.array(workloadArb, { minLength: 1, maxLength: 8 }), nodeArb, (workloads, node) => {
    const prices: PriceTable = {
      ...ROUND_PRICES,
      nodes: { name: 'random', hourlyPrice: node.hourlyPrice, cpu: String(node.cpu), memory: `${node.gib}Gi`, maxPods: node.maxPods, minNodes: node.minNodes },
    };
    const estimate = estimateCost(objectsOf(workloads), prices, { app: 'random', environment: 'test' });
    expect(estimate.minimum.total).toBeLessThanOrEqual(estimate.maximum.total);
    const expectedPods = { min: workloads.reduce((n, w) => n + w.min, 0), max: workloads.reduce((n, w) => n + w.min + (w.autoscaled ? w.extra : 0), 0) };
    expect([estimate.minimum.pods, estimate.maximum.pods]).toEqual([expectedPods.min, expectedPods.max]);
    for (const end of [estimate.minimum, estimate.maximum]) {
      expect(end.lines.length).toBeGreaterThan(0);
      for (const line of end.lines) {
        expect(line.amount).toBeGreaterThanOrEqual(0);
      }
      expect(end.total).toBeCloseTo(end.lines.reduce((sum, line) => sum + line.amount, 0), 6);
      const pool = end.nodePools[0];
      const placed = pool.pods - pool.pending;
      expect(pool.lowerBound).toBeLessThanOrEqual(pool.needed);
      expect(pool.needed).toBeLessThanOrEqual(placed);
      expect(pool.nodes).toBe(Math.max(pool.needed, node.minNodes));
    }
    expect(estimate.minimum.nodePools[0].needed).toBeLessThanOrEqual(estimate.maximum.nodePools[0].needed);
  }));
});

/** Where a table holds a price, and how to put a value there. */
const PRICE_FIELDS: readonly [string, (value: number) => PriceTable][] = [
  ['prices.nodes.hourlyPrice', (v) => ({ ...EXAMPLE_PRICE_TABLE, nodes: { ...EXAMPLE_PRICE_TABLE.nodes, hourlyPrice: v } })],
  ['prices.storageClasses["gp3"].pricePerGiBMonth', (v) => ({ ...EXAMPLE_PRICE_TABLE, storageClasses: { ...EXAMPLE_PRICE_TABLE.storageClasses, gp3: { pricePerGiBMonth: v } } })],
  ['prices.loadBalancer.monthlyPrice', (v) => ({ ...EXAMPLE_PRICE_TABLE, loadBalancer: { monthlyPrice: v } })],
  ['prices.ingress.monthlyPrice', (v) => ({ ...EXAMPLE_PRICE_TABLE, ingress: { monthlyPrice: v } })],
  ['prices.gateway.monthlyPrice', (v) => ({ ...EXAMPLE_PRICE_TABLE, gateway: { monthlyPrice: v } })],
  ['prices.extras[0].monthlyPrice', (v) => ({ ...EXAMPLE_PRICE_TABLE, extras: [{ name: 'support', monthlyPrice: v }] })],
];

test('a bad price anywhere is one problem naming that field; a good one is none', () => {
  const bad = fc.oneof(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));
  const good = fc.double({ min: 0, max: 1e6, noNaN: true });
  fc.assert(fc.property(fc.constantFrom(...PRICE_FIELDS), bad, ([field, put], value) => {
    const found = priceTableIssues(put(value), 'prices').map(formatIssue);
    expect(found).toHaveLength(1);
    expect(found[0].startsWith(`${field}: must be a price: a finite number of 0 or more (got `)).toBe(true);
  }));
  fc.assert(fc.property(fc.constantFrom(...PRICE_FIELDS), good, ([, put], value) => {
    expect(priceTableIssues(put(value), 'prices')).toEqual([]);
  }));
});
