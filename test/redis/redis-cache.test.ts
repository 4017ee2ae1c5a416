import {
  AgentMicroservice, type AgentPlatform, Environments, ObservabilityMode, RedisCacheStatefulSet, type RedisCacheStatefulSetProps, RedisUsage,
  SecretBackend, SecretSource,
} from '../../lib';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';

const NS = 'agents';
const GiB = 2 ** 30;
const MiB = 2 ** 20;

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
  readonly env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly startupProbe?: { exec?: { command: string[] } };
  readonly readinessProbe?: { exec?: { command: string[] } };
  readonly livenessProbe?: { exec?: { command: string[] } };
  readonly volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

const redis = (props: RedisCacheStatefulSetProps = {}) => (p: AgentPlatform) => { new RedisCacheStatefulSet(p, 'redis', props); };
const containers = (s: Synthesized, name = 'redis'): Container[] => at(s.get('StatefulSet', name), 'spec.template.spec.containers') as Container[];
const container = (s: Synthesized, containerName: string, name = 'redis'): Container | undefined => containers(s, name).find((c) => c.name === containerName);
const redisConf = (s: Synthesized, name = 'redis'): string[] => (s.get('ConfigMap', `${name}-config`).data as Record<string, string>)['redis.conf'].split('\n');

describe('objects', () => {
  test('a StatefulSet, a headless Service for its identity and a client Service', () => {
    // GIVEN a Redis with defaults in prod
    const s = synth(redis());
    // THEN
    const own = s.objects.filter((o) => o.metadata.name.startsWith('redis')).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(own).toEqual([
      'ConfigMap/redis-config', 'NetworkPolicy/redis', 'PodDisruptionBudget/redis', 'Service/redis', 'Service/redis-headless', 'ServiceAccount/redis', 'StatefulSet/redis',
    ]);
    const headless = at(s.get('Service', 'redis-headless'), 'spec') as Record<string, unknown>;
    expect(headless.clusterIP).toBe('None');
    expect(headless.publishNotReadyAddresses).toBe(true);
    expect(headless.selector).toEqual({ 'app.kubernetes.io/name': 'redis' });
    const client = at(s.get('Service', 'redis'), 'spec') as Record<string, unknown>;
    expect(client.clusterIP).toBeUndefined();
    expect(client.publishNotReadyAddresses).toBeUndefined();
    expect(client.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP', appProtocol: 'redis' }]);
    expect(at(s.get('StatefulSet', 'redis'), 'spec.serviceName')).toBe('redis-headless');
    expect(at(s.get('StatefulSet', 'redis'), 'spec.replicas')).toBe(1);
  });

  test('a PodDisruptionBudget in prod, none in dev', () => {
    // GIVEN
    const prod = synth(redis());
    const dev = synth(redis(), Environments.dev({ namespace: NS }));
    // THEN
    expect(at(prod.get('PodDisruptionBudget', 'redis'), 'spec')).toEqual({
      maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(dev.all('PodDisruptionBudget')).toEqual([]);
  });

  test('pods run as the redis user 999', () => {
    // GIVEN
    const s = synth(redis());
    // THEN
    expect(at(s.get('StatefulSet', 'redis'), 'spec.template.spec.securityContext')).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
  });

  test('the context-cache preset: 512Mi / 500m requested, 2Gi / 1 CPU limit', () => {
    // GIVEN
    const s = synth(redis());
    // THEN
    expect(container(s, 'redis')?.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } });
  });
});

describe('storage', () => {
  test('a 10Gi ReadWriteOnce "data" claim per replica, with the environment storage class, mounted at /data', () => {
    // GIVEN an environment with a storage class
    const s = synth(redis(), Environments.prod({ namespace: NS, storage: { storageClassName: 'gp3' } }));
    // THEN
    expect(at(s.get('StatefulSet', 'redis'), 'spec.volumeClaimTemplates')).toEqual([{
      metadata: { name: 'data', labels: { 'app.kubernetes.io/name': 'redis' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } } },
    }]);
    expect(container(s, 'redis')?.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  test('an explicit storage class and size win', () => {
    // GIVEN
    const s = synth(redis({ storageClassName: 'io2', storageSize: '50Gi' }), Environments.prod({ namespace: NS, storage: { storageClassName: 'gp3' } }));
    // THEN
    expect(at(s.get('StatefulSet', 'redis'), 'spec.volumeClaimTemplates.0.spec')).toEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'io2', resources: { requests: { storage: '50Gi' } },
    });
  });

  test('without any storage class the cluster default is used (the field is omitted)', () => {
    const s = synth(redis());
    expect(at(s.get('StatefulSet', 'redis'), 'spec.volumeClaimTemplates.0.spec.storageClassName')).toBeUndefined();
  });
});

describe('redis.conf', () => {
  test('persistence, memory bound, eviction and disabled commands, mounted read-only', () => {
    // GIVEN
    let r: RedisCacheStatefulSet | undefined;
    const s = synth((p) => { r = new RedisCacheStatefulSet(p, 'redis'); });
    const conf = redisConf(s);
    // THEN
    expect(conf).toEqual(expect.arrayContaining([
      'save 300 1', 'appendonly yes', 'appendfsync everysec', 'dir /data', 'port 6379',
      `maxmemory ${1.5 * GiB}`, 'maxmemory-policy allkeys-lru',
      'rename-command FLUSHALL ""', 'rename-command FLUSHDB ""', 'rename-command CONFIG ""',
    ]));
    expect(r?.maxMemoryBytes).toBe(Math.floor(0.75 * 2 * GiB));
    expect(conf.filter((line) => /^\s*requirepass\b/.test(line))).toEqual([]);
    expect(container(s, 'redis')?.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/redis', readOnly: true });
    expect(at(s.get('StatefulSet', 'redis'), 'spec.template.spec.volumes')).toContainEqual({ name: 'config', configMap: { name: 'redis-config' } });
    expect(container(s, 'redis')?.args?.[0]).toBe('/etc/redis/redis.conf');
  });

  test('maxmemory follows the memory limit: 75% of 1Gi in dev, of an explicit 4Gi limit, or the given maxMemory', () => {
    // GIVEN
    const dev = synth(redis(), Environments.dev({ namespace: NS }));
    const bigger = synth(redis({ resources: { limits: { memory: '4Gi' } } }));
    const explicit = synth(redis({ maxMemory: '1Gi' }));
    // THEN
    expect(redisConf(dev)).toContain(`maxmemory ${768 * MiB}`);
    expect(redisConf(bigger)).toContain(`maxmemory ${3 * GiB}`);
    expect(redisConf(explicit)).toContain(`maxmemory ${GiB}`);
  });

  test.each([
    [RedisUsage.CACHE, 'allkeys-lru'],
    [RedisUsage.QUEUE, 'noeviction'],
    [RedisUsage.AGENT_MEMORY, 'noeviction'],
  ])('usage %s evicts with %s', (usage, policy) => {
    // GIVEN / THEN
    expect(redisConf(synth(redis({ usage })))).toContain(`maxmemory-policy ${policy}`);
  });

  test('an explicit eviction policy, snapshot interval and append-only switch', () => {
    // GIVEN
    const conf = redisConf(synth(redis({ usage: RedisUsage.QUEUE, evictionPolicy: 'volatile-ttl', snapshotIntervalSeconds: 60, appendOnly: false })));
    // THEN
    expect(conf).toEqual(expect.arrayContaining(['maxmemory-policy volatile-ttl', 'save 60 1', 'appendonly no']));
  });
});

describe('password', () => {
  test('only through secretKeyRef: redis gets --requirepass $(REDIS_PASSWORD), redis-cli and the exporter read the same key', () => {
    // GIVEN
    const s = synth(redis());
    const main = container(s, 'redis');
    // THEN
    expect(main?.command).toEqual(['redis-server']);
    expect(main?.args).toEqual(['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
    const ref = { valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } };
    expect(main?.env).toEqual([{ name: 'REDIS_PASSWORD', ...ref }, { name: 'REDISCLI_AUTH', ...ref }]);
    expect(container(s, 'exporter')?.env).toEqual([{ name: 'REDIS_ADDR', value: 'redis://127.0.0.1:6379' }, { name: 'REDIS_PASSWORD', ...ref }]);
  });

  test.each([
    ['existing secrets', Environments.prod({ namespace: NS })],
    ['external-secrets', externalSecrets],
  ])('no Secret with data is rendered in prod with %s, and no env var anywhere holds a literal password', (_label, env) => {
    // GIVEN a Redis and a consumer
    const s = synth((p) => {
      const r = new RedisCacheStatefulSet(p, 'redis');
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache: r });
    }, env);
    // THEN no Secret object holds values
    expect(s.all('Secret').filter((o) => o.data !== undefined || o.stringData !== undefined)).toEqual([]);
    // AND every password variable of every container is a secret reference
    const passwordVars = s.objects.flatMap((o) => (at(o, 'spec.template.spec.containers') ?? []) as Container[])
      .flatMap((c) => c.env ?? []).filter((e) => /PASSWORD|AUTH/.test(e.name));
    expect(passwordVars.map((e) => e.name).sort()).toEqual(['REDISCLI_AUTH', 'REDIS_PASSWORD', 'REDIS_PASSWORD', 'REDIS_PASSWORD']);
    for (const variable of passwordVars) {
      expect([variable.name, variable.value, variable.valueFrom?.secretKeyRef]).toEqual([variable.name, undefined, { name: 'redis-auth', key: 'password' }]);
    }
    // AND redis.conf has no password directive
    expect(redisConf(s).filter((l) => /^\s*(requirepass|masterauth)\b/.test(l))).toEqual([]);
  });

  test('the default password secret "<name>-auth" is an ExternalSecret with the external-secrets backend', () => {
    // GIVEN
    const s = synth(redis({ name: 'session-store' }), externalSecrets);
    // THEN
    expect(at(s.get('ExternalSecret', 'session-store-auth'), 'spec')).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'aws-secretsmanager', kind: 'ClusterSecretStore' },
      target: { name: 'session-store-auth', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [{ secretKey: 'password', remoteRef: { key: 'prod/session-store-auth', property: 'password' } }],
    });
    expect(s.all('Secret')).toEqual([]);
  });

  test('the default password secret renders nothing with existing secrets', () => {
    // GIVEN
    const s = synth(redis());
    // THEN only references to "redis-auth" exist
    expect(s.all('Secret')).toEqual([]);
    expect(s.all('ExternalSecret')).toEqual([]);
    expect(s.all('SealedSecret')).toEqual([]);
    expect(container(s, 'redis')?.env?.[0].valueFrom?.secretKeyRef).toEqual({ name: 'redis-auth', key: 'password' });
  });

  test('an explicit passwordSecret and passwordKey are used instead, by redis and its consumers', () => {
    // GIVEN an existing Secret "shared-redis" with key "redis-password"
    const s = synth((p) => {
      const secret = SecretSource.fromSecretName(p, 'RedisSecret', 'shared-redis', ['redis-password']);
      const r = new RedisCacheStatefulSet(p, 'redis', { passwordSecret: secret, passwordKey: 'redis-password' });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache: r });
    }, externalSecrets);
    // THEN
    const ref = { name: 'shared-redis', key: 'redis-password' };
    expect(container(s, 'redis')?.env?.map((e) => e.valueFrom?.secretKeyRef)).toEqual([ref, ref]);
    expect((at(s.get('Deployment', 'planner'), 'spec.template.spec.containers.0.env') as Container['env'])?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual(ref);
    // AND no default secret is declared
    expect(s.all('ExternalSecret')).toEqual([]);
    expect(JSON.stringify(s.objects)).not.toContain('redis-auth');
  });

  // The password key must be one the passwordSecret declares, or the pod would fail with
  // CreateContainerConfigError.
  test('a passwordKey the passwordSecret does not declare is reported', () => {
    // GIVEN a secret declaring "token" only, and the default passwordKey "password"
    const problems = problemsOf((p) => {
      new RedisCacheStatefulSet(p, 'redis', { passwordSecret: SecretSource.fromSecretName(p, 'S', 'shared-redis', ['token']) });
    });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/passwordKey/);
    expect(problems[0]).toContain('token');
  });
});

