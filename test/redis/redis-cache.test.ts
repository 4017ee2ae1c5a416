import {
  AgentMicroservice, AgentMode, type AgentPlatform, collectNotices, collectProblems, Environments, formatNotice, ObservabilityMode, QueueTrigger, RedisCacheStatefulSet, type RedisCacheStatefulSetProps,
  RedisUsage, SecretBackend, SecretSource,
} from '../../lib';
import { at, platformFor, problemsOf, synth, type Synthesized } from '../helpers/synth';
import { envOf, ingressPaths, podPath } from '../inference/pods';

const NS = 'agents';
const GiB = 2 ** 30;
const MiB = 2 ** 20;

const staging = () => Environments.staging({ namespace: NS });
const dev = () => Environments.dev({ namespace: NS });
const externalSecrets = Environments.prod({
  namespace: NS,
  secrets: { backend: SecretBackend.EXTERNAL_SECRETS, store: { name: 'aws-secretsmanager', kind: 'ClusterSecretStore' }, remoteKeyPrefix: 'prod/' },
});

interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: { name?: string; containerPort: number; protocol?: string }[];
  readonly env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly startupProbe?: { exec?: { command: string[] } };
  readonly readinessProbe?: { exec?: { command: string[] } };
  readonly livenessProbe?: { exec?: { command: string[] } };
  readonly lifecycle?: { preStop?: { exec?: { command: string[] } } };
  readonly volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** A single-node Redis in production (replication off), or the given props. */
const single = (props: RedisCacheStatefulSetProps = {}) => (p: AgentPlatform) => {
  new RedisCacheStatefulSet(p, 'redis', { ...props, replication: { enabled: false, ...props.replication } });
};
const redis = (props: RedisCacheStatefulSetProps = {}) => (p: AgentPlatform) => { new RedisCacheStatefulSet(p, 'redis', props); };
const containers = (s: Synthesized, name = 'redis'): Container[] => at(s.get('StatefulSet', name), 'spec.template.spec.containers') as Container[];
const container = (s: Synthesized, containerName: string, name = 'redis'): Container | undefined => containers(s, name).find((c) => c.name === containerName);
const configFile = (s: Synthesized, file: string, name = 'redis'): string => (s.get('ConfigMap', `${name}-config`).data as Record<string, string>)[file];
const redisConf = (s: Synthesized, name = 'redis'): string[] => configFile(s, 'redis.conf', name).split('\n');
const ownObjects = (s: Synthesized) => s.objects.filter((o) => o.metadata.name.startsWith('redis')).map((o) => `${o.kind}/${o.metadata.name}`).sort();

