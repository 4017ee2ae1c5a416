import { z } from 'zod';

/**
 * The metrics contract: the Prometheus series a workload exposes and the labels the generated
 * dashboards and alerts read. Dashboards and alerts are generated from these, so a rule can only
 * name a series some wired workload really serves, and a workload that declares none gets no
 * panels or alerts on them.
 */

/**
 * The request metrics (rate, errors, duration) of a server, as exported to Prometheus. Defaults
 * follow OpenTelemetry's semantic conventions: `OTEL_HTTP_SERVER_METRICS` for HTTP services,
 * `OTEL_MCP_SERVER_METRICS` for MCP tool servers.
 */
export interface RequestMetrics {
  /** Histogram of request durations in seconds, without its `_bucket`, `_count` and `_sum` suffixes. */
  readonly durationHistogram: string;
  /** Counter of requests served (often the histogram's `_count`). */
  readonly counter: string;
  /** Label of the counter telling failed requests apart, e.g. `http_response_status_code`. */
  readonly outcomeLabel: string;
  /**
   * Regular expression (RE2, anchored as PromQL's `=~` anchors it) matching the `outcomeLabel`
   * values of failed requests, e.g. `5..`; `.+` when the label is only set on failures.
   */
  readonly errorPattern: string;
}

/**
 * OpenTelemetry's HTTP server conventions as the Prometheus exporter names them: the
 * `http.server.request.duration` histogram (seconds) with `http.response.status_code`.
 */
export const OTEL_HTTP_SERVER_METRICS: RequestMetrics = {
  durationHistogram: 'http_server_request_duration_seconds',
  counter: 'http_server_request_duration_seconds_count',
  outcomeLabel: 'http_response_status_code',
  errorPattern: '5..',
};

/**
 * OpenTelemetry's MCP server conventions as the Prometheus exporter names them: the
 * `mcp.server.operation.duration` histogram (seconds), whose `error.type` attribute is set only
 * on failed operations (a failed tool call is an HTTP 200 with a JSON-RPC error, so the HTTP
 * status does not show it).
 */
export const OTEL_MCP_SERVER_METRICS: RequestMetrics = {
  durationHistogram: 'mcp_server_operation_duration_seconds',
  counter: 'mcp_server_operation_duration_seconds_count',
  outcomeLabel: 'error_type',
  errorPattern: '.+',
};

/** Requests served, and how failed ones are told apart. */
export interface RequestSignal {
  /** Counter of requests, e.g. `http_server_request_duration_seconds_count`. */
  readonly counter: string;
  /** Label telling failures apart. */
  readonly outcomeLabel: string;
  /** Regular expression of the `outcomeLabel` values of failures. */
  readonly errorPattern: string;
}

/** A queue a workload consumes, whose length another workload's exporter reports (a Redis list read by KEDA). */
export interface ConsumedQueue {
  /** Name of the workload whose series report the length (the Redis). */
  readonly source: string;
  /** The gauge of queued items, e.g. `redis_key_size`. */
  readonly metric: string;
  /** Label values selecting this queue's series, e.g. `{ db: "db0", key: "support-tasks" }`. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Items above which the consumers fall behind even at full scale: the items one replica is
   * sized for (KEDA's target) times the most replicas.
   */
  readonly backlogAbove: number;
}

/** A list whose length an exporter reports. */
export interface WatchedKey {
  /** `db<index>`, as redis_exporter labels it. */
  readonly db: string;
  readonly key: string;
}

/** How busy a workload's GPUs are, from the NVIDIA DCGM exporter. */
export interface GpuUtilizationSignal {
  /** The DCGM series: `DCGM_FI_DEV_GPU_UTIL` (whole GPUs) or `DCGM_FI_PROF_GR_ENGINE_ACTIVE` (MIG slices, which DCGM reports no GPU_UTIL for). */
  readonly metric: string;
  /** What fully busy reads as: 100 for a percentage, 1 for a ratio. */
  readonly fullScale: number;
}

