import { AgentMicroservice, AgentMode, Environments, ExternalEndpoint, QueueTrigger, RedisCacheStatefulSet, SecretSource } from '../../lib';
import { at, problemsOf, synth } from '../helpers/synth';
import { egressPaths, envOf, mainContainer, withDns } from '../inference/pods';

const NS = 'agents';
const HOST = 'master.agents.abc123.use1.cache.amazonaws.com';
const SUBNET = ExternalEndpoint.cidr('10.30.0.0/16', { ports: [6379], hosts: [HOST] });

describe('RedisCacheStatefulSet.fromEndpoint: a managed Redis, wired like ours', () => {
  const s = synth((p) => {
    const auth = SecretSource.fromSecretName(p, 'ElastiCacheAuth', 'elasticache-auth', ['token']);
    const cache = RedisCacheStatefulSet.fromEndpoint(p, 'Managed', { host: HOST, passwordSecret: auth, passwordKey: 'token', endpoint: SUBNET });
    new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache });
    new AgentMicroservice(p, 'worker', {
      image: 'worker:1.0.0', mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, cache,
      queueScaling: { triggers: [QueueTrigger.redisList(cache, { listName: 'jobs' })] },
    });
  }, Environments.prod({ namespace: NS }));

  test('consumers get REDIS_HOST, REDIS_PORT, the password from its Secret, REDIS_TLS and a rediss:// URL', () => {
    const env = envOf(mainContainer(s.get('Deployment', 'planner')));
    expect(Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('REDIS_')))).toEqual({
      REDIS_HOST: { value: HOST },
      REDIS_PORT: { value: '6379' },
      REDIS_PASSWORD: { valueFrom: { secretKeyRef: { name: 'elasticache-auth', key: 'token' } } },
      REDIS_TLS: { value: 'true' },
      REDIS_URL: { value: `rediss://:$(REDIS_PASSWORD)@${HOST}:6379/0` },
    });
  });

  test('egress to its subnet on its port, and nothing is rendered for it', () => {
    expect(egressPaths(s.get('NetworkPolicy', 'planner'))).toEqual(withDns('cidr 10.30.0.0/16 TCP/6379'));
    expect(s.all('StatefulSet')).toEqual([]);
  });

  test('KEDA reads the list with its redis scaler over TLS, the password from the same Secret', () => {
    expect(at(s.get('ScaledObject', 'worker'), 'spec.triggers')).toEqual([{
      type: 'redis',
      metadata: { address: `${HOST}:6379`, enableTLS: 'true', listName: 'jobs', listLength: '5' },
      authenticationRef: { name: 'worker-redis' },
    }]);
    expect(at(s.get('TriggerAuthentication', 'worker-redis'), 'spec')).toEqual({ secretTargetRef: [{ parameter: 'password', name: 'elasticache-auth', key: 'token' }] });
  });

  test('tls: false gives redis:// and REDIS_TLS=false', () => {
    const out = synth((p) => {
      const cache = RedisCacheStatefulSet.fromEndpoint(p, 'Managed', {
        host: HOST, port: 6380, tls: false, passwordSecret: SecretSource.fromSecretName(p, 'A', 'auth', ['password']),
        endpoint: ExternalEndpoint.cidr('10.30.0.0/16', { ports: [6380] }),
      });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache });
    });
    expect(envOf(mainContainer(out.get('Deployment', 'planner'))).REDIS_URL).toEqual({ value: `redis://:$(REDIS_PASSWORD)@${HOST}:6380/0` });
    expect(envOf(mainContainer(out.get('Deployment', 'planner'))).REDIS_TLS).toEqual({ value: 'false' });
  });

  test('refused: an endpoint that does not open the Redis port, an undeclared key, a host that is not one, a plain object for the endpoint', () => {
    expect(problemsOf((p) => {
      const auth = SecretSource.fromSecretName(p, 'A', 'auth', ['password']);
      RedisCacheStatefulSet.fromEndpoint(p, 'WrongPort', { host: HOST, passwordSecret: auth, endpoint: ExternalEndpoint.cidr('10.30.0.0/16', { ports: [443] }) });
      RedisCacheStatefulSet.fromEndpoint(p, 'WrongKey', { host: HOST, passwordSecret: auth, passwordKey: 'token', endpoint: SUBNET });
      RedisCacheStatefulSet.fromEndpoint(p, 'WrongHost', { host: 'redis://x', passwordSecret: auth, endpoint: { block: '10.0.0.0/8' } as unknown as ExternalEndpoint });
    })).toEqual([
      '[test/WrongPort] endpoint: must open the Redis port 6379: add it to the endpoint\'s ports (got [443])',
      '[test/WrongKey] passwordKey: secret "auth" declares no such key (declared: password) (got "token")',
      '[test/WrongHost] host: must be a host name (letters, digits, "." and "-") (got "redis://x")',
      '[test/WrongHost] endpoint: must be an ExternalEndpoint, e.g. ExternalEndpoint.cidr("10.30.0.0/16", { ports: [6379] }) (got {"block":"10.0.0.0/8"})',
    ]);
  });

  test('a plain object for the password Secret, wired to an agent, is a reported problem, not a crash', () => {
    expect(problemsOf((p) => {
      const cache = RedisCacheStatefulSet.fromEndpoint(p, 'Managed', { host: HOST, passwordSecret: { secretName: 'x', keys: ['password'] } as never, endpoint: SUBNET });
      new AgentMicroservice(p, 'planner', { image: 'planner:1.0.0', cache });
    })).toEqual(['[test/Managed] passwordSecret: must be a SecretSource (or SecretSource.fromSecretName()) (got {"secretName":"x","keys":["password"]})']);
  });

  test('a managed Redis declared to evict keys cannot hold a queue', () => {
    expect(problemsOf((p) => {
      const cache = RedisCacheStatefulSet.fromEndpoint(p, 'Managed', {
        host: HOST, passwordSecret: SecretSource.fromSecretName(p, 'A', 'auth', ['password']), endpoint: SUBNET, evictionPolicy: 'volatile-lru',
      });
      new AgentMicroservice(p, 'worker', { image: 'worker:1.0.0', mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, queueScaling: { triggers: [QueueTrigger.redisList(cache, { listName: 'jobs' })] } });
    })).toEqual([
      '[test/Managed] evictionPolicy: evictionPolicy "volatile-lru" (the service\'s maxmemory-policy) evicts keys under memory pressure, yet this Redis is used as a queue: test/worker scales on its list "jobs" (QueueTrigger.redisList). Queued jobs would vanish when memory runs out. Configure the service with maxmemory-policy noeviction (and declare it here), or give the queue a separate Redis that does not evict (got "volatile-lru")',
    ]);
  });
});
