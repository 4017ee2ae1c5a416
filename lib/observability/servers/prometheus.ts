import { JsonPatch } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { z } from 'zod';
import { type ExternalEndpoint } from '../../core/network';
import { parseQuantity } from '../../core/quantity';
import { type AlertGroup } from '../alerts';
import { prometheusConfig, ruleFile } from '../configs/prometheus';
import { ObservabilityServer, persistenceShape, type ServerOptions, serverOptionsShape, serverProbes } from '../server';
import { toYaml } from '../../synth/yaml';

/** The self-hosted Prometheus. */
export interface PrometheusOptions extends ServerOptions {
  /**
   * How long samples are kept (`--storage.tsdb.retention.time`).
   * @default "15d"
   */
  readonly retention?: string;
  /**
   * Size of the data volume; samples are also dropped beyond 85% of it (`--storage.tsdb.retention.size`).
   * @default "20Gi"
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the data volume.
   * @default - the environment's `storage.storageClassName`
   */
  readonly storageClassName?: string;
  /**
   * Scrape and rule evaluation interval.
   * @default "30s"
   */
  readonly scrapeInterval?: string;
}

/** A Prometheus duration: `30s`, `15d`, `1h30m`. */
export const prometheusDuration = z.string().regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, { error: 'must be a Prometheus duration such as "30s", "15d" or "1h30m"' });

export const prometheusOptionsSchema = z.object({
  ...serverOptionsShape,
  ...persistenceShape,
  retention: prometheusDuration.optional(),
  scrapeInterval: prometheusDuration.optional(),
}).strict();

export const PROMETHEUS_PORT = 9090;
const CONFIG_DIR = '/etc/prometheus/config';
const RULES_DIR = '/etc/prometheus/rules';

/** What the stack tells Prometheus when it is created. */
export interface PrometheusWiring {
  readonly app: string;
  /** Host and port of the Alertmanager Service. */
  readonly alertmanager: string;
  /** The alert rules, produced when the manifests render. */
  readonly rules: () => readonly AlertGroup[];
  readonly kubeStateMetrics?: { readonly name: string; readonly portName: string };
  /** Where the API server listens: service discovery needs it. */
  readonly kubernetesApi: ExternalEndpoint;
  /** Where the kubelets listen, when their cAdvisor metrics are scraped. */
  readonly kubelets?: ExternalEndpoint;
}

/**
 * Prometheus as a StatefulSet with its TSDB on a persistent volume, discovering the pods of the
 * app's namespace only (a namespaced Role on pods, services and endpoints), with the alert rules
 * mounted from a ConfigMap. With cAdvisor scraping it also gets a ClusterRole on nodes and
 * nodes/metrics (read-only, no nodes/proxy).
 */
export class PrometheusServer extends ObservabilityServer {
  public static readonly DEFAULT_IMAGE = 'quay.io/prometheus/prometheus:v3.1.0';
  public readonly port = PROMETHEUS_PORT;

  constructor(scope: Construct, id: string, options: PrometheusOptions, wiring: PrometheusWiring) {
    super(scope, id, options.image, PrometheusServer.DEFAULT_IMAGE, { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } }, options);
    const storageSize = options.storageSize ?? '20Gi';
    const retentionSize = `${Math.floor((parseQuantity(storageSize) * 0.85) / 2 ** 20)}MB`;
    const interval = options.scrapeInterval ?? '30s';
    const namespace = this.namespace ?? 'default';
    this.allowExternal(wiring.kubernetesApi);
    if (wiring.kubelets) {
      this.allowExternal(wiring.kubelets);
    }
    this.build({
      args: [
        `--config.file=${CONFIG_DIR}/prometheus.yml`,
        '--storage.tsdb.path=/prometheus',
        `--storage.tsdb.retention.time=${options.retention ?? '15d'}`,
        `--storage.tsdb.retention.size=${retentionSize}`,
        `--web.listen-address=:${PROMETHEUS_PORT}`,
      ],
      ports: [{ name: 'http', port: PROMETHEUS_PORT, service: true }],
      probes: serverProbes('http', { ready: '/-/ready', live: '/-/healthy' }, 900),
      uid: 65534,
      configs: [
        {
          suffix: '-config',
          mountPath: CONFIG_DIR,
          files: () => ({
            'prometheus.yml': toYaml(prometheusConfig({
              namespace, app: wiring.app, environment: this.environment.name, scrapeInterval: interval, evaluationInterval: interval,
              selfName: this.name, selfPort: PROMETHEUS_PORT, alertmanager: wiring.alertmanager, rulesDir: RULES_DIR,
              kubeStateMetrics: wiring.kubeStateMetrics, cadvisor: wiring.kubelets !== undefined,
            })),
          }),
        },
        { suffix: '-rules', mountPath: RULES_DIR, files: () => ({ 'alerts.yaml': toYaml(ruleFile(wiring.rules())) }) },
      ],
      persistence: { mountPath: '/prometheus', size: storageSize, storageClassName: options.storageClassName },
      automountToken: true,
      metrics: { port: PROMETHEUS_PORT, portName: 'http', path: '/metrics' },
      signals: { metrics: ['prometheus_tsdb_head_series', 'prometheus_rule_evaluation_failures_total', 'prometheus_notifications_dropped_total'] },
    });
    this.createDiscoveryRbac(wiring.kubelets !== undefined);
  }

  private createDiscoveryRbac(nodes: boolean): void {
    const subject = { kind: 'ServiceAccount', name: this.name, namespace: this.namespace };
    new k8s.KubeRole(this, 'DiscoveryRole', {
      metadata: this.metadata(),
      rules: [{ apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(this, 'DiscoveryBinding', {
      metadata: this.metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [subject],
    });
    if (!nodes) {
      return;
    }
    // Cluster scoped: named after the namespace so that two apps do not collide.
    const clusterName = `${this.namespace ?? 'default'}-${this.name}-kubelet`;
    const role = new k8s.KubeClusterRole(this, 'KubeletRole', {
      metadata: { name: clusterName, labels: { ...this.labels } },
      rules: [
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
      ],
    });
    const binding = new k8s.KubeClusterRoleBinding(this, 'KubeletBinding', {
      metadata: { name: clusterName, labels: { ...this.labels } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [subject],
    });
    if (this.namespace) {
      for (const object of [role, binding]) {
        object.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
      }
    }
  }
}
