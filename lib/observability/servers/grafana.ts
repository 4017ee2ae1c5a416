import { type Construct } from 'constructs';
import { z } from 'zod';
import { EnvValue, type ISecretSource } from '../../core/env-value';
import { grafanaDashboardProviders, grafanaDatasources } from '../configs/grafana';
import { secretKey, secretSourceRef } from '../schemas';
import { ObservabilityServer, type ServerOptions, serverOptionsShape, serverProbes } from '../server';
import { toYaml } from '../../synth/yaml';

/** The self-hosted Grafana. */
export interface GrafanaOptions extends ServerOptions {
  /**
   * Secret holding the admin password; its value is never rendered.
   * @default - a `SecretSource` named `grafana-admin` with key `admin-password`, provided by the environment's backend
   */
  readonly adminPassword?: ISecretSource;
  /**
   * Key of the password in `adminPassword`.
   * @default "admin-password"
   */
  readonly adminPasswordKey?: string;
  /**
   * Admin user name.
   * @default "admin"
   */
  readonly adminUser?: string;
}

export const grafanaOptionsSchema = z.object({
  ...serverOptionsShape,
  adminPassword: secretSourceRef.optional(),
  adminPasswordKey: secretKey.optional(),
  adminUser: z.string().regex(/^[a-zA-Z0-9._@-]{1,64}$/, { error: 'must be a user name of up to 64 letters, digits, ".", "_", "@" or "-"' }).optional(),
}).strict();

export const GRAFANA_PORT = 3000;
const DASHBOARDS_DIR = '/etc/grafana/dashboards';

export interface GrafanaWiring {
  readonly prometheusUrl: string;
  readonly tempoUrl: string;
  readonly folder: string;
  /** Name of the ConfigMap holding the generated dashboards. */
  readonly dashboardsConfigMap: string;
  readonly adminPassword: ISecretSource;
}

/**
 * Grafana with its datasources (Prometheus, Tempo) and the generated dashboards provisioned
 * from ConfigMaps, read-only; the admin password from a Secret, anonymous access, sign-up,
 * analytics and update checks off. Its database lives in an emptyDir: everything in it is
 * provisioned again at start.
 */
export class GrafanaServer extends ObservabilityServer {
  public static readonly DEFAULT_IMAGE = 'docker.io/grafana/grafana:11.4.0';
  public readonly port = GRAFANA_PORT;

  constructor(scope: Construct, id: string, options: GrafanaOptions, wiring: GrafanaWiring) {
    super(scope, id, options.image, GrafanaServer.DEFAULT_IMAGE, { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }, options);
    const provisioning = { prometheusUrl: wiring.prometheusUrl, tempoUrl: wiring.tempoUrl, folder: wiring.folder, dashboardsPath: DASHBOARDS_DIR };
    const env: Record<string, string | EnvValue> = {
      GF_SECURITY_ADMIN_USER: options.adminUser ?? 'admin',
      GF_SECURITY_ADMIN_PASSWORD: EnvValue.fromSecret(wiring.adminPassword, options.adminPasswordKey ?? 'admin-password'),
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_AUTH_BASIC_ENABLED: 'true',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_SECURITY_DISABLE_GRAVATAR: 'true',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
      GF_PLUGINS_PREINSTALL_DISABLED: 'true',
      GF_LOG_MODE: 'console',
      GF_PATHS_DATA: '/var/lib/grafana',
      GF_PATHS_PROVISIONING: '/etc/grafana/provisioning',
    };
    for (const [name, value] of Object.entries(env)) {
      this.addEnv(name, value);
    }
    this.build({
      args: [],
      ports: [{ name: 'http', port: GRAFANA_PORT, service: true }],
      probes: serverProbes('http', { ready: '/api/health', live: '/api/health' }, 120),
      uid: 472,
      configs: [
        { suffix: '-datasources', mountPath: '/etc/grafana/provisioning/datasources', files: () => ({ 'datasources.yaml': toYaml(grafanaDatasources(provisioning)) }) },
        { suffix: '-dashboard-providers', mountPath: '/etc/grafana/provisioning/dashboards', files: () => ({ 'dashboards.yaml': toYaml(grafanaDashboardProviders(provisioning)) }) },
      ],
      volumes: [{
        volume: { name: 'dashboards', configMap: { name: wiring.dashboardsConfigMap } },
        mount: { name: 'dashboards', mountPath: DASHBOARDS_DIR, readOnly: true },
      }],
      scratch: [
        { name: 'data', mountPath: '/var/lib/grafana', sizeLimit: '1Gi' },
        { name: 'tmp', mountPath: '/tmp', sizeLimit: '256Mi' },
      ],
      automountToken: false,
      metrics: { port: GRAFANA_PORT, portName: 'http', path: '/metrics' },
      signals: { metrics: ['grafana_http_request_duration_seconds_bucket', 'grafana_http_request_duration_seconds_count'] },
    });
  }
}
