import * as fs from 'fs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

/**
 * The benchmark platform's per-agent objects written by hand with raw cdk8s L1 props, as a user
 * without this library would: the same objects, field for field, as `buildBenchPlatform`
 * synthesizes. The shared objects (namespace, tool, cache, GPU pool, batch job, observability
 * stack) come from a fixture (`fixtureObjects`). The runner checks that every output parses to
 * the same objects before it times anything.
 */

type L1Class = {
  new (scope: never, id: string, props: never): unknown;
  manifest(props: never): unknown;
};

/** One object: the L1 class and its props. */
export interface MirrorObject {
  readonly id: string;
  readonly type: L1Class;
  readonly props: Record<string, unknown>;
}

const NS = 'bench';
/** Agents serve their metrics on a port of their own, the OpenTelemetry Prometheus exporter's. */
const METRICS_PORT = 9464;
const q = (v: string) => k8s.Quantity.fromString(v);
const ios = (v: string) => k8s.IntOrString.fromString(v);
const ion = (v: number) => k8s.IntOrString.fromNumber(v);

const CONTEXT = { 'agents.cdk8s.io/environment': 'prod', 'app.kubernetes.io/managed-by': 'cdk8s-agents', 'app.kubernetes.io/part-of': 'bench' };
const selector = (name: string) => ({ 'app.kubernetes.io/name': name });
const labels = (name: string, component: string) => ({ ...CONTEXT, 'app.kubernetes.io/component': component, ...selector(name) });
/** The Argo CD sync wave the library derives: an agent is wired to the tool and the pool (wave 4), its ConfigMap is config (wave 2). */
const syncWave = (component?: string) => ({ 'argocd.argoproj.io/sync-wave': component ? '5' : '2' });
const meta = (name: string, component?: string) => ({ name, namespace: NS, labels: component ? labels(name, component) : { ...CONTEXT }, annotations: syncWave(component) });
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];
const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: ion(53), protocol: 'UDP' }, { port: ion(53), protocol: 'TCP' }],
};
const PODS_SECURITY = { fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch', runAsGroup: 10001, runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } };
const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' },
};

function httpProbe(period: number, failures: number) {
  return { failureThreshold: failures, httpGet: { path: '/health', port: ios('http'), scheme: 'HTTP' }, periodSeconds: period, successThreshold: 1, timeoutSeconds: 3 };
}

function spread(name: string) {
  const constraint = (topologyKey: string, whenUnsatisfiable: string) => ({
    labelSelector: { matchLabels: selector(name) }, matchLabelKeys: ['pod-template-hash'], maxSkew: 1, topologyKey, whenUnsatisfiable,
  });
  return [constraint('kubernetes.io/hostname', 'DoNotSchedule'), constraint('topology.kubernetes.io/zone', 'ScheduleAnyway')];
}

/** The seven objects every HTTP service has, for an agent or the tool. */
function httpService(name: string, component: string, image: string, env: unknown[], resources: Record<string, Record<string, string>>, startupFailures: number, policy: Record<string, unknown>): MirrorObject[] {
  const quantities = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, q(v)]));
  const container = {
    image, imagePullPolicy: 'IfNotPresent', env: env.length > 0 ? env : undefined,
    lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
    livenessProbe: httpProbe(10, 3), readinessProbe: httpProbe(5, 3), startupProbe: httpProbe(5, startupFailures),
    name, ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }, { containerPort: METRICS_PORT, name: 'metrics', protocol: 'TCP' }],
    resources: { limits: quantities(resources.limits), requests: quantities(resources.requests) },
    securityContext: CONTAINER_SECURITY, terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
  };
  return [
    { id: `${name}-sa`, type: k8s.KubeServiceAccount, props: { metadata: meta(name, component), automountServiceAccountToken: false } },
    {
      id: `${name}-deployment`, type: k8s.KubeDeployment, props: {
        metadata: meta(name, component),
        spec: {
          progressDeadlineSeconds: 600, revisionHistoryLimit: 5, selector: { matchLabels: selector(name) },
          strategy: { rollingUpdate: { maxSurge: ion(1), maxUnavailable: ion(0) }, type: 'RollingUpdate' },
          template: {
            metadata: { annotations: { 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/scrape': 'true' }, labels: labels(name, component) },
            spec: {
              automountServiceAccountToken: false, containers: [container], enableServiceLinks: false, securityContext: PODS_SECURITY,
              serviceAccountName: name, terminationGracePeriodSeconds: 60, topologySpreadConstraints: spread(name),
              volumes: [{ emptyDir: { sizeLimit: q('512Mi') }, name: 'tmp' }],
            },
          },
        },
      },
    },
    {
      id: `${name}-service`, type: k8s.KubeService, props: {
        metadata: meta(name, component),
        spec: { ports: [{ appProtocol: 'http', name: 'http', port: 8080, protocol: 'TCP', targetPort: ios('http') }], selector: selector(name), type: 'ClusterIP' },
      },
    },
    {
      id: `${name}-hpa`, type: k8s.KubeHorizontalPodAutoscalerV2, props: {
        metadata: meta(name, component),
        spec: {
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } }, maxReplicas: 10, minReplicas: 3,
          metrics: [
            { resource: { name: 'cpu', target: { averageUtilization: 70, type: 'Utilization' } }, type: 'Resource' },
            { resource: { name: 'memory', target: { averageUtilization: 75, type: 'Utilization' } }, type: 'Resource' },
          ],
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        },
      },
    },
    pdb(name, component),
    { id: `${name}-netpol`, type: k8s.KubeNetworkPolicy, props: { metadata: meta(name, component), spec: { podSelector: { matchLabels: selector(name) }, policyTypes: ['Ingress', 'Egress'], ...policy } } },
  ];
}

