import { DCGM_GPU_UTIL, DCGM_GR_ENGINE_ACTIVE } from '../core/signals';
import { type Workload } from '../core/workload';

/** Where a cluster-level series comes from; the panels and alerts using it need that source. */
export enum MetricSource {
  /** The kubelet's embedded cAdvisor (`/metrics/cadvisor`). */
  CADVISOR = 'cAdvisor',
  /** kube-state-metrics. */
  KUBE_STATE_METRICS = 'kube-state-metrics',
  /** NVIDIA DCGM exporter, scraped with `honor_labels` so `namespace`/`pod` name the GPU's consumer. */
  DCGM_EXPORTER = 'DCGM exporter',
  /** Prometheus itself: one `up` series per scrape target. */
  PROMETHEUS = 'Prometheus',
}

/** A series that no workload of the app serves, but the cluster does. */
export interface ClusterMetric {
  readonly name: string;
  readonly source: MetricSource;
  readonly help: string;
}

/**
 * The only series dashboards and alerts may use besides the workloads' own `signals()`. Every
 * panel or rule on one of these needs its source in the cluster: restarts and OOMKills need
 * kube-state-metrics (deployed, namespaced, by the self-hosted stack; part of
 * kube-prometheus-stack), CPU and memory need cAdvisor (`cadvisor: true` in self-hosted mode;
 * scraped by kube-prometheus-stack), GPU panels need the DCGM exporter (NVIDIA GPU Operator).
 */
export const CLUSTER_METRICS = {
  cpu: { name: 'container_cpu_usage_seconds_total', source: MetricSource.CADVISOR, help: 'CPU seconds used per container' },
  memory: { name: 'container_memory_working_set_bytes', source: MetricSource.CADVISOR, help: 'Working set (what the OOM killer counts) per container' },
  restarts: { name: 'kube_pod_container_status_restarts_total', source: MetricSource.KUBE_STATE_METRICS, help: 'Container restarts' },
  lastTerminated: { name: 'kube_pod_container_status_last_terminated_reason', source: MetricSource.KUBE_STATE_METRICS, help: 'Why a container last terminated (reason="OOMKilled")' },
  gpuUtil: { name: DCGM_GPU_UTIL, source: MetricSource.DCGM_EXPORTER, help: 'GPU utilization in percent (whole GPUs; not reported for MIG slices)' },
  gpuEngineActive: { name: DCGM_GR_ENGINE_ACTIVE, source: MetricSource.DCGM_EXPORTER, help: 'Share of time the graphics engine is busy, 0..1 (whole GPUs and MIG slices; Volta or newer)' },
  gpuMemory: { name: 'DCGM_FI_DEV_FB_USED', source: MetricSource.DCGM_EXPORTER, help: 'GPU framebuffer memory used, MiB' },
  up: { name: 'up', source: MetricSource.PROMETHEUS, help: '1 when the last scrape of a target succeeded' },
} as const satisfies Record<string, ClusterMetric>;

/** Every cluster series of the catalog. */
export function clusterMetrics(): ClusterMetric[] {
  return Object.values(CLUSTER_METRICS);
}

/** The series rules and panels may name: the union of the workloads' signals and the cluster catalog. */
export function knownMetrics(workloads: readonly Workload[]): Set<string> {
  return new Set([...workloads.flatMap((w) => w.signals().metrics), ...clusterMetrics().map((m) => m.name)]);
}
