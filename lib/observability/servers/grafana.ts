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
   * @default - a `SecretSource` named `grafana-admin` with key `admin-password`, provided by the environment's backend; in a development environment whose secrets backend is `existing` (nothing would create that Secret), a random password generated when the pod starts (read it with `kubectl exec deploy/grafana -- cat /etc/grafana/admin/password`)
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
const ADMIN_DIR = '/etc/grafana/admin';
/** Where the generated admin password is (development without a Secret). */
export const GENERATED_PASSWORD_FILE = `${ADMIN_DIR}/password`;

export interface GrafanaWiring {
  readonly prometheusUrl: string;
  readonly tempoUrl: string;
  readonly folder: string;
  /** Name of the ConfigMap holding the generated dashboards. */
  readonly dashboardsConfigMap: string;
  /** The Secret holding the admin password; undefined: a random one is generated when the pod starts. */
  readonly adminPassword?: ISecretSource;
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
  /** The file holding a generated admin password, when no Secret provides one. */
  public readonly generatedPasswordFile?: string;

  constructor(scope: Construct, id: string, options: GrafanaOptions, wiring: GrafanaWiring) {
    super(scope, id, options.image, GrafanaServer.DEFAULT_IMAGE, { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }, options);
    const provisioning = { prometheusUrl: wiring.prometheusUrl, tempoUrl: wiring.tempoUrl, folder: wiring.folder, dashboardsPath: DASHBOARDS_DIR };
    const secret = wiring.adminPassword;
    this.generatedPasswordFile = secret ? undefined : GENERATED_PASSWORD_FILE;
    const env: Record<string, string | EnvValue> = {
      GF_SECURITY_ADMIN_USER: options.adminUser ?? 'admin',
      // The image's entrypoint reads a setting from the file a `__FILE` variable names.
      ...(secret ? { GF_SECURITY_ADMIN_PASSWORD: EnvValue.fromSecret(secret, options.adminPasswordKey ?? 'admin-password') } : { GF_SECURITY_ADMIN_PASSWORD__FILE: GENERATED_PASSWORD_FILE }),
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
        ...(secret ? [] : [{ name: 'admin', mountPath: ADMIN_DIR, sizeLimit: '1Mi', memory: true }]),
      ],
      // Without a Secret, a random password for this pod's life (its database is an emptyDir too): never in the manifests.
      initContainers: secret ? [] : [{
        name: 'admin-password',
        command: ['sh', '-c', `umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\\n/+=' > ${GENERATED_PASSWORD_FILE}`],
        volumeMounts: [{ name: 'admin', mountPath: ADMIN_DIR }],
      }],
      automountToken: false,
      metrics: { port: GRAFANA_PORT, portName: 'http', path: '/metrics' },
      signals: { metrics: ['grafana_http_request_duration_seconds_bucket', 'grafana_http_request_duration_seconds_count'] },
    });
  }
}