/** The series a workload exposes, by convention of its kind or by its `metrics` props. */
export interface WorkloadSignals {
  /** Every series name the workload serves (bucket/count/sum suffixes included). */
  readonly metrics: readonly string[];
  /** Requests served, and which of them failed. */
  readonly requests?: RequestSignal;
  /** Histogram of request latency (the `_bucket` series). */
  readonly latencyBucket?: string;
  /** A gauge of queued work and the depth that means users are waiting. */
  readonly queueDepth?: { readonly metric: string; readonly warnAbove: number };
  /** Queues the workload consumes (KEDA triggers on Redis lists), reported by another workload. */
  readonly consumedQueues?: readonly ConsumedQueue[];
  /** Lists whose length the workload's exporter reports (`redis_key_size{db, key}`). */
  readonly watchedKeys?: readonly WatchedKey[];
  /** The DCGM series measuring its GPUs. */
  readonly gpuUtilization?: GpuUtilizationSignal;
}

/** The series and signals of a request contract. */
export function requestSignals(contract: RequestMetrics): WorkloadSignals {
  const histogram = contract.durationHistogram;
  const series = [`${histogram}_bucket`, `${histogram}_count`, `${histogram}_sum`];
  return {
    metrics: series.includes(contract.counter) ? series : [contract.counter, ...series],
    requests: { counter: contract.counter, outcomeLabel: contract.outcomeLabel, errorPattern: contract.errorPattern },
    latencyBucket: `${histogram}_bucket`,
  };
}

/** OpenTelemetry HTTP server conventions, as the Prometheus exporter names them. */
export const HTTP_SERVER_SIGNALS: WorkloadSignals = requestSignals(OTEL_HTTP_SERVER_METRICS);

/** OpenTelemetry MCP server conventions, as the Prometheus exporter names them. */
export const MCP_TOOL_SIGNALS: WorkloadSignals = requestSignals(OTEL_MCP_SERVER_METRICS);

/** The gauge redis_exporter reports the length of a checked key with (`--check-single-keys`). */
export const REDIS_KEY_SIZE = 'redis_key_size';

/** redis_exporter. */
export const REDIS_SIGNALS: WorkloadSignals = {
  metrics: [
    'redis_up',
    'redis_memory_used_bytes',
    'redis_memory_max_bytes',
    'redis_keyspace_hits_total',
    'redis_keyspace_misses_total',
    'redis_evicted_keys_total',
    'redis_connected_clients',
    'redis_commands_processed_total',
  ],
};

/**
 * What redis_exporter reports of a replicated Redis: the role of each pod
 * (`redis_instance_info{role}`), the replication stream (offsets, link state) and what the primary
 * sees of its replicas.
 */
export const REDIS_REPLICATION_METRICS: readonly string[] = [
  'redis_instance_info',
  'redis_connected_slaves',
  'redis_master_repl_offset',
  'redis_connected_slave_offset_bytes',
  'redis_connected_slave_lag_seconds',
  'redis_master_link_up',
];

/** redis_exporter reading the length of `keys` as well, and the replication series when the Redis is replicated. */
export function redisSignals(keys: readonly WatchedKey[], options: { readonly replicated?: boolean } = {}): WorkloadSignals {
  if (keys.length === 0 && !options.replicated) {
    return REDIS_SIGNALS;
  }
  return {
    metrics: [...REDIS_SIGNALS.metrics, ...(options.replicated ? REDIS_REPLICATION_METRICS : []), ...(keys.length > 0 ? [REDIS_KEY_SIZE] : [])],
    ...(keys.length > 0 ? { watchedKeys: keys } : {}),
  };
}

/** vLLM's OpenAI-compatible server. */
export const VLLM_SIGNALS: WorkloadSignals = {
  metrics: [
    'vllm:num_requests_running',
    'vllm:num_requests_waiting',
    'vllm:kv_cache_usage_perc',
    'vllm:prompt_tokens_total',
    'vllm:generation_tokens_total',
    'vllm:time_to_first_token_seconds_bucket',
    'vllm:time_to_first_token_seconds_count',
    'vllm:e2e_request_latency_seconds_bucket',
    'vllm:e2e_request_latency_seconds_count',
    'vllm:request_success_total',
  ],
  latencyBucket: 'vllm:e2e_request_latency_seconds_bucket',
  queueDepth: { metric: 'vllm:num_requests_waiting', warnAbove: 10 },
};

/**
 * The endpoint picker of an InferencePool (Gateway API Inference Extension): what it routes, and
 * what it sees of the pool (queue and KV-cache averages, ready pods), labelled `name=<pool>`.
 */