function pdb(name: string, component: string): MirrorObject {
  return {
    id: `${name}-pdb`, type: k8s.KubePodDisruptionBudget, props: {
      metadata: meta(name, component),
      spec: { maxUnavailable: ion(1), selector: { matchLabels: selector(name) }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    },
  };
}

function agent(i: number): MirrorObject[] {
  const name = `agent-${i}`;
  const host = 'shared-cache.bench.svc.cluster.local';
  // The shared cache is replicated in prod: the Sentinels answer where its primary is, HAProxy forwards to it.
  const sentinelHost = 'shared-cache-sentinel.bench.svc.cluster.local';
  const env = [
    { name: 'AGENT_INDEX', value: String(i) },
    { name: 'SYSTEM_PROMPT', valueFrom: { configMapKeyRef: { key: 'SYSTEM_PROMPT', name: `${name}-config` } } },
    { name: 'REDIS_HOST', value: host },
    { name: 'REDIS_PORT', value: '6379' },
    { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'shared-cache-auth' } } },
    { name: 'REDIS_URL', value: `redis://:$(REDIS_PASSWORD)@${host}:6379/0` },
    { name: 'REDIS_SENTINEL_HOST', value: sentinelHost },
    { name: 'REDIS_SENTINEL_PORT', value: '26379' },
    { name: 'REDIS_SENTINEL_MASTER', value: 'shared-cache' },
    { name: 'REDIS_SENTINEL_URL', value: `redis+sentinel://:$(REDIS_PASSWORD)@${sentinelHost}:26379/shared-cache/0` },
    { name: 'OPENAI_BASE_URL', value: 'http://llm.bench.svc.cluster.local:8000/v1' },
    { name: 'OPENAI_MODEL', value: 'meta-llama/Llama-3.1-8B-Instruct' },
    { name: 'MCP_SHARED_TOOL_URL', value: 'http://shared-tool.bench.svc.cluster.local:8080/mcp' },
    { name: 'MCP_SHARED_TOOL_TRANSPORT', value: 'streamable-http' },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.bench.svc.cluster.local:4317' },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
    { name: 'OTEL_SERVICE_NAME', value: name },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `deployment.environment=prod,service.namespace=bench,service.version=${i % 7}.0.0` },
    { name: 'OTEL_METRICS_EXPORTER', value: 'prometheus' },
    { name: 'OTEL_EXPORTER_PROMETHEUS_HOST', value: '0.0.0.0' },
    { name: 'OTEL_EXPORTER_PROMETHEUS_PORT', value: String(METRICS_PORT) },
  ];
  const to = (target: string, ...ports: number[]) => ({ to: [{ podSelector: { matchLabels: selector(target) } }], ports: ports.map((port) => ({ port: ion(port), protocol: 'TCP' })) });
  const egress = [
    DNS_EGRESS, { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE } }], ports: [{ port: ion(443), protocol: 'TCP' }] },
    to('shared-cache', 6379, 26379), to('shared-cache-proxy', 6379), to('llm', 8000), to('shared-tool', 8080), to('otel-collector', 4317, 4318),
  ];
  // Only the stack's Prometheus, and only on the metrics port (never the app port).
  const ingress = [{ from: [{ podSelector: { matchLabels: selector('prometheus') } }], ports: [{ port: ion(METRICS_PORT), protocol: 'TCP' }] }];
  return [
    { id: `${name}-config`, type: k8s.KubeConfigMap, props: { metadata: meta(`${name}-config`), data: { MAX_STEPS: '10', SYSTEM_PROMPT: `You are agent ${i}.` } } },
    ...httpService(name, 'agent', `registry.example.com/bench/agent:${i % 7}.0.0`, env, { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } }, 60, { ingress, egress }),
  ];
}

/** The per-agent objects of the platform with `agents` agents. */
export function mirrorAgentObjects(agents: number): MirrorObject[] {
  const objects: MirrorObject[] = [];
  for (let i = 0; i < agents; i++) {
    objects.push(...agent(i));
  }
  return objects;
}

/** A file of the synthesized platform that holds per-agent objects (everything else is shared). */
export function isAgentFile(fileName: string): boolean {
  return /^agent-[0-9]+(-config)?\.yaml$/.test(fileName);
}

/** The shared objects, as plain JSON, from the fixture the runner wrote (a JSON array). */
export function fixtureObjects(file: string): Record<string, unknown>[] {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[];
}