describe('probes', () => {
  test('redis-cli probes: readiness needs PONG, liveness and startup accept LOADING', () => {
    // GIVEN
    const main = container(synth(redis()), 'redis');
    const shell = (probe: { exec?: { command: string[] } } | undefined) => {
      expect(probe?.exec?.command.slice(0, 2)).toEqual(['sh', '-c']);
      return probe?.exec?.command[2] ?? '';
    };
    // THEN
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
    // GIVEN
    const s = synth(redis());
    // THEN
    expect(containers(s).map((c) => c.name)).toEqual(['redis', 'exporter']);
    expect(container(s, 'exporter')?.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(container(s, 'exporter')?.image).toBe(RedisCacheStatefulSet.DEFAULT_EXPORTER_IMAGE);
    expect(at(s.get('StatefulSet', 'redis'), 'spec.template.metadata.annotations')).toEqual({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '9121', 'prometheus.io/path': '/metrics',
    });
  });

  test('exporter: false removes the sidecar and the annotations', () => {
    // GIVEN
    const s = synth(redis({ exporter: false }));
    // THEN
    expect(containers(s).map((c) => c.name)).toEqual(['redis']);
    expect(JSON.stringify(s.get('StatefulSet', 'redis'))).not.toContain('prometheus.io');
    expect(JSON.stringify(s.get('StatefulSet', 'redis'))).not.toContain('9121');
  });

  test('with the Prometheus operator, only the Prometheus pods of the monitoring namespace are admitted, on 9121 only', () => {
    // GIVEN
    const s = synth(redis(), Environments.prod({ namespace: NS, observability: { mode: ObservabilityMode.OPERATOR } }));
    // THEN
    expect(at(s.get('NetworkPolicy', 'redis'), 'spec.ingress')).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 9121, protocol: 'TCP' }],
    }]);
  });
});

