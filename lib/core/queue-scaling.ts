import { type IConstruct } from 'constructs';
import { z } from 'zod';
import { type ScaledObjectSpecTriggers, type TriggerAuthenticationSpec, TriggerAuthenticationSpecPodIdentityIdentityOwner, TriggerAuthenticationSpecPodIdentityProvider } from '../../imports/keda.sh';
import { type ISecretSource } from './env-value';
import { brand, BrandKind, hasBrand } from './brand';
import { type PropIssue } from './errors';
import { PLACEHOLDER } from './placeholder';
import { NamespacePeer } from './network';
import { checkProps } from './props';
import { brandedReference, referenceMessage, REFERENCES } from './references';
import { configKey, isPort, nonNegativeInt, positiveInt, URL_PORT_MESSAGE, urlPortCheck } from './schemas';
import { REDIS_KEY_SIZE } from './signals';
import { crossPlatformIssue, type IRedisCache } from './wiring';
import { type Workload } from './workload';

/** What a trigger contributes to a ScaledObject. */
export interface RenderedTrigger {
  readonly trigger: Omit<ScaledObjectSpecTriggers, 'authenticationRef'>;
  /** Credentials KEDA reads, as a TriggerAuthentication (never the values themselves). */
  readonly authentication?: TriggerAuthenticationSpec;
}

/** Where the length of a queue KEDA reads is reported as a Prometheus series. */
export interface QueueLengthSeries {
  /** Name of the workload serving the series (the Redis, through its exporter). */
  readonly source: string;
  /** The gauge, e.g. `redis_key_size`. */
  readonly metric: string;
  /** Label values selecting the queue, e.g. `{ db: "db0", key: "tasks" }`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Items one replica is sized for (KEDA's target). */
  readonly itemsPerReplica: number;
}

/** A secret key KEDA reads a credential from. */
export interface SecretKeyReference {
  readonly secret: ISecretSource;
  readonly key: string;
}

function secretTarget(parameter: string, ref: SecretKeyReference) {
  return { parameter, name: ref.secret.secretName, key: ref.key };
}

function thresholdIssue(field: string, value: number, integer = true): PropIssue[] {
  if (integer && !Number.isInteger(value)) {
    return [{ field, value, message: 'must be a whole number: KEDA reads this threshold as an integer' }];
  }
  return value > 0 ? [] : [{
    field,
    value,
    message: 'must be above 0: KEDA divides the queue length by it to compute replicas, so 0 would scale without bound; use activation thresholds to control scale from zero',
  }];
}

