import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  AgentMicroservice, type AgentAppDefinition, Environments, estimateCost, EXAMPLE_PRICE_TABLE, NodeReservation, type PriceTable, synthesize, OUTPUT_MARKER,
} from '../../lib';
import { priceTableIssues, resolveNodeType } from '../../lib/cost/price-table';
import { formatIssue } from '../../lib/core/errors';
import { synthesisErrorOf } from '../helpers/synth';

/** The problems of a table as the user reads them. */
const problems = (table: unknown) => priceTableIssues(table, 'prices').map(formatIssue);
const nodes = EXAMPLE_PRICE_TABLE.nodes;

describe('price table validation', () => {
  test('the example table is valid', () => {
    expect(problems(EXAMPLE_PRICE_TABLE)).toEqual([]);
  });

  test('every problem at once, with the field, what is allowed and the value given', () => {
    const table = {
      ...EXAMPLE_PRICE_TABLE,
      currency: 'usd',
      hoursPerMonth: 0,
      hourlyPrice: 1,
      nodes: { ...nodes, hourlyPrice: -1, cpu: 'two', memroy: '4Gi', maxPods: 0 },
      loadBalancer: { monthlyPrice: Infinity },
      extras: [{ name: '', monthlyPrice: 1 }],
    };
    expect(problems(table)).toEqual([
      'prices.currency: must be an ISO 4217 currency code of three capital letters, e.g. "USD" (got "usd")',
      'prices.hoursPerMonth: must be a number of hours from 1 to 744 (got 0)',
      'prices.nodes.hourlyPrice: must be a price: a finite number of 0 or more (got -1)',
      'prices.nodes.cpu: must be a Kubernetes CPU quantity such as "2", "0.5" or "70m" (got "two")',
      'prices.nodes.maxPods: must be a whole number of pods from 1 to 1000 (got 0)',
      'prices.nodes.memroy: unknown field "memroy"; did you mean "memory"? allowed fields here: name, hourlyPrice, cpu, memory, maxPods, reserved, evictionThreshold, systemPods, minNodes, maxNodes, source',
      'prices.loadBalancer.monthlyPrice: must be a price: a finite number of 0 or more (got Infinity)',
      'prices.extras[0].name: must not be empty (got "")',
      'prices.hourlyPrice: unknown field "hourlyPrice"; allowed fields here: currency, source, hoursPerMonth, nodes, gpuNodes, storageClasses, defaultStorageClass, loadBalancer, ingress, gateway, extras',
    ]);
  });

  test('required parts, and a table that is not an object', () => {
    expect(problems({ currency: 'USD' })).toEqual([
      'prices.source: is required: { name, date, url? }: where the prices come from and when',
      'prices.nodes: is required: a node type { name, hourlyPrice, cpu, memory, maxPods?, reserved?, evictionThreshold?, systemPods?, minNodes?, maxNodes?, source? }',
    ]);
    expect(problems('cheap')).toEqual([
      'prices: must be a price table { currency, source, hoursPerMonth?, nodes, gpuNodes?, storageClasses?, defaultStorageClass?, loadBalancer?, ingress?, gateway?, extras? } (got "cheap")',
    ]);
    expect(problems({ ...EXAMPLE_PRICE_TABLE, source: { name: 'a quote', date: '', url: 'ftp://prices' } })).toEqual([
      'prices.source.date: must not be empty (got "")',
      'prices.source.url: must be an http(s) URL (got "ftp://prices")',
    ]);
  });

  test('GPU node types and storage classes: keys, counts and prices', () => {
    const gpu = { name: 'g5.2xlarge', hourlyPrice: 1.2, cpu: '8', memory: '32Gi' };
    expect(problems({
      ...EXAMPLE_PRICE_TABLE,
      gpuNodes: { 'gpu': { ...gpu, gpus: 1 }, 'nvidia.com/gpu': { ...gpu, gpus: 1.5, reserved: { cpu: 'x' } } },
      storageClasses: { GP3: { pricePerGiBMonth: NaN } },
      defaultStorageClass: undefined,
    })).toEqual([
      'prices.gpuNodes["nvidia.com/gpu"].gpus: must be a whole number of 1 or more (got 1.5)',
      'prices.storageClasses["GP3"].pricePerGiBMonth: must be a price: a finite number of 0 or more (got NaN)',
      'prices.gpuNodes: has a key that is not an extended resource name; use the name pods request, such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb" (got "gpu")',
      'prices.storageClasses: has a key that is not a StorageClass name (lowercase letters, digits, "-" and "."), such as "gp3" (got "GP3")',
      'prices.gpuNodes["nvidia.com/gpu"].reserved.cpu: must be a Kubernetes CPU quantity such as "2", "0.5" or "70m" (got "x")',
      'prices.gpuNodes["nvidia.com/gpu"].reserved.memory: must be a Kubernetes memory quantity such as "4Gi", "442Mi" or "8G"',
    ]);
  });

  test('what a schema cannot say: a reservation that leaves nothing, system pods that take everything, min above max, an unpriced default class', () => {
    expect(problems({ ...EXAMPLE_PRICE_TABLE, defaultStorageClass: 'standard', nodes: { ...nodes, memory: '512Mi', minNodes: 5, maxNodes: 2 } })).toEqual([
      'prices.nodes.reserved: leaves no allocatable memory on a t3.medium (2 CPU, 512Mi); reserve less or use a larger node type (got "eks")',
      'prices.nodes.minNodes: is above maxNodes (2); a node group\'s minimum must be at most its maximum (got 5)',
      'prices.defaultStorageClass: has no price in storageClasses ("gp3", "efs-sc"); add storageClasses["standard"] or name a priced class (got "standard")',
    ]);
    expect(problems({ ...EXAMPLE_PRICE_TABLE, nodes: { ...nodes, systemPods: { pods: 17, cpu: '0', memory: '0' } } })).toEqual([
      'prices.nodes.systemPods: take all of a t3.medium\'s allocatable pod slots, leaving nothing for the app\'s pods; lower them or use a larger node type (got {"pods":17,"cpu":"0","memory":"0"})',
    ]);
    expect(problems({ ...EXAMPLE_PRICE_TABLE, nodes: { ...nodes, reserved: 'aks' } })).toEqual([
      'prices.nodes.reserved: must be a NodeReservation ("eks", "gke", "none") or { cpu, memory } (got "aks")',
    ]);
    expect(problems({ ...EXAMPLE_PRICE_TABLE, nodes: { ...nodes, cpu: '0' } })).toEqual(['prices.nodes.cpu: must be a CPU quantity above 0, such as "2" (got "0")']);
  });

  test('estimateCost refuses an invalid table with a SynthesisError listing every problem', () => {
    const error = synthesisErrorOf(() => estimateCost([], { ...EXAMPLE_PRICE_TABLE, currency: 'dollars', nodes: { ...nodes, hourlyPrice: -1 } } as PriceTable, { app: 'a', environment: 'e' }));
    expect(error.problems).toEqual([
      '[cost] prices.currency: must be an ISO 4217 currency code of three capital letters, e.g. "USD" (got "dollars")',
      '[cost] prices.nodes.hourlyPrice: must be a price: a finite number of 0 or more (got -1)',
    ]);
  });
});

