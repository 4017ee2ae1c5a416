import { type ApiObject, Lazy } from 'cdk8s';
import { type Construct } from 'constructs';
import {
  PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelingsAction as PodAction, PrometheusRule, PrometheusRuleSpecGroupsRulesExpr,
  ServiceMonitor, ServiceMonitorSpecEndpointsRelabelingsAction as ServiceAction,
} from '../../imports/monitoring.coreos.com';
import { type AlertGroup } from './alerts';
import { targetLabelRelabelings } from './configs/prometheus';
import { ScrapeMethod, type ScrapeTarget } from './targets';

/** The relabelings giving operator-scraped series the labels of the self-hosted ones (`workload`, `component`). */
function relabelings<A extends string>(replace: A, keepService?: { action: A; service: string }): { sourceLabels: string[]; targetLabel?: string; action: A; regex?: string }[] {
  const labels = targetLabelRelabelings()
    .filter((r) => r.target_label === 'workload' || r.target_label === 'component')
    .map((r) => ({ sourceLabels: r.source_labels, targetLabel: r.target_label, action: replace }));
  // Only the Service the monitor is for (a headless twin would scrape the same pods twice).
  const keep = keepService ? [{ sourceLabels: ['__meta_kubernetes_service_name'], action: keepService.action, regex: keepService.service }] : [];
  return [...keep, ...labels];
}

/**
 * A ServiceMonitor (the workload's Service exposes its metrics ports) or a PodMonitor (it does
 * not: queue workers, exporter sidecars), labelled for the cluster's Prometheus. `targets` are
 * the endpoints of one workload, all of the same method.
 */
export function createMonitor(scope: Construct, targets: readonly ScrapeTarget[], selectorLabels: Readonly<Record<string, string>>): ApiObject {
  const workload = targets[0].workload;
  const metadata = { name: workload.name, labels: { ...workload.labels, ...selectorLabels } };
  const namespaceSelector = workload.namespace ? { matchNames: [workload.namespace] } : undefined;
  const selector = { matchLabels: { ...workload.selectorLabels } };
  const service = targets[0].service;
  if (targets[0].method === ScrapeMethod.SERVICE_MONITOR && service) {
    return new ServiceMonitor(scope, `ServiceMonitor-${workload.name}`, {
      metadata,
      spec: {
        selector,
        namespaceSelector,
        endpoints: targets.map((t) => ({
          port: t.service?.port,
          path: t.endpoint.path,
          relabelings: relabelings(ServiceAction.REPLACE, { action: ServiceAction.KEEP, service: service.name }),
        })),
      },
    });
  }
  return new PodMonitor(scope, `PodMonitor-${workload.name}`, {
    metadata,
    spec: {
      selector,
      namespaceSelector,
      podMetricsEndpoints: targets.map((t) => ({ port: t.endpoint.portName, path: t.endpoint.path, relabelings: relabelings(PodAction.REPLACE) })),
    },
  });
}

/** The app's alerts as a PrometheusRule, produced when the manifests render. */
export function createPrometheusRule(scope: Construct, name: string, labels: Readonly<Record<string, string>>, groups: () => readonly AlertGroup[]): PrometheusRule {
  return new PrometheusRule(scope, 'PrometheusRule', {
    metadata: { name, labels: { ...labels } },
    spec: Lazy.any({
      produce: () => ({
        groups: groups().map((g) => ({
          name: g.name,
          rules: g.rules.map((r) => ({ alert: r.alert, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), for: r.for, labels: { ...r.labels }, annotations: { ...r.annotations } })),
        })),
      }),
    }),
  });
}
