/**
 * The Prometheus series a workload exposes, by convention of its kind. Dashboards and alerts are
 * generated from these, so a rule can only name a series some wired workload really serves.
 */
export interface WorkloadSignals {
  /** Every series name the workload serves (bucket/count/sum suffixes included). */
  readonly metrics: readonly string[];
  /** Requests served, and which of them failed. */
  readonly requests?: {
    /** Counter of requests, e.g. `http_server_request_duration_seconds_count`. */
    readonly counter: string;
    /** Label matchers selecting failed requests, e.g. `http_response_status_code=~"5.."`. */
    readonly errorMatcher: string;
  };
  /** Histogram of request latency (the `_bucket` series). */
  readonly latencyBucket?: string;
  /** A gauge of queued work and the depth that means users are waiting. */
  readonly queueDepth?: { readonly metric: string; readonly warnAbove: number };
}

/** OpenTelemetry HTTP server semantic conventions, as the Prometheus exporter names them. */
export const HTTP_SERVER_SIGNALS: WorkloadSignals = {
  metrics: [
    'http_server_request_duration_seconds_bucket',
    'http_server_request_duration_seconds_count',
    'http_server_request_duration_seconds_sum',
  ],
  requests: { counter: 'http_server_request_duration_seconds_count', errorMatcher: 'http_response_status_code=~"5.."' },
  latencyBucket: 'http_server_request_duration_seconds_bucket',
};

/** The MCP tool servers' own metrics (request counter with a status label, duration histogram). */
export const MCP_TOOL_SIGNALS: WorkloadSignals = {
  metrics: [
    'mcp_requests_total',
    'mcp_request_duration_seconds_bucket',
    'mcp_request_duration_seconds_count',
    'mcp_request_duration_seconds_sum',
  ],
  requests: { counter: 'mcp_requests_total', errorMatcher: 'status="error"' },
  latencyBucket: 'mcp_request_duration_seconds_bucket',
};

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
 * redis_exporter on a replicated Redis: the role of each pod (`redis_instance_info{role}`), the
 * replication stream (offsets, link state) and what the primary sees of its replicas.
 */
export const REDIS_REPLICATION_SIGNALS: WorkloadSignals = {
  metrics: [
    ...REDIS_SIGNALS.metrics,
    'redis_instance_info',
    'redis_connected_slaves',
    'redis_master_repl_offset',
    'redis_connected_slave_offset_bytes',
    'redis_connected_slave_lag_seconds',
    'redis_master_link_up',
  ],
};

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
