/**
 * Typed builders for Grafana dashboard JSON (schema version 39): rows and time-series panels of
 * Prometheus queries, laid out left to right on the 24-column grid. Legends such as `{{pod}}`
 * are Grafana templates and stay literal (the Helm writer escapes them).
 */

/** Grafana units the panels use. */
export type PanelUnit = 'reqps' | 'ops' | 'percentunit' | 'percent' | 's' | 'bytes' | 'decmbytes' | 'short' | 'none';

export interface DatasourceRef {
  readonly type: 'prometheus';
  readonly uid: string;
}

export interface GrafanaTarget {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly expr: string;
  readonly legendFormat: string;
  readonly range: true;
}

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface TimeseriesPanel {
  readonly id: number;
  readonly type: 'timeseries';
  readonly title: string;
  readonly description?: string;
  readonly gridPos: GridPos;
  readonly datasource: DatasourceRef;
  readonly targets: readonly GrafanaTarget[];
  readonly fieldConfig: { readonly defaults: { readonly unit: PanelUnit; readonly min?: number; readonly max?: number }; readonly overrides: readonly [] };
  readonly options: { readonly legend: { readonly displayMode: 'list'; readonly placement: 'bottom'; readonly showLegend: true }; readonly tooltip: { readonly mode: 'multi'; readonly sort: 'desc' } };
}

export interface RowPanel {
  readonly id: number;
  readonly type: 'row';
  readonly title: string;
  readonly gridPos: GridPos;
  readonly collapsed: false;
  readonly panels: readonly [];
  /** A variable: the row and its panels repeat once per selected value. */
  readonly repeat?: string;
}

/** A choice of the dashboard's viewer, here among values derived from the app. */
export interface CustomVariable {
  readonly type: 'custom';
  readonly name: string;
  readonly label: string;
  /** `text : value` pairs, comma separated, as Grafana's custom variables read them. */
  readonly query: string;
  readonly multi: true;
  readonly includeAll: true;
  readonly current: { readonly selected: true; readonly text: readonly ['All']; readonly value: readonly ['$__all'] };
  readonly options: readonly { readonly selected: boolean; readonly text: string; readonly value: string }[];
  readonly hide: 0;
}

/** One value of a custom variable: what the viewer sees, and what queries get (`$var`; `${var:text}` is the text). */
export interface VariableValue {
  readonly text: string;
  readonly value: string;
}

export type Panel = TimeseriesPanel | RowPanel;

export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly editable: false;
  readonly graphTooltip: 1;
  readonly schemaVersion: 39;
  readonly version: 1;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly timezone: 'browser';
  readonly templating: { readonly list: readonly (DatasourceVariable | CustomVariable)[] };
  readonly annotations: { readonly list: readonly [] };
  readonly panels: readonly Panel[];
}

export interface DatasourceVariable {
  readonly name: 'datasource';
  readonly label: string;
  readonly type: 'datasource';
  readonly query: 'prometheus';
  readonly current: Record<string, never>;
  readonly hide: 0;
  readonly refresh: 1;
  readonly regex: '';
  readonly options: readonly [];
}

/** One query of a panel. */
export interface Query {
  readonly expr: string;
  /** Legend, e.g. `{{pod}}`. */
  readonly legend: string;
}

export interface PanelOptions {
  readonly title: string;
  readonly unit: PanelUnit;
  readonly queries: readonly Query[];
  readonly description?: string;
  /** Columns out of 24. @default 8 */
  readonly width?: number;
  readonly min?: number;
  readonly max?: number;
}

/** Every panel queries the datasource chosen in the dashboard's `datasource` variable. */
const DATASOURCE: DatasourceRef = { type: 'prometheus', uid: '${datasource}' };
const PANEL_HEIGHT = 8;
const GRID_WIDTH = 24;

/** Lays out rows and panels; ids are unique and increasing. */
export class DashboardBuilder {
  private readonly panels: Panel[] = [];
  private readonly variables: CustomVariable[] = [];
  private nextId = 1;
  private x = 0;
  private y = 0;

  constructor(private readonly uid: string, private readonly title: string, private readonly description: string, private readonly tags: readonly string[]) {}

  /** A full-width row header; following panels start below it. With `repeat`, the row repeats per value of that variable. */
  public row(title: string, options: { repeat?: string } = {}): this {
    this.newLine();
    this.panels.push({
      id: this.nextId++, type: 'row', title, gridPos: { x: 0, y: this.y, w: GRID_WIDTH, h: 1 }, collapsed: false, panels: [],
      ...(options.repeat ? { repeat: options.repeat } : {}),
    });
    this.y += 1;
    return this;
  }

  /** A multi-value variable (All selected) over values derived from the app; `$name` in queries. */
  public variable(name: string, label: string, values: readonly VariableValue[]): this {
    this.variables.push({
      type: 'custom',
      name,
      label,
      query: values.map((v) => (v.text === v.value ? v.value : `${v.text} : ${v.value}`)).join(','),
      multi: true,
      includeAll: true,
      current: { selected: true, text: ['All'], value: ['$__all'] },
      options: [{ selected: true, text: 'All', value: '$__all' }, ...values.map((v) => ({ selected: false, text: v.text, value: v.value }))],
      hide: 0,
    });
    return this;
  }

  public panel(options: PanelOptions): this {
    const w = Math.min(options.width ?? 8, GRID_WIDTH);
    if (this.x + w > GRID_WIDTH) {
      this.newLine();
    }
    this.panels.push({
      id: this.nextId++,
      type: 'timeseries',
      title: options.title,
      ...(options.description ? { description: options.description } : {}),
      gridPos: { x: this.x, y: this.y, w, h: PANEL_HEIGHT },
      datasource: DATASOURCE,
      targets: options.queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend, range: true })),
      fieldConfig: { defaults: { unit: options.unit, ...(options.min !== undefined ? { min: options.min } : {}), ...(options.max !== undefined ? { max: options.max } : {}) }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    });
    this.x += w;
    return this;
  }

  private newLine(): void {
    if (this.x > 0) {
      this.x = 0;
      this.y += PANEL_HEIGHT;
    }
  }

  /** Whether any panel (not row) was added. */
  public get hasPanels(): boolean {
    return this.panels.some((p) => p.type === 'timeseries');
  }

  public build(): GrafanaDashboard {
    return {
      uid: this.uid,
      title: this.title,
      description: this.description,
      tags: [...this.tags],
      editable: false,
      graphTooltip: 1,
      schemaVersion: 39,
      version: 1,
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      timezone: 'browser',
      templating: {
        list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', options: [] }, ...this.variables],
      },
      annotations: { list: [] },
      panels: [...this.panels],
    };
  }
}
