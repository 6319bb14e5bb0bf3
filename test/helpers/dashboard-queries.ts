/** Every PromQL expression in the shipped dashboards, and a metric-name extractor for PromQL. */
import { grafanaDashboards } from '../../packages/server/src/metrics/index.js';

export interface DashboardQuery {
  where: string;
  expr: string;
}

export function dashboardQueries(): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const { file, dashboard } of grafanaDashboards()) {
    for (const p of dashboard.panels as Array<{ title: string; targets: Array<{ expr: string }> }>) {
      for (const t of p.targets) out.push({ where: `${file} / ${p.title}`, expr: t.expr });
    }
    for (const v of (dashboard.templating as { list: Array<{ name: string; definition?: string }> }).list) {
      if (v.definition) out.push({ where: `${file} / $${v.name}`, expr: v.definition });
    }
    for (const a of (dashboard.annotations as { list: Array<{ name: string; expr?: string }> }).list) {
      if (a.expr) out.push({ where: `${file} / annotation ${a.name}`, expr: a.expr });
    }
  }
  return out;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/** Grafana variables replaced by values PromQL accepts, so the text parses as plain PromQL. */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?\w+\}?/g, '.*');
}

/** Metric names a PromQL expression (or Grafana `label_values(metric, label)`) selects. */
export function promqlMetricNames(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""'); // strings
  s = s.replace(/\{[^}]*\}/g, ' '); // label matchers
  s = s.replace(/\[[^\]]*\]/g, ' '); // ranges
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  s = s.replace(/\$\{?\w+\}?/g, ' '); // Grafana variables
  s = s.replace(/(?<![\w:])\d[\w.]*/g, ' '); // numbers and durations (0.95, 5m, 1e6)
  s = s.replace(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)/g, ' $1 ');
  const names: string[] = [];
  for (const m of s.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const name = m[0];
    const after = s.slice((m.index ?? 0) + name.length).trimStart();
    if (after.startsWith('(')) continue; // function or aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
