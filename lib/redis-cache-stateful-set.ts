import { createHash } from 'crypto';
import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { z } from 'zod';
import { EnvValue, type ISecretSource } from './core/env-value';
import { EnvironmentTier } from './environment';
import { formatIssue, type PropIssue } from './core/errors';
import { containerPath, HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider } from './core/helm-values';
import { formatImage, type ImageReference, imageSchema } from './core/image';
import { parseImageOrPlaceholder } from './core/placeholder';
import { toValuesKey, WorkloadComponent } from './core/labels';
import { Protocol } from './core/network';
import { podMetadata, renderContainer, renderPodSpec, tmpVolume, topologySpread } from './core/pod';
import { persistentStatefulSetSpec } from './core/stateful';
import { brand, BrandKind } from './core/brand';
import { checkProps } from './core/props';
import { brandedReference, REFERENCES } from './core/references';
import { formatBytes, parseQuantity } from './core/quantity';
import { type ResolvedResources, type ResourceOptions, resourceIssues, resourceOptionsSchema, ResourcePreset, resolveResources } from './core/resources';
import { configKey, memoryQuantity, storageQuantity, dnsSubdomain, nonNegativeInt, positiveInt } from './core/schemas';
import { type IRedisCache, type RedisSentinelEndpoint } from './core/wiring';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload, type WorkloadOptions } from './core/workload';
import { redisSignals, type WatchedKey, type WorkloadSignals } from './core/signals';
import { REDIS_PATHS, REDIS_PORT, redisConf, type ReplicationSettings, SENTINEL_PORT, sentinelConf, sentinelQuorum } from './redis/config';
import { ExternalRedis, type ExternalRedisOptions } from './redis/external-redis';
import { nodeScript } from './redis/node-script';
import { RedisPrimaryProxy } from './redis/redis-primary-proxy';
import { EVICTION_POLICIES, evictingQueueIssues } from './redis/queue-use';
import { SecretSource } from './secret-source';

/** What the Redis holds; decides what happens when it is full. */
export enum RedisUsage {
  /** A cache: the least recently used keys are evicted when memory is full (`allkeys-lru`). */
  CACHE = 'cache',
  /** A queue: nothing may be evicted; writes fail when memory is full (`noeviction`). */
  QUEUE = 'queue',
  /** Agent memory (conversations, state): nothing may be evicted (`noeviction`). */
  AGENT_MEMORY = 'agent-memory',
}

/** HAProxy in front of a replicated Redis, for clients that do not speak Sentinel. */
export interface RedisPrimaryProxyOptions {
  /**
   * Whether clients get `REDIS_HOST`/`REDIS_URL` through HAProxy, which always routes to the
   * current master. Without it, clients must be Sentinel-aware (`REDIS_SENTINEL_*`).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * HAProxy image (pinned).
   * @default RedisPrimaryProxy.DEFAULT_IMAGE
   */
  readonly image?: string;
  /**
   * HAProxy replicas, spread like every replicated workload.
   * @default - the environment's `replicas.default`, at least 2
   */
  readonly replicas?: number;
}

/** One primary and replicas, each with a Sentinel, failing over when the primary is lost. */
export interface RedisReplicationOptions {
  /**
   * Whether Redis runs replicated under Sentinel.
   * @default - true in staging and production environments, false in development
   */
  readonly enabled?: boolean;
  /**
   * Redis pods: one primary and `nodes - 1` replicas, each pod with its Sentinel. At least 3, so
   * that a majority of Sentinels survives the loss of a pod (the quorum is that majority).
   * @default 3
   */
  readonly nodes?: number;
  /**
   * Milliseconds a primary must be unreachable before the Sentinels agree it is down
   * (`down-after-milliseconds`). Lower fails over sooner and risks a failover on a network blip
   * or a slow command.
   * @default 10000
   */
  readonly downAfterMilliseconds?: number;
  /**
   * Sentinel `failover-timeout`: how long a failover may take before another is tried, and the
   * delay before a replica still following the old primary is reconfigured.
   * @default 60000
   */
  readonly failoverTimeoutMilliseconds?: number;
  /**
   * The primary refuses writes unless this many replicas acknowledged the stream within
   * `minReplicasMaxLagSeconds` (`min-replicas-to-write`): bounds the writes an isolated primary
   * can accept and then lose. 0 turns it off (always writable, larger loss window).
   * @default 1
   */
  readonly minReplicasToWrite?: number;
  /**
   * Seconds a replica's acknowledgement may be old to count for `minReplicasToWrite`
   * (`min-replicas-max-lag`).
   * @default 10
   */
  readonly minReplicasMaxLagSeconds?: number;
  /**
   * Image of the Sentinel containers (it runs `redis-sentinel`).
   * @default - the Redis image
   */
  readonly sentinelImage?: string;
  /**
   * HAProxy routing `REDIS_HOST` to the current master.
   * @default - enabled
   */
  readonly primaryProxy?: RedisPrimaryProxyOptions;
}

