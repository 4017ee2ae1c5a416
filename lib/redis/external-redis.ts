import { Construct } from 'constructs';
import { z } from 'zod';
import { EnvValue, type ISecretSource } from '../core/env-value';
import { brand, BrandKind, hasBrand } from '../core/brand';
import { formatIssue, type PropIssue } from '../core/errors';
import { Connections, ExternalEndpoint } from '../core/network';
import { checkProps } from '../core/props';
import { port as portSchema } from '../core/schemas';
import { type IRedisCache } from '../core/wiring';
import { SecretSource } from '../secret-source';
import { REDIS_PORT } from './config';
import { EVICTION_POLICIES, evictingQueueIssues } from './queue-use';

/** A Redis outside the app: a managed service (ElastiCache, Memorystore, Azure Cache) or another team's. */
export interface ExternalRedisOptions {
  /** Host name of its primary endpoint, e.g. `master.agents.abc123.use1.cache.amazonaws.com`. */
  readonly host: string;
  /**
   * Port of the endpoint.
   * @default 6379
   */
  readonly port?: number;
  /** Secret holding the password (the AUTH token); its value never appears in the manifests. */
  readonly passwordSecret: ISecretSource;
  /**
   * Key of the password in `passwordSecret`.
   * @default "password"
   */
  readonly passwordKey?: string;
  /**
   * Whether clients connect with TLS (`rediss://`); managed services offer it, some require it.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Where the endpoint's addresses are, for the consumers' egress NetworkPolicy, e.g.
   * `ExternalEndpoint.cidr('10.30.0.0/16', { ports: [6379] })` for the service's subnet. Its
   * ports must include `port`.
   */
  readonly endpoint: ExternalEndpoint;
  /**
   * The `maxmemory-policy` the service is configured with, when known, so that a queue on a Redis
   * that evicts keys is refused like on a `RedisCacheStatefulSet`.
   * @default - unknown: not checked
   */
  readonly evictionPolicy?: string;
}

const externalRedisSchema = z.object({
  host: z.string().min(1, { error: 'must be the host name of the Redis endpoint' }).regex(/^[A-Za-z0-9.-]+$/, { error: 'must be a host name (letters, digits, "." and "-")' }),
  port: portSchema.optional(),
  passwordSecret: z.custom<ISecretSource>((v) => hasBrand(v, BrandKind.SECRET_SOURCE), { error: 'must be a SecretSource (or SecretSource.fromSecretName())' }),
  passwordKey: z.string().min(1).optional(),
  tls: z.boolean().optional(),
  endpoint: z.custom<ExternalEndpoint>((v) => ExternalEndpoint.isExternalEndpoint(v), { error: 'must be an ExternalEndpoint, e.g. ExternalEndpoint.cidr("10.30.0.0/16", { ports: [6379] })' }),
  evictionPolicy: z.enum(EVICTION_POLICIES, { error: `must be one of ${EVICTION_POLICIES.join(', ')}` }).optional(),
}).strict();

/** `RedisCacheStatefulSet.fromEndpoint()`: consumers get the same variables and an egress rule to the endpoint. */
export class ExternalRedis extends Construct implements IRedisCache {
  public readonly host: string;
  public readonly port: number;
  public readonly passwordSecret: ISecretSource;
  public readonly passwordKey: string;
  public readonly tls: boolean;
  public readonly evictionPolicy: string | undefined;
  public readonly connections: Connections;
  public readonly wireName: string;

  constructor(scope: Construct, id: string, options: ExternalRedisOptions) {
    super(scope, id);
    brand(this, BrandKind.REDIS_CACHE);
    const parsed = checkProps(externalRedisSchema, options);
    const config = parsed.value;
    const issues: PropIssue[] = [...parsed.issues];
    this.host = config?.host ?? 'invalid';
    this.port = config?.port ?? REDIS_PORT;
    this.passwordKey = config?.passwordKey ?? 'password';
    // An invalid secret is reported above; a stand-in keeps the wiring from crashing before the report.
    this.passwordSecret = config?.passwordSecret ?? SecretSource.fromSecretName(this, 'InvalidPasswordSecret', 'invalid', [this.passwordKey]);
    this.tls = config?.tls ?? true;
    this.evictionPolicy = config?.evictionPolicy;
    this.wireName = `Redis ${this.host}`;
    const endpoint = config?.endpoint;
    const ports = endpoint ? [...endpoint.ports] : [];
    this.connections = new Connections(endpoint ?? ExternalEndpoint.cidr('0.0.0.0/32'), ports, false);
    if (endpoint && !ports.some((p) => p.port === this.port)) {
      issues.push({ field: 'endpoint', value: ports.map((p) => p.port), message: `must open the Redis port ${this.port}: add it to the endpoint's ports` });
    }
    if (config && !config.passwordSecret.keys.includes(this.passwordKey)) {
      issues.push({ field: 'passwordKey', value: this.passwordKey, message: `secret "${config.passwordSecret.secretName}" declares no such key (declared: ${config.passwordSecret.keys.join(', ')})` });
    }
    this.node.addValidation({
      validate: () => [...issues, ...evictingQueueIssues(this, this.evictionPolicy, `evictionPolicy "${this.evictionPolicy ?? ''}" (the service's maxmemory-policy)`,
        'Configure the service with maxmemory-policy noeviction (and declare it here), or give the queue a separate Redis that does not evict')].map(formatIssue),
    });
  }

  /** A managed Redis runs no exporter of this app: there is nothing to tell. */
  public watchList(_listName: string, _databaseIndex?: number): void {}

  public bindingEnv(): Record<string, string | EnvValue> {
    return {
      REDIS_HOST: this.host,
      REDIS_PORT: String(this.port),
      REDIS_PASSWORD: EnvValue.fromSecret(this.passwordSecret, this.passwordKey),
      REDIS_TLS: String(this.tls),
      REDIS_URL: `${this.tls ? 'rediss' : 'redis'}://:$(REDIS_PASSWORD)@${this.host}:${this.port}/0`,
    };
  }
}
