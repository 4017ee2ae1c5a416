/**
 * The library's own rules, applied to plain objects (ours or anyone's): configurations the API
 * server accepts but that fail in production. Each finding says what is wrong, what is allowed
 * and the fix, like a synthesis error.
 */
import { type Context } from './context';
import { mainContainersOf, type PodTemplate, type Resource } from './model';
import { mapSelectorMatches, selectorMatches } from './selectors';
import { dig, join, joinAll, list, num, rec, str, stringMap, type JsonObject } from './util';

/** Options of the domain rules. */
export interface DomainRuleOptions {
  /**
   * Labels the cluster's Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by
   * (`release: kube-prometheus-stack` for the kube-prometheus-stack chart), used besides the
   * selectors of any `Prometheus` object among the manifests.
   * @default - only the `Prometheus` objects among the manifests; none: the rule is skipped
   */
  readonly prometheusSelector?: Readonly<Record<string, string>>;
}

const GPU_RESOURCE = /^(nvidia\.com\/(gpu|mig-.+)|amd\.com\/gpu|gpu\.intel\.com\/.+)$/;
const LONG_RUNNING = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', '/Pod', '/ReplicationController']);

/** Long-running GPU containers need a startup probe: a model load outlasts any liveness probe's patience. */
export function checkGpuStartupProbes(ctx: Context): void {
  for (const template of ctx.templates.filter((t) => LONG_RUNNING.has(`${t.owner.group}/${t.owner.kind}`))) {
    for (const { container, path } of mainContainersOf(template)) {
      const gpus = [...new Set([...Object.keys(stringOrNumberMap(dig(container, 'resources', 'limits'))), ...Object.keys(stringOrNumberMap(dig(container, 'resources', 'requests')))])]
        .filter((r) => GPU_RESOURCE.test(r));
      if (gpus.length > 0 && container.startupProbe === undefined) {
        ctx.report(template.owner, join(path, 'startupProbe'), `container ${JSON.stringify(str(container.name) ?? '?')} uses ${gpus.join(', ')} but has no startup probe: loading a model onto a GPU takes minutes, and the liveness probe restarts the container before it serves; add a startupProbe whose periodSeconds × failureThreshold covers the load (e.g. 10 s × 180 = 30 minutes)`);
      }
    }
  }
}

function stringOrNumberMap(value: unknown): Record<string, unknown> {
  return rec(value) ?? {};
}

/** KEDA trigger metadata keys that are the per-replica target (activation thresholds may be 0). */
const TARGET_KEYS = new Set([
  'listLength', 'streamLength', 'pendingEntriesCount', 'lagCount', 'lagThreshold', 'queueLength', 'value', 'targetValue', 'threshold',
  'targetQueryValue', 'messageCount', 'desiredReplicas', 'targetPipelinesQueueLength', 'activeDirectoryTargetValue',
]);

/** A ScaledObject target of 0: the HPA divides the metric by it. */
export function checkKedaTargets(ctx: Context): void {
  for (const scaled of ctx.ofKind('keda.sh', 'ScaledObject')) {
    list(dig(scaled.obj, 'spec', 'triggers')).forEach((trigger, i) => {
      for (const [key, value] of Object.entries(rec(rec(trigger)?.metadata) ?? {})) {
        const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : num(value);
        if (TARGET_KEYS.has(key) && number !== undefined && number <= 0) {
          ctx.report(scaled, joinAll('spec', 'triggers', i, 'metadata', key), `target ${JSON.stringify(value)} of the ${str(rec(trigger)?.type) ?? '?'} trigger is not positive: KEDA's HPA computes replicas as metric ÷ target, so the scaler refuses it and the workload never scales; set the work one replica handles (e.g. ${key}: "5") and use activation${key[0].toUpperCase()}${key.slice(1)} for the threshold that wakes it from zero`);
        }
      }
    });
  }
}

const REDIS_TRIGGERS = new Set(['redis', 'redis-sentinel', 'redis-cluster', 'redis-streams', 'redis-sentinel-streams', 'redis-cluster-streams']);
const REDIS_IMAGE = /(^|\/)(redis|valkey)(:|@|$)/;

/** The eviction policy of a Redis container: from its arguments, else from a mounted ConfigMap's redis.conf, else Redis's default. */
function evictionPolicy(ctx: Context, template: PodTemplate, container: JsonObject): { policy: string; where: string } | undefined {
  const args = [...list(container.command), ...list(container.args)].map((a) => String(a));
  const flag = args.findIndex((a) => a === '--maxmemory-policy');
  if (flag >= 0 && args[flag + 1]) return { policy: args[flag + 1], where: 'its arguments' };
  for (const volume of list(template.spec.volumes)) {
    const name = str(dig(volume, 'configMap', 'name'));
    const map = name ? ctx.find({ namespace: template.owner.namespace, group: '', kind: 'ConfigMap', name }) : undefined;
    for (const [key, text] of Object.entries(stringMap(dig(map?.obj, 'data')))) {
      const match = /^\s*maxmemory-policy\s+(\S+)/m.exec(text);
      if (match) return { policy: match[1], where: `ConfigMap ${name} (${key})` };
    }
  }
  return undefined;
}

