export interface GrafanaProvisioningOptions {
  /** URL of Prometheus, e.g. `http://prometheus.ns.svc.cluster.local:9090`. */
  readonly prometheusUrl: string;
  readonly tempoUrl: string;
  readonly folder: string;
  readonly dashboardsPath: string;
}

/** Grafana's datasources: Prometheus (default, uid `prometheus`) and Tempo, linked for trace-to-metrics. */
export function grafanaDatasources(o: GrafanaProvisioningOptions): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      { name: 'Prometheus', uid: 'prometheus', type: 'prometheus', access: 'proxy', url: o.prometheusUrl, isDefault: true, editable: false, jsonData: { timeInterval: '30s' } },
      { name: 'Tempo', uid: 'tempo', type: 'tempo', access: 'proxy', url: o.tempoUrl, editable: false, jsonData: { serviceMap: { datasourceUid: 'prometheus' }, nodeGraph: { enabled: true } } },
    ],
  };
}

/** Grafana's dashboard provider: the generated dashboards, read-only, in the app's folder. */
export function grafanaDashboardProviders(o: GrafanaProvisioningOptions): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [{ name: o.folder, folder: o.folder, type: 'file', disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 60, options: { path: o.dashboardsPath } }],
  };
}