/** Props of a `RedisCacheStatefulSet`. */
export interface RedisCacheStatefulSetProps extends WorkloadOptions {
  /**
   * Redis image (pinned).
   * @default RedisCacheStatefulSet.DEFAULT_IMAGE
   */
  readonly image?: string;
  /**
   * What the Redis holds.
   * @default RedisUsage.CACHE
   */
  readonly usage?: RedisUsage;
  /**
   * Memory Redis may use for data (`maxmemory`). It must stay below the container memory limit:
   * persistence forks the process and copy-on-write needs the rest; a replicated primary also
   * holds an output buffer per replica.
   * @default - 75% of the memory limit, less the replicas' output buffers when replicated
   */
  readonly maxMemory?: string;
  /**
   * Eviction policy when `maxMemory` is reached.
   * @default - `allkeys-lru` for a cache, `noeviction` for a queue or agent memory
   */
  readonly evictionPolicy?: string;
  /**
   * Size of the data volume (one per pod, from volumeClaimTemplates).
   * @default "10Gi"
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the data volume.
   * @default - the environment's `storage.storageClassName`
   */
  readonly storageClassName?: string;
  /**
   * Requests and limits of Redis.
   * @default - the `context-cache` preset: 512Mi / 0.5 CPU requested, 2Gi / 1 CPU limit
   */
  readonly resources?: ResourceOptions;
  /**
   * Secret holding the password. Its value never appears in the manifests nor on a command line.
   * Replicas and Sentinels authenticate with the same one.
   * @default - a `SecretSource` named `<name>-auth` with key `password`, provided by the environment's backend
   */
  readonly passwordSecret?: ISecretSource;
  /**
   * Key of the password in `passwordSecret`.
   * @default "password"
   */
  readonly passwordKey?: string;
  /**
   * Seconds between RDB snapshots (taken when at least one key changed).
   * @default 300
   */
  readonly snapshotIntervalSeconds?: number;
  /**
   * Whether the append-only file is on (fsync every second).
   * @default true
   */
  readonly appendOnly?: boolean;
  /**
   * Whether a redis_exporter sidecar serves Prometheus metrics on port 9121.
   * @default true
   */
  readonly exporter?: boolean;
  /**
   * redis_exporter image (pinned).
   * @default RedisCacheStatefulSet.DEFAULT_EXPORTER_IMAGE
   */
  readonly exporterImage?: string;
  /**
   * Replication with Sentinel failover.
   * @default - on in staging and production (3 pods, each with a Sentinel), off in development
   */
  readonly replication?: RedisReplicationOptions;
}

/** Most Redis pods of a replicated Redis (the primary proxy knows each by name, up to this many). */
export const MAX_REDIS_NODES = 7;

const nodesSchema = z.number({ error: `must be a whole number of pods between 3 and ${MAX_REDIS_NODES}` })
  .int({ error: `must be a whole number of pods between 3 and ${MAX_REDIS_NODES}` })
  .min(3, { error: 'must be at least 3: every pod runs a Sentinel, and a failover needs a majority of them to survive the loss of a pod' })
  .max(MAX_REDIS_NODES, { error: `must be at most ${MAX_REDIS_NODES}` })
  .meta({ id: 'redisNodes', description: `Redis pods of a replicated Redis, each with a Sentinel (3 to ${MAX_REDIS_NODES})` });

const replicationSchema = z.object({
  enabled: z.boolean().optional(),
  nodes: nodesSchema.optional(),
  downAfterMilliseconds: positiveInt.min(1000, { error: 'must be at least 1000 ms' }).max(600_000, { error: 'must be at most 600000 ms' }).optional(),
  failoverTimeoutMilliseconds: positiveInt.min(5000, { error: 'must be at least 5000 ms' }).max(3_600_000, { error: 'must be at most 3600000 ms' }).optional(),
  minReplicasToWrite: nonNegativeInt.max(MAX_REDIS_NODES - 1, { error: `must be at most ${MAX_REDIS_NODES - 1}` }).optional(),
  minReplicasMaxLagSeconds: positiveInt.max(3600, { error: 'must be at most 3600 seconds' }).optional(),
  sentinelImage: imageSchema.optional(),
  primaryProxy: z.object({
    enabled: z.boolean().optional(),
    image: imageSchema.optional(),
    replicas: positiveInt.max(1000, { error: 'must be at most 1000' }).optional(),
  }).strict().optional(),
}).strict();

export const redisCacheSchema = z.object({
  name: z.unknown().optional(),
  image: imageSchema.optional(),
  usage: z.enum(RedisUsage, { error: `must be one of ${Object.values(RedisUsage).join(', ')}` }).optional(),
  maxMemory: memoryQuantity.optional(),
  evictionPolicy: z.enum(EVICTION_POLICIES, { error: `must be one of ${EVICTION_POLICIES.join(', ')}` }).optional(),
  storageSize: storageQuantity.optional(),
  storageClassName: dnsSubdomain.optional(),
  resources: resourceOptionsSchema.optional(),
  passwordSecret: brandedReference<ISecretSource>(REFERENCES.SECRET_SOURCE).optional(),
  passwordKey: configKey.optional(),
  snapshotIntervalSeconds: positiveInt.max(86400, { error: 'must be at most 86400 seconds' }).optional(),
  appendOnly: z.boolean().optional(),
  exporter: z.boolean().optional(),
  exporterImage: imageSchema.optional(),
  replication: replicationSchema.optional(),
}).strict();

