import { z } from 'zod';
import { type ScaledObjectSpecTriggers, type TriggerAuthenticationSpec, TriggerAuthenticationSpecPodIdentityIdentityOwner, TriggerAuthenticationSpecPodIdentityProvider } from '../../imports/keda.sh';
import { type ISecretSource } from './env-value';
import { brand, BrandKind, hasBrand } from './brand';
import { type PropIssue } from './errors';
import { NamespacePeer } from './network';
import { nonNegativeInt, positiveInt } from './schemas';
import { type IRedisCache } from './wiring';

/** What a trigger contributes to a ScaledObject. */
export interface RenderedTrigger {
  readonly trigger: Omit<ScaledObjectSpecTriggers, 'authenticationRef'>;
  /** Credentials KEDA reads, as a TriggerAuthentication (never the values themselves). */
  readonly authentication?: TriggerAuthenticationSpec;
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

/**
 * A queue or signal KEDA scales a worker on, including to and from zero. Every threshold is
 * the work one replica should handle; 0 is refused.
 */
export abstract class QueueTrigger {
  /** Whether `value` is a `QueueTrigger` of any copy of the library. */
  public static isQueueTrigger(value: unknown): value is QueueTrigger {
    return hasBrand(value, BrandKind.QUEUE_TRIGGER);
  }

  /**
   * The length of a Redis list in a `RedisCacheStatefulSet`; KEDA authenticates with the cache's
   * password Secret through a TriggerAuthentication, and the cache admits the KEDA namespace.
   * A replicated Redis is read through its Sentinels (KEDA's `redis-sentinel` scaler, the same
   * Secret for the Sentinels and the master), so the trigger follows a failover. The Redis must
   * not evict keys (`usage: RedisUsage.QUEUE`): queued jobs would vanish under memory pressure.
   */
  public static redisList(cache: IRedisCache, options: { listName: string; listLength?: number; activationListLength?: number; databaseIndex?: number }): QueueTrigger {
    return new RedisListTrigger(cache, options);
  }

  /** Messages in a RabbitMQ queue; the AMQP connection string (with credentials) comes from a Secret. */
  public static rabbitMq(options: { queueName: string; connection: SecretKeyReference; messagesPerReplica?: number }): QueueTrigger {
    return new GenericTrigger('rabbitmq', options.messagesPerReplica ?? 10, 'messagesPerReplica', true, {
      protocol: 'amqp', queueName: options.queueName, mode: 'QueueLength', value: String(options.messagesPerReplica ?? 10),
    }, { secretTargetRef: [secretTarget('host', options.connection)] });
  }

  /** Consumer-group lag on a Kafka topic. */
  public static kafka(options: { bootstrapServers: string; consumerGroup: string; topic: string; lagThreshold?: number }): QueueTrigger {
    return new GenericTrigger('kafka', options.lagThreshold ?? 10, 'lagThreshold', true, {
      bootstrapServers: options.bootstrapServers, consumerGroup: options.consumerGroup, topic: options.topic, lagThreshold: String(options.lagThreshold ?? 10),
    });
  }

  /** Visible messages in an SQS queue; KEDA uses AWS pod identity (IRSA) of its operator or of the workload. */
  public static sqs(options: { queueUrl: string; region: string; queueLength?: number; identityOwner?: 'keda' | 'workload' }): QueueTrigger {
    return new GenericTrigger('aws-sqs-queue', options.queueLength ?? 5, 'queueLength', true, {
      queueURL: options.queueUrl, awsRegion: options.region, queueLength: String(options.queueLength ?? 5),
    }, {
      podIdentity: {
        provider: TriggerAuthenticationSpecPodIdentityProvider.AWS,
        identityOwner: options.identityOwner === 'workload' ? TriggerAuthenticationSpecPodIdentityIdentityOwner.WORKLOAD : TriggerAuthenticationSpecPodIdentityIdentityOwner.KEDA,
      },
    });
  }