/** The Redis pod templates behind a host name (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`, with or without `:port`). */
function redisBehind(ctx: Context, host: string, namespace: string | undefined): { template: PodTemplate; container: JsonObject }[] {
  const [service, serviceNamespace] = host.replace(/:\d+$/, '').split('.');
  const target = ctx.find({ namespace: serviceNamespace ?? namespace, group: '', kind: 'Service', name: service });
  const selector = stringMap(dig(target?.obj, 'spec', 'selector'));
  if (!target || Object.keys(selector).length === 0) return [];
  return ctx.templatesIn(target.namespace)
    .filter((t) => mapSelectorMatches(selector, t.labels))
    .flatMap((template) => mainContainersOf(template).filter((c) => REDIS_IMAGE.test(str(c.container.image) ?? '')).map((c) => ({ template, container: c.container })));
}

/** A Redis that KEDA reads a queue from must not evict keys: eviction silently deletes queued jobs. */
export function checkRedisQueueEviction(ctx: Context): void {
  for (const scaled of ctx.ofKind('keda.sh', 'ScaledObject')) {
    list(dig(scaled.obj, 'spec', 'triggers')).forEach((trigger, i) => {
      const metadata = rec(rec(trigger)?.metadata) ?? {};
      const host = str(metadata.address) ?? str(metadata.host) ?? str(metadata.addresses)?.split(',')[0] ?? str(metadata.hosts)?.split(',')[0];
      if (!REDIS_TRIGGERS.has(str(rec(trigger)?.type) ?? '') || host === undefined) return;
      for (const { template, container } of redisBehind(ctx, host.trim(), scaled.namespace)) {
        const found = evictionPolicy(ctx, template, container);
        if (found && found.policy !== 'noeviction') {
          const queue = str(metadata.listName) ?? str(metadata.stream) ?? '?';
          ctx.report(scaled, joinAll('spec', 'triggers', i, 'metadata'), `scales on the queue ${JSON.stringify(queue)} in the Redis of ${template.owner.kind} ${template.owner.name}, whose maxmemory-policy is ${JSON.stringify(found.policy)} (${found.where}): when memory fills, Redis deletes keys, queued jobs included, without an error; set maxmemory-policy noeviction (writes then fail loudly), or keep the queue in a Redis of its own`);
        }
      }
    });
  }
}

const PERCENT = /^(\d+)%$/;

/** Replicas a workload can run at its lowest: the autoscaler's minimum, else spec.replicas (default 1). */
function lowestReplicas(ctx: Context, owner: Resource): number {
  const targets = (kind: string, group: string, path: readonly string[]) => ctx.ofKind(group, kind)
    .filter((a) => str(dig(a.obj, 'spec', 'scaleTargetRef', 'name')) === owner.name && a.namespace === owner.namespace)
    .map((a) => num(dig(a.obj, 'spec', ...path)));
  const hpa = targets('HorizontalPodAutoscaler', 'autoscaling', ['minReplicas']).map((n) => n ?? 1);
  const keda = targets('ScaledObject', 'keda.sh', ['minReplicaCount']).map((n) => n ?? 0);
  const floors = [...hpa, ...keda];
  return floors.length > 0 ? Math.min(...floors) : num(dig(owner.obj, 'spec', 'replicas')) ?? 1;
}

/** A PodDisruptionBudget that allows no eviction at all blocks every node drain and cluster upgrade. */
export function checkBlockingBudgets(ctx: Context): void {
  const fix = 'node drains and cluster upgrades wait for it forever; allow one eviction at a time with maxUnavailable: 1';
  for (const pdb of ctx.ofKind('policy', 'PodDisruptionBudget')) {
    const spec = rec(pdb.obj.spec) ?? {};
    const max = spec.maxUnavailable;
    const min = spec.minAvailable;
    if (max === 0 || (typeof max === 'string' && Number(PERCENT.exec(max)?.[1]) === 0)) {
      ctx.report(pdb, 'spec.maxUnavailable', `is ${JSON.stringify(max)}: no pod may ever be evicted, so ${fix}`);
    } else if (typeof min === 'string' && Number(PERCENT.exec(min)?.[1]) === 100) {
      ctx.report(pdb, 'spec.minAvailable', `is "100%": no pod may ever be evicted, so ${fix}`);
    } else if (typeof min === 'number') {
      for (const owner of selectedWorkloads(ctx, pdb, spec.selector)) {
        const replicas = lowestReplicas(ctx, owner);
        if (min >= replicas) {
          ctx.report(pdb, 'spec.minAvailable', `is ${min}, and ${owner.kind} ${owner.name} runs ${replicas} replica${replicas === 1 ? '' : 's'} at its lowest: then no pod may be evicted, so ${fix} (or minAvailable below the replica count)`);
        }
      }
    }
  }
}

