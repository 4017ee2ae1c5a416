import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import {
  AgentMicroservice, type AgentPlatform, costMarkdown, Environments, estimateCost, EXAMPLE_PRICE_TABLE, McpToolService, type PriceTable,
  RedisCacheStatefulSet, SharedVolume,
} from '../../lib';
import { SEED_001_FIGURES } from '../../lib/cost/example-prices';
import { synth } from '../helpers/synth';

// GIVEN a platform shaped like seed 001's production EMM: 15 pods of 0.5 CPU and 1 GiB (3 agents,
// 7 MCP services, the LangGraph API, Redis, Prometheus, Tempo, Grafana), a 10Gi Redis volume on
// gp3, the 20Gi vault on EFS and one Service of type LoadBalancer; no autoscaling, one replica each.
const HALF_CPU_ONE_GIB = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const environment = Environments.prod({ namespace: 'agentic-ai', storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' } });

function seedPlatform(platform: AgentPlatform): void {
  const single = { replicas: 1, autoscaling: { enabled: false }, resources: HALF_CPU_ONE_GIB };
  // Redis and its exporter together: 450m + 50m CPU, 960Mi + 64Mi memory.
  // The seed runs one Redis pod: no replication.
  new RedisCacheStatefulSet(platform, 'redis-cache', {
    storageSize: '10Gi', resources: { requests: { cpu: '450m', memory: '960Mi' }, limits: { cpu: '1', memory: '2Gi' } }, replication: { enabled: false },
  });
  const vault = new SharedVolume(platform, 'vault', { size: '20Gi' });
  const tools = ['jd-classifier', 'content-classifier', 'bookmark-classifier', 'confluence', 'file-system', 'web-scraper', 'notifications']
    .map((name) => new McpToolService(platform, name, { image: `${name}-service:1.0.0`, ...single, ...(name === 'file-system' ? { sharedVolumes: [{ volume: vault, mountPath: '/vault' }] } : {}) }));
  const agents = ['confluence-agent', 'bookmark-scraper', 'file-system-agent']
    .map((name) => new AgentMicroservice(platform, name, { image: `${name}:1.0.0`, tools, ...single }));
  const api = new AgentMicroservice(platform, 'langgraph-api', { image: 'langgraph-api:1.0.0', calls: agents, ...single });
  for (const name of ['prometheus', 'tempo', 'grafana']) {
    new AgentMicroservice(platform, name, { image: `${name}:1.0.0`, ...single });
  }
  new k8s.KubeService(platform, 'public', {
    metadata: { name: 'langgraph-api-public' },
    spec: { type: 'LoadBalancer', selector: api.selectorLabels, ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') }] },
  });
}

const objects = synth(seedPlatform, environment).objects;
const target = { app: 'emm', environment: 'prod' };
/** The seed's cluster: exactly its three t3.medium workers. */
const threeNodes: PriceTable = { ...EXAMPLE_PRICE_TABLE, nodes: { ...EXAMPLE_PRICE_TABLE.nodes, minNodes: 3, maxNodes: 3 } };

describe('seed 001: about $117 a month for production', () => {
  test('the platform has the seed\'s shape: 15 pods of 0.5 CPU and 1 GiB, 10Gi + 20Gi of storage, one load balancer', () => {
    const estimate = estimateCost(objects, EXAMPLE_PRICE_TABLE, target);
    expect(estimate.minimum.pods).toBe(15);
    expect(estimate.maximum.pods).toBe(15);
    expect(estimate.workloads.map((w) => [w.name, w.groups[0].requests.cpu, w.groups[0].requests.memory])).toEqual(
      estimate.workloads.map((w) => [w.name, 500, 2 ** 30]),
    );
    expect(estimate.minimum.cpu).toBe(7.5);
    expect(estimate.minimum.memory).toBe(15 * 2 ** 30);
    expect(estimate.minimum.storage).toEqual([
      { storageClass: 'gp3', claims: 1, bytes: 10 * 2 ** 30, priced: true },
      { storageClass: 'efs-sc', claims: 1, bytes: 20 * 2 ** 30, priced: true },
    ]);
    expect(estimate.minimum.loadBalancers).toBe(1);
    expect(estimate.minimum.ingresses).toBe(0);
  });

  test('on the seed\'s three t3.medium nodes it costs the seed\'s $117 (3 × 0.0416 × 730 = 91.10, + 1 + 6 + 18 + 1)', () => {
    const estimate = estimateCost(objects, threeNodes, target);
    const expected = [
      ['t3.medium nodes', '3 × $0.0416/h × 730 h', 91.10],
      ['gp3 storage (also the default class)', '10 GiB × $0.10/GiB-month', 1.00],
      ['efs-sc storage', '20 GiB × $0.30/GiB-month', 6.00],
      ['Service of type LoadBalancer (langgraph-api-public)', '1 × $18.00/month', 18.00],
      ['Data transfer', '$1.00/month, fixed', 1.00],
    ];
    for (const end of [estimate.minimum, estimate.maximum]) {
      expect(end.lines.map((l) => [l.item, l.arithmetic, l.amount])).toEqual(expected);
      expect(end.total).toBe(117.10);
    }
    expect(Math.round(estimate.minimum.total)).toBe(SEED_001_FIGURES.kubernetesMonthly);
    expect(estimate.summary).toBe('$117.10 per month');
  });

  test('but the 15 pods do not fit on three t3.medium: 7.5 CPU requested, 3 × 1.805 CPU left after the reservation and system pods; 6 pods stay Pending', () => {
    const estimate = estimateCost(objects, threeNodes, target);
    // One node: 2000m - 70m reserved - 125m system pods = 1805m; 4096Mi - 442Mi - 100Mi = 3554Mi; 17 - 2 = 15 pods.
    expect(estimate.nodeTypes[0].room).toEqual({ cpu: 1805, memory: 3554 * 2 ** 20, pods: 15, gpus: 0 });
    // Three 500m / 1Gi pods per node (a fourth needs 2000m): 15 pods need 5 nodes; ceil(7500 / 1805) = 5.
    expect(estimate.minimum.nodePools).toEqual([{ pool: 'general', nodeType: 't3.medium', pods: 15, needed: 5, lowerBound: 5, nodes: 3, pending: 6 }]);
    expect(estimate.warnings).toContain('at the minimum, the 15 pods on t3.medium need 5 nodes (lower bound 5), but the pool allows at most 3: about 6 pods would stay Pending; priced at 3');
  });

  test('sized by its requests instead, the seed\'s platform needs 5 nodes: $177.84 a month (5 × 0.0416 × 730 = 151.84, + 26)', () => {
    const estimate = estimateCost(objects, EXAMPLE_PRICE_TABLE, target);
    expect(estimate.minimum.nodePools[0].nodes).toBe(5);
    expect(estimate.minimum.lines[0]).toEqual(expect.objectContaining({ arithmetic: '5 × $0.0416/h × 730 h', amount: 151.84 }));
    expect(estimate.minimum.total).toBe(177.84);
    expect(estimate.warnings).toEqual([]);
  });

  test('COST.md shows the arithmetic and the source of every price', () => {
    const markdown = costMarkdown(estimateCost(objects, threeNodes, target));
    expect(markdown).toContain('| **total** | 91.10 + 1.00 + 6.00 + 18.00 + 1.00 | **$117.10** |');
    expect(markdown).toContain('"3 worker nodes (t3.medium): $0.0416/hour × 3 × 730 hours = ~$91/month"');
    expect(markdown).toContain('not current cloud prices');
  });
});
