/** Where the collector forwards traces to Langfuse. */
export interface LangfuseExport {
  /** `<langfuse host>/api/public/otel`. */
  readonly endpoint: string;
  /** Environment variables holding the public and secret keys (from a Secret). */
  readonly publicKeyEnv: string;
  readonly secretKeyEnv: string;
}

export interface CollectorConfigOptions {
  readonly otlpGrpcPort: number;
  readonly otlpHttpPort: number;
  readonly healthPort: number;
  /** Port of the prometheus exporter Prometheus scrapes. */
  readonly metricsPort: number;
  /** `host:port` of Tempo's OTLP gRPC receiver. */
  readonly tempo: string;
  readonly langfuse?: LangfuseExport;
}

const SELF_TELEMETRY_PORT = 8888;

/**
 * The OpenTelemetry Collector: OTLP in (gRPC and HTTP); traces to Tempo and, when enabled, to
 * Langfuse's OTLP endpoint with Basic auth from `${env:...}` variables (never literals); metrics
 * (the apps' OTLP metrics and the collector's own telemetry, scraped on localhost) out of one
 * Prometheus exporter port that Prometheus scrapes.
 */
export function collectorConfig(o: CollectorConfigOptions): Record<string, unknown> {
  const traceExporters = ['otlp/tempo', ...(o.langfuse ? ['otlphttp/langfuse'] : [])];
  return {
    extensions: {
      health_check: { endpoint: `0.0.0.0:${o.healthPort}` },
      ...(o.langfuse ? { 'basicauth/langfuse': { client_auth: { username: `\${env:${o.langfuse.publicKeyEnv}}`, password: `\${env:${o.langfuse.secretKeyEnv}}` } } } : {}),
    },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${o.otlpGrpcPort}` }, http: { endpoint: `0.0.0.0:${o.otlpHttpPort}` } } },
      'prometheus/self': {
        config: { scrape_configs: [{ job_name: 'otel-collector', scrape_interval: '30s', static_configs: [{ targets: [`127.0.0.1:${SELF_TELEMETRY_PORT}`] }] }] },
      },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      batch: {},
    },
    exporters: {
      'otlp/tempo': { endpoint: o.tempo, tls: { insecure: true } },
      prometheus: { endpoint: `0.0.0.0:${o.metricsPort}` },
      ...(o.langfuse ? { 'otlphttp/langfuse': { endpoint: o.langfuse.endpoint, auth: { authenticator: 'basicauth/langfuse' } } } : {}),
    },
    service: {
      extensions: ['health_check', ...(o.langfuse ? ['basicauth/langfuse'] : [])],
      telemetry: { metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: SELF_TELEMETRY_PORT } } } }] } },
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: traceExporters },
        metrics: { receivers: ['otlp', 'prometheus/self'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] },
      },
    },
  };
}
