import { type IConstruct } from 'constructs';
import { type EnvValue, type ISecretSource } from './env-value';
import { type IConnectable } from './network';
import { type Workload } from './workload';

/** Something a workload can be wired to: a tool, a cache, an inference pool, another agent. */
export interface IWireable extends IConnectable, IConstruct {
  /** Readable name, used in error messages. */
  readonly wireName: string;
  /** The environment variables a consumer gets to reach it. */
  bindingEnv(): Readonly<Record<string, string | EnvValue>>;
  /**
   * Called by `wire()` once a consumer is wired, for providers that run more than one set of pods
   * (a replicated Redis and its primary proxy) and must open the consumer's path to each.
   */
  onWired?(consumer: Workload): void;
}

/** The Sentinels of a replicated Redis: where Sentinel-aware clients and KEDA ask for the master. */
export interface RedisSentinelEndpoint {
  /** Host name of the Sentinel Service. */
  readonly host: string;
  readonly port: number;
  /** The master name the Sentinels monitor. */
  readonly masterName: string;
}

/** A Redis consumers can be wired to. */
export interface IRedisCache extends IWireable {
  /** Host name clients use. */
  readonly host: string;
  /** Port clients use. */
  readonly port: number;
  /** Secret holding the password. */
  readonly passwordSecret: ISecretSource;
  /** Key of the password in the Secret. */
  readonly passwordKey: string;
  /** The Sentinels, when the Redis is replicated under Sentinel. */
  readonly sentinel?: RedisSentinelEndpoint;
  /** Whether clients must connect with TLS. */
  readonly tls?: boolean;
  /** `maxmemory-policy`, when known: a policy other than `noeviction` may drop a queue's keys. */
  readonly evictionPolicy?: string;
}

/** `JD_CLASSIFIER` from `jd-classifier`: the part of an environment variable naming a peer. */
export function envSegment(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/**
 * Wires `consumer` to `provider`, in one place (`expected` names the prop and kind for errors): the consumer gets the connection settings as
 * environment variables, both NetworkPolicies get the path (egress on the consumer, ingress on
 * the provider, on the provider's ports), and the provider is synthesized before the consumer.
 */
export function wire(consumer: Workload, provider: IWireable, expected: { field: string; kind: string }): boolean {
  if (!isWireable(provider)) {
    consumer._reportIssue({
      field: expected.field,
      value: provider,
      message: `must be ${expected.kind} (a typed reference to the construct, not a name or a plain object)`,
    });
    return false;
  }
  for (const [name, value] of Object.entries(provider.bindingEnv())) {
    consumer.addEnv(name, value);
  }
  consumer.connections.allowTo(provider);
  consumer.node.addDependency(provider);
  provider.onWired?.(consumer);
  return true;
}

function isWireable(value: unknown): value is IWireable {
  const candidate = value as Partial<IWireable> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.bindingEnv === 'function'
    && typeof candidate.connections === 'object' && typeof candidate.node === 'object';
}