const EXPORTER_PORT = 9121;
const REDIS_UID = 999;
const MAX_MEMORY_SHARE = 0.9;
const MiB = 2 ** 20;
/** Seconds a stopping primary waits for a replica to take over. */
const SWITCHOVER_TIMEOUT_SECONDS = 20;

const EXPORTER_RESOURCES: ResolvedResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const SENTINEL_RESOURCES: ResolvedResources = { requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } };
const PROXY_RESOURCES: ResolvedResources = { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } };

const floorMiB = (bytes: number) => Math.floor(bytes / MiB) * MiB;

/** The replication of a Redis, resolved. */
export interface ResolvedRedisReplication extends ReplicationSettings {
  readonly sentinelImage: ImageReference;
  /** HAProxy, when clients that are not Sentinel-aware are routed to the master. */
  readonly primaryProxy?: { readonly image: ImageReference; readonly replicas: number };
}

/**
 * A Redis shared by agents and tools: a StatefulSet with a persistent volume per pod
 * (volumeClaimTemplates), a headless Service for the pods' stable names and a client Service,
 * redis.conf from a ConfigMap (RDB snapshot every 5 minutes plus AOF, `maxmemory` below the
 * memory limit, dangerous commands disabled), the password from a Secret (never in the manifests
 * or on a command line), redis-cli probes, a redis_exporter sidecar and a PodDisruptionBudget.
 *
 * In staging and production it is replicated: 3 pods (one primary, two replicas), each with a
 * Sentinel; the Sentinels promote a replica when the primary is lost, a stopping primary hands its
 * role over first, and HAProxy routes `REDIS_HOST` to whichever pod is the primary. Consumers wired
 * to it get `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD` (from the Secret), `REDIS_URL` and,
 * replicated, `REDIS_SENTINEL_HOST`, `REDIS_SENTINEL_PORT`, `REDIS_SENTINEL_MASTER` and
 * `REDIS_SENTINEL_URL`; only they may connect.
 */
export class RedisCacheStatefulSet extends Workload implements IRedisCache, IHelmValuesProvider {
  public static readonly DEFAULT_IMAGE = 'docker.io/library/redis:7.2.5-alpine';
  public static readonly DEFAULT_EXPORTER_IMAGE = 'docker.io/oliver006/redis_exporter:v1.62.0';

  /**
   * A Redis outside the app (a managed service such as ElastiCache, Memorystore or Azure Cache),
   * wired like this construct: consumers get the same `REDIS_*` variables and an egress rule to
   * its endpoint.
   */
  public static fromEndpoint(scope: Construct, id: string, options: ExternalRedisOptions): IRedisCache {
    return new ExternalRedis(scope, id, options);
  }

  /** The Redis image, split into the parts Helm values can override. */
  public readonly image: ImageReference;
  public readonly resources: ResolvedResources;
  /** `maxmemory` in bytes. */
  public readonly maxMemoryBytes: number;
  public readonly evictionPolicy: string;
  public readonly passwordSecret: ISecretSource;
  public readonly passwordKey: string;
  public readonly port = REDIS_PORT;
  public readonly storageSize: string;
  public readonly wireName: string;
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The replication, when the Redis runs under Sentinel. */
  public readonly replication: ResolvedRedisReplication | undefined;
  /** HAProxy routing `REDIS_HOST` to the primary, when replicated with the proxy on. */
  public readonly primaryProxy: RedisPrimaryProxy | undefined;

  private readonly config: z.output<typeof redisCacheSchema>;
  private readonly watchedLists: WatchedKey[] = [];
  /** The Redis image as given, or the default: also the Sentinels' image unless replication names one. */
  private readonly imageReference: string;

