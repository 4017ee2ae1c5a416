import { type Construct } from 'constructs';
import { z } from 'zod';
import { tempoConfig } from '../configs/tempo';
import { ObservabilityServer, persistenceShape, type ServerOptions, serverOptionsShape, serverProbes } from '../server';
import { toYaml } from '../../synth/yaml';

/** The self-hosted Tempo. */
export interface TempoOptions extends ServerOptions {
  /**
   * How long traces are kept (a Go duration).
   * @default "336h"
   */
  readonly retention?: string;
  /**
   * Size of the trace volume.
   * @default "10Gi"
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the trace volume.
   * @default - the environment's `storage.storageClassName`
   */
  readonly storageClassName?: string;
}

export const tempoOptionsSchema = z.object({
  ...serverOptionsShape,
  ...persistenceShape,
  retention: z.string().regex(/^([0-9]+(ns|us|ms|s|m|h))+$/, { error: 'must be a Go duration such as "336h" or "72h30m" (no days: Go durations stop at hours)' }).optional(),
}).strict();

export const TEMPO_HTTP_PORT = 3200;
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/** Tempo in monolithic mode: a StatefulSet storing trace blocks on its persistent volume, fed over OTLP gRPC by the collector, queried by Grafana. */
export class TempoServer extends ObservabilityServer {
  public static readonly DEFAULT_IMAGE = 'docker.io/grafana/tempo:2.6.1';
  public readonly httpPort = TEMPO_HTTP_PORT;
  public readonly otlpGrpcPort = OTLP_GRPC_PORT;

  constructor(scope: Construct, id: string, options: TempoOptions) {
    super(scope, id, options.image, TempoServer.DEFAULT_IMAGE, { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }, options);
    this.build({
      args: ['-config.file=/etc/tempo/tempo.yaml'],
      ports: [{ name: 'http', port: TEMPO_HTTP_PORT, service: true }, { name: 'otlp-grpc', port: OTLP_GRPC_PORT, service: true }],
      probes: serverProbes('http', { ready: '/ready', live: '/ready' }, 300),
      uid: 10001,
      configs: [{
        suffix: '-config',
        mountPath: '/etc/tempo',
        files: () => ({ 'tempo.yaml': toYaml(tempoConfig({ httpPort: TEMPO_HTTP_PORT, otlpGrpcPort: OTLP_GRPC_PORT, dataDir: '/var/tempo', retention: options.retention ?? '336h' })) }),
      }],
      scratch: [{ name: 'tmp', mountPath: '/tmp', sizeLimit: '256Mi' }],
      persistence: { mountPath: '/var/tempo', size: options.storageSize ?? '10Gi', storageClassName: options.storageClassName },
      automountToken: false,
      metrics: { port: TEMPO_HTTP_PORT, portName: 'http', path: '/metrics' },
      signals: { metrics: ['tempo_distributor_spans_received_total', 'tempo_ingester_blocks_flushed_total'] },
    });
  }
}