describe('validation', () => {
  test('maxMemory 1900Mi with a 2Gi limit is refused, naming maxMemory, the limit and the fix', () => {
    // GIVEN
    const problems = problemsOf(redis({ maxMemory: '1900Mi' }));
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\/redis\] maxMemory: /);
    expect(problems[0]).toContain('"2Gi"');
    expect(problems[0]).toContain('at most 90% of the limit (1843Mi)');
    expect(problems[0]).toContain('lower maxMemory or raise resources.limits.memory');
    expect(problems[0]).toContain('(got "1900Mi")');
  });

  test('maxMemory above the limit is refused; 90% of the limit is accepted', () => {
    // GIVEN / THEN
    expect(problemsOf(redis({ maxMemory: '3Gi' }))).toEqual([
      '[test/redis] maxMemory: must fit the memory limit "2Gi" with room for the fork of RDB/AOF persistence: at most 90% of the limit (1843Mi); lower maxMemory or raise resources.limits.memory (got "3Gi")',
    ]);
    expect(problemsOf(redis({ maxMemory: '1843Mi' }))).toEqual([]);
  });

  test('a raised limit makes room for the same maxMemory', () => {
    expect(problemsOf(redis({ maxMemory: '1900Mi', resources: { limits: { memory: '4Gi' } } }))).toEqual([]);
  });

  test('an unknown eviction policy and usage are refused with the allowed values', () => {
    // GIVEN
    const problems = problemsOf(redis({ evictionPolicy: 'lru', usage: 'store' as RedisUsage }));
    // THEN
    expect(problems).toEqual([
      '[test/redis] usage: must be one of cache, queue, agent-memory (got "store")',
      '[test/redis] evictionPolicy: must be one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl (got "lru")',
    ]);
  });
});
