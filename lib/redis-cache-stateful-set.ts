import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { z } from 'zod';
import { EnvValue, type ISecretSource } from './core/env-value';
import { containerPath, HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider } from './core/helm-values';
import { formatImage, type ImageReference, imageSchema, parseImage } from './core/image';
import { toValuesKey, WorkloadComponent } from './core/labels';
import { Protocol } from './core/network';
import { podMetadata, renderContainer, renderPodSpec, tmpVolume } from './core/pod';
import { persistentStatefulSetSpec } from './core/stateful';
import { brand, BrandKind } from './core/brand';
import { checkProps } from './core/props';
import { brandedReference, REFERENCES } from './core/references';
import { formatBytes, parseQuantity } from './core/quantity';
import { type ResolvedResources, type ResourceOptions, resourceIssues, resourceOptionsSchema, ResourcePreset, resolveResources } from './core/resources';
import { configKey, memoryQuantity, storageQuantity, dnsSubdomain, positiveInt } from './core/schemas';
import { type IRedisCache } from './core/wiring';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload, type WorkloadOptions } from './core/workload';
import { redisSignals, type WatchedKey, type WorkloadSignals } from './core/signals';
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
   * persistence forks the process and copy-on-write needs the rest.
   * @default - 75% of the memory limit
   */
  readonly maxMemory?: string;
  /**
   * Eviction policy when `maxMemory` is reached.
   * @default - `allkeys-lru` for a cache, `noeviction` for a queue or agent memory
   */
  readonly evictionPolicy?: string;
  /**
   * Size of the data volume (one per replica, from volumeClaimTemplates).
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
   * Secret holding the password. Its value never appears in the manifests.
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
}

const EVICTION_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const;

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
}).strict();

const REDIS_PORT = 6379;
const EXPORTER_PORT = 9121;
const REDIS_UID = 999;
const MAX_MEMORY_SHARE = 0.9;
/** Commands an agent never needs and an attacker loves: renamed to nothing, so they are gone. */
const DISABLED_COMMANDS = ['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'SHUTDOWN'];

/**
 * A Redis shared by agents and tools: a StatefulSet with a persistent volume per replica
 * (volumeClaimTemplates), a headless Service for its stable identity and a client Service,
 * redis.conf from a ConfigMap (RDB snapshot every 5 minutes plus AOF, `maxmemory` below the
 * memory limit, dangerous commands disabled), the password from a Secret, redis-cli probes, a
 * redis_exporter sidecar and a PodDisruptionBudget. Consumers wired to it get `REDIS_HOST`,
 * `REDIS_PORT`, `REDIS_PASSWORD` (from the Secret) and `REDIS_URL`, and only they may connect.
 */
export class RedisCacheStatefulSet extends Workload implements IRedisCache, IHelmValuesProvider {
  public static readonly DEFAULT_IMAGE = 'docker.io/library/redis:7.2.5-alpine';
  public static readonly DEFAULT_EXPORTER_IMAGE = 'docker.io/oliver006/redis_exporter:v1.62.0';

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

  private readonly config: z.output<typeof redisCacheSchema>;
  private readonly watchedLists: WatchedKey[] = [];

  constructor(scope: Construct, id: string, props: RedisCacheStatefulSetProps = {}) {
    super(scope, id, { name: props?.name, component: WorkloadComponent.CACHE, maxNameLength: 50 });
    brand(this, BrandKind.REDIS_CACHE);
    const parsed = checkProps(redisCacheSchema, props);
    this.issues.push(...parsed.issues);
    this.config = parsed.value ?? {};
    this.wireName = `Redis ${this.name}`;
    this.image = parseImage(this.config.image ?? RedisCacheStatefulSet.DEFAULT_IMAGE) ?? { repository: 'invalid' };
    this.resources = resolveResources(this.config.resources, ResourcePreset.CONTEXT_CACHE, this.environment.resourceProfile);
    const limit = parseQuantity(this.resources.limits.memory);
    this.maxMemoryBytes = this.config.maxMemory ? parseQuantity(this.config.maxMemory) : Math.floor((limit * 0.75) / 2 ** 20) * 2 ** 20;
    this.evictionPolicy = this.config.evictionPolicy ?? ((this.config.usage ?? RedisUsage.CACHE) === RedisUsage.CACHE ? 'allkeys-lru' : 'noeviction');
    this.storageSize = this.config.storageSize ?? '10Gi';
    this.passwordKey = this.config.passwordKey ?? 'password';
    this.passwordSecret = this.config.passwordSecret ?? new SecretSource(this, 'Password', { name: `${this.name}-auth`, keys: [this.passwordKey] });
    this.checkConfig(limit);
    if (!this.passwordSecret.keys.includes(this.passwordKey)) {
      this.issues.push({
        field: 'passwordKey',
        value: this.passwordKey,
        message: `secret "${this.passwordSecret.secretName}" declares no such key (declared: ${this.passwordSecret.keys.join(', ')}); Redis would not start. Set passwordKey to one of them`,
      });
    }
    this.exposePorts({ port: REDIS_PORT, protocol: Protocol.TCP });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: this.metadata(), automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'Config', { metadata: this.metadata('-config'), data: { 'redis.conf': this.redisConf() } });
    new k8s.KubeService(this, 'Headless', { metadata: this.metadata('-headless'), spec: this.serviceSpec(true) });
    new k8s.KubeService(this, 'Service', { metadata: this.metadata(), spec: this.serviceSpec(false) });
    this.statefulSet = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.statefulSetSpec() }),
    });
    if (this.environment.availability.podDisruptionBudgets) {
      this.createDisruptionBudget();
    }
    this.createNetworkPolicy();
  }

  private checkConfig(limit: number): void {
    this.checkImagePolicy('image', this.image, this.config.image ?? RedisCacheStatefulSet.DEFAULT_IMAGE);
    this.issues.push(...resourceIssues(this.resources));
    if (this.maxMemoryBytes > limit * MAX_MEMORY_SHARE) {
      this.issues.push({
        field: 'maxMemory',
        value: this.config.maxMemory ?? formatBytes(this.maxMemoryBytes),
        message: `must fit the memory limit "${this.resources.limits.memory}" with room for the fork of RDB/AOF persistence: at most ${Math.round(MAX_MEMORY_SHARE * 100)}% of the limit (${formatBytes(Math.floor((limit * MAX_MEMORY_SHARE) / 2 ** 20) * 2 ** 20)}); lower maxMemory or raise resources.limits.memory`,
      });
    }
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

  /** Host name clients use. */
  public get host(): string {
    return this.namespace ? `${this.name}.${this.namespace}.svc.cluster.local` : this.name;
  }

  public bindingEnv(): Record<string, string | EnvValue> {
    return {
      REDIS_HOST: this.host,
      REDIS_PORT: String(REDIS_PORT),
      REDIS_PASSWORD: EnvValue.fromSecret(this.passwordSecret, this.passwordKey),
      // Kubernetes expands $(REDIS_PASSWORD) from the variable above: the manifest holds no secret.
      REDIS_URL: `redis://:$(REDIS_PASSWORD)@${this.host}:${REDIS_PORT}/0`,
    };
  }

  /** redis.conf: persistence, memory bound and disabled commands. The password comes from an argument. */
  public redisConf(): string {
    const appendOnly = this.config.appendOnly ?? true;
    const lines = [
      '# Generated by cdk8s-agents. The password is passed as --requirepass from a Secret.',
      'bind 0.0.0.0 -::*',
      `port ${REDIS_PORT}`,
      'protected-mode yes',
      'dir /data',
      `save ${this.config.snapshotIntervalSeconds ?? 300} 1`,
      'stop-writes-on-bgsave-error yes',
      `appendonly ${appendOnly ? 'yes' : 'no'}`,
      'appendfsync everysec',
      'auto-aof-rewrite-percentage 100',
      'auto-aof-rewrite-min-size 64mb',
      `maxmemory ${this.maxMemoryBytes}`,
      `maxmemory-policy ${this.evictionPolicy}`,
      'tcp-keepalive 60',
      ...DISABLED_COMMANDS.map((command) => `rename-command ${command} ""`),
    ];
    return `${lines.join('\n')}\n`;
  }

  private serviceSpec(headless: boolean): k8s.ServiceSpec {
    return {
      type: 'ClusterIP',
      clusterIp: headless ? 'None' : undefined,
      publishNotReadyAddresses: headless ? true : undefined,
      selector: { ...this.selectorLabels },
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: k8s.IntOrString.fromString('redis'), protocol: 'TCP', appProtocol: 'redis' }],
    };
  }

  private redisContainer(): k8s.Container {
    const cli = (check: string) => ({ exec: { command: ['sh', '-c', `redis-cli -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -Eq '${check}'`] } });
    const container = renderContainer({
      name: 'redis',
      image: formatImage(this.image, this.environment.images.registry),
      imagePullPolicy: this.environment.images.pullPolicy,
      command: ['redis-server'],
      args: ['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
      ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
      env: [
        EnvValue.fromSecret(this.passwordSecret, this.passwordKey)._toEnvVar('REDIS_PASSWORD'),
        EnvValue.fromSecret(this.passwordSecret, this.passwordKey)._toEnvVar('REDISCLI_AUTH'),
      ],
      resources: this.resources,
      security: { runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID },
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'config', mountPath: '/etc/redis', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      probes: {
        // Loading a large AOF answers LOADING: alive, not ready. The startup budget covers it.
        startupProbe: { ...cli('PONG|LOADING'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60, successThreshold: 1 },
        readinessProbe: { ...cli('PONG'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
        livenessProbe: { ...cli('PONG|LOADING'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
      },
    });
    return container;
  }

  private get exporterImage(): ImageReference {
    return parseImage(this.config.exporterImage ?? RedisCacheStatefulSet.DEFAULT_EXPORTER_IMAGE) ?? { repository: 'invalid' };
  }

  /** The chart values: Redis image and resources, and the exporter image. */
  public helmValues(): HelmValueSection {
    const builder = new HelmSectionBuilder(toValuesKey(this.name), this.node.path)
      .fixedPods(1)
      .image(['image'], this.image, this.statefulSet, containerPath('redis'), 'Redis image')
      .resources(['resources'], this.resources, this.statefulSet, containerPath('redis'), 'Requests and limits of Redis');
    if (this.exporterEnabled) {
      builder.image(['exporter', 'image'], this.exporterImage, this.statefulSet, containerPath('exporter'), 'redis_exporter image');
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
        EnvValue.fromSecret(this.passwordSecret, this.passwordKey)._toEnvVar('REDIS_PASSWORD'),
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
    return persistentStatefulSetSpec({
      name: this.name,
      selectorLabels: this.selectorLabels,
      storage: { size: this.storageSize, storageClassName: this.config.storageClassName ?? this.environment.storage.storageClassName },
      template: {
        metadata: podMetadata(this.labels, this.podAnnotations()),
        spec: renderPodSpec({
          serviceAccountName: this.name,
          automountServiceAccountToken: false,
          containers: [this.redisContainer(), ...(this.exporterEnabled ? [this.exporterContainer()] : [])],
          volumes: [{ name: 'config', configMap: { name: `${this.name}-config` } }, tmp.volume],
          security: { runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID },
          terminationGracePeriodSeconds: 60,
        }),
      },
    });
  }

  private podAnnotations(): Record<string, string> {
    const scrape: Record<string, string> = this.exporterEnabled
      ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(EXPORTER_PORT), 'prometheus.io/path': '/metrics' }
      : {};
    return { ...scrape, ...this.contributedPodAnnotations() };
  }

  public signals(): WorkloadSignals {
    return this.exporterEnabled ? redisSignals(this.watchedLists) : { metrics: [] };
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    return this.exporterEnabled ? [{ port: EXPORTER_PORT, portName: 'metrics', path: '/metrics' }] : [];
  }

  public quotaDemand(): QuotaDemand {
    const containers = this.exporterEnabled ? [this.resources, EXPORTER_RESOURCES] : [this.resources];
    return podDemand(1, containers, { volumeClaims: 1, storageBytes: parseQuantity(this.storageSize) });
  }
}

const EXPORTER_RESOURCES: ResolvedResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
