import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

/**
 * The benchmark platform written by hand with raw cdk8s L1 props, as a user without this
 * library would: the same objects, field for field, as `buildBenchPlatform` synthesizes. The
 * runner checks that both outputs parse to the same objects before it times anything.
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
const q = (v: string) => k8s.Quantity.fromString(v);
const ios = (v: string) => k8s.IntOrString.fromString(v);
const ion = (v: number) => k8s.IntOrString.fromNumber(v);

const CONTEXT = { 'agents.cdk8s.io/environment': 'prod', 'app.kubernetes.io/managed-by': 'cdk8s-agents', 'app.kubernetes.io/part-of': 'bench' };
const selector = (name: string) => ({ 'app.kubernetes.io/name': name });
const labels = (name: string, component: string) => ({ ...CONTEXT, 'app.kubernetes.io/component': component, ...selector(name) });
const meta = (name: string, component?: string) => ({ name, namespace: NS, labels: component ? labels(name, component) : { ...CONTEXT } });
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
    name, ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
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
            metadata: { annotations: { 'prometheus.io/path': '/metrics', 'prometheus.io/port': '8080', 'prometheus.io/scrape': 'true' }, labels: labels(name, component) },
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
  const env = [
    { name: 'AGENT_INDEX', value: String(i) },
    { name: 'SYSTEM_PROMPT', valueFrom: { configMapKeyRef: { key: 'SYSTEM_PROMPT', name: `${name}-config` } } },
    { name: 'REDIS_HOST', value: host },
    { name: 'REDIS_PORT', value: '6379' },
    { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'shared-cache-auth' } } },
    { name: 'REDIS_URL', value: `redis://:$(REDIS_PASSWORD)@${host}:6379/0` },
    { name: 'MCP_SHARED_TOOL_URL', value: 'http://shared-tool.bench.svc.cluster.local:8080/mcp' },
    { name: 'MCP_SHARED_TOOL_TRANSPORT', value: 'streamable-http' },
  ];
  const to = (target: string, port: number) => ({ to: [{ podSelector: { matchLabels: selector(target) } }], ports: [{ port: ion(port), protocol: 'TCP' }] });
  const egress = [DNS_EGRESS, { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE } }], ports: [{ port: ion(443), protocol: 'TCP' }] }, to('shared-cache', 6379), to('shared-tool', 8080)];
  return [
    { id: `${name}-config`, type: k8s.KubeConfigMap, props: { metadata: meta(`${name}-config`), data: { MAX_STEPS: '10', SYSTEM_PROMPT: `You are agent ${i}.` } } },
    ...httpService(name, 'agent', `registry.example.com/bench/agent:${i % 7}.0.0`, env, { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } }, 60, { ingress: [], egress }),
  ];
}

function fromAgents(agents: number, port: number) {
  return [{ from: Array.from({ length: agents }, (_, i) => ({ podSelector: { matchLabels: selector(`agent-${i}`) } })), ports: [{ port: ion(port), protocol: 'TCP' }] }];
}

function tool(agents: number): MirrorObject[] {
  return httpService('shared-tool', 'mcp-tool', 'registry.example.com/bench/shared-tool:1.0.0', [], { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } }, 24, {
    egress: [DNS_EGRESS], ingress: fromAgents(agents, 8080),
  });
}

const REDIS_CONF = [
  '# Generated by cdk8s-agents. The password is passed as --requirepass from a Secret.', 'bind 0.0.0.0 -::*', 'port 6379', 'protected-mode yes', 'dir /data',
  'save 300 1', 'stop-writes-on-bgsave-error yes', 'appendonly yes', 'appendfsync everysec', 'auto-aof-rewrite-percentage 100', 'auto-aof-rewrite-min-size 64mb',
  'maxmemory 1610612736', 'maxmemory-policy allkeys-lru', 'tcp-keepalive 60',
  ...['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'SHUTDOWN'].map((c) => `rename-command ${c} ""`),
].join('\n') + '\n';

function redis(agents: number): MirrorObject[] {
  const name = 'shared-cache';
  const component = 'cache';
  const password = (env: string) => ({ name: env, valueFrom: { secretKeyRef: { key: 'password', name: 'shared-cache-auth' } } });
  const cli = (check: string) => ['sh', '-c', `redis-cli -h 127.0.0.1 -p 6379 ping | grep -Eq '${check}'`];
  const exec = (check: string, period: number, timeout: number, failures: number) => ({ exec: { command: cli(check) }, failureThreshold: failures, periodSeconds: period, successThreshold: 1, timeoutSeconds: timeout });
  const exporterProbe = (failures: number) => ({ failureThreshold: failures, httpGet: { path: '/health', port: ios('metrics'), scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 3 });
  const security = { ...PODS_SECURITY, fsGroup: 999, runAsGroup: 999, runAsUser: 999 };
  const port = { appProtocol: 'redis', name: 'redis', port: 6379, protocol: 'TCP', targetPort: ios('redis') };
  return [
    { id: 'cache-sa', type: k8s.KubeServiceAccount, props: { metadata: meta(name, component), automountServiceAccountToken: false } },
    { id: 'cache-config', type: k8s.KubeConfigMap, props: { metadata: { ...meta(name, component), name: `${name}-config` }, data: { 'redis.conf': REDIS_CONF } } },
    { id: 'cache-headless', type: k8s.KubeService, props: { metadata: { ...meta(name, component), name: `${name}-headless` }, spec: { clusterIp: 'None', ports: [port], publishNotReadyAddresses: true, selector: selector(name), type: 'ClusterIP' } } },
    { id: 'cache-service', type: k8s.KubeService, props: { metadata: meta(name, component), spec: { ports: [port], selector: selector(name), type: 'ClusterIP' } } },
    {
      id: 'cache-statefulset', type: k8s.KubeStatefulSet, props: {
        metadata: meta(name, component),
        spec: {
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, podManagementPolicy: 'OrderedReady', replicas: 1, revisionHistoryLimit: 5,
          selector: { matchLabels: selector(name) }, serviceName: `${name}-headless`,
          template: {
            metadata: { annotations: { 'prometheus.io/path': '/metrics', 'prometheus.io/port': '9121', 'prometheus.io/scrape': 'true' }, labels: labels(name, component) },
            spec: {
              automountServiceAccountToken: false, enableServiceLinks: false, securityContext: security, serviceAccountName: name, terminationGracePeriodSeconds: 60,
              containers: [
                {
                  args: ['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'], command: ['redis-server'], env: [password('REDIS_PASSWORD'), password('REDISCLI_AUTH')],
                  image: 'docker.io/library/redis:7.2.5-alpine', imagePullPolicy: 'IfNotPresent',
                  livenessProbe: exec('PONG|LOADING', 10, 5, 3), readinessProbe: exec('PONG', 5, 3, 3), startupProbe: exec('PONG|LOADING', 5, 3, 60),
                  name: 'redis', ports: [{ containerPort: 6379, name: 'redis', protocol: 'TCP' }],
                  resources: { limits: { cpu: q('1'), memory: q('2Gi') }, requests: { cpu: q('500m'), memory: q('512Mi') } },
                  securityContext: CONTAINER_SECURITY, terminationMessagePolicy: 'FallbackToLogsOnError',
                  volumeMounts: [{ mountPath: '/data', name: 'data' }, { mountPath: '/etc/redis', name: 'config', readOnly: true }, { mountPath: '/tmp', name: 'tmp' }],
                },
                {
                  env: [{ name: 'REDIS_ADDR', value: 'redis://127.0.0.1:6379' }, password('REDIS_PASSWORD')],
                  image: 'docker.io/oliver006/redis_exporter:v1.62.0', imagePullPolicy: 'IfNotPresent',
                  livenessProbe: exporterProbe(3), readinessProbe: exporterProbe(3), startupProbe: exporterProbe(12),
                  name: 'exporter', ports: [{ containerPort: 9121, name: 'metrics', protocol: 'TCP' }],
                  resources: { limits: { cpu: q('200m'), memory: q('128Mi') }, requests: { cpu: q('50m'), memory: q('64Mi') } },
                  securityContext: CONTAINER_SECURITY, terminationMessagePolicy: 'FallbackToLogsOnError',
                },
              ],
              volumes: [{ configMap: { name: `${name}-config` }, name: 'config' }, { emptyDir: { sizeLimit: q('64Mi') }, name: 'tmp' }],
            },
          },
          updateStrategy: { type: 'RollingUpdate' },
          volumeClaimTemplates: [{
            metadata: { labels: selector(name), name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: q('10Gi') } } },
          }],
        },
      },
    },
    pdb(name, component),
    {
      id: 'cache-netpol', type: k8s.KubeNetworkPolicy, props: {
        metadata: meta(name, component),
        spec: { egress: [DNS_EGRESS], ingress: fromAgents(agents, 6379), podSelector: { matchLabels: selector(name) }, policyTypes: ['Ingress', 'Egress'] },
      },
    },
  ];
}

/** Quota as the platform sizes it: every workload at full scale plus a surge pod, 25% headroom, 10 extra pods. */
function quota(agents: number): Record<string, k8s.Quantity> {
  const pods = agents * 11 + 11 + 1;
  const cpu = (n: number) => `${Math.ceil(n * 1.25 * 1000 - 1e-9)}m`;
  const mi = (n: number) => `${Math.ceil(n * 1.25)}Mi`;
  const fmtCpu = (text: string) => (Number(text.slice(0, -1)) % 1000 === 0 ? String(Number(text.slice(0, -1)) / 1000) : text);
  const fmtMi = (text: string) => {
    const value = Number(text.slice(0, -2));
    return value % 1024 === 0 ? `${value / 1024}Gi` : text;
  };
  return {
    'limits.cpu': q(fmtCpu(cpu(agents * 11 * 2 + 11 * 1 + 1.2 + 10 * 0.5))),
    'limits.memory': q(fmtMi(mi(agents * 11 * 1024 + 11 * 512 + 2176 + 10 * 512))),
    persistentvolumeclaims: k8s.Quantity.fromNumber(11),
    pods: k8s.Quantity.fromNumber(Math.ceil((pods + 10) * 1.25)),
    'requests.cpu': q(fmtCpu(cpu(agents * 11 * 0.5 + 11 * 0.25 + 0.55 + 10 * 0.1))),
    'requests.memory': q(fmtMi(mi(agents * 11 * 256 + 11 * 128 + 576 + 10 * 128))),
    'requests.storage': q('12800Mi'),
  };
}

function namespace(agents: number): MirrorObject[] {
  const version = 'v1.28';
  return [
    {
      id: 'namespace', type: k8s.KubeNamespace, props: {
        metadata: {
          name: NS,
          labels: {
            ...CONTEXT,
            'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': version,
            'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': version,
            'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': version,
          },
        },
      },
    },
    { id: 'quota', type: k8s.KubeResourceQuota, props: { metadata: meta('workloads'), spec: { hard: quota(agents) } } },
    {
      id: 'limits', type: k8s.KubeLimitRange, props: {
        metadata: meta('container-defaults'),
        spec: { limits: [{ default: { cpu: q('500m'), memory: q('512Mi') }, defaultRequest: { cpu: q('100m'), memory: q('128Mi') }, type: 'Container' }] },
      },
    },
    { id: 'default-deny', type: k8s.KubeNetworkPolicy, props: { metadata: meta('default-deny'), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } } },
  ];
}

/** Every object of the platform with `agents` agents. */
export function mirrorObjects(agents: number): MirrorObject[] {
  const objects = [...namespace(agents), ...redis(agents), ...tool(agents)];
  for (let i = 0; i < agents; i++) {
    objects.push(...agent(i));
  }
  return objects;
}
