import { type GrafanaDashboard, type TimeseriesPanel } from '../../../lib';
import { type Subject } from './fixtures';
import { interpolate, referencedVariables, type Selection, type VariableOptions } from './grafana-variables';
import { END, type ExprCase } from './promtool';

/** One query of one panel with its variables substituted for one selection. */
export interface PanelQuery {
  /** e.g. `emm/dev services.json "CPU (cores)" workload=All`. */
  readonly description: string;
  readonly expr: string;
}

/** The subject's dashboards, parsed from the ConfigMap that holds them. */
export function dashboardsOf(subject: Subject): Map<string, GrafanaDashboard> {
  const configMap = subject.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === subject.stack.dashboardsConfigMapName);
  const data = (configMap as { data?: Record<string, string> } | undefined)?.data ?? {};
  return new Map(Object.entries(data).map(([file, text]) => [file, JSON.parse(text) as GrafanaDashboard]));
}

function variablesOf(dashboard: GrafanaDashboard): VariableOptions[] {
  return dashboard.templating.list.flatMap((v) => (v.type === 'custom' ? [{ name: v.name, options: v.options }] : []));
}

/**
 * Every query of every panel, with each variable it uses set to All and to each of its values
 * in turn (the others it uses at All).
 */
export function panelQueries(subject: Subject): PanelQuery[] {
  const queries: PanelQuery[] = [];
  for (const [file, dashboard] of dashboardsOf(subject)) {
    const variables = variablesOf(dashboard);
    for (const panel of dashboard.panels.filter((p): p is TimeseriesPanel => p.type === 'timeseries')) {
      for (const target of panel.targets) {
        const used = referencedVariables(target.expr).filter((name) => variables.some((v) => v.name === name));
        const all: Record<string, Selection> = Object.fromEntries(used.map((name) => [name, { kind: 'all' } as Selection]));
        const where = `${subject.label} ${file} "${panel.title}" ${target.refId}`;
        queries.push({ description: `${where}${used.length > 0 ? ` ${used.map((n) => `${n}=All`).join(' ')}` : ''}`, expr: interpolate(target.expr, variables, all) });
        for (const name of used) {
          const variable = variables.find((v) => v.name === name);
          for (const option of (variable?.options ?? []).filter((o) => o.value !== '$__all')) {
            queries.push({ description: `${where} ${name}=${option.text}`, expr: interpolate(target.expr, variables, { ...all, [name]: { kind: 'one', value: option.value } }) });
          }
        }
      }
    }
  }
  return queries;
}

/** A promtool expression test passing when `expr` returns at least one sample that is a number (not NaN). */
export function returnsData(expr: string): ExprCase {
  return { expr: `count((${expr}) == (${expr})) > bool 0`, eval_time: END, exp_samples: [{ labels: '{}', value: 1 }] };
}

/** The queries promtool's output names as failed, by their description. */
export function failedQueries(output: string, queries: readonly PanelQuery[]): string[] {
  const byExpr = new Map(queries.map((q) => [returnsData(q.expr).expr, q]));
  const failed: string[] = [];
  for (const match of output.matchAll(/expr: ("(?:[^"\\]|\\.)*")/g)) {
    const expr = JSON.parse(match[1]) as string;
    const query = byExpr.get(expr);
    failed.push(query ? `${query.description}: ${query.expr}` : expr);
  }
  return failed;
}
