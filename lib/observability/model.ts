import { createHash } from 'crypto';
import { type WorkloadComponent } from '../core/labels';
import { type WorkloadSignals } from '../core/signals';
import { type Workload } from '../core/workload';
import { matcher } from './promql';
import { podPattern } from './targets';

/**
 * What dashboards and alerts are generated from: the app's workloads as Prometheus sees them.
 * Scraped series carry `namespace` and `workload` (the `app.kubernetes.io/name` pod label) in
 * both modes: the self-hosted scrape config and the operator-mode monitors add them the same way.
 */
export interface ObservedWorkload {
  readonly workload: Workload;
  readonly name: string;
  readonly component: WorkloadComponent;
  readonly signals: WorkloadSignals;
  /** Whether Prometheus scrapes it (it has a metrics endpoint). */
  readonly scraped: boolean;
  /** Regular expression matching its pod names, for cluster series. */
  readonly podPattern: string;
}

export interface ObservedApp {
  /** `app.kubernetes.io/part-of`. */
  readonly app: string;
  readonly environment: string;
  readonly namespace: string;
  readonly workloads: readonly ObservedWorkload[];
}

export function observe(workload: Workload): ObservedWorkload {
  return {
    workload,
    name: workload.name,
    component: workload.component,
    signals: workload.signals(),
    scraped: workload.metricsEndpoints().length > 0,
    podPattern: podPattern(workload),
  };
}

/** Matchers selecting one workload's own series. */
export function ownSeries(app: ObservedApp, workload: ObservedWorkload): string[] {
  return [matcher('namespace', '=', app.namespace), matcher('workload', '=', workload.name)];
}

/** Matchers selecting the own series of several workloads. */
export function ownSeriesOf(app: ObservedApp, workloads: readonly ObservedWorkload[]): string[] {
  if (workloads.length === 1) {
    return ownSeries(app, workloads[0]);
  }
  return [matcher('namespace', '=', app.namespace), matcher('workload', '=~', workloads.map((w) => w.name).join('|'))];
}

/** Matchers selecting the cluster series (cAdvisor, kube-state-metrics, DCGM) of some workloads' pods. */
export function podSeries(app: ObservedApp, workloads: readonly ObservedWorkload[]): string[] {
  const pattern = workloads.length === 1 ? workloads[0].podPattern : workloads.map((w) => `(${w.podPattern})`).join('|');
  return [matcher('namespace', '=', app.namespace), matcher('pod', '=~', pattern)];
}

/** Workloads grouped by a key (e.g. identical signal definitions), in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) {
      groups.set(k, [...(groups.get(k) ?? []), item]);
    }
  }
  return [...groups.values()];
}

/** A Grafana uid (at most 40 characters) for one dashboard of the app. */
export function dashboardUid(app: ObservedApp, concern: string): string {
  const uid = `${app.app}-${app.environment}-${concern}`;
  return uid.length <= 40 ? uid : `${uid.slice(0, 31)}-${createHash('sha256').update(uid).digest('hex').slice(0, 8)}`;
}
