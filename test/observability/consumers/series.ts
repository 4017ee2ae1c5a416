/**
 * Synthetic Prometheus series for promtool, named by each workload's declared metrics contract
 * (`signals()`: the names its app exposes, which the props may change) and labelled the way the
 * scrape configs and monitors label them (`namespace`, `workload`, `pod`, `container`,
 * `component`). The cluster series (cAdvisor, kube-state-metrics, DCGM, `up`) are written from
 * what those exporters report, independently of the library.
 */
import { type Workload, type WorkloadSignals } from '../../../lib';
import { at } from '../../helpers/synth';
import { controllerOf, podNamesOf, type Subject } from './fixtures';

/** One input series of a promtool unit test. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** promtool's expanding notation, e.g. `0+10x30`. */
  readonly values: string;
}

/** How the workload behaves in a scenario. */
export interface Traffic {
  /** Requests per minute that succeed. */
  readonly ok: number;
  /** Requests per minute that fail. */
  readonly failed: number;
  /** Whether requests take 2.5 to 5 s (else under 100 ms). */
  readonly slow: boolean;
}

export const HEALTHY: Traffic = { ok: 10, failed: 0, slow: false };

/** Samples every minute for this many minutes. */
export const MINUTES = 20;

export const BUCKETS = ['0.1', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** `name{a="b", c="d"}`, as promtool reads a series. */
export function seriesText(series: Pick<Series, 'name' | 'labels'>): string {
  const labels = Object.entries(series.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return `${series.name}{${labels}}`;
}

/** A counter growing by `perMinute` every minute, or a constant. */
export const counter = (perMinute: number, start = 0): string => `${start}+${perMinute}x${MINUTES}`;
export const gauge = (value: number): string => `${value}+0x${MINUTES}`;

/** A value of `pattern` (anchored, as PromQL anchors `=~`) for a failed request, and one that does not match it. */
export function outcomes(pattern: string): { failed: string; ok: string | undefined } {
  const re = new RegExp(`^(?:${pattern})$`);
  const failed = ['500', '503', 'error', 'timeout', 'tool_error', '_OTHER', 'failed', 'true'].find((v) => re.test(v));
  if (failed === undefined) {
    throw new Error(`no sample value matches the error pattern "${pattern}"`);
  }
  // OpenTelemetry's error.type is absent on success: an empty label value is an absent label.
  const ok = ['200', 'ok', 'success', ''].find((v) => !re.test(v));
  return { failed, ok: ok === '' ? undefined : ok };
}

/** Gauges at values that mean "fine" (dashboards only need data; alert scenarios override them). */
const GAUGE_VALUES: Readonly<Record<string, number>> = {
  redis_memory_max_bytes: 1_000_000,
  redis_memory_used_bytes: 500_000,
  'vllm:kv_cache_usage_perc': 0.4,
  'vllm:num_requests_waiting': 2,
  'vllm:num_requests_running': 5,
  redis_up: 1,
};

/** Labels the exporter adds to some series (a Redis pod's role, a replica's address). */
const EXPORTER_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  redis_instance_info: { role: 'master', redis_version: '7.2.5' },
  redis_connected_slave_lag_seconds: { slave_ip: '10.244.0.12', slave_port: '6379', slave_state: 'online' },
  redis_connected_slave_offset_bytes: { slave_ip: '10.244.0.12', slave_port: '6379', slave_state: 'online' },
  redis_master_link_up: { master_host: 'redis-0', master_port: '6379' },
};

/** The labels a scraped series of one pod carries. */
export function scrapedLabels(subject: Subject, workload: Workload, pod: string): Record<string, string> {
  return { namespace: subject.namespace, workload: workload.name, pod, container: workload.name, component: workload.component };
}

/** The series a workload serves itself, from its declared contract, in one scenario. */
export function ownSeries(subject: Subject, workload: Workload, traffic: Traffic = HEALTHY): Series[] {
  const signals: WorkloadSignals = workload.signals();
  return podNamesOf(subject, workload).slice(0, 1).flatMap((pod) => {
    const base = scrapedLabels(subject, workload, pod);
    return [...signals.metrics.flatMap((metric) => metricSeries(metric, signals, base, traffic)), ...keySeries(signals, base)];
  });
}

function requestOutcomes(signals: WorkloadSignals, metric: string, traffic: Traffic): { labels: Record<string, string>; perMinute: number }[] {
  const requests = signals.requests;
  const histogram = requests && requests.counter.endsWith('_count') ? requests.counter.slice(0, -'_count'.length) : undefined;
  const carriesOutcome = requests && (metric === requests.counter || (histogram !== undefined && metric.startsWith(`${histogram}_`)));
  if (!requests || !carriesOutcome) {
    return [{ labels: {}, perMinute: traffic.ok + traffic.failed }];
  }
  const values = outcomes(requests.errorPattern);
  return [
    { labels: values.ok === undefined ? {} : { [requests.outcomeLabel]: values.ok }, perMinute: traffic.ok },
    ...(traffic.failed > 0 ? [{ labels: { [requests.outcomeLabel]: values.failed }, perMinute: traffic.failed }] : []),
  ];
}

function metricSeries(metric: string, signals: WorkloadSignals, base: Record<string, string>, traffic: Traffic): Series[] {
  const cases = requestOutcomes(signals, metric, traffic);
  if (metric.endsWith('_bucket')) {
    return cases.flatMap(({ labels, perMinute }) => BUCKETS.map((le) => {
      const inBucket = traffic.slow ? Number(le) >= 5 || le === '+Inf' : true;
      return { name: metric, labels: { ...base, ...labels, le }, values: counter(inBucket ? perMinute : 0) };
    }));
  }
  if (metric.endsWith('_sum')) {
    return cases.map(({ labels, perMinute }) => ({ name: metric, labels: { ...base, ...labels }, values: counter(perMinute * (traffic.slow ? 4 : 0.05)) }));
  }
  if (/_(count|total)$/.test(metric)) {
    return cases.map(({ labels, perMinute }) => ({ name: metric, labels: { ...base, ...labels }, values: counter(perMinute) }));
  }
  return [{ name: metric, labels: { ...base, ...EXPORTER_LABELS[metric] }, values: gauge(GAUGE_VALUES[metric] ?? 1) }];
}

/** `redis_key_size{db, key}` of every list the exporter watches (it reports the series, not the metric list). */
function keySeries(signals: WorkloadSignals, base: Record<string, string>): Series[] {
  return (signals.watchedKeys ?? []).map((k) => ({ name: 'redis_key_size', labels: { ...base, container: 'exporter', db: k.db, key: k.key }, values: gauge(3) }));
}

/** The NVIDIA resources the workload's containers are given, from its manifest. */
function gpuResources(subject: Subject, workload: Workload): string[] {
  const controller = controllerOf(subject, workload);
  const containers = (at(controller, controller?.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec.containers' : 'spec.template.spec.containers') ?? []) as { resources?: { limits?: Record<string, unknown> } }[];
  return containers.flatMap((c) => Object.keys(c.resources?.limits ?? {})).filter((r) => r.startsWith('nvidia.com/'));
}

/**
 * What the cluster reports about a workload's pods: cAdvisor CPU and memory, kube-state-metrics
 * restarts and the last termination reason, Prometheus' `up` when it is scraped, and the DCGM
 * exporter's series when its manifest gives it NVIDIA GPUs: for a whole GPU the utilization and
 * the profiling metric, for a MIG slice only the profiling metric (DCGM reports no
 * DCGM_FI_DEV_GPU_UTIL for MIG).
 */
export function clusterSeries(subject: Subject, workload: Workload): Series[] {
  return podNamesOf(subject, workload).slice(0, 1).flatMap((pod) => {
    const container = { namespace: subject.namespace, pod, container: workload.name };
    const series: Series[] = [
      { name: 'container_cpu_usage_seconds_total', labels: container, values: counter(30) },
      { name: 'container_memory_working_set_bytes', labels: container, values: gauge(200_000_000) },
      { name: 'kube_pod_container_status_restarts_total', labels: container, values: gauge(1) },
      { name: 'kube_pod_container_status_last_terminated_reason', labels: { ...container, reason: 'OOMKilled' }, values: gauge(1) },
    ];
    if (workload.metricsEndpoints().length > 0) {
      series.push({ name: 'up', labels: { namespace: subject.namespace, workload: workload.name, pod, job: subject.namespace, instance: `${pod}:9464` }, values: gauge(1) });
    }
    series.push(...dcgmSeries(gpuResources(subject, workload), container, { util: 40 }));
    return series;
  });
}

/** Every series of every observed workload of the subject, in one scenario. */
export function allSeries(subject: Subject, traffic: Traffic = HEALTHY): Series[] {
  return subject.stack.observedWorkloads().flatMap((w) => [...ownSeries(subject, w, traffic), ...clusterSeries(subject, w)]);
}

/** The DCGM exporter's series for a pod given these NVIDIA resources, at a utilization in percent. */
export function dcgmSeries(resources: readonly string[], container: Readonly<Record<string, string>>, load: { util: number }): Series[] {
  if (resources.length === 0) {
    return [];
  }
  const mig = resources.some((r) => r.startsWith('nvidia.com/mig-'));
  const gpu = { ...container, gpu: '0', modelName: 'NVIDIA A100-SXM4-80GB', ...(mig ? { GPU_I_ID: '1', GPU_I_PROFILE: resources[0].slice('nvidia.com/mig-'.length) } : {}) };
  return [
    ...(mig ? [] : [{ name: 'DCGM_FI_DEV_GPU_UTIL', labels: gpu, values: gauge(load.util) }]),
    { name: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', labels: gpu, values: gauge(load.util / 100) },
    { name: 'DCGM_FI_DEV_FB_USED', labels: gpu, values: gauge(20_000) },
  ];
}