function selectedWorkloads(ctx: Context, pdb: Resource, selector: unknown): Resource[] {
  return ctx.templatesIn(pdb.namespace)
    .filter((t) => LONG_RUNNING.has(`${t.owner.group}/${t.owner.kind}`) && selectorMatches(selector, t.labels))
    .map((t) => t.owner);
}

interface PrometheusSelector {
  /** Where the selector comes from, for messages. */
  readonly source: string;
  readonly selector: unknown;
  /** Namespaces it looks in (undefined: all). */
  readonly namespaces?: readonly string[];
}

const MONITOR_SELECTORS: Readonly<Record<string, readonly [string, string]>> = {
  ServiceMonitor: ['serviceMonitorSelector', 'serviceMonitorNamespaceSelector'],
  PodMonitor: ['podMonitorSelector', 'podMonitorNamespaceSelector'],
  PrometheusRule: ['ruleSelector', 'ruleNamespaceSelector'],
};

/** The selectors of the `Prometheus` objects among the manifests for one kind of monitor, plus the configured one. */
function prometheusSelectors(ctx: Context, kind: string, configured: Readonly<Record<string, string>> | undefined): PrometheusSelector[] {
  const [field, namespaceField] = MONITOR_SELECTORS[kind];
  const found = ctx.ofKind('monitoring.coreos.com', 'Prometheus').map((p) => ({
    source: `Prometheus ${p.namespace ?? ''}/${p.name} ${field}`,
    // A missing selector selects nothing; an empty one selects everything.
    selector: dig(p.obj, 'spec', field) ?? { matchExpressions: [{ key: 'cdk8s-agents.invalid/none', operator: 'Exists' }] },
    // A missing namespace selector means the Prometheus object's own namespace (a selector here is not resolved: any namespace).
    namespaces: dig(p.obj, 'spec', namespaceField) === undefined && p.namespace !== undefined ? [p.namespace] : undefined,
  }));
  return [...found, ...(configured ? [{ source: 'the configured Prometheus selector', selector: { matchLabels: configured } }] : [])];
}

/** ServiceMonitors, PodMonitors and PrometheusRules no Prometheus selects are never loaded: nothing is scraped, no alert fires. */
export function checkMonitorSelection(ctx: Context, options: DomainRuleOptions): void {
  for (const kind of Object.keys(MONITOR_SELECTORS)) {
    const selectors = prometheusSelectors(ctx, kind, options.prometheusSelector);
    if (selectors.length === 0) continue;
    for (const monitor of ctx.ofKind('monitoring.coreos.com', kind)) {
      const labels = stringMap(dig(monitor.obj, 'metadata', 'labels'));
      const selected = selectors.some((s) => selectorMatches(s.selector, labels) && (s.namespaces === undefined || s.namespaces.includes(monitor.namespace ?? '')));
      if (!selected) {
        const wanted = selectors.map((s) => `${JSON.stringify(dig(s.selector, 'matchLabels') ?? s.selector)} (${s.source})`).join(' or ');
        const missing = Object.entries(stringMap(dig(selectors[0].selector, 'matchLabels'))).filter(([k, v]) => labels[k] !== v).map(([k, v]) => `${k}=${v}`);
        const lack = missing.length > 0 ? `lack ${missing.join(', ')}` : 'do not match';
        ctx.report(monitor, 'metadata.labels', `${lack}: the Prometheus selector is ${wanted}, so the Prometheus Operator never loads this ${kind} and ${kind === 'PrometheusRule' ? 'no alert of it fires' : 'nothing is scraped'}; add the labels the selector asks for (for cdk8s-agents apps: the environment's observability.prometheusSelectorLabels)`);
      }
    }
  }
}

/** Every domain rule, in report order. */
export function validateDomain(ctx: Context, options: DomainRuleOptions = {}): void {
  checkGpuStartupProbes(ctx);
  checkRedisQueueEviction(ctx);
  checkKedaTargets(ctx);
  checkBlockingBudgets(ctx);
  checkMonitorSelection(ctx, options);
}
