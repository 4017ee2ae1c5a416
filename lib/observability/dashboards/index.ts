import { type GrafanaDashboard } from '../grafana';
import { type ObservedApp } from '../model';
import { llmDashboard } from './llm';
import { redisDashboard } from './redis';
import { servicesDashboard } from './services';
import { toolsDashboard } from './tools';

/** The app's dashboards by file name (`services.json`, `llm.json`, `redis.json`, `tools.json`): one per concern, only for kinds present. */
export function dashboards(app: ObservedApp): Map<string, GrafanaDashboard> {
  const out = new Map<string, GrafanaDashboard>();
  const add = (file: string, dashboard: GrafanaDashboard | undefined) => {
    if (dashboard) {
      out.set(file, dashboard);
    }
  };
  add('services.json', servicesDashboard(app));
  add('llm.json', llmDashboard(app));
  add('redis.json', redisDashboard(app));
  add('tools.json', toolsDashboard(app));
  return out;
}

/** The dashboards as ConfigMap data: pretty JSON, one key per dashboard. */
export function dashboardFiles(app: ObservedApp): Record<string, string> {
  return Object.fromEntries([...dashboards(app)].map(([file, dashboard]) => [file, `${JSON.stringify(dashboard, null, 2)}\n`]));
}
