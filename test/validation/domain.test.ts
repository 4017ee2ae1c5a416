import { validateManifests } from '../validation';

/** The library's domain rules on plain objects (rule "domain"); the CLI test covers their messages in full. */

const NS = 'ml';
const domain = (objects: unknown[]) => validateManifests(objects, { domainRules: true }).filter((p) => p.rule === 'domain').map((p) => `${p.object} ${p.path}`);

function deployment(name: string, extra: { replicas?: number; container?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: {
      ...(extra.replicas === undefined ? {} : { replicas: extra.replicas }),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `${name}:1`, resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, ...extra.container }] } },
    },
  };
}

const pdb = (spec: Record<string, unknown>, app = 'api') => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: app, namespace: NS }, spec: { selector: { matchLabels: { app } }, ...spec } });

describe('budgets that allow no eviction', () => {
  test('minAvailable at the replica count blocks; below it does not', () => {
    expect(domain([deployment('api', { replicas: 2 }), pdb({ minAvailable: 2 })])).toEqual([`policy/v1 PodDisruptionBudget ${NS}/api spec.minAvailable`]);
    expect(domain([deployment('api', { replicas: 3 }), pdb({ minAvailable: 2 })])).toEqual([]);
  });

  test('with an HPA, its minimum counts', () => {
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 5 } };
    expect(domain([deployment('api'), hpa, pdb({ minAvailable: 2 })])).toEqual([`policy/v1 PodDisruptionBudget ${NS}/api spec.minAvailable`]);
    expect(domain([deployment('api'), { ...hpa, spec: { ...hpa.spec, minReplicas: 3 } }, pdb({ minAvailable: 2 })])).toEqual([]);
  });

  test('"0%" and "100%" block', () => {
    expect(domain([deployment('api', { replicas: 3 }), pdb({ maxUnavailable: '0%' })])).toEqual([`policy/v1 PodDisruptionBudget ${NS}/api spec.maxUnavailable`]);
    expect(domain([deployment('api', { replicas: 3 }), pdb({ minAvailable: '100%' })])).toEqual([`policy/v1 PodDisruptionBudget ${NS}/api spec.minAvailable`]);
  });
});

describe('GPU startup probes', () => {
  const gpu = { resources: { requests: { cpu: '1', memory: '1Gi', 'nvidia.com/mig-1g.10gb': 1 }, limits: { cpu: '1', memory: '1Gi', 'nvidia.com/mig-1g.10gb': 1 } } };

  test('a MIG slice counts as a GPU; a startup probe satisfies the rule', () => {
    expect(domain([deployment('llm', { container: gpu })])).toEqual([`apps/v1 Deployment ${NS}/llm spec.template.spec.containers[0].startupProbe`]);
    expect(domain([deployment('llm', { container: { ...gpu, startupProbe: { httpGet: { path: '/health', port: 8000 } } } })])).toEqual([]);
  });

  test('a GPU Job needs no probe', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train', namespace: NS }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: 'train:1', ...gpu }] } } } };
    expect(domain([job])).toEqual([]);
  });
});

describe('Redis queues and KEDA targets', () => {
  const redis = (args: string[]) => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'queue', namespace: NS },
    spec: { serviceName: 'queue', selector: { matchLabels: { app: 'queue' } }, template: { metadata: { labels: { app: 'queue' } }, spec: { containers: [{ name: 'redis', image: 'docker.io/library/redis:7.2', args, resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] } } },
  });
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'queue', namespace: NS }, spec: { clusterIP: 'None', selector: { app: 'queue' }, ports: [{ port: 6379 }] } };
  const scaled = (metadata: Record<string, string>) => ({
    apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'worker', namespace: NS },
    spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'redis', metadata: { address: 'queue:6379', listName: 'jobs', listLength: '5', ...metadata } }] },
  });

  test('an evicting policy given as an argument is found through the Service the trigger names', () => {
    expect(domain([redis(['--maxmemory-policy', 'volatile-lru']), service, deployment('worker'), scaled({})])).toEqual([`keda.sh/v1alpha1 ScaledObject ${NS}/worker spec.triggers[0].metadata`]);
    expect(domain([redis(['--maxmemory-policy', 'noeviction']), service, deployment('worker'), scaled({})])).toEqual([]);
    expect(domain([redis([]), service, deployment('worker'), scaled({})])).toEqual([]);
  });

  test('an activation threshold of 0 is allowed; a target of 0 is not', () => {
    expect(domain([deployment('worker'), scaled({ activationListLength: '0' })])).toEqual([]);
    expect(domain([deployment('worker'), scaled({ listLength: '0' })])).toEqual([`keda.sh/v1alpha1 ScaledObject ${NS}/worker spec.triggers[0].metadata.listLength`]);
  });
});

describe('monitors and the Prometheus that selects them', () => {
  const monitor = (labels: Record<string, string>, namespace = NS) => ({
    apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'api', namespace, labels }, spec: { selector: { matchLabels: { app: 'api' } }, endpoints: [{ port: 'http' }] },
  });
  const prometheus = (spec: Record<string, unknown>) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: NS }, spec });
  const found = (objects: unknown[], options = {}) => validateManifests(objects, { ignoreUnknownKinds: true, ...options }).filter((p) => p.rule === 'domain').map((p) => p.object);

  test('without a Prometheus object or a configured selector, the rule does not apply', () => {
    expect(found([monitor({})])).toEqual([]);
  });

  test('a Prometheus object selects by its serviceMonitorSelector, in its own namespace unless a namespace selector is set', () => {
    const selecting = prometheus({ serviceMonitorSelector: { matchLabels: { team: 'ml' } } });
    expect(found([selecting, monitor({ team: 'ml' })])).toEqual([]);
    expect(found([selecting, monitor({ team: 'web' })])).toEqual([`monitoring.coreos.com/v1 ServiceMonitor ${NS}/api`]);
    expect(found([selecting, monitor({ team: 'ml' }, 'other')])).toEqual(['monitoring.coreos.com/v1 ServiceMonitor other/api']);
    expect(found([prometheus({ serviceMonitorSelector: { matchLabels: { team: 'ml' } }, serviceMonitorNamespaceSelector: {} }), monitor({ team: 'ml' }, 'other')])).toEqual([]);
  });

  test('a Prometheus without serviceMonitorSelector selects no ServiceMonitor; an empty one selects all', () => {
    expect(found([prometheus({}), monitor({ team: 'ml' })])).toEqual([`monitoring.coreos.com/v1 ServiceMonitor ${NS}/api`]);
    expect(found([prometheus({ serviceMonitorSelector: {} }), monitor({ team: 'ml' })])).toEqual([]);
  });

  test('a configured selector is enough for a monitor to be loaded', () => {
    expect(found([prometheus({}), monitor({ release: 'kube-prometheus-stack' })], { prometheusSelector: { release: 'kube-prometheus-stack' } })).toEqual([]);
  });
});
