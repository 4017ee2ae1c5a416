import { Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { hasBrand } from './brand';
import { type PropIssue } from './errors';
import { type EnvValue, type ISecretSource } from './env-value';
import { type IConnectable } from './network';
import { referenceMessage, type ReferenceKind } from './references';
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
  /** Tells the cache's exporter to report the length of a list (a queue KEDA reads); `databaseIndex` defaults to 0. */
  watchList(listName: string, databaseIndex?: number): void;
}

/** `JD_CLASSIFIER` from `jd-classifier`: the part of an environment variable naming a peer. */
export function envSegment(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** The chart (platform) a construct belongs to; undefined when it is in none. */
function chartOf(construct: IConstruct): Chart | undefined {
  try {
    return Chart.of(construct);
  } catch {
    return undefined;
  }
}

/**
 * A reference to a construct of another platform (another environment or app) would wire across
 * namespaces and charts: the other chart's NetworkPolicy would be rewritten to admit this one.
 */
export function crossPlatformIssue(consumer: IConstruct, provider: IConstruct, field: string, what: string): PropIssue | undefined {
  const mine = chartOf(consumer);
  const theirs = chartOf(provider);
  if (mine === theirs) {
    return undefined;
  }
  return {
    field,
    value: provider,
    message: `${what} belongs to ${theirs ? `platform "${theirs.node.path}"` : 'no platform'}, not to this workload's platform "${mine?.node.path ?? '(none)'}": wiring across platforms (environments or apps) would change the other one's NetworkPolicies and point at another namespace; create ${what} in this platform (build each environment from its own constructs)`,
  };
}

/**
 * Wires `consumer` to `provider`, in one place (`field` names the prop, `expected` the kind of
 * reference): the consumer gets the connection settings as environment
 * variables, both NetworkPolicies get the path (egress on the consumer, ingress on the provider,
 * on the provider's ports), and the provider is synthesized before the consumer.
 */
export function wire(consumer: Workload, provider: IWireable, field: string, expected: ReferenceKind): boolean {
  if (!hasBrand(provider, expected.brand)) {
    consumer._reportIssue({ field, value: provider, message: referenceMessage(expected) });
    return false;
  }
  const crossing = crossPlatformIssue(consumer, provider, field, provider.wireName);
  if (crossing) {
    consumer._reportIssue(crossing);
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