describe('a single node (development, or replication: { enabled: false })', () => {
  test('a StatefulSet of one pod, a headless Service for its identity and a client Service', () => {
    // GIVEN a Redis without replication in prod
    const s = synth(single());
    // THEN
    expect(ownObjects(s)).toEqual([
      'ConfigMap/redis-config', 'NetworkPolicy/redis', 'PodDisruptionBudget/redis', 'Service/redis', 'Service/redis-headless', 'ServiceAccount/redis', 'StatefulSet/redis',
    ]);
    const headless = at(s.get('Service', 'redis-headless'), 'spec') as Record<string, unknown>;
    expect(headless.clusterIP).toBe('None');
    expect(headless.publishNotReadyAddresses).toBe(true);
    expect(headless.selector).toEqual({ 'app.kubernetes.io/name': 'redis' });
    const client = at(s.get('Service', 'redis'), 'spec') as Record<string, unknown>;
    expect(client.clusterIP).toBeUndefined();
    expect(client.selector).toEqual({ 'app.kubernetes.io/name': 'redis' });
    expect(client.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP', appProtocol: 'redis' }]);
    expect(at(s.get('StatefulSet', 'redis'), 'spec.serviceName')).toBe('redis-headless');
    expect(at(s.get('StatefulSet', 'redis'), 'spec.replicas')).toBe(1);
    expect(containers(s).map((c) => c.name)).toEqual(['redis', 'exporter']);
  });

  test('development runs a single node by default: no Sentinel, no proxy, no PDB', () => {
    // GIVEN the default Redis in dev
    const s = synth(redis(), dev());
    // THEN
    expect(ownObjects(s)).toEqual(['ConfigMap/redis-config', 'NetworkPolicy/redis', 'Service/redis', 'Service/redis-headless', 'ServiceAccount/redis', 'StatefulSet/redis']);
    expect(at(s.get('StatefulSet', 'redis'), 'spec.replicas')).toBe(1);
    expect(configFile(s, 'sentinel.conf')).toBeUndefined();
  });

  test('a PodDisruptionBudget of one eviction at a time in prod', () => {
    expect(at(synth(single()).get('PodDisruptionBudget', 'redis'), 'spec')).toEqual({
      maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('pods run as the redis user 999', () => {
    expect(at(synth(single()).get('StatefulSet', 'redis'), 'spec.template.spec.securityContext')).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
  });

  test('the context-cache preset: 512Mi / 500m requested, 2Gi / 1 CPU limit', () => {
    expect(container(synth(single()), 'redis')?.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } });
  });
});

describe('storage', () => {
  test('a 10Gi ReadWriteOnce "data" claim per pod, with the environment storage class, mounted at /data', () => {
    const s = synth(redis(), Environments.prod({ namespace: NS, storage: { storageClassName: 'gp3' } }));
    expect(at(s.get('StatefulSet', 'redis'), 'spec.volumeClaimTemplates')).toEqual([{
      metadata: { name: 'data', labels: { 'app.kubernetes.io/name': 'redis' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } } },
    }]);
    expect(container(s, 'redis')?.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  test('an explicit storage class and size win', () => {
    const s = synth(redis({ storageClassName: 'io2', storageSize: '50Gi' }), Environments.prod({ namespace: NS, storage: { storageClassName: 'gp3' } }));
    expect(at(s.get('StatefulSet', 'redis'), 'spec.volumeClaimTemplates.0.spec')).toEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'io2', resources: { requests: { storage: '50Gi' } },
    });
  });

  test('without any storage class the cluster default is used (the field is omitted)', () => {
    expect(at(synth(redis()).get('StatefulSet', 'redis'), 'spec.volumeClaimTemplates.0.spec.storageClassName')).toBeUndefined();
  });
});

describe('redis.conf', () => {
  test('persistence, memory bound, eviction and disabled commands, mounted read-only', () => {
    // GIVEN
    let r: RedisCacheStatefulSet | undefined;
    const s = synth((p) => { r = new RedisCacheStatefulSet(p, 'redis', { replication: { enabled: false } }); });
    const conf = redisConf(s);
    // THEN
    expect(conf).toEqual(expect.arrayContaining([
      'save 300 1', 'appendonly yes', 'appendfsync everysec', 'dir /data', 'port 6379',
      `maxmemory ${1.5 * GiB}`, 'maxmemory-policy allkeys-lru',
      'rename-command FLUSHALL ""', 'rename-command FLUSHDB ""', 'rename-command DEBUG ""', 'rename-command SHUTDOWN ""', 'rename-command CONFIG ""',
    ]));
    expect(r?.maxMemoryBytes).toBe(Math.floor(0.75 * 2 * GiB));
    expect(conf.filter((line) => /^\s*(requirepass|masterauth|user)\b/.test(line))).toEqual([]);
    expect(container(s, 'redis')?.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/redis', readOnly: true });
    expect(at(s.get('StatefulSet', 'redis'), 'spec.template.spec.volumes')).toContainEqual({ name: 'config', configMap: { name: 'redis-config' } });
  });

  test('maxmemory follows the memory limit: 75% of 1Gi in dev, of an explicit 4Gi limit, or the given maxMemory', () => {
    expect(redisConf(synth(redis(), dev()))).toContain(`maxmemory ${768 * MiB}`);
    expect(redisConf(synth(single({ resources: { limits: { memory: '4Gi' } } })))).toContain(`maxmemory ${3 * GiB}`);
    expect(redisConf(synth(single({ maxMemory: '1Gi' })))).toContain(`maxmemory ${GiB}`);
  });

  test.each([
    [RedisUsage.CACHE, 'allkeys-lru'],
    [RedisUsage.QUEUE, 'noeviction'],
    [RedisUsage.AGENT_MEMORY, 'noeviction'],
  ])('usage %s evicts with %s', (usage, policy) => {
    expect(redisConf(synth(redis({ usage })))).toContain(`maxmemory-policy ${policy}`);
  });

  test('an explicit eviction policy, snapshot interval and append-only switch', () => {
    const conf = redisConf(synth(redis({ usage: RedisUsage.AGENT_MEMORY, evictionPolicy: 'volatile-ttl', snapshotIntervalSeconds: 60, appendOnly: false })));
    expect(conf).toEqual(expect.arrayContaining(['maxmemory-policy volatile-ttl', 'save 60 1', 'appendonly no']));
  });

  test('a changed redis.conf rolls the pods: its checksum is on the pod template', () => {
    const checksum = (s: Synthesized) => (at(s.get('StatefulSet', 'redis'), 'spec.template.metadata.annotations') as Record<string, string>)['checksum/config'];
    expect(checksum(synth(redis()))).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(synth(redis({ snapshotIntervalSeconds: 60 })))).not.toBe(checksum(synth(redis())));
  });
});

describe('replicated (the default in staging and production)', () => {
  // GIVEN the default Redis and an agent using it, in prod
  const s = synth((p) => {
    const r = new RedisCacheStatefulSet(p, 'redis');
    new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache: r });
  });

  test('3 pods, each running redis, a Sentinel and the exporter; a Sentinel Service; HAProxy behind the client Service', () => {
    expect(ownObjects(s)).toEqual([
      'ConfigMap/redis-config', 'ConfigMap/redis-proxy-config', 'Deployment/redis-proxy', 'NetworkPolicy/redis', 'NetworkPolicy/redis-proxy',
      'PodDisruptionBudget/redis', 'PodDisruptionBudget/redis-proxy', 'Service/redis', 'Service/redis-headless', 'Service/redis-sentinel',
      'ServiceAccount/redis', 'ServiceAccount/redis-proxy', 'StatefulSet/redis',
    ]);
    expect(at(s.get('StatefulSet', 'redis'), 'spec.replicas')).toBe(3);
    expect(at(s.get('StatefulSet', 'redis'), 'spec.podManagementPolicy')).toBe('OrderedReady');
    expect(containers(s).map((c) => c.name)).toEqual(['redis', 'sentinel', 'exporter']);
    expect(at(s.get('Service', 'redis'), 'spec.selector')).toEqual({ 'app.kubernetes.io/name': 'redis-proxy' });
    expect(at(s.get('Service', 'redis-sentinel'), 'spec')).toEqual({
      type: 'ClusterIP', selector: { 'app.kubernetes.io/name': 'redis' },
      ports: [{ name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP', appProtocol: 'redis' }],
    });
    expect(at(s.get('Service', 'redis-headless'), 'spec.ports')).toEqual([
      { name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP', appProtocol: 'redis' },
      { name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP', appProtocol: 'redis' },
    ]);
  });

  test('the PDB keeps a majority of the pods: the Sentinels\' quorum and at least one data pod', () => {
    expect(at(s.get('PodDisruptionBudget', 'redis'), 'spec')).toEqual({
      minAvailable: 2, selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    const five = synth(redis({ replication: { nodes: 5 } }));
    expect(at(five.get('PodDisruptionBudget', 'redis'), 'spec.minAvailable')).toBe(3);
  });

  test('pods spread across nodes (required) and zones (preferred) in prod, counting every pod whatever its revision; preferred in staging', () => {
    const spread = (out: Synthesized) => at(out.get('StatefulSet', 'redis'), 'spec.template.spec.topologySpreadConstraints');
    const selector = { matchLabels: { 'app.kubernetes.io/name': 'redis' } };
    expect(spread(s)).toEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
    ]);
    expect(spread(synth(redis(), staging()))).toEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
    ]);
    expect(at(synth(redis(), staging()).get('StatefulSet', 'redis'), 'spec.replicas')).toBe(3);
  });

  test('redis and the Sentinel start through node.sh; the primary hands its role over in preStop', () => {
    const main = container(s, 'redis');
    const sentinel = container(s, 'sentinel');
    expect(main?.command).toEqual(['sh', '/etc/redis/node.sh', 'redis']);
    expect(sentinel?.command).toEqual(['sh', '/etc/redis/node.sh', 'sentinel']);
    expect(main?.args).toBeUndefined();
    expect(sentinel?.args).toBeUndefined();
    expect(main?.lifecycle).toEqual({ preStop: { exec: { command: ['sh', '/etc/redis/node.sh', 'pre-stop'] } } });
    expect(sentinel?.image).toBe(RedisCacheStatefulSet.DEFAULT_IMAGE);
    expect(sentinel?.ports).toEqual([{ name: 'sentinel', containerPort: 26379, protocol: 'TCP' }]);
    expect(sentinel?.readinessProbe?.exec?.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 26379 ping | grep -q PONG']);
    expect(sentinel?.resources).toEqual({ requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } });
    const ref = { secretKeyRef: { name: 'redis-auth', key: 'password' } };
    for (const c of [main, sentinel]) {
      expect(c?.env).toEqual([
        { name: 'REDIS_PASSWORD', valueFrom: ref }, { name: 'REDISCLI_AUTH', valueFrom: ref },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'REDIS_NODES', value: '3' },
      ]);
      expect(c?.volumeMounts).toEqual(expect.arrayContaining([{ name: 'config', mountPath: '/etc/redis', readOnly: true }, { name: 'run', mountPath: '/run/redis' }]));
    }
    expect(at(s.get('StatefulSet', 'redis'), 'spec.template.spec.volumes')).toContainEqual({ name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
  });

  test('redis.conf: the replication settings, CONFIG left to ACLs (Sentinel needs CONFIG REWRITE), the other commands renamed away', () => {
    const conf = redisConf(s);
    expect(conf).toEqual(expect.arrayContaining([
      'replica-read-only yes', 'min-replicas-to-write 1', 'min-replicas-max-lag 10', 'client-output-buffer-limit replica 64mb 32mb 60',
      'rename-command FLUSHALL ""', 'rename-command FLUSHDB ""', 'rename-command DEBUG ""', 'rename-command SHUTDOWN ""',
    ]));
    expect(conf).not.toContain('rename-command CONFIG ""');
    expect(conf.filter((l) => /^(requirepass|masterauth|replicaof|user|replica-announce-ip)\b/.test(l))).toEqual([]);
  });

  test('sentinel.conf: host names announced and resolved, node 0 until the Sentinels know better, the documented failover settings', () => {
    expect(configFile(s, 'sentinel.conf').split('\n')).toEqual(expect.arrayContaining([
      'port 26379',
      'dir /run/redis',
      'sentinel resolve-hostnames yes',
      'sentinel announce-hostnames yes',
      'sentinel monitor redis redis-0.redis-headless.agents.svc.cluster.local 6379 2',
      'sentinel auth-user redis sentinel',
      'sentinel down-after-milliseconds redis 10000',
      'sentinel failover-timeout redis 60000',
      'sentinel parallel-syncs redis 1',
    ]));
    expect(configFile(s, 'sentinel.conf')).not.toMatch(/auth-pass|requirepass/);
  });

  test('the failover settings follow the props', () => {
    const out = synth(redis({ replication: { nodes: 5, downAfterMilliseconds: 5000, failoverTimeoutMilliseconds: 30000, minReplicasToWrite: 2, minReplicasMaxLagSeconds: 5 } }));
    expect(configFile(out, 'sentinel.conf')).toContain('sentinel monitor redis redis-0.redis-headless.agents.svc.cluster.local 6379 3\n');
    expect(configFile(out, 'sentinel.conf')).toContain('sentinel down-after-milliseconds redis 5000\n');
    expect(configFile(out, 'sentinel.conf')).toContain('sentinel failover-timeout redis 30000\n');
    expect(redisConf(out)).toEqual(expect.arrayContaining(['min-replicas-to-write 2', 'min-replicas-max-lag 5']));
    expect(at(out.get('StatefulSet', 'redis'), 'spec.replicas')).toBe(5);
  });

  test('node.sh holds no secret: it reads REDIS_PASSWORD from the environment and knows the nodes by their headless host names', () => {
    const script = configFile(s, 'node.sh');
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain("NODE_ADDRESS='redis-%s.redis-headless.agents.svc.cluster.local'");
    expect(script).toContain("MASTER_NAME='redis'");
    expect(script).toContain('"$REDIS_PASSWORD"');
    expect(script).not.toMatch(/redis-server[^\n]*(requirepass|REDIS_PASSWORD)/);
  });

  test('consumers get the plain variables (through HAProxy) and the Sentinel ones', () => {
    const env = envOf((at(s.get('Deployment', 'planner'), 'spec.template.spec.containers') as Container[])[0]);
    expect(env).toMatchObject({
      REDIS_HOST: { value: 'redis.agents.svc.cluster.local' },
      REDIS_PORT: { value: '6379' },
      REDIS_PASSWORD: { valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } },
      REDIS_URL: { value: 'redis://:$(REDIS_PASSWORD)@redis.agents.svc.cluster.local:6379/0' },
      REDIS_SENTINEL_HOST: { value: 'redis-sentinel.agents.svc.cluster.local' },
      REDIS_SENTINEL_PORT: { value: '26379' },
      REDIS_SENTINEL_MASTER: { value: 'redis' },
      REDIS_SENTINEL_URL: { value: 'redis+sentinel://:$(REDIS_PASSWORD)@redis-sentinel.agents.svc.cluster.local:26379/redis/0' },
    });
  });

  test('without the proxy, consumers only get the Sentinel variables and the password', () => {
    const out = synth((p) => {
      const r = new RedisCacheStatefulSet(p, 'redis', { replication: { primaryProxy: { enabled: false } } });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache: r });
    });
    const env = envOf((at(out.get('Deployment', 'planner'), 'spec.template.spec.containers') as Container[])[0]);
    expect(Object.keys(env).filter((n) => n.startsWith('REDIS_'))).toEqual(['REDIS_PASSWORD', 'REDIS_SENTINEL_HOST', 'REDIS_SENTINEL_PORT', 'REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_URL']);
    expect(out.find('Deployment', 'redis-proxy')).toBeUndefined();
    expect(out.find('Service', 'redis')).toBeUndefined();
  });

  test('NetworkPolicies: the pods reach each other on 6379 and 26379, consumers reach them and HAProxy, HAProxy reaches only redis', () => {
    expect(ingressPaths(s.get('NetworkPolicy', 'redis'))).toEqual([
      podPath('planner', 26379), podPath('planner', 6379), podPath('redis', 26379), podPath('redis', 6379), podPath('redis-proxy', 6379),
    ]);
    expect(ingressPaths(s.get('NetworkPolicy', 'redis-proxy'))).toEqual([podPath('planner', 6379)]);
    expect((at(s.get('NetworkPolicy', 'redis-proxy'), 'spec.egress') as unknown[]).length).toBe(2);
  });

  test('HAProxy: the environment\'s replicas, spread and PDB, the password from the Secret, ready only while it knows a master', () => {
    const deployment = s.get('Deployment', 'redis-proxy');
    expect(at(deployment, 'spec.replicas')).toBe(3);
    const proxy = (at(deployment, 'spec.template.spec.containers') as Container[])[0];
    expect(proxy.image).toBe('docker.io/library/haproxy:2.8.10-alpine');
    expect(proxy.command).toEqual(['haproxy', '-db', '-f', '/usr/local/etc/haproxy/haproxy.cfg']);
    expect(proxy.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } }]);
    expect(at(proxy, 'readinessProbe.httpGet')).toEqual({ path: '/ready', port: 'metrics', scheme: 'HTTP' });
    expect((at(deployment, 'spec.template.spec.topologySpreadConstraints') as unknown[]).length).toBe(2);
    expect(at(s.get('PodDisruptionBudget', 'redis-proxy'), 'spec.maxUnavailable')).toBe(1);
    const cfg = (s.get('ConfigMap', 'redis-proxy-config').data as Record<string, string>)['haproxy.cfg'];
    expect(cfg).toContain('  server node-0 redis-0.redis-headless.agents.svc.cluster.local:6379\n');
    expect(cfg).toContain('  server node-6 redis-6.redis-headless.agents.svc.cluster.local:6379\n');
    expect(cfg).toContain('tcp-check expect string role:master');
    expect(cfg).toContain('%[env(REDIS_PASSWORD)]');
    expect(at(synth(redis(), staging()).get('Deployment', 'redis-proxy'), 'spec.replicas')).toBe(2);
    expect(at(synth(redis({ replication: { primaryProxy: { replicas: 4 } } })).get('Deployment', 'redis-proxy'), 'spec.replicas')).toBe(4);
  });

  test('the quota counts 3 pods of redis, Sentinel and exporter, 3 volumes, and HAProxy with a surge pod', () => {
    let r: RedisCacheStatefulSet | undefined;
    synth((p) => { r = new RedisCacheStatefulSet(p, 'redis'); });
    expect(r?.quotaDemand()).toMatchObject({ pods: 3, volumeClaims: 3, storageBytes: 30 * GiB, memoryLimit: 2 * GiB + 64 * MiB + 128 * MiB });
    expect(r?.primaryProxy?.quotaDemand()).toMatchObject({ pods: 4, memoryLimit: 128 * MiB });
  });

  test('maxmemory leaves room on the primary for its replicas\' output buffers: 75% of 2Gi less 2 x 64Mi', () => {
    let r: RedisCacheStatefulSet | undefined;
    const out = synth((p) => { r = new RedisCacheStatefulSet(p, 'redis'); });
    expect(r?.maxMemoryBytes).toBe(1536 * MiB - 128 * MiB);
    expect(redisConf(out)).toContain(`maxmemory ${1408 * MiB}`);
  });

  test('the exporter reports roles and replication: its signals say so', () => {
    let r: RedisCacheStatefulSet | undefined;
    synth((p) => { r = new RedisCacheStatefulSet(p, 'redis'); });
    expect(r?.signals().metrics).toEqual(expect.arrayContaining(['redis_instance_info', 'redis_connected_slave_lag_seconds', 'redis_master_link_up']));
  });
});