const nonEmpty = (what: string) => z.string({ error: `must name ${what}` }).min(1, { error: `must name ${what}` });
const threshold = z.number({ error: 'must be a finite number' });
const secretKeyReference = z.object({
  secret: brandedReference<ISecretSource>(REFERENCES.SECRET_SOURCE),
  key: configKey,
}, { error: 'must be { secret: SecretSource, key: "..." }' }).strict();
const HTTP_URL_MESSAGE = 'must be an http(s) URL such as "http://prometheus.monitoring.svc:9090"';
const HTTP_URL = /^https?:\/\/[^\s/?#]+/i;
const httpUrl = z.string({ error: HTTP_URL_MESSAGE }).regex(HTTP_URL, { error: HTTP_URL_MESSAGE }).refine((url) => !HTTP_URL.test(url) || urlPortCheck(url), { error: URL_PORT_MESSAGE });
const BOOTSTRAP_MESSAGE = 'must list brokers as "host:port" separated by commas, e.g. "kafka-0.kafka:9092,kafka-1.kafka:9092", each port between 1 and 65535';
const bootstrapServers = z.string({ error: BOOTSTRAP_MESSAGE }).refine(
  (text) => text.split(',').every((broker) => /^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(broker) && isPort(Number(broker.split(':')[1]))),
  { error: BOOTSTRAP_MESSAGE },
);

const redisListOptions = z.object({
  listName: nonEmpty('the Redis list holding the queue'),
  listLength: threshold.optional(),
  activationListLength: nonNegativeInt.optional(),
  databaseIndex: nonNegativeInt.max(15, { error: 'must be a Redis database index between 0 and 15' }).optional(),
}).strict();
const rabbitMqOptions = z.object({ queueName: nonEmpty('the queue'), connection: secretKeyReference, messagesPerReplica: threshold.optional() }).strict();
const kafkaOptions = z.object({ bootstrapServers, consumerGroup: nonEmpty('the consumer group'), topic: nonEmpty('the topic'), lagThreshold: threshold.optional() }).strict();
const sqsOptions = z.object({
  queueUrl: httpUrl,
  region: z.string({ error: 'must be an AWS region such as "eu-west-1"' }).regex(/^[a-z]{2}(-[a-z]+)+-[0-9]$/, { error: 'must be an AWS region such as "eu-west-1"' }),
  queueLength: threshold.optional(),
  identityOwner: z.enum(['keda', 'workload'], { error: 'must be "keda" or "workload"' }).optional(),
}).strict();
const prometheusOptions = z.object({
  serverAddress: httpUrl,
  query: nonEmpty('a PromQL query'),
  threshold,
  activationThreshold: z.number({ error: 'must be a finite number of 0 or more' }).min(0, { error: 'must be a finite number of 0 or more' }).optional(),
}).strict();

/** The options, or the problems naming them (under the trigger's field) and usable defaults. */
function checkOptions<S extends z.ZodType>(schema: S, options: unknown, fallback: z.output<S>): { options: z.output<S>; problems: PropIssue[] } {
  const { value, issues } = checkProps(schema, options);
  return { options: value ?? fallback, problems: [...issues] };
}

/**
 * A queue or signal KEDA scales a worker on, including to and from zero. Every threshold is
 * the work one replica should handle; 0 is refused. The factories never throw: bad options are
 * reported by the workload the trigger is given to.
 */
export abstract class QueueTrigger {
  /** Whether `value` is a `QueueTrigger` of any copy of the library. */
  public static isQueueTrigger(value: unknown): value is QueueTrigger {
    return hasBrand(value, BrandKind.QUEUE_TRIGGER);
  }

  /**
   * The length of a Redis list in a `RedisCacheStatefulSet`; KEDA authenticates with the cache's
   * password Secret through a TriggerAuthentication, and the cache admits the KEDA namespace.
   * The cache's exporter is told to report the list's length (`watchList()`), which the queue
   * lag alert reads.
   * A replicated Redis is read through its Sentinels (KEDA's `redis-sentinel` scaler, the same
   * Secret for the Sentinels and the master), so the trigger follows a failover. The Redis must
   * not evict keys (`usage: RedisUsage.QUEUE`): queued jobs would vanish under memory pressure.
   */
  public static redisList(cache: IRedisCache, options: { listName: string; listLength?: number; activationListLength?: number; databaseIndex?: number }): QueueTrigger {
    const checked = checkOptions(redisListOptions, options, { listName: PLACEHOLDER });
    if (!hasBrand(cache, BrandKind.REDIS_CACHE)) {
      checked.problems.push({ field: 'cache', value: cache, message: referenceMessage(REFERENCES.REDIS_CACHE) });
    }
    return new RedisListTrigger(hasBrand(cache, BrandKind.REDIS_CACHE) ? cache : undefined, checked.options, checked.problems);
  }

  /** Messages in a RabbitMQ queue; the AMQP connection string (with credentials) comes from a Secret. */
  public static rabbitMq(options: { queueName: string; connection: SecretKeyReference; messagesPerReplica?: number }): QueueTrigger {
    const { options: o, problems } = checkOptions(rabbitMqOptions, options, undefined as unknown as z.output<typeof rabbitMqOptions>);
    const perReplica = o?.messagesPerReplica ?? 10;
    return new GenericTrigger('rabbitmq', perReplica, 'messagesPerReplica', true, {
      protocol: 'amqp', queueName: o?.queueName ?? PLACEHOLDER, mode: 'QueueLength', value: String(perReplica),
    }, o ? { secretTargetRef: [secretTarget('host', o.connection)] } : undefined, problems, o ? [o.connection.secret] : []);
  }

  /** Consumer-group lag on a Kafka topic. */
  public static kafka(options: { bootstrapServers: string; consumerGroup: string; topic: string; lagThreshold?: number }): QueueTrigger {
    const { options: o, problems } = checkOptions(kafkaOptions, options, { bootstrapServers: `${PLACEHOLDER}:9092`, consumerGroup: PLACEHOLDER, topic: PLACEHOLDER });
    return new GenericTrigger('kafka', o.lagThreshold ?? 10, 'lagThreshold', true, {
      bootstrapServers: o.bootstrapServers, consumerGroup: o.consumerGroup, topic: o.topic, lagThreshold: String(o.lagThreshold ?? 10),
    }, undefined, problems);
  }

  /** Visible messages in an SQS queue; KEDA uses AWS pod identity (IRSA) of its operator or of the workload. */
  public static sqs(options: { queueUrl: string; region: string; queueLength?: number; identityOwner?: 'keda' | 'workload' }): QueueTrigger {
    const { options: o, problems } = checkOptions(sqsOptions, options, { queueUrl: `https://${PLACEHOLDER}.example`, region: 'us-east-1' });
    return new GenericTrigger('aws-sqs-queue', o.queueLength ?? 5, 'queueLength', true, {
      queueURL: o.queueUrl, awsRegion: o.region, queueLength: String(o.queueLength ?? 5),
    }, {
      podIdentity: {
        provider: TriggerAuthenticationSpecPodIdentityProvider.AWS,
        identityOwner: o.identityOwner === 'workload' ? TriggerAuthenticationSpecPodIdentityIdentityOwner.WORKLOAD : TriggerAuthenticationSpecPodIdentityIdentityOwner.KEDA,
      },
    }, problems);
  }

  /** Any PromQL query, e.g. pending jobs or vLLM's `sum(vllm:num_requests_waiting)`. */
  public static prometheus(options: { serverAddress: string; query: string; threshold: number; activationThreshold?: number }): QueueTrigger {
    const { options: o, problems } = checkOptions(prometheusOptions, options, { serverAddress: `http://${PLACEHOLDER}.example`, query: 'vector(0)', threshold: 1 });
    return new GenericTrigger('prometheus', o.threshold, 'threshold', false, {
      serverAddress: o.serverAddress, query: o.query, threshold: String(o.threshold),
      ...(o.activationThreshold !== undefined ? { activationThreshold: String(o.activationThreshold) } : {}),
    }, undefined, problems);
  }

  /** KEDA's trigger type, e.g. `redis`. */
  public abstract readonly type: string;

  /** The ScaledObject trigger and its credentials. */
  public abstract render(): RenderedTrigger;

  /** Problems with the trigger's settings, named under `field`. */
  public abstract issues(field: string): PropIssue[];

  /** Opens the network paths KEDA needs to read the queue (the namespace of the KEDA operator). */
  public admitKeda(_kedaNamespace: string): void {}

  /** The Redis whose list this trigger reads, for a Redis list. */
  public get redisCache(): IRedisCache | undefined {
    return undefined;
  }

  /** The name of the list, for a Redis list. */
  public get redisListName(): string | undefined {
    return undefined;
  }

  /** The series reporting the queue's length, when an exporter of the app reports it. */
  public queueLength(): QueueLengthSeries | undefined {
    return undefined;
  }

  /** @internal The constructs the trigger reads from (a Redis, a Secret), which must be in the consumer's platform. */
  public _references(): readonly IConstruct[] {
    return [];
  }

  protected constructor() {
    brand(this, BrandKind.QUEUE_TRIGGER);
  }
}

/** The factory's problems, under the trigger's field. */
function named(problems: readonly PropIssue[], field: string): PropIssue[] {
  return problems.map((p) => ({ ...p, field: p.field === '' ? field : `${field}.${p.field}` }));
}

class GenericTrigger extends QueueTrigger {
  constructor(
    public readonly type: string,
    private readonly threshold: number,
    private readonly thresholdName: string,
    private readonly integerThreshold: boolean,
    private readonly metadata: Record<string, string>,
    private readonly authentication?: TriggerAuthenticationSpec,
    private readonly problems: readonly PropIssue[] = [],
    private readonly references: readonly IConstruct[] = [],
  ) {
    super();
  }

  public render(): RenderedTrigger {
    return { trigger: { type: this.type, metadata: { ...this.metadata } }, authentication: this.authentication };
  }

  public issues(field: string): PropIssue[] {
    const problems = named(this.problems, field);
    const thresholdChecked = problems.some((p) => p.field === `${field}.${this.thresholdName}`);
    return [...problems, ...(thresholdChecked ? [] : thresholdIssue(`${field}.${this.thresholdName}`, this.threshold, this.integerThreshold))];
  }

  public override _references(): readonly IConstruct[] {
    return this.references;
  }
}

class RedisListTrigger extends QueueTrigger {
  constructor(
    private readonly cache: IRedisCache | undefined,
    private readonly options: { listName: string; listLength?: number; activationListLength?: number; databaseIndex?: number },
    private readonly problems: readonly PropIssue[],
  ) {
    super();
    // The exporter reports the list's length only for a list the trigger really reads.
    if (cache && problems.length === 0 && typeof cache.watchList === 'function') {
      cache.watchList(options.listName, options.databaseIndex ?? 0);
    }
  }

  public override queueLength(): QueueLengthSeries | undefined {
    if (!hasBrand(this.cache, BrandKind.WORKLOAD)) {
      return undefined;
    }
    const cache = this.cache as unknown as Workload;
    if (!cache.signals().metrics.includes(REDIS_KEY_SIZE)) {
      return undefined;
    }
    return { source: cache.name, metric: REDIS_KEY_SIZE, labels: { db: `db${this.options.databaseIndex ?? 0}`, key: this.options.listName }, itemsPerReplica: this.listLength };
  }

  /** `redis-sentinel` for a Redis under Sentinel: KEDA asks the Sentinels for the master on every poll. */
  public get type(): string {
    return this.cache?.sentinel ? 'redis-sentinel' : 'redis';
  }

  public override get redisCache(): IRedisCache | undefined {
    return this.cache;
  }

  public override get redisListName(): string {
    return this.options.listName;
  }

  private get listLength(): number {
    return this.options.listLength ?? 5;
  }

  /** Where KEDA finds the list: the Sentinels and the master name, or the Redis itself. */
  private get location(): Record<string, string> {
    const cache = this.cache;
    if (!cache) {
      return { address: `${PLACEHOLDER}:6379` };
    }
    return cache.sentinel
      ? { addresses: `${cache.sentinel.host}:${cache.sentinel.port}`, sentinelMaster: cache.sentinel.masterName }
      : { address: `${cache.host}:${cache.port}`, ...(cache.tls ? { enableTLS: 'true' } : {}) };
  }

  public render(): RenderedTrigger {
    const cache = this.cache;
    const password = cache && { secret: cache.passwordSecret, key: cache.passwordKey };
    return {
      trigger: {
        type: this.type,
        metadata: {
          ...this.location,
          listName: this.options.listName,
          listLength: String(this.listLength),
          ...(this.options.activationListLength !== undefined ? { activationListLength: String(this.options.activationListLength) } : {}),
          ...(this.options.databaseIndex !== undefined ? { databaseIndex: String(this.options.databaseIndex) } : {}),
        },
      },
      authentication: password ? {
        secretTargetRef: [secretTarget('password', password), ...(cache.sentinel ? [secretTarget('sentinelPassword', password)] : [])],
      } : undefined,
    };
  }

  public issues(field: string): PropIssue[] {
    const problems = named(this.problems, field);
    const lengthChecked = problems.some((p) => p.field === `${field}.listLength`);
    return [...problems, ...(lengthChecked ? [] : thresholdIssue(`${field}.listLength`, this.listLength))];
  }

  /** KEDA reaches every port of the Redis pods: the Sentinels, then the master they name. */
  public override admitKeda(kedaNamespace: string): void {
    this.cache?.connections.allowIngress(new NamespacePeer(kedaNamespace), this.cache.connections.ports);
  }

  public override _references(): readonly IConstruct[] {
    return this.cache ? [this.cache] : [];
  }
}

/** Scaling on queues with KEDA: a ScaledObject (and TriggerAuthentications) instead of an HPA. */
export interface QueueScalingOptions {
  /** What to scale on; KEDA uses the one asking for the most replicas. */
  readonly triggers: QueueTrigger[];
  /**
   * Whether the ScaledObject is rendered. `true` keeps KEDA for this workload where the
   * environment's autoscaling is off (dev), e.g. a worker that scales to zero, without turning on
   * HPAs for every other workload; its replicas stay capped by the environment's `replicas.max`.
   * @default - the environment's `autoscaling.enabled`
   */
  readonly enabled?: boolean;
  /**
   * Replicas with an empty queue. 0 scales to zero; keep 1 or more as a warm pool for
   * latency-sensitive work.
   * @default 0
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default - the environment's `autoscaling.maxReplicas`
   */
  readonly maxReplicas?: number;
  /**
   * Seconds between queue checks.
   * @default 30
   */
  readonly pollingIntervalSeconds?: number;
  /**
   * Seconds after the last activity before scaling to zero.
   * @default 300
   */
  readonly cooldownPeriodSeconds?: number;
}

export const queueScalingSchema = z.object({
  triggers: z.array(z.custom<QueueTrigger>((v) => QueueTrigger.isQueueTrigger(v), { error: 'must be a QueueTrigger, e.g. QueueTrigger.redisList(cache, { listName: "tasks" })' }))
    .min(1, { error: 'must list at least one trigger' }),
  enabled: z.boolean().optional(),
  minReplicas: nonNegativeInt.max(1000, { error: 'must be at most 1000' }).optional(),
  maxReplicas: positiveInt.max(1000, { error: 'must be at most 1000' }).optional(),
  pollingIntervalSeconds: positiveInt.max(3600, { error: 'must be at most 3600 seconds' }).optional(),
  cooldownPeriodSeconds: nonNegativeInt.max(86400, { error: 'must be at most 86400 seconds' }).optional(),
}).strict();

/** The ScaledObject a workload gets, fully resolved. */
export interface ResolvedQueueScaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly pollingIntervalSeconds: number;
  readonly cooldownPeriodSeconds: number;
  readonly triggers: readonly QueueTrigger[];
}

