import { type KubeObject, type PriceTable } from '../../lib';
import { validateManifests } from '../validation';

/** Hand-written objects of every kind the estimate counts, small enough to compute by hand. */

export const NS = 'team';
export const MI = 2 ** 20;
export const GI = 2 ** 30;

type Json = Record<string, unknown>;

/** A container with requests (and limits at twice the CPU, the same memory, equal extended resources). */
export function container(name: string, cpu: string, memory: string, extended: Record<string, number> = {}, extra: Json = {}): Json {
  const cores = (cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu)) * 2;
  return {
    name,
    image: `registry.example.com/${name}:1.0.0`,
    resources: { requests: { cpu, memory, ...extended }, limits: { cpu: String(cores), memory, ...extended } },
    ...extra,
  };
}

export function podTemplate(app: string, containers: Json[], spec: Json = {}): Json {
  return { metadata: { labels: { app } }, spec: { containers, ...spec } };
}

function object(apiVersion: string, kind: string, name: string, spec: Json, metadata: Json = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: NS, ...metadata }, spec };
}

export function deployment(name: string, containers: Json[], spec: Json = {}, podSpec: Json = {}): KubeObject {
  return object('apps/v1', 'Deployment', name, { selector: { matchLabels: { app: name } }, template: podTemplate(name, containers, podSpec), ...spec });
}

export function statefulSet(name: string, containers: Json[], spec: Json = {}): KubeObject {
  return object('apps/v1', 'StatefulSet', name, { serviceName: name, selector: { matchLabels: { app: name } }, template: podTemplate(name, containers), ...spec });
}

export function daemonSet(name: string, containers: Json[]): KubeObject {
  return object('apps/v1', 'DaemonSet', name, { selector: { matchLabels: { app: name } }, template: podTemplate(name, containers) });
}

export function claimSpec(size: string, storageClassName?: string): Json {
  return { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(storageClassName !== undefined ? { storageClassName } : {}) };
}

export function pvc(name: string, size: string, storageClassName?: string): KubeObject {
  return object('v1', 'PersistentVolumeClaim', name, claimSpec(size, storageClassName));
}

export function hpa(target: { apiVersion: string; kind: string; name: string }, min: number | undefined, max: number): KubeObject {
  return object('autoscaling/v2', 'HorizontalPodAutoscaler', target.name, {
    scaleTargetRef: target,
    ...(min !== undefined ? { minReplicas: min } : {}),
    maxReplicas: max,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
  });
}

export function scaledObject(name: string, target: string, spec: Json, annotations?: Record<string, string>): KubeObject {
  return object('keda.sh/v1alpha1', 'ScaledObject', name, {
    scaleTargetRef: { name: target },
    triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } }],
    ...spec,
  }, annotations ? { annotations } : {});
}

export function job(name: string, containers: Json[], spec: Json = {}): KubeObject {
  return object('batch/v1', 'Job', name, { template: podTemplate(name, containers, { restartPolicy: 'Never' }), ...spec });
}

export function cronJob(name: string, containers: Json[], spec: Json = {}, jobSpec: Json = {}): KubeObject {
  return object('batch/v1', 'CronJob', name, {
    schedule: '0 2 * * *',
    jobTemplate: { spec: { template: podTemplate(name, containers, { restartPolicy: 'OnFailure' }), ...jobSpec } },
    ...spec,
  });
}

export function service(name: string, type: string, app: string): KubeObject {
  return object('v1', 'Service', name, { type, selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
}

/** A headless Service for a StatefulSet's pods. */
export function headlessService(name: string): KubeObject {
  return object('v1', 'Service', name, { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
}

/** A port 8080 on a container, for Services to target. */
export const HTTP_PORT = { ports: [{ name: 'http', containerPort: 8080 }] };

export function ingress(name: string, serviceName: string): KubeObject {
  return object('networking.k8s.io/v1', 'Ingress', name, {
    rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: serviceName, port: { number: 80 } } } }] } }],
  });
}

export function rollout(name: string, spec: Json): KubeObject {
  return object('argoproj.io/v1alpha1', 'Rollout', name, { selector: { matchLabels: { app: name } }, strategy: { canary: { steps: [{ setWeight: 20 }] } }, ...spec });
}

export function leaderWorkerSet(name: string, spec: Json): KubeObject {
  return object('leaderworkerset.x-k8s.io/v1', 'LeaderWorkerSet', name, spec);
}

export function scaledJob(name: string, jobTargetRef: Json, spec: Json): KubeObject {
  return object('keda.sh/v1alpha1', 'ScaledJob', name, { jobTargetRef, triggers: [{ type: 'redis', metadata: { listName: 'jobs', listLength: '5', address: 'redis:6379' } }], ...spec });
}

export function gateway(name: string): KubeObject {
  return object('gateway.networking.k8s.io/v1', 'Gateway', name, { gatewayClassName: 'aws-alb', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] });
}

export function httpRoute(name: string, parentRefs: Json[]): KubeObject {
  return object('gateway.networking.k8s.io/v1', 'HTTPRoute', name, { parentRefs, rules: [{ backendRefs: [{ name: 'api', port: 80 }] }] });
}

export function limitRange(defaultRequest: Json, defaults: Json = {}): KubeObject {
  return object('v1', 'LimitRange', 'container-defaults', { limits: [{ type: 'Container', defaultRequest, ...(Object.keys(defaults).length > 0 ? { default: defaults } : {}) }] });
}

/**
 * Checks the fixtures as the strict validation checks synthesized output, for the kinds whose
 * schema the harness has (built-in kinds and the CRDs in test/schemas/crds). Custom resources
 * whose CRD is not there yet (Rollout, LeaderWorkerSet, ScaledJob, Gateway, HTTPRoute) are skipped
 * until it is; they passed against argo-rollouts v1.9.1, LeaderWorkerSet v0.10.0, KEDA v2.20.2 and
 * Gateway API v1.6.1 when written.
 */
export function expectValidFixtures(objects: readonly KubeObject[], expectedProblems: readonly string[] = []): void {
  const problems = validateManifests(objects).filter((p) => !/unknown kind|not in the Kubernetes 1\.28 definitions/.test(p.message));
  // A fixture may model a mistake on purpose (to show what it costs): then that exact problem is expected.
  expect(problems.map((p) => `${p.object}: ${p.path}: ${p.message}`)).toEqual(expectedProblems);
}

/** A small table with round numbers: 4-CPU 16Gi nodes at $0.10/h, nothing reserved, 10 pods each. */
export const ROUND_PRICES: PriceTable = {
  currency: 'USD',
  source: { name: 'round numbers for tests', date: '2025-01-01' },
  hoursPerMonth: 730,
  nodes: { name: 'm.round', hourlyPrice: 0.1, cpu: '4', memory: '16Gi', maxPods: 10, reserved: { cpu: '0', memory: '0' }, evictionThreshold: '0' },
  storageClasses: { fast: { pricePerGiBMonth: 0.1 }, shared: { pricePerGiBMonth: 0.3 } },
  defaultStorageClass: 'fast',
  loadBalancer: { monthlyPrice: 20 },
  ingress: { monthlyPrice: 15 },
  gateway: { monthlyPrice: 25 },
};