  constructor(scope: Construct, id: string, props: RedisCacheStatefulSetProps = {}) {
    super(scope, id, { name: props?.name, component: WorkloadComponent.CACHE, maxNameLength: 50 });
    brand(this, BrandKind.REDIS_CACHE);
    const parsed = checkProps(redisCacheSchema, props);
    this.issues.push(...parsed.issues);
    this.config = parsed.value ?? {};
    this.wireName = `Redis ${this.name}`;
    this.imageReference = this.config.image ?? RedisCacheStatefulSet.DEFAULT_IMAGE;
    this.image = parseImageOrPlaceholder(this.imageReference);
    this.resources = resolveResources(this.config.resources, ResourcePreset.CONTEXT_CACHE, this.environment.resourceProfile);
    const limit = parseQuantity(this.resources.limits.memory);
    this.replication = this.resolveReplication(limit);
    const buffers = this.replicaBuffersBytes;
    this.maxMemoryBytes = this.config.maxMemory ? parseQuantity(this.config.maxMemory) : Math.max(0, floorMiB(limit * 0.75 - buffers));
    this.evictionPolicy = this.config.evictionPolicy ?? ((this.config.usage ?? RedisUsage.CACHE) === RedisUsage.CACHE ? 'allkeys-lru' : 'noeviction');
    this.storageSize = this.config.storageSize ?? '10Gi';
    this.passwordKey = this.config.passwordKey ?? 'password';
    this.passwordSecret = this.config.passwordSecret ?? new SecretSource(this, 'Password', { name: `${this.name}-auth`, keys: [this.passwordKey] });
    this.checkConfig(limit);
    this.exposePorts({ port: REDIS_PORT, protocol: Protocol.TCP }, ...(this.replication ? [{ port: SENTINEL_PORT, protocol: Protocol.TCP }] : []));
    if (this.replication) {
      // Replication and Sentinel gossip between the pods.
      this.connections.allowFrom(this);
    }

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: this.metadata(), automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'Config', { metadata: this.metadata('-config'), data: this.configFiles() });
    new k8s.KubeService(this, 'Headless', { metadata: this.metadata('-headless'), spec: this.headlessServiceSpec() });
    this.statefulSet = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.statefulSetSpec() }),
    });
    this.primaryProxy = this.createPrimaryProxy();
    if (!this.replication || this.primaryProxy) {
      new k8s.KubeService(this, 'Service', { metadata: this.metadata(), spec: this.clientServiceSpec() });
    }
    if (this.replication) {
      new k8s.KubeService(this, 'SentinelService', { metadata: this.metadata('-sentinel'), spec: this.sentinelServiceSpec() });
    }
    if (this.environment.availability.podDisruptionBudgets) {
      this.createDisruptionBudget();
    }
    this.createNetworkPolicy();
    this.node.addValidation({ validate: () => this.queueUseIssues().map(formatIssue) });
  }

  private resolveReplication(limit: number): ResolvedRedisReplication | undefined {
    const options = this.config.replication ?? {};
    if (!(options.enabled ?? this.environment.tier !== EnvironmentTier.DEVELOPMENT)) {
      const asked = Object.keys(options).filter((k) => k !== 'enabled');
      if (options.enabled === undefined && asked.length > 0) {
        this.notice('replication', `replication settings (${asked.join(', ')})`, 'a single Redis pod without Sentinels',
          `environment "${this.environment.name}" is a development environment, where replication is off unless replication.enabled is true`);
      }
      return undefined;
    }
    const proxy = options.primaryProxy ?? {};
    const sentinelImage = options.sentinelImage ?? this.imageReference;
    const proxyImage = proxy.image ?? RedisPrimaryProxy.DEFAULT_IMAGE;
    this.checkImagePolicy('replication.sentinelImage', parseImageOrPlaceholder(sentinelImage), sentinelImage);
    if (proxy.enabled ?? true) {
      this.checkImagePolicy('replication.primaryProxy.image', parseImageOrPlaceholder(proxyImage), proxyImage);
    }
    return {
      nodes: options.nodes ?? 3,
      downAfterMilliseconds: options.downAfterMilliseconds ?? 10_000,
      failoverTimeoutMilliseconds: options.failoverTimeoutMilliseconds ?? 60_000,
      minReplicasToWrite: options.minReplicasToWrite ?? 1,
      minReplicasMaxLagSeconds: options.minReplicasMaxLagSeconds ?? 10,
      replicaBufferBytes: Math.min(256 * MiB, Math.max(32 * MiB, floorMiB(limit / 32))),
      sentinelImage: parseImageOrPlaceholder(sentinelImage),
      primaryProxy: (proxy.enabled ?? true) ? {
        image: parseImageOrPlaceholder(proxyImage),
        replicas: proxy.replicas ?? Math.max(2, this.environment.replicas.default),
      } : undefined,
    };
  }

  /** What the replicas' output buffers may take on the primary, beyond `maxmemory`. */
  private get replicaBuffersBytes(): number {
    return this.replication ? (this.replication.nodes - 1) * this.replication.replicaBufferBytes : 0;
  }

  private checkConfig(limit: number): void {
    this.checkImagePolicy('image', this.image, this.imageReference);
    this.issues.push(...resourceIssues(this.resources), ...this.memoryIssues(limit), ...this.replicationIssues());
    if (!this.passwordSecret.keys.includes(this.passwordKey)) {
      this.issues.push({
        field: 'passwordKey',
        value: this.passwordKey,
        message: `secret "${this.passwordSecret.secretName}" declares no such key (declared: ${this.passwordSecret.keys.join(', ')}); Redis would not start. Set passwordKey to one of them`,
      });
    }
    if (this.config.usage === RedisUsage.QUEUE && this.evictionPolicy !== 'noeviction') {
      this.issues.push({
        field: 'evictionPolicy',
        value: this.evictionPolicy,
        message: 'can evict keys, but usage is "queue": queued jobs would vanish under memory pressure. Remove evictionPolicy (a queue uses noeviction), or keep the evicting cache in a separate Redis',
      });
    }
  }

  /** `maxmemory` against the memory limit of every pod: the fork of persistence needs room, and a primary also holds its replicas' output buffers. */
  private memoryIssues(limit: number): PropIssue[] {
    const buffers = this.replicaBuffersBytes;
    if (this.maxMemoryBytes + buffers <= limit * MAX_MEMORY_SHARE) {
      return [];
    }
    const value = this.config.maxMemory ?? formatBytes(this.maxMemoryBytes);
    const ceiling = formatBytes(floorMiB(limit * MAX_MEMORY_SHARE));
    if (!this.replication) {
      return [{
        field: 'maxMemory',
        value,
        message: `must fit the memory limit "${this.resources.limits.memory}" with room for the fork of RDB/AOF persistence: at most ${Math.round(MAX_MEMORY_SHARE * 100)}% of the limit (${ceiling}); lower maxMemory or raise resources.limits.memory`,
      }];
    }
    const replicas = this.replication.nodes - 1;
    return [{
      field: 'maxMemory',
      value,
      message: `must fit the memory limit "${this.resources.limits.memory}" of every Redis pod with room for the fork of RDB/AOF persistence and, on the primary, the output buffers of its ${replicas} replicas (${formatBytes(this.replication.replicaBufferBytes)} each): maxMemory plus ${formatBytes(buffers)} must be at most ${Math.round(MAX_MEMORY_SHARE * 100)}% of the limit (${ceiling}), so maxMemory at most ${formatBytes(Math.max(0, floorMiB(limit * MAX_MEMORY_SHARE - buffers)))}; lower maxMemory or raise resources.limits.memory`,
    }];
  }

  private replicationIssues(): PropIssue[] {
    const replication = this.replication;
    if (!replication) {
      return [];
    }
    const issues: PropIssue[] = [];
    const max = this.environment.replicas.max;
    if (max !== undefined && replication.nodes > max) {
      issues.push({
        field: 'replication.enabled',
        value: true,
        message: `runs ${replication.nodes} Redis pods, but the environment "${this.environment.name}" allows at most ${max} replica(s) per workload (replicas.max); turn replication off here or raise replicas.max`,
      });
    }
    if (replication.minReplicasToWrite > replication.nodes - 1) {
      issues.push({
        field: 'replication.minReplicasToWrite',
        value: replication.minReplicasToWrite,
        message: `must be at most the number of replicas (${replication.nodes - 1} with ${replication.nodes} nodes), or the primary would refuse every write`,
      });
    }
    return issues;
  }

  /**
   * A Redis that may evict keys must not hold a queue: a `QueueTrigger.redisList` on it, or a
   * worker reading its jobs from it. (`usage: QUEUE` with an evicting policy is refused at construction.)
   */
  private queueUseIssues(): PropIssue[] {
    if (this.config.usage === RedisUsage.QUEUE) {
      return [];
    }
    const origin = this.config.evictionPolicy ? `evictionPolicy "${this.evictionPolicy}"` : `"${this.evictionPolicy}" (the default of usage "${this.config.usage ?? RedisUsage.CACHE}")`;
    return evictingQueueIssues(this, this.evictionPolicy, origin,
      'Set usage: RedisUsage.QUEUE (noeviction) on this Redis, or give the queue a separate Redis with usage: RedisUsage.QUEUE');
  }

  private get exporterEnabled(): boolean {
    return this.config.exporter ?? true;
  }

  /**
   * Tells redis_exporter to report the length of a list (`redis_key_size{db="db<index>", key="<list>"}`),
   * e.g. a queue KEDA scales workers on: `QueueTrigger.redisList()` calls it. The queue lag alert
   * and the Redis dashboard read it.
   */
  public watchList(listName: string, databaseIndex = 0): void {
    if (typeof listName !== 'string' || listName.length === 0) {
      this.issues.push({ field: 'watchList', value: listName, message: 'must name a Redis list, e.g. "tasks"' });
      return;
    }
    if (!Number.isInteger(databaseIndex) || databaseIndex < 0) {
      this.issues.push({ field: 'watchList', value: databaseIndex, message: 'the database index must be an integer of 0 or more' });
      return;
    }
    const db = `db${databaseIndex}`;
    if (!this.watchedLists.some((k) => k.db === db && k.key === listName)) {
      this.watchedLists.push({ db, key: listName });
    }
  }

  /** The lists whose length the exporter reports. */
  public get watchedKeys(): readonly WatchedKey[] {
    return this.exporterEnabled ? this.watchedLists : [];
  }

  private serviceHost(name: string): string {
    return this.namespace ? `${name}.${this.namespace}.svc.cluster.local` : name;
  }

  /** Host name clients use (replicated: HAProxy, which routes to the primary). */
  public get host(): string {
    return this.serviceHost(this.name);
  }

  /** Host name of the pod with this ordinal (stable: the headless Service's DNS record). */
  public nodeHost(ordinal: number | string): string {
    return `${this.name}-${ordinal}.${this.serviceHost(`${this.name}-headless`)}`;
  }

  /** The Sentinels, when replicated. */
  public get sentinel(): RedisSentinelEndpoint | undefined {
    return this.replication ? { host: this.serviceHost(`${this.name}-sentinel`), port: SENTINEL_PORT, masterName: this.name } : undefined;
  }

  /**
   * The connection settings of a consumer. Plain clients read `REDIS_HOST`/`REDIS_PORT`/
   * `REDIS_PASSWORD` or `REDIS_URL`; Sentinel-aware clients read `REDIS_SENTINEL_HOST`,
   * `REDIS_SENTINEL_PORT`, `REDIS_SENTINEL_MASTER` (the Sentinels need the same password) or
   * `REDIS_SENTINEL_URL` (`redis+sentinel://:password@host:26379/<master>/0`). Kubernetes expands
   * `$(REDIS_PASSWORD)`, so the manifest holds no secret.
   */
  public bindingEnv(): Record<string, string | EnvValue> {
    const env: Record<string, string | EnvValue> = {};
    const sentinel = this.sentinel;
    const plain = !sentinel || this.primaryProxy !== undefined;
    if (plain) {
      env.REDIS_HOST = this.host;
      env.REDIS_PORT = String(REDIS_PORT);
    }
    env.REDIS_PASSWORD = EnvValue.fromSecret(this.passwordSecret, this.passwordKey);
    if (plain) {
      env.REDIS_URL = `redis://:$(REDIS_PASSWORD)@${this.host}:${REDIS_PORT}/0`;
    }
    if (sentinel) {
      env.REDIS_SENTINEL_HOST = sentinel.host;
      env.REDIS_SENTINEL_PORT = String(sentinel.port);
      env.REDIS_SENTINEL_MASTER = sentinel.masterName;
      env.REDIS_SENTINEL_URL = `redis+sentinel://:$(REDIS_PASSWORD)@${sentinel.host}:${sentinel.port}/${sentinel.masterName}/0`;
    }
    return env;
  }

  /** A consumer reaches the pods (the Sentinels and the primary they name) and HAProxy. */
  public onWired(consumer: Workload): void {
    this.primaryProxy?.connections.allowFrom(consumer);
  }

  /** redis.conf: persistence, memory bound, disabled commands and replication. The password is added at start by node.sh. */
  public redisConf(): string {
    return redisConf({
      maxMemoryBytes: this.maxMemoryBytes,
      evictionPolicy: this.evictionPolicy,
      snapshotIntervalSeconds: this.config.snapshotIntervalSeconds ?? 300,
      appendOnly: this.config.appendOnly ?? true,
      replication: this.replication,
    });
  }

  /** The ConfigMap's files: redis.conf, node.sh and, replicated, sentinel.conf. */
  public configFiles(): Record<string, string> {
    const script = nodeScript({
      masterName: this.name,
      nodeAddressFormat: this.nodeHost('%s'),
      replicated: this.replication !== undefined,
      switchoverTimeoutSeconds: SWITCHOVER_TIMEOUT_SECONDS,
      failoverWaitSeconds: this.replication ? Math.ceil((this.replication.downAfterMilliseconds + this.replication.failoverTimeoutMilliseconds) / 1000) : 0,
    });
    return {
      'redis.conf': this.redisConf(),
      ...(this.replication ? { 'sentinel.conf': sentinelConf({ masterName: this.name, firstNode: this.nodeHost(0), replication: this.replication }) } : {}),
      'node.sh': script,
    };
  }

  private headlessServiceSpec(): k8s.ServiceSpec {
    return {
      type: 'ClusterIP',
      clusterIp: 'None',
      // Replicas and Sentinels find each other before they are ready.
      publishNotReadyAddresses: true,
      selector: { ...this.selectorLabels },
      ports: [
        { name: 'redis', port: REDIS_PORT, targetPort: k8s.IntOrString.fromString('redis'), protocol: 'TCP', appProtocol: 'redis' },
        ...(this.replication ? [{ name: 'sentinel', port: SENTINEL_PORT, targetPort: k8s.IntOrString.fromString('sentinel'), protocol: 'TCP', appProtocol: 'redis' }] : []),
      ],
    };
  }

  private clientServiceSpec(): k8s.ServiceSpec {
    return {
      type: 'ClusterIP',
      selector: { ...(this.primaryProxy?.selectorLabels ?? this.selectorLabels) },
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: k8s.IntOrString.fromString('redis'), protocol: 'TCP', appProtocol: 'redis' }],
    };
  }

  private sentinelServiceSpec(): k8s.ServiceSpec {
    return {
      type: 'ClusterIP',
      selector: { ...this.selectorLabels },
      ports: [{ name: 'sentinel', port: SENTINEL_PORT, targetPort: k8s.IntOrString.fromString('sentinel'), protocol: 'TCP', appProtocol: 'redis' }],
    };
  }

  private createPrimaryProxy(): RedisPrimaryProxy | undefined {
    const proxy = this.replication?.primaryProxy;
    if (!proxy) {
      return undefined;
    }
    return new RedisPrimaryProxy(this, 'PrimaryProxy', `${this.name}-proxy`, {
      nodeHosts: Array.from({ length: MAX_REDIS_NODES }, (_, i) => this.nodeHost(i)),
      image: proxy.image,
      replicas: proxy.replicas,
      resources: PROXY_RESOURCES,
      passwordSecret: this.passwordSecret,
      passwordKey: this.passwordKey,
      redis: this,
    });
  }

  /** Replicated, voluntary evictions keep a majority of the pods: the Sentinels' quorum, and at least one data pod. */
  protected override disruptionBudgetSpec(): k8s.PodDisruptionBudgetSpec {
    if (!this.replication) {
      return super.disruptionBudgetSpec();
    }
    return {
      minAvailable: k8s.IntOrString.fromNumber(sentinelQuorum(this.replication.nodes)),
      selector: { matchLabels: { ...this.selectorLabels } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    };
  }

  private secretEnv(...names: string[]): k8s.EnvVar[] {
    return names.map((name) => EnvValue.fromSecret(this.passwordSecret, this.passwordKey)._toEnvVar(name));
  }

  /** The variables node.sh reads: the password (for itself and redis-cli), the pod's name and, replicated, the node count. */
  private nodeEnv(): k8s.EnvVar[] {
    return [
      ...this.secretEnv('REDIS_PASSWORD', 'REDISCLI_AUTH'),
      EnvValue.fromFieldPath('metadata.name')._toEnvVar('POD_NAME'),
      ...(this.replication ? [{ name: 'REDIS_NODES', value: String(this.replication.nodes) }] : []),
    ];
  }

  private nodeMounts(withData: boolean): k8s.VolumeMount[] {
    return [
      ...(withData ? [{ name: 'data', mountPath: REDIS_PATHS.data }] : []),
      { name: 'config', mountPath: REDIS_PATHS.config, readOnly: true },
      { name: 'run', mountPath: REDIS_PATHS.run },
      ...(withData ? [{ name: 'tmp', mountPath: '/tmp' }] : []),
    ];
  }

  private redisContainer(): k8s.Container {
    const cli = (check: string) => ({ exec: { command: ['sh', '-c', `redis-cli -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -Eq '${check}'`] } });
    const container = renderContainer({
      name: 'redis',
      image: formatImage(this.image, this.environment.images.registry),
      imagePullPolicy: this.environment.images.pullPolicy,
      command: ['sh', `${REDIS_PATHS.config}/node.sh`, 'redis'],
      ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
      env: this.nodeEnv(),
      resources: this.resources,
      security: { runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID },
      volumeMounts: this.nodeMounts(true),
      probes: {
        // Loading a large AOF answers LOADING: alive, not ready. The startup budget covers it.
        startupProbe: { ...cli('PONG|LOADING'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60, successThreshold: 1 },
        readinessProbe: { ...cli('PONG'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
        livenessProbe: { ...cli('PONG|LOADING'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
      },
    });
    if (!this.replication) {
      return container;
    }
    // A stopping primary hands its role to a replica before it exits (rolling updates, drains).
    return { ...container, lifecycle: { preStop: { exec: { command: ['sh', `${REDIS_PATHS.config}/node.sh`, 'pre-stop'] } } } };
  }

  private sentinelContainer(replication: ResolvedRedisReplication): k8s.Container {
    const cli = { exec: { command: ['sh', '-c', `redis-cli -h 127.0.0.1 -p ${SENTINEL_PORT} ping | grep -q PONG`] } };
    return renderContainer({
      name: 'sentinel',
      image: formatImage(replication.sentinelImage, this.environment.images.registry),
      imagePullPolicy: this.environment.images.pullPolicy,
      command: ['sh', `${REDIS_PATHS.config}/node.sh`, 'sentinel'],
      ports: [{ name: 'sentinel', containerPort: SENTINEL_PORT, protocol: 'TCP' }],
      env: this.nodeEnv(),
      resources: SENTINEL_RESOURCES,
      security: { runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID },
      volumeMounts: this.nodeMounts(false),
      probes: {
        startupProbe: { ...cli, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30, successThreshold: 1 },
        readinessProbe: { ...cli, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
        livenessProbe: { ...cli, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
      },
    });
  }

  private get exporterImage(): ImageReference {
    return parseImageOrPlaceholder(this.config.exporterImage ?? RedisCacheStatefulSet.DEFAULT_EXPORTER_IMAGE);
  }

  /** The chart values: Redis image and resources, the exporter image and, replicated, the node count and the Sentinel image. */
  public helmValues(): HelmValueSection {
    const builder = new HelmSectionBuilder(toValuesKey(this.name), this.node.path)
      .image(['image'], this.image, this.statefulSet, containerPath('redis'), 'Redis image')
      .resources(['resources'], this.resources, this.statefulSet, containerPath('redis'), 'Requests and limits of Redis');
    if (this.exporterEnabled) {
      builder.image(['exporter', 'image'], this.exporterImage, this.statefulSet, containerPath('exporter'), 'redis_exporter image');
    }
    const replication = this.replication;
    if (!replication) {
      return builder.fixedPods(1).build();
    }
    builder.image(['sentinel', 'image'], replication.sentinelImage, this.statefulSet, containerPath('sentinel'), 'Sentinel image (redis-sentinel)')
      .scalar(['replication', 'nodes'], replication.nodes, nodesSchema, [{ target: this.statefulSet, at: ['spec', 'replicas'] }],
        `Redis pods, each with a Sentinel (3 to ${MAX_REDIS_NODES}; the quorum is their majority)`)
      .podsFromValue(['replication', 'nodes']);
    const nodes = builder.valueRef(['replication', 'nodes']);
    for (const container of ['redis', 'sentinel']) {
      builder.bindTemplate(this.statefulSet, [...containerPath(container), 'env', { name: 'REDIS_NODES' }, 'value'], `{{ ${nodes} | quote }}`);
    }
    if (this.disruptionBudget) {
      builder.bindTemplate(this.disruptionBudget, ['spec', 'minAvailable'], `{{ add (div (int ${nodes}) 2) 1 }}`);
    }
    return builder.build();
  }

  private exporterContainer(): k8s.Container {
    const image = this.exporterImage;
    const probe = { httpGet: { path: '/health', port: k8s.IntOrString.fromString('metrics'), scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 };
    return renderContainer({
      name: 'exporter',
      image: formatImage(image, this.environment.images.registry),
      imagePullPolicy: this.environment.images.pullPolicy,
      ports: [{ name: 'metrics', containerPort: EXPORTER_PORT, protocol: 'TCP' }],
      env: [
        { name: 'REDIS_ADDR', value: `redis://127.0.0.1:${REDIS_PORT}` },
        ...this.secretEnv('REDIS_PASSWORD'),
        ...this.checkSingleKeysEnv(),
      ],
      resources: EXPORTER_RESOURCES,
      security: { runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID },
      probes: { startupProbe: { ...probe, failureThreshold: 12 }, readinessProbe: probe, livenessProbe: probe },
    });
  }

  /** `REDIS_EXPORTER_CHECK_SINGLE_KEYS`: `db<index>=<list>` entries joined by "," (names URL-encoded, as the exporter decodes them). */
  private checkSingleKeysEnv(): k8s.EnvVar[] {
    const keys = this.watchedKeys;
    return keys.length === 0 ? [] : [{ name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: keys.map((k) => `${k.db}=${encodeURIComponent(k.key)}`).join(',') }];
  }

  private statefulSetSpec(): k8s.StatefulSetSpec {
    const tmp = tmpVolume('64Mi');
    const replication = this.replication;
    return persistentStatefulSetSpec({
      name: this.name,
      replicas: replication?.nodes ?? 1,
      selectorLabels: this.selectorLabels,
      storage: { size: this.storageSize, storageClassName: this.config.storageClassName ?? this.environment.storage.storageClassName },
      template: {
        metadata: podMetadata(this.labels, this.podAnnotations()),
        spec: renderPodSpec({
          serviceAccountName: this.name,
          automountServiceAccountToken: false,
          containers: [
            this.redisContainer(),
            ...(replication ? [this.sentinelContainer(replication)] : []),
            ...(this.exporterEnabled ? [this.exporterContainer()] : []),
          ],
          volumes: [
            { name: 'config', configMap: { name: `${this.name}-config` } },
            { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
            tmp.volume,
          ],
          security: { runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID },
          terminationGracePeriodSeconds: 60,
          // Every pod counts, whatever its revision: two Redis pods on one node would lose the quorum with it.
          topologySpreadConstraints: replication ? topologySpread(this.selectorLabels, this.environment.availability, '') : undefined,
        }),
      },
    });
  }

  private podAnnotations(): Record<string, string> {
    const scrape: Record<string, string> = this.exporterEnabled
      ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(EXPORTER_PORT), 'prometheus.io/path': '/metrics' }
      : {};
    // A changed redis.conf or node.sh rolls the pods.
    const checksum = createHash('sha256').update(JSON.stringify(this.configFiles())).digest('hex');
    return { ...scrape, 'checksum/config': checksum, ...this.contributedPodAnnotations() };
  }

  public signals(): WorkloadSignals {
    return this.exporterEnabled ? redisSignals(this.watchedLists, { replicated: this.replication !== undefined }) : { metrics: [] };
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    return this.exporterEnabled ? [{ port: EXPORTER_PORT, portName: 'metrics', path: '/metrics' }] : [];
  }

  public quotaDemand(): QuotaDemand {
    const pods = this.replication?.nodes ?? 1;
    const containers = [this.resources, ...(this.replication ? [SENTINEL_RESOURCES] : []), ...(this.exporterEnabled ? [EXPORTER_RESOURCES] : [])];
    return podDemand(pods, containers, { volumeClaims: pods, storageBytes: pods * parseQuantity(this.storageSize) });
  }
}
