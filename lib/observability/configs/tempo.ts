export interface TempoConfigOptions {
  readonly httpPort: number;
  readonly otlpGrpcPort: number;
  readonly dataDir: string;
  /** Trace retention, a Go duration such as `336h`. */
  readonly retention: string;
}

/** tempo.yaml: monolithic Tempo storing blocks on its volume, receiving OTLP over gRPC from the collector. */
export function tempoConfig(o: TempoConfigOptions): Record<string, unknown> {
  return {
    stream_over_http_enabled: true,
    server: { http_listen_port: o.httpPort, log_level: 'info' },
    distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${o.otlpGrpcPort}` } } } } },
    ingester: { max_block_duration: '5m' },
    compactor: { compaction: { block_retention: o.retention } },
    storage: {
      trace: {
        backend: 'local',
        wal: { path: `${o.dataDir}/wal` },
        local: { path: `${o.dataDir}/blocks` },
      },
    },
    usage_report: { reporting_enabled: false },
  };
}
