import { type KubeObject, renderApps } from '../../lib';
import { apps } from '../../apps';
import { at } from '../helpers/synth';
import { NetworkModel, namespacesOf, type Pod, podsOf, policiesOf } from '../wiring/network-model';
import { operator, synthSample } from './helpers';

// Operator mode: only the cluster's Prometheus pods are admitted to the workloads, and only on the
// metrics ports; the app ports stay closed to every pod of the monitoring namespace, so nothing
// there can call the agents, the tools or Redis. Checked with the NetworkPolicy model on the
// manifests alone, for every operator-mode app and the sample app.

const PROMETHEUS_LABELS = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'kube-prometheus-stack-prometheus', prometheus: 'kube-prometheus-stack-prometheus' };

function subjectsInOperatorMode(): { label: string; objects: readonly KubeObject[]; namespace: string }[] {
  const examples = renderApps(apps).filter((env) => env.platform.environment.observability.mode === 'operator')
    .map((env) => ({ label: `${env.app}/${env.environment}`, objects: env.objects, namespace: env.platform.environment.namespace }));
  const sample = synthSample(operator(), () => ({ otlpEndpoint: 'http://otel-collector.monitoring.svc:4317' }));
  return [...examples, { label: 'sample/operator', objects: sample.s.objects, namespace: 'agents' }];
}

/** The metrics port of a pod, from its scrape annotation or its container port named "metrics" (monitors name that port). */
function metricsPorts(object: KubeObject): number[] {
  const annotated = (at(object, 'spec.template.metadata.annotations') as Record<string, string> | undefined)?.['prometheus.io/port'];
  const containers = (at(object, 'spec.template.spec.containers') ?? []) as { ports?: { name?: string; containerPort: number }[] }[];
  const named = containers.flatMap((c) => c.ports ?? []).filter((p) => p.name === 'metrics').map((p) => p.containerPort);
  return [...new Set([...(annotated ? [Number(annotated)] : []), ...named])];
}

describe.each(subjectsInOperatorMode().map((s) => [s.label, s] as const))('%s', (_label, subject) => {
  const pods = podsOf(subject.objects, subject.namespace);
  const model = new NetworkModel(policiesOf(subject.objects, subject.namespace), { ...namespacesOf(subject.objects), monitoring: {} });
  const prometheus: Pod = { kind: 'pod', name: 'prometheus-kube-prometheus-stack-prometheus-0', namespace: 'monitoring', labels: PROMETHEUS_LABELS, ip: '10.244.9.1', ports: [] };
  const grafana: Pod = { kind: 'pod', name: 'kube-prometheus-stack-grafana-0', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana' }, ip: '10.244.9.2', ports: [] };
  const controllers = subject.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

  test('Prometheus reaches every metrics port', () => {
    const scraped = controllers.filter((o) => metricsPorts(o).length > 0);
    expect(scraped.length).toBeGreaterThan(0);
    for (const object of scraped) {
      const pod = pods.find((p) => p.name === object.metadata.name);
      for (const port of metricsPorts(object)) {
        expect([object.metadata.name, port, pod && model.allows(prometheus, pod, port)]).toEqual([object.metadata.name, port, true]);
      }
    }
  });

  test('no other pod of the monitoring namespace reaches anything; Prometheus reaches no other port (vLLM serves its metrics on its API port, the one exception)', () => {
    for (const object of controllers) {
      const pod = pods.find((p) => p.name === object.metadata.name);
      const metrics = metricsPorts(object);
      for (const port of (pod?.ports ?? []).map((p) => p.port)) {
        expect([object.metadata.name, port, pod && model.allows(grafana, pod, port)]).toEqual([object.metadata.name, port, false]);
        if (!metrics.includes(port)) {
          expect([object.metadata.name, port, pod && model.allows(prometheus, pod, port)]).toEqual([object.metadata.name, port, false]);
        }
      }
    }
  });

  test('agents, tools and Redis serve metrics on a port of their own: the app port is never a metrics port', () => {
    for (const object of controllers.filter((o) => ['agent', 'worker', 'mcp-tool', 'cache'].includes((o.metadata.labels as Record<string, string>)['app.kubernetes.io/component']))) {
      const appPort = (at(object, 'spec.template.spec.containers.0.ports') as { name: string; containerPort: number }[] | undefined)?.find((p) => p.name === 'http' || p.name === 'redis')?.containerPort;
      expect([object.metadata.name, metricsPorts(object).includes(appPort ?? -1)]).toEqual([object.metadata.name, false]);
    }
  });
});