describe('node reservations', () => {
  const shape = { name: 'n', hourlyPrice: 1, maxPods: 110 };

  test('EKS on a t3.medium: 70m CPU (6% of the first core, 1% of the second), 255Mi + 11Mi × 17 pods = 442Mi, 100Mi eviction: 1930m and 3554Mi allocatable', () => {
    const t3 = resolveNodeType(nodes);
    expect(t3.reserved).toEqual({ cpu: 70, memory: 442 * 2 ** 20, how: 'EKS formula: CPU tiers; memory 255Mi + 11Mi × 17 pods' });
    expect(t3.allocatable).toEqual({ cpu: 1930, memory: 3554 * 2 ** 20, pods: 17 });
  });

  test('GKE on 8 CPU, 32Gi: 60 + 10 + 10 + 10m CPU; memory 1Gi + 0.8Gi + 0.8Gi + 0.96Gi (25/20/10/6%) = 3.56Gi', () => {
    const gke = resolveNodeType({ ...shape, cpu: '8', memory: '32Gi', reserved: NodeReservation.GKE });
    // CPU: 6% of 1000 + 1% of 1000 + 0.5% of 2000 + 0.25% of 4000 = 60 + 10 + 10 + 10.
    expect(gke.reserved.cpu).toBe(90);
    expect(gke.reserved.memory).toBe(Math.ceil((0.25 * 4 + 0.2 * 4 + 0.1 * 8 + 0.06 * 16) * 2 ** 30));
    expect(resolveNodeType({ ...shape, cpu: '1', memory: '512Mi' }).reserved.memory).toBe(255 * 2 ** 20);
  });

  test('NONE and explicit reservations', () => {
    expect(resolveNodeType({ ...shape, cpu: '4', memory: '8Gi', reserved: NodeReservation.NONE, evictionThreshold: '0' }).allocatable).toEqual({ cpu: 4000, memory: 8 * 2 ** 30, pods: 110 });
    expect(resolveNodeType({ ...shape, cpu: '4', memory: '8Gi', reserved: { cpu: '500m', memory: '1Gi' } }).allocatable).toEqual({ cpu: 3500, memory: 7 * 2 ** 30 - 100 * 2 ** 20, pods: 110 });
  });
});