describe('password', () => {
  test('single node: only through secretKeyRef, and never on a command line', () => {
    const s = synth(single());
    const main = container(s, 'redis');
    expect(main?.command).toEqual(['sh', '/etc/redis/node.sh', 'redis']);
    expect(main?.args).toBeUndefined();
    const ref = { valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } };
    expect(main?.env).toEqual([{ name: 'REDIS_PASSWORD', ...ref }, { name: 'REDISCLI_AUTH', ...ref }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    expect(container(s, 'exporter')?.env).toEqual([{ name: 'REDIS_ADDR', value: 'redis://127.0.0.1:6379' }, { name: 'REDIS_PASSWORD', ...ref }]);
  });

  test.each([
    ['existing secrets', Environments.prod({ namespace: NS })],
    ['external-secrets', externalSecrets],
  ])('no Secret with data is rendered in prod with %s, no literal password anywhere, no $(REDIS_PASSWORD) in a command or argument', (_label, env) => {
    // GIVEN a replicated Redis and a consumer
    const s = synth((p) => {
      const r = new RedisCacheStatefulSet(p, 'redis');
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache: r });
    }, env);
    // THEN no Secret object holds values
    expect(s.all('Secret').filter((o) => o.data !== undefined || o.stringData !== undefined)).toEqual([]);
    // AND every password variable of every container is a secret reference
    const all = s.objects.flatMap((o) => (at(o, 'spec.template.spec.containers') ?? []) as Container[]);
    const passwordVars = all.flatMap((c) => c.env ?? []).filter((e) => /PASSWORD|AUTH/.test(e.name));
    expect(passwordVars.length).toBe(7);
    for (const variable of passwordVars) {
      expect([variable.name, variable.value, variable.valueFrom?.secretKeyRef]).toEqual([variable.name, undefined, { name: 'redis-auth', key: 'password' }]);
    }
    // AND no command line of any container or hook carries the password, expanded or not
    const lines = all.flatMap((c) => [...(c.command ?? []), ...(c.args ?? []), ...(c.lifecycle?.preStop?.exec?.command ?? [])]);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => /PASSWORD|REDISCLI_AUTH|requirepass/.test(l))).toEqual([]);
    // AND the ConfigMaps set no password
    const files = s.all('ConfigMap').flatMap((o) => Object.values((o.data ?? {}) as Record<string, string>));
    expect(files.join('\n').split('\n').filter((l) => /^\s*(requirepass|masterauth|sentinel auth-pass)\s/.test(l))).toEqual([]);
  });

  test('the default password secret "<name>-auth" is an ExternalSecret with the external-secrets backend', () => {
    const s = synth(redis({ name: 'session-store' }), externalSecrets);
    expect(at(s.get('ExternalSecret', 'session-store-auth'), 'spec')).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'aws-secretsmanager', kind: 'ClusterSecretStore' },
      target: { name: 'session-store-auth', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [{ secretKey: 'password', remoteRef: { key: 'prod/session-store-auth', property: 'password' } }],
    });
    expect(s.all('Secret')).toEqual([]);
  });

  test('the default password secret renders nothing with existing secrets', () => {
    const s = synth(redis());
    expect(s.all('Secret')).toEqual([]);
    expect(s.all('ExternalSecret')).toEqual([]);
    expect(s.all('SealedSecret')).toEqual([]);
    expect(container(s, 'redis')?.env?.[0].valueFrom?.secretKeyRef).toEqual({ name: 'redis-auth', key: 'password' });
  });

  test('an explicit passwordSecret and passwordKey are used instead, by redis, the Sentinels, HAProxy and the consumers', () => {
    const s = synth((p) => {
      const secret = SecretSource.fromSecretName(p, 'RedisSecret', 'shared-redis', ['redis-password']);
      const r = new RedisCacheStatefulSet(p, 'redis', { passwordSecret: secret, passwordKey: 'redis-password' });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache: r });
    }, externalSecrets);
    const ref = { name: 'shared-redis', key: 'redis-password' };
    expect(container(s, 'redis')?.env?.slice(0, 2).map((e) => e.valueFrom?.secretKeyRef)).toEqual([ref, ref]);
    expect(container(s, 'sentinel')?.env?.slice(0, 2).map((e) => e.valueFrom?.secretKeyRef)).toEqual([ref, ref]);
    expect((at(s.get('Deployment', 'redis-proxy'), 'spec.template.spec.containers.0.env') as Container['env'])?.[0].valueFrom?.secretKeyRef).toEqual(ref);
    expect((at(s.get('Deployment', 'planner'), 'spec.template.spec.containers.0.env') as Container['env'])?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual(ref);
    expect(s.all('ExternalSecret')).toEqual([]);
    expect(JSON.stringify(s.objects)).not.toContain('redis-auth');
  });

  test('a passwordKey the passwordSecret does not declare is reported', () => {
    const problems = problemsOf((p) => {
      new RedisCacheStatefulSet(p, 'redis', { passwordSecret: SecretSource.fromSecretName(p, 'S', 'shared-redis', ['token']) });
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/passwordKey/);
    expect(problems[0]).toContain('token');
  });
});