export const ENDPOINT_PICKER_SIGNALS: WorkloadSignals = {
  metrics: [
    'inference_objective_request_total',
    'inference_objective_request_error_total',
    'inference_objective_request_duration_seconds_bucket',
    'inference_objective_request_duration_seconds_count',
    'inference_objective_request_duration_seconds_sum',
    'inference_objective_running_requests',
    'inference_pool_average_queue_size',
    'inference_pool_average_kv_cache_utilization',
    'inference_pool_ready_pods',
    'inference_extension_scheduler_e2e_duration_seconds_bucket',
    'inference_extension_info',
  ],
};
/** DCGM's GPU utilization in percent; not reported for MIG slices. */
export const DCGM_GPU_UTIL = 'DCGM_FI_DEV_GPU_UTIL';
/** DCGM's profiling metric: the share of time the graphics engine is busy (0..1), reported for whole GPUs and MIG slices alike. */
export const DCGM_GR_ENGINE_ACTIVE = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE';

/** The DCGM series measuring a GPU resource: the profiling metric for MIG slices (`nvidia.com/mig-...`), GPU_UTIL for whole GPUs. */
export function gpuUtilizationSignal(resource: string): GpuUtilizationSignal {
  return resource.startsWith('nvidia.com/mig-')
    ? { metric: DCGM_GR_ENGINE_ACTIVE, fullScale: 1 }
    : { metric: DCGM_GPU_UTIL, fullScale: 100 };
}

/** Names of the request metrics an app exposes, field by field over its kind's conventions. */
export interface RequestMetricsOptions {
  /**
   * Histogram of request durations in seconds, without `_bucket`, e.g. `request_latency_seconds`.
   * @default - "http_server_request_duration_seconds" (OpenTelemetry HTTP); "mcp_server_operation_duration_seconds" for MCP tools
   */
  readonly durationHistogram?: string;
  /**
   * Counter of requests served.
   * @default - the histogram's `_count`
   */
  readonly counter?: string;
  /**
   * Label of the counter telling failed requests apart.
   * @default - "http_response_status_code"; "error_type" for MCP tools
   */
  readonly outcomeLabel?: string;
  /**
   * Regular expression (RE2, anchored) of the `outcomeLabel` values of failed requests.
   * @default - "5.."; ".+" for MCP tools (the label is only set on failures)
   */
  readonly errorPattern?: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PROMETHEUS_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `pattern` is a regular expression Prometheus (RE2) and JavaScript both accept the same way: no look-arounds or back-references. */
function isPortableRegex(pattern: string): boolean {
  if (/\(\?[=!<]|\\[1-9]/.test(pattern)) {
    return false;
  }
  try {
    new RegExp(`^(?:${pattern})$`);
    return true;
  } catch {
    return false;
  }
}

const metricName = (example: string) => z.string().regex(METRIC_NAME, { error: `must be a Prometheus metric name: letters, digits, "_" and ":", not starting with a digit (e.g. "${example}")` });

export const requestMetricsSchema = z.object({
  durationHistogram: metricName('request_latency_seconds')
    .refine((name) => !/_(bucket|count|sum)$/.test(name), { error: 'must be the histogram\'s name without its _bucket, _count or _sum suffix (e.g. "request_latency_seconds")' })
    .optional(),
  counter: metricName('requests_total').optional(),
  outcomeLabel: z.string().regex(PROMETHEUS_LABEL, { error: 'must be a Prometheus label name: letters, digits and "_", not starting with a digit (e.g. "status")' }).optional(),
  errorPattern: z.string().min(1, { error: 'must match the failed outcomes, e.g. "5.." or "error"' })
    .refine(isPortableRegex, { error: 'must be a regular expression Prometheus accepts (RE2: no look-arounds or back-references), e.g. "5.." or "error|timeout"' })
    .optional(),
}).strict();

/** The request contract of a workload: its kind's conventions, overridden field by field. */
export function resolveRequestMetrics(defaults: RequestMetrics, options: RequestMetricsOptions | undefined): RequestMetrics {
  const durationHistogram = options?.durationHistogram ?? defaults.durationHistogram;
  const counterDefault = options?.durationHistogram ? `${durationHistogram}_count` : defaults.counter;
  return {
    durationHistogram,
    counter: options?.counter ?? counterDefault,
    outcomeLabel: options?.outcomeLabel ?? defaults.outcomeLabel,
    errorPattern: options?.errorPattern ?? defaults.errorPattern,
  };
}