describe('synthesize({ cost })', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-cost-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const app: AgentAppDefinition = {
    name: 'agents',
    environments: [Environments.dev({ namespace: 'agents' }), Environments.prod({ namespace: 'agents' })],
    build: (platform) => {
      new AgentMicroservice(platform, 'planner', { image: 'ghcr.io/acme/planner:1.0.0' });
    },
  };

  test('writes COST.md next to each environment\'s manifests and returns the estimates in the report', () => {
    const outdir = path.join(root, 'dist');
    const report = synthesize([app], { outdir, cost: { prices: EXAMPLE_PRICE_TABLE } });
    expect(report.cost.map((c) => [c.app, c.environment, c.summary])).toEqual([
      // dev: 1 replica; prod: HPA 3..10 of 500m / 256Mi (the preset), 3 per t3.medium by CPU: the pool's 3 nodes, then 4.
      ['agents', 'dev', '$92.10 per month'],
      ['agents', 'prod', '$92.10 to $122.47 per month'],
    ]);
    for (const env of ['dev', 'prod']) {
      const text = fs.readFileSync(path.join(outdir, 'manifests', 'agents', env, 'COST.md'), 'utf8');
      expect(text.startsWith(`# Monthly cost estimate: agents / ${env}\n`)).toBe(true);
    }
    // Every file on disk but the marker that lets the next synthesis replace the folder.
    const written = fs.readdirSync(outdir, { recursive: true }).map(String).filter((f) => f.includes('.') && f !== OUTPUT_MARKER);
    expect(report.fileCount).toBe(written.length);
  });

  test('without cost nothing is estimated and no COST.md is written', () => {
    const outdir = path.join(root, 'dist');
    const report = synthesize([app], { outdir });
    expect(report.cost).toEqual([]);
    expect(fs.existsSync(path.join(outdir, 'manifests', 'agents', 'prod', 'COST.md'))).toBe(false);
  });

  test('per-environment tables; an environment no app has is refused', () => {
    const laptop: PriceTable = { ...EXAMPLE_PRICE_TABLE, source: { name: 'a laptop', date: '2025-01-01' }, nodes: { ...nodes, name: 'laptop', hourlyPrice: 0, minNodes: 1 }, extras: [] };
    const report = synthesize([app], { outdir: path.join(root, 'dist'), cost: { prices: EXAMPLE_PRICE_TABLE, environmentPrices: { dev: laptop } } });
    expect(report.cost.map((c) => c.summary)).toEqual(['$0.00 per month', '$92.10 to $122.47 per month']);

    const error = synthesisErrorOf(() => synthesize([app], { outdir: path.join(root, 'other'), cost: { prices: EXAMPLE_PRICE_TABLE, environmentPrices: { qa: laptop } } }));
    expect(error.problems).toEqual(['[cost] cost.environmentPrices.qa: no app has an environment named "qa" (there are: dev, prod); use one of those names']);
  });

  test('an invalid table is refused together with the apps\' problems, and nothing is written', () => {
    const outdir = path.join(root, 'dist');
    const broken: AgentAppDefinition = { ...app, build: (platform) => new AgentMicroservice(platform, 'planner', { image: 'ghcr.io/acme/planner:latest' }) };
    const error = synthesisErrorOf(() => synthesize([broken], { outdir, cost: { prices: { ...EXAMPLE_PRICE_TABLE, hoursPerMonth: 1000 }, extra: true } as never }));
    expect(error.problems.filter((p) => p.startsWith('[cost]'))).toEqual([
      '[cost] cost.extra: unknown field; allowed fields here: prices, environmentPrices',
      '[cost] cost.prices.hoursPerMonth: must be a number of hours from 1 to 744 (got 1000)',
    ]);
    expect(error.problems.some((p) => p.startsWith('[agents-prod/planner] image:'))).toBe(true);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
