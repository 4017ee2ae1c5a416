import * as fc from 'fast-check';
import {
  AgentMicroservice, type AgentMicroserviceProps, AgentMode, type AgentPlatform, type EnvironmentConfig, Environments, GpuInferencePool,
  type KubeObject, type QueueScalingOptions, QueueTrigger, RedisCacheStatefulSet, RedisUsage, SecretSource,
} from '../../lib';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';
import { validateManifests } from '../validation';
import { expectOneProblem } from '../inference/helpers';
import { ingressPaths, namespacePath, podPath, podSpec } from '../inference/pods';
import { nonEmpty } from '../helpers/lists';

const WORKER = 'task-worker';
const CACHE = 'task-queue';
const IMAGE = 'ghcr.io/acme/task-worker:2.0.1';
const ADDRESS = `${CACHE}.agents.svc.cluster.local:6379`;
const SENTINELS = `${CACHE}-sentinel.agents.svc.cluster.local:26379`;

const prod = (): EnvironmentConfig => Environments.prod({ namespace: 'agents' });
const staging = (): EnvironmentConfig => Environments.staging({ namespace: 'agents' });
const dev = (): EnvironmentConfig => Environments.dev({ namespace: 'agents' });

/** What a test's queue scaling may refer to: the Redis queue and a RabbitMQ connection Secret. */
interface Queues {
  readonly cache: RedisCacheStatefulSet;
  readonly rabbit: SecretSource;
}

type ScalingBuilder = (queues: Queues) => QueueScalingOptions;

function buildWorker(p: AgentPlatform, scaling: ScalingBuilder, extra: Partial<AgentMicroserviceProps> = {}): void {
  const cache = new RedisCacheStatefulSet(p, CACHE, { usage: RedisUsage.QUEUE });
  const rabbit = new SecretSource(p, 'rabbitmq-connection', { keys: ['amqp-url'] });
  new AgentMicroservice(p, WORKER, { image: IMAGE, mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, cache, queueScaling: scaling({ cache, rabbit }), ...extra });
}

function synthWorker(scaling: ScalingBuilder, environment: EnvironmentConfig = prod(), extra: Partial<AgentMicroserviceProps> = {}): Synthesized {
  return synth((p) => buildWorker(p, scaling, extra), environment);
}

function problemsOfWorker(scaling: ScalingBuilder, environment: EnvironmentConfig = prod(), extra: Partial<AgentMicroserviceProps> = {}): string[] {
  return problemsOf((p) => buildWorker(p, scaling, extra), environment);
}

