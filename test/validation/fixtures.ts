/**
 * Valid manifest sets used by the validation harness's own tests. Every builder returns fresh
 * objects, so a test can mutate them freely.
 */
import { type JsonObject } from '../../lib/validation/util';

export const NS = 'agentic-ai';
const APP = 'jd-classifier';
const SELECTOR = { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/instance': APP };

export function namespace(): JsonObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'app.kubernetes.io/part-of': 'agentic-ai' } } };
}

export function configMap(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${APP}-config`, namespace: NS, labels: { ...SELECTOR } },
    data: { LOG_LEVEL: 'info', 'app.yaml': 'threshold: 0.8\n' },
  };
}

function container(): JsonObject {
  return {
    name: 'classifier',
    image: 'ghcr.io/example/jd-classifier:1.2.3',
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090 },
    ],
    env: [
      { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: `${APP}-config`, key: 'LOG_LEVEL' } } },
      { name: 'API_KEY', valueFrom: { secretKeyRef: { name: `${APP}-secrets`, key: 'api-key' } } },
    ],
    envFrom: [{ configMapRef: { name: `${APP}-config` } }, { secretRef: { name: `${APP}-secrets` } }],
    resources: {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
    livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5 },
    volumeMounts: [{ name: 'config', mountPath: '/etc/classifier', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
    securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
}

export function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP, namespace: NS, labels: { ...SELECTOR }, annotations: { 'example.com/owner': 'team-ai' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { ...SELECTOR } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...SELECTOR, 'app.kubernetes.io/component': 'api' }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          serviceAccountName: APP,
          containers: [container()],
          volumes: [
            { name: 'config', configMap: { name: `${APP}-config`, items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

export function service(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: APP, namespace: NS, labels: { ...SELECTOR } },
    spec: {
      type: 'ClusterIP',
      selector: { ...SELECTOR },
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090 },
      ],
    },
  };
}

export function hpa(): JsonObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: APP, namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: APP },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };
}

export function pdb(): JsonObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: APP, namespace: NS },
    spec: { minAvailable: 1, selector: { matchLabels: { ...SELECTOR } } },
  };
}

export function networkPolicy(): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: APP, namespace: NS },
    spec: {
      podSelector: { matchLabels: { ...SELECTOR } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
        ports: [{ protocol: 'TCP', port: 'http' }],
      }],
      egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 8000, endPort: 8100 }] }],
    },
  };
}

export function ingress(): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: APP, namespace: NS, annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' } },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['jd.example.com'], secretName: `${APP}-tls` }],
      rules: [{
        host: 'jd.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: APP, port: { name: 'http' } } } }] },
      }],
    },
  };
}

export function serviceAccount(): JsonObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: APP, namespace: NS }, automountServiceAccountToken: false };
}

/** Deployment + Service + HPA + PDB + NetworkPolicy + Ingress + ConfigMap (+ Namespace, ServiceAccount). */
export function validSet(): JsonObject[] {
  return [namespace(), configMap(), serviceAccount(), deployment(), service(), hpa(), pdb(), networkPolicy(), ingress()];
}

/** A queue worker scaled by KEDA, with its ConfigMap, TriggerAuthentication and a ServiceMonitor. */
export function kedaSet(): JsonObject[] {
  const worker = deployment();
  const meta = worker.metadata as JsonObject;
  meta.name = 'queue-worker';
  return [
    configMap(),
    worker,
    {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'TriggerAuthentication',
      metadata: { name: 'redis-auth', namespace: NS },
      spec: { secretTargetRef: [{ parameter: 'password', name: 'redis', key: 'password' }] },
    },
    {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'queue-worker', namespace: NS },
      spec: {
        scaleTargetRef: { name: 'queue-worker' },
        minReplicaCount: 0,
        maxReplicaCount: 20,
        triggers: [
          {
            type: 'redis',
            metadata: { address: 'redis.agentic-ai.svc:6379', listName: 'jobs', listLength: '5' },
            authenticationRef: { name: 'redis-auth' },
          },
          { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } },
        ],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'queue-worker', namespace: NS, labels: { release: 'prometheus' } },
      spec: {
        selector: { matchLabels: { ...SELECTOR } },
        endpoints: [{ port: 'metrics', interval: '30s', path: '/metrics' }],
      },
    },
  ];
}

/** A StatefulSet with its headless Service and a CronJob. */
export function statefulSet(): JsonObject[] {
  const labels = { 'app.kubernetes.io/name': 'redis' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'redis', namespace: NS },
      spec: { clusterIP: 'None', selector: { ...labels }, ports: [{ name: 'redis', port: 6379 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'redis', namespace: NS },
      spec: {
        serviceName: 'redis',
        replicas: 1,
        selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['redis'] }] },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            containers: [{
              name: 'redis',
              image: 'redis:7.2',
              ports: [{ name: 'redis', containerPort: 6379 }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
              resources: { requests: { cpu: '100m', memory: '128Mi', 'nvidia.com/gpu': 1 }, limits: { memory: '128Mi', 'nvidia.com/gpu': '1' } },
              // A GPU container needs a startup probe (a domain rule of lib/validation/domain.ts).
              startupProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 5, failureThreshold: 60 },
            }],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        }],
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly-reindex', namespace: NS },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            template: {
              metadata: { labels: { 'app.kubernetes.io/name': 'reindex' } },
              spec: { restartPolicy: 'OnFailure', containers: [{ name: 'reindex', image: 'busybox:1.36', args: ['true'] }] },
            },
          },
        },
      },
    },
  ];
}
