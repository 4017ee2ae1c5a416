import { Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { type PropIssue } from '../core/errors';
import { WorkloadComponent } from '../core/labels';
import { ServiceWorkload } from '../core/service-workload';
import { type IRedisCache } from '../core/wiring';

/** Every `maxmemory-policy` Redis knows; all but `noeviction` may drop keys. */
export const EVICTION_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const;

/**
 * How the app uses `cache` as a queue: a `QueueTrigger.redisList` on it, or a worker wired to it
 * that scales on no other queue (so its jobs can only come from this Redis). Read at validation
 * time, when every workload exists.
 */
export function queueUsesOf(cache: IRedisCache & IConstruct): string[] {
  const uses: string[] = [];
  const workloads = Chart.of(cache).node.findAll().filter((c): c is ServiceWorkload => ServiceWorkload.isServiceWorkload(c));
  for (const workload of workloads) {
    const lists = workload.queueTriggers.filter((t) => t.redisCache === cache).map((t) => `"${t.redisListName ?? ''}"`);
    if (lists.length > 0) {
      uses.push(`${workload.node.path} scales on its list ${lists.join(', ')} (QueueTrigger.redisList)`);
    } else if (workload.component === WorkloadComponent.WORKER && workload.wiredCache === cache && workload.queueTriggers.length === 0) {
      uses.push(`worker ${workload.node.path} reads its jobs from it (wired as its cache, scaled on no other queue)`);
    }
  }
  return uses;
}

/**
 * The refusal of an evicting Redis used as a queue: queued jobs would vanish under memory
 * pressure. `policyOrigin` says where the policy came from, for the message.
 */
export function evictingQueueIssues(cache: IRedisCache & IConstruct, policy: string | undefined, policyOrigin: string, fix: string): PropIssue[] {
  if (policy === undefined || policy === 'noeviction') {
    return [];
  }
  const uses = queueUsesOf(cache);
  if (uses.length === 0) {
    return [];
  }
  return [{
    field: 'evictionPolicy',
    value: policy,
    message: `${policyOrigin} evicts keys under memory pressure, yet this Redis is used as a queue: ${uses.join('; ')}. Queued jobs would vanish when memory runs out. ${fix}`,
  }];
}
