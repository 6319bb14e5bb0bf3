/**
 * Prometheus recording and alerting rules for the same SLOs, for teams that alert from Prometheus
 * (`witness slo rules --out dir`). Names follow Sloth (`slo:sli_error:ratio_rate5m`,
 * `slo:objective:ratio`, `slo:error_budget:ratio`) so Sloth/Pyrra dashboards read them; the series are
 * the ones Witness exposes on /metrics: `witness_spans_total{service,kind,status}` and the histogram
 * `witness_span_duration_seconds` (a latency threshold must be one of its bucket bounds).
 */
import { formatDuration, pairsOf, type SloSpec } from '@witness/protocol';
import { DURATION_BUCKETS } from '../metrics/derived-metrics.js';

export class RulesError extends Error {}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

function selector(slo: SloSpec, extra: Record<string, string> = {}): string {
  if (slo.sli.kind === 'metric_ratio')
    throw new RulesError(`SLO ${slo.name}: metric_ratio SLIs have no rules yet`);
  const s = slo.sli.spans;
  const unsupported = (['name', 'agent', 'model', 'tool', 'attributes'] as const).filter(
    (k) => s[k] !== undefined,
  );
  if (unsupported.length > 0)
    throw new RulesError(
      `SLO ${slo.name}: /metrics labels spans by service, kind and status only; it selects by ${unsupported.join(', ')}`,
    );
  const m: Record<string, string> = { ...extra };
  if (s.service) m.service = s.service;
  if (s.kind) m.kind = s.kind;
  return `{${Object.entries(m)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;
}

function errorRatioExpr(slo: SloSpec, window: string): string {
  if (slo.sli.kind === 'latency') {
    const seconds = slo.sli.thresholdMs / 1000;
    if (!DURATION_BUCKETS.includes(seconds))
      throw new RulesError(
        `SLO ${slo.name}: latency threshold ${slo.sli.thresholdMs} ms is not a bucket bound of witness_span_duration_seconds (${DURATION_BUCKETS.map((b) => `${b * 1000} ms`).join(', ')})`,
      );
    return `1 - (sum(rate(witness_span_duration_seconds_bucket${selector(slo, { le: String(seconds) })}[${window}])) / sum(rate(witness_span_duration_seconds_count${selector(slo)}[${window}])))`;
  }
  return `sum(rate(witness_spans_total${selector(slo, { status: 'error' })}[${window}])) / sum(rate(witness_spans_total${selector(slo)}[${window}]))`;
}

export interface RuleGroup {
  name: string;
  rules: Array<Record<string, unknown>>;
}

/** One group of recording rules and one of alerts per SLO. */
export function prometheusRules(slos: SloSpec[]): { groups: RuleGroup[] } {
  const groups: RuleGroup[] = [];
  for (const slo of slos) {
    const labels = {
      slo: slo.name,
      sloth_slo: slo.name,
      sloth_id: `${slo.project}-${slo.name}`,
      project: slo.project,
    };
    const windows = [...new Set([...pairsOf(slo).flatMap((p) => [p.long, p.short]), slo.window])].sort(
      (a, b) => a - b,
    );
    const recording: Array<Record<string, unknown>> = windows.map((w) => ({
      record: `slo:sli_error:ratio_rate${formatDuration(w)}`,
      expr: errorRatioExpr(slo, formatDuration(w)),
      labels,
    }));
    recording.push(
      { record: 'slo:objective:ratio', expr: `vector(${slo.objective})`, labels },
      { record: 'slo:error_budget:ratio', expr: `vector(1 - ${slo.objective})`, labels },
    );
    groups.push({ name: `witness-slo-${slo.name}-recordings`, rules: recording });
    const alerts: Array<Record<string, unknown>> = [];
    if (slo.alerting.enabled) {
      const budget = 1 - slo.objective;
      for (const severity of new Set(pairsOf(slo).map((p) => p.severity))) {
        const m = `{slo="${esc(slo.name)}"}`;
        const expr = pairsOf(slo)
          .filter((p) => p.severity === severity)
          .map(
            (p) =>
              `(slo:sli_error:ratio_rate${formatDuration(p.long)}${m} > (${p.factor} * ${budget}) and slo:sli_error:ratio_rate${formatDuration(p.short)}${m} > (${p.factor} * ${budget}))`,
          )
          .join('\nor\n');
        alerts.push({
          alert: 'ErrorBudgetBurn',
          expr,
          labels: { severity, ...slo.labels, ...slo.alerting.labels },
          annotations: {
            summary: `SLO ${slo.name} is burning its error budget too fast`,
            ...(slo.alerting.annotations as Record<string, string>),
          },
        });
      }
      groups.push({ name: `witness-slo-${slo.name}-alerts`, rules: alerts });
    }
  }
  return { groups };
}
