import { type KubeObject, renderApps } from '../../lib';
import { supportCopilot } from '../../apps/support-copilot';
import { edgeDiff, edgeKey, type Endpoint, type ExternalHost, NetworkModel, namespacesOf, type Pod, podsOf, policiesOf } from './network-model';

/**
 * The inference paths of support-copilot in prod, computed from the synthesized NetworkPolicies
 * alone: exactly the gateway to the endpoint picker (ext-proc, 9002) and to the model servers
 * (8000), the picker to the servers' metrics (8000), the agents and the nightly job to the
 * gateway, the cluster's Prometheus to the metrics ports, the download Job to the Hub on 443;
 * nothing else reaches the picker, the servers or the download Job, and the servers reach no
 * address outside the cluster.
 */

const NAMESPACE = 'support-copilot';
const prod = renderApps([supportCopilot]).find((r) => r.environment === 'prod');
if (!prod) {
  throw new Error('support-copilot has no prod environment');
}
const objects: readonly KubeObject[] = prod.objects;

/** A pod of each Job and CronJob of the set (podsOf reads Deployments and StatefulSets). */
function jobPods(first: number): Pod[] {
  return objects.filter((o) => o.kind === 'Job' || o.kind === 'CronJob').map((o, i) => {
    const template = (o.kind === 'CronJob' ? (o.spec as { jobTemplate: { spec: { template: unknown } } }).jobTemplate.spec.template : (o.spec as { template: unknown }).template) as { metadata: { labels: Record<string, string> } };
    const labels = template.metadata.labels;
    return { kind: 'pod', name: labels['app.kubernetes.io/name'], namespace: NAMESPACE, labels, ip: `10.244.7.${first + i}`, ports: [] };
  });
}

const pod = (name: string, namespace: string, labels: Record<string, string>, ports: number[], ip: string): Pod => ({
  kind: 'pod', name, namespace, labels, ip, ports: ports.map((port) => ({ name: `p${port}`, port, protocol: 'TCP' })),
});

const gateway = pod('gateway', 'gateway-system', { 'gateway.networking.k8s.io/gateway-name': 'inference-gateway' }, [80], '10.244.50.1');
const otherGateway = pod('other-gateway', 'gateway-system', { 'gateway.networking.k8s.io/gateway-name': 'public-gateway' }, [80], '10.244.50.2');
const prometheus = pod('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, [9090], '10.244.60.1');
const intruder = pod('intruder', NAMESPACE, { 'app.kubernetes.io/name': 'intruder' }, [8080], '10.244.70.1');
const HUB: ExternalHost = { kind: 'external', name: 'huggingface.co', ip: '18.244.102.10' };

const appPods = [...podsOf(objects, NAMESPACE), ...jobPods(1)];
const model = new NetworkModel(policiesOf(objects, NAMESPACE), { ...namespacesOf(objects), 'gateway-system': {}, monitoring: {}, 'kube-system': {} });
const byName = (name: string): Pod => {
  const found = [...appPods, gateway].find((p) => p.name === name);
  if (!found) throw new Error(`no pod ${name} (there are ${appPods.map((p) => p.name).join(', ')})`);
  return found;
};

/** The inference parties: the gateway, the picker, the servers and the download Job, on the ports they listen on. */
const INFERENCE = ['gateway', 'llm', 'llm-epp', 'llm-weights'];
const CANDIDATE_PORTS = [80, 443, 8000, 9002, 9003, 9090];

/**
 * The gateway runs outside the app: its own ingress is not ours to decide, so only sources whose
 * egress the app's policies govern (the app's pods, and a stranger in its namespace) count for it.
 */
const governed = (src: Pod) => src.namespace === NAMESPACE;

function allowedTo(destinations: readonly Pod[], sources: readonly Pod[]): Set<string> {
  const edges = new Set<string>();
  for (const src of sources) {
    for (const dst of destinations) {
      if (src === dst || (dst === gateway && !governed(src))) continue;
      for (const port of CANDIDATE_PORTS) {
        if (model.allows(src, dst, port)) edges.add(edgeKey(src.name, dst.name, port));
      }
    }
  }
  return edges;
}

describe('support-copilot in prod: the request path through the gateway', () => {
  test('the pods of the inference path are there: servers, picker, download Job', () => {
    expect(appPods.map((p) => p.name)).toEqual(expect.arrayContaining(['llm', 'llm-epp', 'llm-weights', 'copilot-api', 'copilot-worker', 'embeddings-reindex']));
  });

  test('exactly the declared connections reach the gateway, the picker, the servers and the download Job', () => {
    // GIVEN every pod of the app, the gateway, another gateway, Prometheus and an intruder as sources
    const sources = [...appPods, gateway, otherGateway, prometheus, intruder];
    const destinations = INFERENCE.map(byName);
    // THEN what the policies allow is exactly what the app declares
    const declared = new Set([
      edgeKey('gateway', 'llm-epp', 9002),
      edgeKey('gateway', 'llm', 8000),
      edgeKey('llm-epp', 'llm', 8000),
      edgeKey('copilot-api', 'gateway', 80),
      edgeKey('copilot-worker', 'gateway', 80),
      edgeKey('embeddings-reindex', 'gateway', 80),
      // the cluster's Prometheus scrapes vLLM and the picker on their metrics ports
      edgeKey('prometheus', 'llm', 8000),
      edgeKey('prometheus', 'llm-epp', 9090),
    ]);
    expect(edgeDiff(declared, allowedTo(destinations, sources))).toBe('');
  });

  test('the agents do not call the model servers directly any more', () => {
    for (const agent of ['copilot-api', 'copilot-worker', 'embeddings-reindex']) {
      expect([agent, model.allows(byName(agent), byName('llm'), 8000)]).toEqual([agent, false]);
    }
  });

  test('internet: only the download Job reaches the Hub, on 443 only; the servers reach no address outside the cluster', () => {
    const reach = (name: string) => [443, 80, 8080].filter((port) => model.allows(byName(name), HUB, port));
    expect(reach('llm-weights')).toEqual([443]);
    expect(reach('llm')).toEqual([]);
    // The picker reaches the Kubernetes API server, narrowed to its address in the app.
    expect(model.allows(byName('llm-epp'), { kind: 'external', name: 'api-server', ip: '10.100.0.1' }, 443)).toBe(true);
    expect(reach('llm-epp')).toEqual([]);
  });

  test('the comparison is sensitive: a gateway of another name reaches nothing, and the declared set is not empty', () => {
    expect([...allowedTo(INFERENCE.filter((n) => n !== 'gateway').map(byName), [otherGateway])]).toEqual([]);
    expect(allowedTo(INFERENCE.map(byName), [gateway]).size).toBe(2);
  });
});

test('the endpoints of the model are pods and hosts', () => {
  const endpoints: Endpoint[] = [gateway, HUB];
  expect(endpoints.map((e) => e.kind)).toEqual(['pod', 'external']);
});