  /** Any PromQL query, e.g. pending jobs or vLLM's `sum(vllm:num_requests_waiting)`. */
  public static prometheus(options: { serverAddress: string; query: string; threshold: number; activationThreshold?: number }): QueueTrigger {
    return new GenericTrigger('prometheus', options.threshold, 'threshold', false, {
      serverAddress: options.serverAddress, query: options.query, threshold: String(options.threshold),
      ...(options.activationThreshold !== undefined ? { activationThreshold: String(options.activationThreshold) } : {}),
    });
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

  protected constructor() {
    brand(this, BrandKind.QUEUE_TRIGGER);
  }
}

class GenericTrigger extends QueueTrigger {
  constructor(
    public readonly type: string,
    private readonly threshold: number,
    private readonly thresholdName: string,
    private readonly integerThreshold: boolean,
    private readonly metadata: Record<string, string>,
    private readonly authentication?: TriggerAuthenticationSpec,
  ) {
    super();
  }

  public render(): RenderedTrigger {
    return { trigger: { type: this.type, metadata: { ...this.metadata } }, authentication: this.authentication };
  }

  public issues(field: string): PropIssue[] {
    return thresholdIssue(`${field}.${this.thresholdName}`, this.threshold, this.integerThreshold);
  }
}

class RedisListTrigger extends QueueTrigger {
  constructor(private readonly cache: IRedisCache, private readonly options: { listName: string; listLength?: number; activationListLength?: number; databaseIndex?: number }) {
    super();
  }

  /** `redis-sentinel` for a Redis under Sentinel: KEDA asks the Sentinels for the master on every poll. */
  public get type(): string {
    return this.cache.sentinel ? 'redis-sentinel' : 'redis';
  }

  public override get redisCache(): IRedisCache {
    return this.cache;
  }

  public override get redisListName(): string {
    return this.options.listName;
  }

  private get listLength(): number {
    return this.options.listLength ?? 5;
  }

  public render(): RenderedTrigger {
    const password = { secret: this.cache.passwordSecret, key: this.cache.passwordKey };
    const sentinel = this.cache.sentinel;
    const where: Record<string, string> = sentinel
      ? { addresses: `${sentinel.host}:${sentinel.port}`, sentinelMaster: sentinel.masterName }
      : { address: `${this.cache.host}:${this.cache.port}`, ...(this.cache.tls ? { enableTLS: 'true' } : {}) };
    return {
      trigger: {
        type: this.type,
        metadata: {
          ...where,
          listName: this.options.listName,
          listLength: String(this.listLength),
          ...(this.options.activationListLength !== undefined ? { activationListLength: String(this.options.activationListLength) } : {}),
          ...(this.options.databaseIndex !== undefined ? { databaseIndex: String(this.options.databaseIndex) } : {}),
        },
      },
      authentication: {
        secretTargetRef: [secretTarget('password', password), ...(sentinel ? [secretTarget('sentinelPassword', password)] : [])],
      },
    };
  }

  public issues(field: string): PropIssue[] {
    return [
      ...thresholdIssue(`${field}.listLength`, this.listLength),
      ...(this.options.listName ? [] : [{ field: `${field}.listName`, message: 'must name the Redis list holding the queue' }]),
    ];
  }

  /** KEDA reaches every port of the Redis pods: the Sentinels, then the master they name. */
  public override admitKeda(kedaNamespace: string): void {
    this.cache.connections.allowIngress(new NamespacePeer(kedaNamespace), this.cache.connections.ports);
  }
}

/** Scaling on queues with KEDA: a ScaledObject (and TriggerAuthentications) instead of an HPA. */
export interface QueueScalingOptions {
  /** What to scale on; KEDA uses the one asking for the most replicas. */
  readonly triggers: QueueTrigger[];
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

export function resolveQueueScaling(options: QueueScalingOptions, defaultMax: number): ResolvedQueueScaling {
  return {
    minReplicas: options.minReplicas ?? 0,
    maxReplicas: options.maxReplicas ?? Math.max(defaultMax, options.minReplicas ?? 1),
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 30,
    cooldownPeriodSeconds: options.cooldownPeriodSeconds ?? 300,
    triggers: options.triggers,
  };
}

export function queueScalingIssues(resolved: ResolvedQueueScaling): PropIssue[] {
  const issues = resolved.triggers.flatMap((t, i) => t.issues(`queueScaling.triggers[${i}]`));
  if (resolved.minReplicas > resolved.maxReplicas) {
    issues.push({ field: 'queueScaling.minReplicas', value: resolved.minReplicas, message: `is above queueScaling.maxReplicas (${resolved.maxReplicas}); minReplicas must be at most maxReplicas` });
  }
  return issues;
}