const redis = (options: { listLength?: number; activationListLength?: number; databaseIndex?: number } = {}): ScalingBuilder =>
  ({ cache }) => ({ triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks', ...options })] });

const scaledObject = (s: Synthesized) => s.get('ScaledObject', WORKER);
const triggersOf = (s: Synthesized) => at(scaledObject(s), 'spec.triggers') as { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];

describe('KEDA: QueueTrigger.redisList on a replicated Redis (the default in production)', () => {
  // GIVEN a worker scaled on a Redis list of a RedisCacheStatefulSet, in production
  const s = synthWorker(redis());

  test('a keda.sh/v1alpha1 ScaledObject on the Deployment: 0..10 replicas, polling 30 s, cooldown 300 s, KEDA\'s redis-sentinel scaler', () => {
    expect(scaledObject(s).apiVersion).toBe('keda.sh/v1alpha1');
    expect(at(scaledObject(s), 'spec')).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: WORKER },
      minReplicaCount: 0,
      maxReplicaCount: 10,
      pollingInterval: 30,
      cooldownPeriod: 300,
      triggers: [{
        type: 'redis-sentinel',
        metadata: { addresses: SENTINELS, sentinelMaster: CACHE, listName: 'support-tasks', listLength: '5' },
        authenticationRef: { name: `${WORKER}-redis-sentinel` },
      }],
    });
  });

  test('one TriggerAuthentication: the master and the Sentinels with the same password Secret, never the value', () => {
    const auth = s.get('TriggerAuthentication', `${WORKER}-redis-sentinel`);
    expect(auth.apiVersion).toBe('keda.sh/v1alpha1');
    expect(at(auth, 'spec')).toEqual({
      secretTargetRef: [
        { parameter: 'password', name: `${CACHE}-auth`, key: 'password' },
        { parameter: 'sentinelPassword', name: `${CACHE}-auth`, key: 'password' },
      ],
    });
    expect((auth.metadata.labels as Record<string, string>)['app.kubernetes.io/name']).toBe(WORKER);
  });

  test('the cache\'s NetworkPolicy admits the KEDA namespace on the Sentinel port and on 6379 (the master they name), besides the worker and the pods themselves', () => {
    expect(ingressPaths(s.get('NetworkPolicy', CACHE))).toEqual([
      namespacePath('keda', 26379), namespacePath('keda', 6379), podPath(CACHE, 26379), podPath(CACHE, 6379), podPath(`${CACHE}-proxy`, 6379),
      podPath(WORKER, 26379), podPath(WORKER, 6379),
    ]);
  });

  test('the Deployment leaves replicas to KEDA, and there is no HPA of ours', () => {
    expect(at(s.get('Deployment', WORKER), 'spec')).not.toHaveProperty('replicas');
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
  });

  test('up to 10 replicas can run: a PodDisruptionBudget and spread', () => {
    expect(s.all('PodDisruptionBudget').map((o) => o.metadata.name).sort()).toEqual([CACHE, `${CACHE}-proxy`, WORKER]);
    expect(podSpec(s.get('Deployment', WORKER)).topologySpreadConstraints).toHaveLength(2);
  });

  test('another KEDA namespace from the environment is the one admitted', () => {
    const other = synthWorker(redis(), Environments.prod({ namespace: 'agents', autoscaling: { kedaNamespace: 'keda-system' } }));
    expect(ingressPaths(other.get('NetworkPolicy', CACHE)).filter((p) => p.startsWith('namespace'))).toEqual([namespacePath('keda-system', 26379), namespacePath('keda-system', 6379)]);
  });

  test('listLength, activationListLength and databaseIndex are rendered as strings', () => {
    const other = synthWorker(redis({ listLength: 20, activationListLength: 1, databaseIndex: 2 }));
    expect(triggersOf(other)[0].metadata).toEqual({
      addresses: SENTINELS, sentinelMaster: CACHE, listName: 'support-tasks', listLength: '20', activationListLength: '1', databaseIndex: '2',
    });
  });

  test('a cache with its own password Secret and key: the TriggerAuthentication reads those', () => {
    const other = synth((p) => {
      const password = SecretSource.fromSecretName(p, 'redis-password', 'shared-redis', ['redis-password']);
      const cache = new RedisCacheStatefulSet(p, CACHE, { usage: RedisUsage.QUEUE, passwordSecret: password, passwordKey: 'redis-password' });
      new AgentMicroservice(p, WORKER, { image: IMAGE, mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, queueScaling: { triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks' })] } });
    }, prod());
    expect(at(other.get('TriggerAuthentication', `${WORKER}-redis-sentinel`), 'spec')).toEqual({
      secretTargetRef: [{ parameter: 'password', name: 'shared-redis', key: 'redis-password' }, { parameter: 'sentinelPassword', name: 'shared-redis', key: 'redis-password' }],
    });
  });
});

describe('KEDA: QueueTrigger.redisList on a single-node Redis', () => {
  const single = synth((p) => {
    const cache = new RedisCacheStatefulSet(p, CACHE, { usage: RedisUsage.QUEUE, replication: { enabled: false } });
    new AgentMicroservice(p, WORKER, { image: IMAGE, mode: AgentMode.WORKER, healthCheck: { command: ['/bin/worker', 'healthcheck'] }, cache, queueScaling: { triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks' })] } });
  }, prod());

  test('KEDA\'s redis scaler on the client Service, the password from the Secret', () => {
    expect(triggersOf(single)).toEqual([{
      type: 'redis',
      metadata: { address: ADDRESS, listName: 'support-tasks', listLength: '5' },
      authenticationRef: { name: `${WORKER}-redis` },
    }]);
    expect(at(single.get('TriggerAuthentication', `${WORKER}-redis`), 'spec')).toEqual({ secretTargetRef: [{ parameter: 'password', name: `${CACHE}-auth`, key: 'password' }] });
  });

  test('the cache admits the KEDA namespace on 6379, besides the worker', () => {
    expect(ingressPaths(single.get('NetworkPolicy', CACHE))).toEqual([namespacePath('keda', 6379), podPath(WORKER, 6379)]);
  });
});

describe('KEDA: other triggers', () => {
  test('rabbitMq: queue length per replica, the AMQP URL from a Secret as the `host` parameter', () => {
    const s = synthWorker(({ rabbit }) => ({ triggers: [QueueTrigger.rabbitMq({ queueName: 'support-tasks', connection: { secret: rabbit, key: 'amqp-url' }, messagesPerReplica: 20 })] }));
    expect(triggersOf(s)).toEqual([{
      type: 'rabbitmq',
      metadata: { protocol: 'amqp', queueName: 'support-tasks', mode: 'QueueLength', value: '20' },
      authenticationRef: { name: `${WORKER}-rabbitmq` },
    }]);
    expect(at(s.get('TriggerAuthentication', `${WORKER}-rabbitmq`), 'spec')).toEqual({ secretTargetRef: [{ parameter: 'host', name: 'rabbitmq-connection', key: 'amqp-url' }] });
  });

  test('rabbitMq: 10 messages per replica by default', () => {
    const s = synthWorker(({ rabbit }) => ({ triggers: [QueueTrigger.rabbitMq({ queueName: 'support-tasks', connection: { secret: rabbit, key: 'amqp-url' } })] }));
    expect(triggersOf(s)[0].metadata.value).toBe('10');
  });

  test('kafka: consumer-group lag, without credentials (no TriggerAuthentication, no authenticationRef)', () => {
    const s = synthWorker(() => ({ triggers: [QueueTrigger.kafka({ bootstrapServers: 'kafka-0.kafka:9092', consumerGroup: 'support', topic: 'tasks', lagThreshold: 50 })] }));
    expect(triggersOf(s)).toEqual([{ type: 'kafka', metadata: { bootstrapServers: 'kafka-0.kafka:9092', consumerGroup: 'support', topic: 'tasks', lagThreshold: '50' } }]);
    expect(s.all('TriggerAuthentication')).toEqual([]);
  });

  test.each([
    ['keda (default)', undefined, 'keda'],
    ['workload', 'workload' as const, 'workload'],
  ])('sqs: AWS pod identity owned by %s', (_label, identityOwner, expected) => {
    const s = synthWorker(() => ({ triggers: [QueueTrigger.sqs({ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/support-tasks', region: 'eu-west-1', identityOwner })] }));
    expect(triggersOf(s)).toEqual([{
      type: 'aws-sqs-queue',
      metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/support-tasks', awsRegion: 'eu-west-1', queueLength: '5' },
      authenticationRef: { name: `${WORKER}-aws-sqs-queue` },
    }]);
    expect(at(s.get('TriggerAuthentication', `${WORKER}-aws-sqs-queue`), 'spec')).toEqual({ podIdentity: { provider: 'aws', identityOwner: expected } });
  });

  test('prometheus: any query, its threshold and activation threshold, no credentials', () => {
    const s = synthWorker(() => ({
      triggers: [QueueTrigger.prometheus({ serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(pending_jobs)', threshold: 3, activationThreshold: 1 })],
    }));
    expect(triggersOf(s)).toEqual([{
      type: 'prometheus',
      metadata: { serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(pending_jobs)', threshold: '3', activationThreshold: '1' },
    }]);
    expect(s.all('TriggerAuthentication')).toEqual([]);
  });

  test('several triggers: in the order given, each TriggerAuthentication named after its position', () => {
    const s = synthWorker(({ cache, rabbit }) => ({
      triggers: [
        QueueTrigger.redisList(cache, { listName: 'support-tasks' }),
        QueueTrigger.kafka({ bootstrapServers: 'kafka:9092', consumerGroup: 'support', topic: 'tasks' }),
        QueueTrigger.rabbitMq({ queueName: 'escalations', connection: { secret: rabbit, key: 'amqp-url' } }),
      ],
    }));
    expect(triggersOf(s).map((t) => [t.type, t.authenticationRef?.name])).toEqual([
      ['redis-sentinel', `${WORKER}-redis-sentinel-0`],
      ['kafka', undefined],
      ['rabbitmq', `${WORKER}-rabbitmq-2`],
    ]);
    expect(s.all('TriggerAuthentication').map((o) => o.metadata.name)).toEqual([`${WORKER}-redis-sentinel-0`, `${WORKER}-rabbitmq-2`]);
  });

  test('a GPU pool scaled by KEDA on waiting requests: a ScaledObject on its Deployment, no HPA, no replicas', () => {
    const s = synth((p) => {
      new GpuInferencePool(p, 'llm', {
        model: 'meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659',
        queueScaling: { triggers: [QueueTrigger.prometheus({ serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(vllm:num_requests_waiting)', threshold: 5 })], minReplicas: 1, maxReplicas: 4 },
      });
    }, prod());
    expect(at(s.get('ScaledObject', 'llm'), 'spec.scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' });
    expect([at(s.get('ScaledObject', 'llm'), 'spec.minReplicaCount'), at(s.get('ScaledObject', 'llm'), 'spec.maxReplicaCount')]).toEqual([1, 4]);
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(s.get('Deployment', 'llm'), 'spec')).not.toHaveProperty('replicas');
  });
});

describe('KEDA: replica bounds', () => {
  test('scale to zero by default', () => {
    expect(at(scaledObject(synthWorker(redis())), 'spec.minReplicaCount')).toBe(0);
  });

  test('a warm pool of 2 replicas with an empty queue', () => {
    const s = synthWorker(({ cache }) => ({ triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks' })], minReplicas: 2 }));
    expect(at(scaledObject(s), 'spec.minReplicaCount')).toBe(2);
    expect(at(scaledObject(s), 'spec.maxReplicaCount')).toBe(10);
  });

  test('the maximum defaults to the environment\'s: 4 in staging', () => {
    expect(at(scaledObject(synthWorker(redis(), staging())), 'spec.maxReplicaCount')).toBe(4);
  });

  test('a warm pool above the environment maximum raises the maximum to it', () => {
    const s = synthWorker(({ cache }) => ({ triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks' })], minReplicas: 12 }));
    expect([at(scaledObject(s), 'spec.minReplicaCount'), at(scaledObject(s), 'spec.maxReplicaCount')]).toEqual([12, 12]);
  });

  test('explicit maximum, polling interval and cooldown', () => {
    const s = synthWorker(({ cache }) => ({
      triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks' })], maxReplicas: 25, pollingIntervalSeconds: 10, cooldownPeriodSeconds: 600,
    }));
    expect(at(scaledObject(s), 'spec')).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 25, pollingInterval: 10, cooldownPeriod: 600 });
  });

  test('a single possible replica (0..1): no PodDisruptionBudget and no spread for the worker', () => {
    const s = synthWorker(({ cache }) => ({ triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks' })], maxReplicas: 1 }));
    expect(s.find('PodDisruptionBudget', WORKER)).toBeUndefined();
    expect(podSpec(s.get('Deployment', WORKER))).not.toHaveProperty('topologySpreadConstraints');
  });
});

describe('KEDA: refusals', () => {
  const THRESHOLD_MESSAGE = 'must be above 0: KEDA divides the queue length by it to compute replicas, so 0 would scale without bound';

  test.each([
    ['redisList', 'listLength', redis({ listLength: 0 })],
    ['rabbitMq', 'messagesPerReplica', (({ rabbit }) => ({ triggers: [QueueTrigger.rabbitMq({ queueName: 'q', connection: { secret: rabbit, key: 'amqp-url' }, messagesPerReplica: 0 })] })) as ScalingBuilder],
    ['kafka', 'lagThreshold', (() => ({ triggers: [QueueTrigger.kafka({ bootstrapServers: 'kafka:9092', consumerGroup: 'g', topic: 't', lagThreshold: 0 })] })) as ScalingBuilder],
    ['sqs', 'queueLength', (() => ({ triggers: [QueueTrigger.sqs({ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', region: 'eu-west-1', queueLength: 0 })] })) as ScalingBuilder],
    ['prometheus', 'threshold', (() => ({ triggers: [QueueTrigger.prometheus({ serverAddress: 'http://prometheus:9090', query: 'sum(x)', threshold: 0 })] })) as ScalingBuilder],
  ])('%s: a threshold of 0 is refused on %s, with the reason and the alternative', (_trigger, field, scaling) => {
    expectOneProblem(problemsOfWorker(scaling), {
      construct: `test/${WORKER}`,
      field: `queueScaling.triggers[0].${field}`,
      value: '0',
      allowed: [THRESHOLD_MESSAGE, 'use activation thresholds to control scale from zero'],
    });
  });

  test('the index of the offending trigger is named', () => {
    const problems = problemsOfWorker(({ cache }) => ({
      triggers: [QueueTrigger.redisList(cache, { listName: 'a' }), QueueTrigger.prometheus({ serverAddress: 'http://prometheus:9090', query: 'sum(x)', threshold: -2 })],
    }));
    expect(problems).toEqual([expect.stringMatching(/^\[test\/task-worker\] queueScaling\.triggers\[1\]\.threshold: must be above 0: .*\(got -2\)$/)]);
  });

  test('autoscaling together with queueScaling is refused: KEDA owns its HPA', () => {
    expectOneProblem(problemsOfWorker(redis(), prod(), { autoscaling: { minReplicas: 2, maxReplicas: 5 } }), {
      construct: `test/${WORKER}`,
      field: 'autoscaling',
      allowed: ['cannot be combined with queueScaling', 'KEDA creates and owns the HPA of a ScaledObject', 'Remove autoscaling (or set enabled: false), or remove queueScaling'],
    });
  });

  test('autoscaling enabled: false beside queueScaling is accepted, and only KEDA scales', () => {
    const s = synthWorker(redis(), prod(), { autoscaling: { enabled: false } });
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(s.all('ScaledObject').map((o) => o.metadata.name)).toEqual([WORKER]);
  });

  test('minReplicas above maxReplicas is refused', () => {
    expectOneProblem(problemsOfWorker(({ cache }) => ({ triggers: [QueueTrigger.redisList(cache, { listName: 'q' })], minReplicas: 5, maxReplicas: 2 })), {
      construct: `test/${WORKER}`, field: 'queueScaling.minReplicas', value: '5', allowed: ['is above queueScaling.maxReplicas (2)', 'minReplicas must be at most maxReplicas'],
    });
  });

  test('no trigger is refused', () => {
    expectOneProblem(problemsOfWorker(() => ({ triggers: [] })), { construct: `test/${WORKER}`, field: 'queueScaling.triggers', value: '[]', allowed: ['must list at least one trigger'] });
  });

  test('a Redis trigger without a list name is refused', () => {
    expectOneProblem(problemsOfWorker(({ cache }) => ({ triggers: [QueueTrigger.redisList(cache, { listName: '' })] })), {
      construct: `test/${WORKER}`, field: 'queueScaling.triggers[0].listName', allowed: ['must name the Redis list holding the queue'],
    });
  });
});

describe('KEDA in development', () => {
  test('autoscaling off: no ScaledObject or TriggerAuthentication, one replica, and the cache does not admit KEDA', () => {
    const s = synthWorker(redis(), dev());
    expect(s.all('ScaledObject')).toEqual([]);
    expect(s.all('TriggerAuthentication')).toEqual([]);
    expect(at(s.get('Deployment', WORKER), 'spec.replicas')).toBe(1);
    expect(ingressPaths(s.get('NetworkPolicy', CACHE))).toEqual([podPath(WORKER, 6379)]);
  });

  test('problems in the queue scaling are still reported in development', () => {
    expect(problemsOfWorker(redis({ listLength: 0 }), dev())).toEqual([expect.stringContaining('queueScaling.triggers[0].listLength: must be above 0')]);
  });
});

describe('KEDA objects against the CRD schemas and the autoscaler rules', () => {
  // GIVEN one worker with every kind of trigger (synth() validates the ScaledObject and the
  // TriggerAuthentications against test/schemas/crds/keda.sh_*.yaml)
  const s = synthWorker(({ cache, rabbit }) => ({
    triggers: [
      QueueTrigger.redisList(cache, { listName: 'support-tasks', activationListLength: 1 }),
      QueueTrigger.rabbitMq({ queueName: 'q', connection: { secret: rabbit, key: 'amqp-url' } }),
      QueueTrigger.kafka({ bootstrapServers: 'kafka:9092', consumerGroup: 'g', topic: 't' }),
      QueueTrigger.sqs({ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', region: 'eu-west-1', identityOwner: 'workload' }),
      QueueTrigger.prometheus({ serverAddress: 'http://prometheus:9090', query: 'sum(x)', threshold: 2.5 }),
    ],
    minReplicas: 1,
  }));

  test('every ScaledObject and TriggerAuthentication validates, and every authenticationRef resolves', () => {
    expect(validateManifests(s.objects)).toEqual([]);
    expect(s.all('TriggerAuthentication')).toHaveLength(3);
    const authNames = new Set(s.all('TriggerAuthentication').map((o) => o.metadata.name));
    for (const trigger of nonEmpty(triggersOf(s))) {
      if (trigger.authenticationRef) {
        expect(authNames.has(trigger.authenticationRef.name)).toBe(true);
      }
    }
  });

  test('no HPA targets a Deployment a ScaledObject targets', () => {
    const scaled = new Set(s.all('ScaledObject').map((o) => at(o, 'spec.scaleTargetRef.name')));
    expect(s.all('HorizontalPodAutoscaler').filter((h) => scaled.has(at(h, 'spec.scaleTargetRef.name')))).toEqual([]);
  });

  test('the validation synth() runs would catch an HPA beside the ScaledObject', () => {
    // GIVEN the same objects plus an HPA on the worker's Deployment
    const rogue: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'rogue', namespace: 'agents' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: WORKER }, minReplicas: 1, maxReplicas: 3 },
    };
    // THEN the ScaledObject is reported
    expect(validateManifests([...s.objects, rogue])).toContainEqual(expect.objectContaining({
      object: expect.stringContaining(`ScaledObject`),
      message: `HorizontalPodAutoscaler "rogue" also targets Deployment "${WORKER}"; KEDA creates its own HPA for a ScaledObject`,
    }));
  });
});

describe('KEDA properties', () => {
  const triggerWith = (kind: string, threshold: number): ScalingBuilder => ({ cache, rabbit }) => {
    switch (kind) {
      case 'redisList': return { triggers: [QueueTrigger.redisList(cache, { listName: 'q', listLength: threshold })] };
      case 'rabbitMq': return { triggers: [QueueTrigger.rabbitMq({ queueName: 'q', connection: { secret: rabbit, key: 'amqp-url' }, messagesPerReplica: threshold })] };
      case 'kafka': return { triggers: [QueueTrigger.kafka({ bootstrapServers: 'kafka:9092', consumerGroup: 'g', topic: 't', lagThreshold: threshold })] };
      case 'sqs': return { triggers: [QueueTrigger.sqs({ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', region: 'eu-west-1', queueLength: threshold })] };
      default: return { triggers: [QueueTrigger.prometheus({ serverAddress: 'http://prometheus:9090', query: 'sum(x)', threshold })] };
    }
  };

  test('a threshold is refused exactly when it is 0 or less, for every trigger', () => {
    fc.assert(fc.property(fc.constantFrom('redisList', 'rabbitMq', 'kafka', 'sqs', 'prometheus'), fc.integer({ min: -50, max: 200 }), (kind, threshold) => {
      const problems = problemsOfWorker(triggerWith(kind, threshold));
      if (threshold <= 0) {
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^\[test\/task-worker\] queueScaling\.triggers\[0\]\.[a-zA-Z]+: must be above 0: /);
        expect(problems[0]).toMatch(new RegExp(`\\(got ${threshold}\\)$`));
      } else {
        expect(problems).toEqual([]);
      }
    }), { numRuns: 150 });
  });

  test('minReplicas above maxReplicas is refused exactly when min > max; otherwise the ScaledObject carries both', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 30 }), (min, max) => {
      const scaling: ScalingBuilder = ({ cache }) => ({ triggers: [QueueTrigger.redisList(cache, { listName: 'q' })], minReplicas: min, maxReplicas: max });
      const problems = problemsOfWorker(scaling);
      if (min > max) {
        expect(problems).toEqual([`[test/task-worker] queueScaling.minReplicas: is above queueScaling.maxReplicas (${max}); minReplicas must be at most maxReplicas (got ${min})`]);
      } else {
        expect(problems).toEqual([]);
        const spec = at(scaledObject(synthWorker(scaling)), 'spec');
        expect([at(spec, 'minReplicaCount'), at(spec, 'maxReplicaCount')]).toEqual([min, max]);
      }
    }), { numRuns: 50 });
  });
});

describe('KEDA thresholds KEDA reads as integers', () => {
  test('a fractional Redis list length is refused with the reason', () => {
    // GIVEN listLength 2.5 WHEN validated THEN the field says it must be whole
    const problems = problemsOfWorker(redis({ listLength: 2.5 }));
    expect(problems).toEqual([expect.stringContaining('queueScaling.triggers[0].listLength: must be a whole number: KEDA reads this threshold as an integer (got 2.5)')]);
  });

  test('a fractional Prometheus threshold is accepted (KEDA reads it as a float)', () => {
    const problems = problemsOfWorker(() => ({ triggers: [QueueTrigger.prometheus({ serverAddress: 'http://prometheus.monitoring.svc:9090', query: 'sum(x)', threshold: 0.5 })] }));
    expect(problems).toEqual([]);
  });
});