/** The ScaledObject's settings; `cap` is the environment's `replicas.max`, which bounds both ends. */
export function resolveQueueScaling(options: QueueScalingOptions, defaultMax: number, cap = Number.MAX_SAFE_INTEGER): ResolvedQueueScaling {
  const max = options.maxReplicas ?? Math.max(defaultMax, options.minReplicas ?? 1);
  return {
    minReplicas: Math.min(options.minReplicas ?? 0, cap),
    maxReplicas: Math.min(max, cap),
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 30,
    cooldownPeriodSeconds: options.cooldownPeriodSeconds ?? 300,
    triggers: options.triggers,
  };
}

export function queueScalingIssues(resolved: ResolvedQueueScaling, consumer?: IConstruct): PropIssue[] {
  const issues = resolved.triggers.flatMap((t, i) => {
    const field = `queueScaling.triggers[${i}]`;
    const crossing = consumer ? t._references().map((r) => crossPlatformIssue(consumer, r, field, r.node.path)).filter((p): p is PropIssue => p !== undefined) : [];
    return [...t.issues(field), ...crossing];
  });
  if (resolved.minReplicas > resolved.maxReplicas) {
    issues.push({ field: 'queueScaling.minReplicas', value: resolved.minReplicas, message: `is above queueScaling.maxReplicas (${resolved.maxReplicas}); minReplicas must be at most maxReplicas` });
  }
  return issues;
}
