/**
 * A small builder for Grafana dashboard JSON (schema 39, Grafana 10/11): panels laid out left to right
 * in rows of 24 columns, every query through the `datasource` variable so one provisioned Prometheus
 * (or any other) data source can be picked at import.
 */

export type Json = Record<string, unknown>;

/** Grafana's own variable syntax, not a JS template. */
export const DATASOURCE_UID = ['$', '{datasource}'].join('');
const DS = { type: 'prometheus', uid: DATASOURCE_UID };

export interface Target {
  expr: string;
  legend?: string;
  /** Instant query (tables, stats, pies). */
  instant?: boolean;
}

export interface PanelSpec {
  title: string;
  type?: 'timeseries' | 'stat' | 'piechart' | 'table' | 'gauge' | 'bargauge' | 'heatmap';
  targets: Target[];
  unit?: string;
  description?: string;
  /** Width in grid columns (24 per row). @default 12 */
  w?: number;
  /** @default 8 */
  h?: number;
  stack?: boolean;
  /** Draw a red threshold line / colour at this value. */
  threshold?: number;
  min?: number;
  max?: number;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags?: string[];
  /** Label template variables: name → `label_values(metric, label)` source. */
  variables?: Array<{ name: string; label: string; metric: string; labelName?: string }>;
  panels: PanelSpec[];
}

function panel(spec: PanelSpec, id: number, x: number, y: number): Json {
  const type = spec.type ?? 'timeseries';
  const steps: Json[] = [{ color: 'green', value: null }];
  if (spec.threshold !== undefined) steps.push({ color: 'red', value: spec.threshold });
  const defaults: Json = {
    unit: spec.unit ?? 'short',
    thresholds: { mode: 'absolute', steps },
    ...(spec.min !== undefined ? { min: spec.min } : {}),
    ...(spec.max !== undefined ? { max: spec.max } : {}),
  };
  if (type === 'timeseries') {
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: spec.stack ? 30 : 10,
      stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' },
      thresholdsStyle: { mode: spec.threshold !== undefined ? 'line' : 'off' },
    };
  }
  const options: Json =
    type === 'timeseries'
      ? {
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
          tooltip: { mode: 'multi', sort: 'desc' },
        }
      : type === 'piechart'
        ? {
            legend: { displayMode: 'table', placement: 'right', values: ['value', 'percent'] },
            pieType: 'pie',
            reduceOptions: { calcs: ['lastNotNull'] },
          }
        : type === 'table'
          ? { showHeader: true, sortBy: [{ displayName: 'Value', desc: true }] }
          : {
              reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
              colorMode: 'value',
              graphMode: 'area',
            };
  const p: Json = {
    id,
    type,
    title: spec.title,
    datasource: DS,
    gridPos: { x, y, w: spec.w ?? 12, h: spec.h ?? 8 },
    fieldConfig: { defaults, overrides: [] },
    options,
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      expr: t.expr,
      legendFormat: t.legend ?? '__auto',
      range: !t.instant,
      instant: Boolean(t.instant),
      ...(type === 'table' ? { format: 'table' } : {}),
    })),
  };
  if (spec.description) p.description = spec.description;
  if (type === 'table') p.transformations = [{ id: 'organize', options: { excludeByName: { Time: true } } }];
  return p;
}

export function dashboard(spec: DashboardSpec): Json {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = spec.panels.map((p, i) => {
    const w = p.w ?? 12;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const out = panel(p, i + 1, x, y);
    x += w;
    rowHeight = Math.max(rowHeight, p.h ?? 8);
    return out;
  });
  const variables: Json[] = [
    {
      name: 'datasource',
      label: 'Data source',
      type: 'datasource',
      query: 'prometheus',
      hide: 0,
      current: {},
      refresh: 1,
    },
    ...(spec.variables ?? []).map((v) => {
      const q = `label_values(${v.metric}, ${v.labelName ?? v.name})`;
      return {
        name: v.name,
        label: v.label,
        type: 'query',
        datasource: DS,
        query: { query: q, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
        definition: q,
        includeAll: true,
        multi: true,
        allValue: '.*',
        refresh: 2,
        sort: 1,
        current: { selected: true, text: ['All'], value: ['$__all'] },
      };
    }),
  ];
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['witness', ...(spec.tags ?? [])],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
        {
          // Deployments: a Witness restart (new version or config) marks every dashboard.
          datasource: DS,
          enable: true,
          iconColor: 'orange',
          name: 'Witness deploys',
          expr: 'changes(process_start_time_seconds{job="witness"}[$__interval]) > 0',
          step: '1m',
          titleFormat: 'Witness restarted',
          textFormat: '{{instance}}',
        },
      ],
    },
    templating: { list: variables },
    panels,
  };
}
