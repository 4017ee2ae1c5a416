import { COMPONENT_LABEL, NAME_LABEL, WorkloadComponent } from '../../core/labels';
import { type AlertGroup } from '../alerts';

/** Kubernetes pod labels as Prometheus service discovery names them. */
function podLabelMeta(label: string): string {
  return `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The labels every scraped series of the app carries, in both modes: namespace, pod, container, workload, component. */
export function targetLabelRelabelings(): { source_labels: string[]; target_label: string }[] {
  return [
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
    { source_labels: [podLabelMeta(NAME_LABEL)], target_label: 'workload' },
    { source_labels: [podLabelMeta(COMPONENT_LABEL)], target_label: 'component' },
  ];
}

export interface PrometheusConfigOptions {
  readonly namespace: string;
  readonly app: string;
  readonly environment: string;
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  readonly selfName: string;
  readonly selfPort: number;
  /** Host and port of the Alertmanager Service. */
  readonly alertmanager: string;
  readonly rulesDir: string;
  /** Name label of the kube-state-metrics pods, when deployed. */
  readonly kubeStateMetrics?: { readonly name: string; readonly portName: string };
  /** Whether the kubelets' cAdvisor endpoints are scraped (needs the node RBAC). */
  readonly cadvisor: boolean;
}

/** A pod-role discovery restricted to the app's namespace. */
function podDiscovery(namespace: string): unknown[] {
  return [{ role: 'pod', namespaces: { names: [namespace] } }];
}

/**
 * prometheus.yml: itself on localhost, every pod of the namespace annotated
 * `prometheus.io/scrape: "true"` on the `prometheus.io/port` container port and
 * `prometheus.io/path`, kube-state-metrics with honor_labels (its series describe other pods),
 * optionally the kubelets' cAdvisor (kept to this namespace's containers), the rule files and
 * the Alertmanager.
 */
export function prometheusConfig(o: PrometheusConfigOptions): Record<string, unknown> {
  const jobs: Record<string, unknown>[] = [
    {
      job_name: 'prometheus',
      static_configs: [{ targets: [`localhost:${o.selfPort}`], labels: { namespace: o.namespace, workload: o.selfName, component: WorkloadComponent.OBSERVABILITY } }],
    },
    {
      job_name: 'kubernetes-pods',
      kubernetes_sd_configs: podDiscovery(o.namespace),
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
        { source_labels: ['__meta_kubernetes_pod_phase'], action: 'keep', regex: 'Running' },
        { source_labels: ['__meta_kubernetes_pod_container_init'], action: 'drop', regex: 'true' },
        // One target per pod: the container port named by the annotation.
        { source_labels: ['__meta_kubernetes_pod_container_port_number'], target_label: '__meta_kubernetes_pod_annotation_prometheus_io_port', action: 'keepequal' },
        { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', action: 'replace' },
        ...targetLabelRelabelings(),
      ],
    },
  ];
  if (o.kubeStateMetrics) {
    jobs.push({
      job_name: 'kube-state-metrics',
      honor_labels: true,
      kubernetes_sd_configs: podDiscovery(o.namespace),
      relabel_configs: [
        { source_labels: [podLabelMeta(NAME_LABEL)], action: 'keep', regex: o.kubeStateMetrics.name },
        { source_labels: ['__meta_kubernetes_pod_container_port_name'], action: 'keep', regex: o.kubeStateMetrics.portName },
        { source_labels: ['__meta_kubernetes_pod_phase'], action: 'keep', regex: 'Running' },
        ...targetLabelRelabelings(),
      ],
    });
  }
  if (o.cadvisor) {
    jobs.push({
      job_name: 'kubelet-cadvisor',
      scheme: 'https',
      metrics_path: '/metrics/cadvisor',
      authorization: { credentials_file: `${SERVICE_ACCOUNT}/token` },
      // Kubelet serving certificates are often self-signed; the bearer token authenticates us.
      tls_config: { ca_file: `${SERVICE_ACCOUNT}/ca.crt`, insecure_skip_verify: true },
      kubernetes_sd_configs: [{ role: 'node' }],
      relabel_configs: [{ source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' }],
      metric_relabel_configs: [
        { source_labels: ['namespace'], action: 'keep', regex: o.namespace },
        { source_labels: ['__name__'], action: 'keep', regex: 'container_cpu_usage_seconds_total|container_memory_working_set_bytes' },
      ],
    });
  }
  return {
    global: {
      scrape_interval: o.scrapeInterval,
      evaluation_interval: o.evaluationInterval,
      external_labels: { app: o.app, environment: o.environment },
    },
    rule_files: [`${o.rulesDir}/*.yaml`],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [o.alertmanager] }] }] },
    scrape_configs: jobs,
  };
}

/** A Prometheus rule file. */
export function ruleFile(groups: readonly AlertGroup[]): Record<string, unknown> {
  return { groups: groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: { ...r.labels }, annotations: { ...r.annotations } })) })) };
}