describe('probes', () => {
  test('redis-cli probes: readiness needs PONG, liveness and startup accept LOADING', () => {
    const main = container(synth(redis()), 'redis');
    const shell = (probe: { exec?: { command: string[] } } | undefined) => {
      expect(probe?.exec?.command.slice(0, 2)).toEqual(['sh', '-c']);
      return probe?.exec?.command[2] ?? '';
    };
    const readiness = shell(main?.readinessProbe);
    const liveness = shell(main?.livenessProbe);
    const startup = shell(main?.startupProbe);
    for (const command of [readiness, liveness, startup]) {
      expect(command).toMatch(/^redis-cli -h 127\.0\.0\.1 -p 6379 ping \| grep -Eq '/);
    }
    expect(readiness).toMatch(/grep -Eq 'PONG'$/);
    expect(liveness).toMatch(/grep -Eq 'PONG\|LOADING'$/);
    expect(startup).toMatch(/grep -Eq 'PONG\|LOADING'$/);
  });
});

describe('exporter', () => {
  test('a redis_exporter sidecar on port 9121 named metrics, with Prometheus annotations', () => {
    const s = synth(redis());
    expect(container(s, 'exporter')?.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(container(s, 'exporter')?.image).toBe(RedisCacheStatefulSet.DEFAULT_EXPORTER_IMAGE);
    expect(at(s.get('StatefulSet', 'redis'), 'spec.template.metadata.annotations')).toEqual({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '9121', 'prometheus.io/path': '/metrics', 'checksum/config': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  test('exporter: false removes the sidecar and the annotations', () => {
    const s = synth(redis({ exporter: false }));
    expect(containers(s).map((c) => c.name)).toEqual(['redis', 'sentinel']);
    expect(JSON.stringify(s.get('StatefulSet', 'redis'))).not.toContain('prometheus.io');
    expect(JSON.stringify(s.get('StatefulSet', 'redis'))).not.toContain('9121');
  });

  test('with the Prometheus operator, only the Prometheus pods of the monitoring namespace are admitted, on 9121 only', () => {
    // GIVEN
    const s = synth(single(), Environments.prod({ namespace: NS, observability: { mode: ObservabilityMode.OPERATOR } }));
    // THEN
    expect(at(s.get('NetworkPolicy', 'redis'), 'spec.ingress')).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 9121, protocol: 'TCP' }],
    }]);
  });
});

describe('validation', () => {
  test('maxMemory 1900Mi with a 2Gi limit on a single node is refused, naming maxMemory, the limit and the fix', () => {
    const problems = problemsOf(single({ maxMemory: '1900Mi' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\/redis\] maxMemory: /);
    expect(problems[0]).toContain('"2Gi"');
    expect(problems[0]).toContain('at most 90% of the limit (1843Mi)');
    expect(problems[0]).toContain('lower maxMemory or raise resources.limits.memory');
    expect(problems[0]).toContain('(got "1900Mi")');
  });

  test('maxMemory above the limit is refused; 90% of the limit is accepted on a single node', () => {
    expect(problemsOf(single({ maxMemory: '3Gi' }))).toEqual([
      '[test/redis] maxMemory: must fit the memory limit "2Gi" with room for the fork of RDB/AOF persistence: at most 90% of the limit (1843Mi); lower maxMemory or raise resources.limits.memory (got "3Gi")',
    ]);
    expect(problemsOf(single({ maxMemory: '1843Mi' }))).toEqual([]);
  });

  test('replicated, maxMemory is checked against the limit of every pod, the primary\'s replica buffers included', () => {
    expect(problemsOf(redis({ maxMemory: '1800Mi' }))).toEqual([
      '[test/redis] maxMemory: must fit the memory limit "2Gi" of every Redis pod with room for the fork of RDB/AOF persistence and, on the primary, the output buffers of its 2 replicas (64Mi each): maxMemory plus 128Mi must be at most 90% of the limit (1843Mi), so maxMemory at most 1715Mi; lower maxMemory or raise resources.limits.memory (got "1800Mi")',
    ]);
    expect(problemsOf(redis({ maxMemory: '1715Mi' }))).toEqual([]);
  });

  test('a raised limit makes room for the same maxMemory', () => {
    expect(problemsOf(redis({ maxMemory: '1900Mi', resources: { limits: { memory: '4Gi' } } }))).toEqual([]);
  });

  test('an unknown eviction policy and usage are refused with the allowed values', () => {
    expect(problemsOf(redis({ evictionPolicy: 'lru', usage: 'store' as RedisUsage }))).toEqual([
      '[test/redis] usage: must be one of cache, queue, agent-memory (got "store")',
      '[test/redis] evictionPolicy: must be one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl (got "lru")',
    ]);
  });

  test('fewer than 3 nodes, more than 7, and minReplicasToWrite above the replicas are refused', () => {
    expect(problemsOf(redis({ replication: { nodes: 2 } }))).toEqual([
      '[test/redis] replication.nodes: must be at least 3: every pod runs a Sentinel, and a failover needs a majority of them to survive the loss of a pod (got 2)',
    ]);
    expect(problemsOf(redis({ replication: { nodes: 8 } }))).toEqual(['[test/redis] replication.nodes: must be at most 7 (got 8)']);
    expect(problemsOf(redis({ replication: { minReplicasToWrite: 3 } }))).toEqual([
      '[test/redis] replication.minReplicasToWrite: must be at most the number of replicas (2 with 3 nodes), or the primary would refuse every write (got 3)',
    ]);
  });

  test('replication settings without enabled in development: a single node, and a notice says so', () => {
    const platform = platformFor(dev());
    new RedisCacheStatefulSet(platform, 'redis', { replication: { nodes: 5, downAfterMilliseconds: 5000 } });
    expect(collectProblems(platform)).toEqual([]);
    expect(collectNotices(platform).map(formatNotice)).toEqual([
      '[test/redis] replication: asked for replication settings (nodes, downAfterMilliseconds); rendered a single Redis pod without Sentinels, because environment "dev" is a development environment, where replication is off unless replication.enabled is true',
    ]);
    expect(collectNotices(platformFor(dev())).length).toBe(0);
  });

  test('replication asked for in an environment that runs one replica of everything is refused, saying what to change', () => {
    expect(problemsOf(redis({ replication: { enabled: true } }), dev())).toEqual([
      '[test/redis] replication.enabled: runs 3 Redis pods, but the environment "dev" allows at most 1 replica(s) per workload (replicas.max); turn replication off here or raise replicas.max (got true)',
    ]);
  });

  test('the Sentinel and proxy images follow the tag policy', () => {
    expect(problemsOf(redis({ replication: { sentinelImage: 'redis:latest', primaryProxy: { image: 'haproxy' } } }))).toEqual([
      expect.stringMatching(/^\[test\/redis\] replication\.sentinelImage: uses the mutable tag "latest"/),
      expect.stringMatching(/^\[test\/redis\] replication\.primaryProxy\.image: /),
    ]);
  });
});

describe('a Redis that evicts keys used as a queue (issue 10)', () => {
  const worker = (p: AgentPlatform, cache: RedisCacheStatefulSet, triggers: boolean) => new AgentMicroservice(p, 'worker', {
    image: 'worker:1.0.0', mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, cache,
    ...(triggers ? { queueScaling: { triggers: [QueueTrigger.redisList(cache, { listName: 'jobs' })] } } : {}),
  });

  test('the cache default (allkeys-lru) with a QueueTrigger.redisList: one line naming the Redis, the field, the policy, the list and the fix', () => {
    const problems = problemsOf((p) => { worker(p, new RedisCacheStatefulSet(p, 'redis'), true); }, dev());
    expect(problems).toEqual([
      '[test/redis] evictionPolicy: "allkeys-lru" (the default of usage "cache") evicts keys under memory pressure, yet this Redis is used as a queue: test/worker scales on its list "jobs" (QueueTrigger.redisList). Queued jobs would vanish when memory runs out. Set usage: RedisUsage.QUEUE (noeviction) on this Redis, or give the queue a separate Redis with usage: RedisUsage.QUEUE (got "allkeys-lru")',
    ]);
  });

  test('a worker wired to an evicting Redis that scales on no other queue reads its jobs from it', () => {
    const problems = problemsOf((p) => { worker(p, new RedisCacheStatefulSet(p, 'redis', { evictionPolicy: 'volatile-lru' }), false); });
    expect(problems).toEqual([
      '[test/redis] evictionPolicy: evictionPolicy "volatile-lru" evicts keys under memory pressure, yet this Redis is used as a queue: worker test/worker reads its jobs from it (wired as its cache, scaled on no other queue). Queued jobs would vanish when memory runs out. Set usage: RedisUsage.QUEUE (noeviction) on this Redis, or give the queue a separate Redis with usage: RedisUsage.QUEUE (got "volatile-lru")',
    ]);
  });

  test('usage QUEUE with an explicit evicting policy', () => {
    expect(problemsOf(redis({ usage: RedisUsage.QUEUE, evictionPolicy: 'allkeys-lfu' }))).toEqual([
      '[test/redis] evictionPolicy: can evict keys, but usage is "queue": queued jobs would vanish under memory pressure. Remove evictionPolicy (a queue uses noeviction), or keep the evicting cache in a separate Redis (got "allkeys-lfu")',
    ]);
  });

  test('accepted: usage QUEUE, an agent API using a cache, a worker that scales on another queue and caches in Redis', () => {
    expect(problemsOf((p) => { worker(p, new RedisCacheStatefulSet(p, 'redis', { usage: RedisUsage.QUEUE }), true); })).toEqual([]);
    expect(problemsOf((p) => {
      const cache = new RedisCacheStatefulSet(p, 'redis');
      new AgentMicroservice(p, 'api', { image: 'api:1.0.0', cache });
      new AgentMicroservice(p, 'worker', {
        image: 'worker:1.0.0', mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, cache,
        queueScaling: { triggers: [QueueTrigger.kafka({ bootstrapServers: 'kafka:9092', consumerGroup: 'g', topic: 't' })] },
      });
    })).toEqual([]);
  });
});
