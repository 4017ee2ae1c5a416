import { type Construct } from 'constructs';
import { z } from 'zod';
import { EnvValue, type ISecretSource } from '../../core/env-value';
import { collectorConfig } from '../configs/collector';
import { ObservabilityServer, type ServerOptions, serverOptionsShape, serverProbes } from '../server';
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from './tempo';
import { toYaml } from '../../synth/yaml';

/** The self-hosted OpenTelemetry Collector. */
export type CollectorOptions = ServerOptions;

export const collectorOptionsSchema = z.object({ ...serverOptionsShape }).strict();

export const COLLECTOR_METRICS_PORT = 8889;
const HEALTH_PORT = 13133;
const PUBLIC_KEY_ENV = 'LANGFUSE_PUBLIC_KEY';
const SECRET_KEY_ENV = 'LANGFUSE_SECRET_KEY';

export interface CollectorWiring {
  /** `host:port` of Tempo's OTLP gRPC receiver. */
  readonly tempo: string;
  /** Langfuse's OTLP endpoint and the Secret with its keys, when traces are forwarded there. */
  readonly langfuse?: { readonly endpoint: string; readonly credentials: ISecretSource; readonly publicKeyKey: string; readonly secretKeyKey: string };
}

/**
 * The OpenTelemetry Collector (contrib distribution): OTLP gRPC (4317) and HTTP (4318) in,
 * traces to Tempo (and Langfuse when enabled), metrics out of a Prometheus exporter port (8889)
 * that Prometheus scrapes, health on 13133.
 */
export class CollectorServer extends ObservabilityServer {
  public static readonly DEFAULT_IMAGE = 'docker.io/otel/opentelemetry-collector-contrib:0.116.1';
  public readonly otlpGrpcPort = OTLP_GRPC_PORT;
  public readonly otlpHttpPort = OTLP_HTTP_PORT;

  constructor(scope: Construct, id: string, options: CollectorOptions, wiring: CollectorWiring) {
    super(scope, id, options.image, CollectorServer.DEFAULT_IMAGE, { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }, options);
    const langfuse = wiring.langfuse;
    if (langfuse) {
      this.addEnv(PUBLIC_KEY_ENV, EnvValue.fromSecret(langfuse.credentials, langfuse.publicKeyKey));
      this.addEnv(SECRET_KEY_ENV, EnvValue.fromSecret(langfuse.credentials, langfuse.secretKeyKey));
    }
    this.build({
      args: ['--config=/etc/otelcol/config.yaml'],
      ports: [
        { name: 'otlp-grpc', port: OTLP_GRPC_PORT, service: true },
        { name: 'otlp-http', port: OTLP_HTTP_PORT, service: true },
        { name: 'metrics', port: COLLECTOR_METRICS_PORT, service: false },
        { name: 'health', port: HEALTH_PORT, service: false },
      ],
      probes: serverProbes('health', { ready: '/', live: '/' }, 60),
      uid: 10001,
      configs: [{
        suffix: '-config',
        mountPath: '/etc/otelcol',
        files: () => ({
          'config.yaml': toYaml(collectorConfig({
            otlpGrpcPort: OTLP_GRPC_PORT, otlpHttpPort: OTLP_HTTP_PORT, healthPort: HEALTH_PORT, metricsPort: COLLECTOR_METRICS_PORT, tempo: wiring.tempo,
            langfuse: langfuse ? { endpoint: langfuse.endpoint, publicKeyEnv: PUBLIC_KEY_ENV, secretKeyEnv: SECRET_KEY_ENV } : undefined,
          })),
        }),
      }],
      scratch: [{ name: 'tmp', mountPath: '/tmp', sizeLimit: '256Mi' }],
      automountToken: false,
      metrics: { port: COLLECTOR_METRICS_PORT, portName: 'metrics', path: '/metrics' },
      signals: { metrics: ['otelcol_receiver_accepted_spans_total', 'otelcol_exporter_sent_spans_total', 'otelcol_exporter_send_failed_spans_total'] },
    });
  }

  /** The OTLP gRPC endpoint workloads send to. */
  public get otlpEndpoint(): string {
    return `http://${this.address(OTLP_GRPC_PORT)}`;
  }
}
