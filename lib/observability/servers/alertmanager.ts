import { type Construct } from 'constructs';
import { z } from 'zod';
import { type ISecretSource } from '../../core/env-value';
import { ExternalEndpoint } from '../../core/network';
import { alertmanagerConfig } from '../configs/alertmanager';
import { externalEndpoint, secretKey, secretSourceRef } from '../schemas';
import { ObservabilityServer, persistenceShape, type ServerOptions, serverOptionsShape, serverProbes } from '../server';
import { toYaml } from '../../synth/yaml';

/** Slack notifications through an incoming webhook. */
export interface SlackOptions {
  /** Secret holding the webhook URL; it is mounted as a file (`api_url_file`) and never rendered. */
  readonly webhook: ISecretSource;
  /**
   * Key of the URL in `webhook`.
   * @default "webhook-url"
   */
  readonly webhookKey?: string;
  /**
   * Channel, when it differs from the webhook's default.
   * @default - the webhook's channel
   */
  readonly channel?: string;
  /**
   * Where Slack is reached, for Alertmanager's NetworkPolicy.
   * @default ExternalEndpoint.https('hooks.slack.com')
   */
  readonly endpoint?: ExternalEndpoint;
}

/** The self-hosted Alertmanager. */
export interface AlertmanagerOptions extends ServerOptions {
  /**
   * Where alerts are sent.
   * @default - nowhere: alerts are only visible in Prometheus and Alertmanager
   */
  readonly slack?: SlackOptions;
  /**
   * Size of the volume keeping silences and the notification log.
   * @default "1Gi"
   */
  readonly storageSize?: string;
  /**
   * StorageClass of that volume.
   * @default - the environment's `storage.storageClassName`
   */
  readonly storageClassName?: string;
}


export const alertmanagerOptionsSchema = z.object({
  ...serverOptionsShape,
  ...persistenceShape,
  slack: z.object({
    webhook: secretSourceRef,
    webhookKey: secretKey.optional(),
    channel: z.string().regex(/^[#@]?[a-z0-9][a-z0-9._-]{0,79}$/, { error: 'must be a Slack channel such as "#alerts"' }).optional(),
    endpoint: externalEndpoint("ExternalEndpoint.https('hooks.slack.com')").optional(),
  }).strict().optional(),
}).strict();

export const ALERTMANAGER_PORT = 9093;
const SLACK_DIR = '/etc/alertmanager/slack';

/**
 * Alertmanager as a StatefulSet (silences survive restarts), clustering off, routing every alert
 * to Slack with the webhook URL read from a mounted Secret file (`api_url_file`).
 */
export class AlertmanagerServer extends ObservabilityServer {
  public static readonly DEFAULT_IMAGE = 'quay.io/prometheus/alertmanager:v0.28.0';
  public readonly port = ALERTMANAGER_PORT;
  /** Where Slack is reached, when notifications go there. */
  public readonly slackEndpoint: ExternalEndpoint | undefined;

  constructor(scope: Construct, id: string, options: AlertmanagerOptions) {
    super(scope, id, options.image, AlertmanagerServer.DEFAULT_IMAGE, { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }, options);
    const slack = options.slack;
    this.slackEndpoint = slack ? slack.endpoint ?? ExternalEndpoint.https('hooks.slack.com') : undefined;
    if (this.slackEndpoint) {
      this.allowExternal(this.slackEndpoint);
    }
    const webhookKey = slack?.webhookKey ?? 'webhook-url';
    this.build({
      args: [
        '--config.file=/etc/alertmanager/config/alertmanager.yml',
        '--storage.path=/alertmanager',
        `--web.listen-address=:${ALERTMANAGER_PORT}`,
        '--cluster.listen-address=',
      ],
      ports: [{ name: 'http', port: ALERTMANAGER_PORT, service: true }],
      probes: serverProbes('http', { ready: '/-/ready', live: '/-/healthy' }, 60),
      uid: 65534,
      configs: [{
        suffix: '-config',
        mountPath: '/etc/alertmanager/config',
        files: () => ({ 'alertmanager.yml': toYaml(alertmanagerConfig(slack ? { urlFile: `${SLACK_DIR}/webhook-url`, channel: slack.channel } : undefined)) }),
      }],
      volumes: slack ? [{
        volume: { name: 'slack', secret: { secretName: slack.webhook.secretName, items: [{ key: webhookKey, path: 'webhook-url' }], defaultMode: 0o440 } },
        mount: { name: 'slack', mountPath: SLACK_DIR, readOnly: true },
      }] : [],
      persistence: { mountPath: '/alertmanager', size: options.storageSize ?? '1Gi', storageClassName: options.storageClassName },
      automountToken: false,
      metrics: { port: ALERTMANAGER_PORT, portName: 'http', path: '/metrics' },
      signals: { metrics: ['alertmanager_notifications_total', 'alertmanager_notifications_failed_total'] },
    });
  }
}
