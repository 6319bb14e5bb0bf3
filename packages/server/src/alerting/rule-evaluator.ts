/**
 * Evaluates alert rules at `now` into conditions (one per rule and series): threshold rules on span
 * measures and absence rules are batched into one store scan per group-by column; threshold rules on
 * ingested OTLP metrics go through `GET /api/metrics/query` itself (so a rule means exactly what the
 * chart shows); burn-rate rules read the SLO evaluator's counts.
 */
import {
  type AlertRule,
  type AnomalyJson,
  type AnomalyKind,
  SPAN_MEASURES,
  type SpanMeasure,
} from '@witness/protocol';
import type { SloEvaluator } from '../slo/index.js';
import type { ReadOptions, SeriesGroupBy, SpanAggregateQuery, Store } from '../store/types.js';

export interface Condition {
  rule: AlertRule;
  /** Labels of the series (e.g. { model: "gpt-4o" }); empty for an ungrouped rule. */
  series: Record<string, string>;
  active: boolean;
  value: number | null;
  /** Annotations of this series on top of the rule's (anomaly rules: what was seen, the trace). */
  annotations?: Record<string, string>;
  /** UI path of the trace behind the series, when one is known (anomaly rules). */
  tracePath?: string;
}

/** Active anomalies of a project (LiveAnomalies.active, which reads under the store's deadline). */
export type ActiveAnomaliesFn = (
  project: string,
  q: { sinceMs: number; minScore: number; kind?: AnomalyKind; limit: number },
) => Promise<AnomalyJson[]>;

/** Most anomaly events one rule reads per evaluation (the newest first). */
export const ANOMALY_RULE_LIMIT = 500;

/** Answers `GET /api/metrics/query` in-process (the server passes its own app.request). */
export type MetricQueryFn = (
  params: Record<string, string>,
  project: string,
) => Promise<{ series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }> }>;

export interface RuleEvaluatorOptions {
  store: () => Store | null;
  slos: SloEvaluator;
  metricQuery: MetricQueryFn;
  readOptions?: () => ReadOptions;
  /** Null when anomaly detection is off: anomaly rules then report an error each evaluation. */
  anomalies?: (() => ActiveAnomaliesFn | null) | null;
}

export function compare(value: number | null, op: string, threshold: number): boolean {
  if (value === null || Number.isNaN(value)) return false;
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    default:
      return value !== threshold;
  }
}

const isSpanMeasure = (m: string): m is SpanMeasure => (SPAN_MEASURES as readonly string[]).includes(m);

export async function evaluateRules(rules: AlertRule[], opts: RuleEvaluatorOptions, now: number) {
  const out: Condition[] = [];
  const errors: Array<{ rule: string; error: string }> = [];
  const toNs = BigInt(now) * 1_000_000n;
  // span-measure rules and absence rules, batched by group-by column
  const batches = new Map<string, Array<{ rule: AlertRule; item: SpanAggregateQuery['items'][number] }>>();
  const otlp: Array<Extract<AlertRule, { kind: 'threshold' }>> = [];
  const anomalyRules: Array<Extract<AlertRule, { kind: 'anomaly' }>> = [];
  for (const rule of rules) {
    if (rule.kind === 'anomaly') {
      anomalyRules.push(rule);
    } else if (rule.kind === 'threshold') {
      const q = rule.query;
      if (!isSpanMeasure(q.metric)) {
        otlp.push(rule);
        continue;
      }
      const filter = Object.fromEntries(
        Object.entries({
          service: q.service,
          kind: q.kind,
          agent: q.agent,
          model: q.model,
          tool: q.tool,
        }).filter(([, v]) => v !== undefined),
      );
      const key = q.groupBy ?? '';
      const list = batches.get(key) ?? [];
      list.push({
        rule,
        item: {
          project: rule.project,
          measure: q.metric,
          fromUnixNano: toNs - BigInt(rule.window) * 1_000_000n,
          filter,
        },
      });
      batches.set(key, list);
    } else if (rule.kind === 'absent') {
      const list = batches.get('') ?? [];
      const { attributes, ...rest } = rule.spans;
      list.push({
        rule,
        item: {
          project: rule.project,
          measure: 'count',
          fromUnixNano: toNs - BigInt(rule.window) * 1_000_000n,
          filter: { ...rest, ...(attributes ? { attributes } : {}) },
        },
      });
      batches.set('', list);
    } else {
      const long = opts.slos.burnRate(rule.project, rule.slo, rule.long, now);
      const short = opts.slos.burnRate(rule.project, rule.slo, rule.short, now);
      if (long === undefined) {
        errors.push({ rule: rule.name, error: `no SLO "${rule.slo}" in project ${rule.project}` });
        continue;
      }
      const active = long !== null && short !== null && long >= rule.factor && (short ?? 0) >= rule.factor;
      out.push({ rule, series: {}, active, value: long });
    }
  }
  const store = opts.store();
  if (store) {
    for (const [groupBy, list] of batches) {
      try {
        const rows = await store.spanAggregates(
          {
            groupBy: groupBy === '' ? undefined : (groupBy as SeriesGroupBy),
            toUnixNano: toNs,
            items: list.map((l) => l.item),
          },
          opts.readOptions?.(),
        );
        list.forEach(({ rule }, i) => {
          for (const row of rows) {
            const value = row.values[i] ?? null;
            const series = groupBy === '' ? {} : { [groupBy]: row.group };
            if (rule.kind === 'absent') out.push({ rule, series, active: value === 0, value });
            else if (rule.kind === 'threshold')
              out.push({ rule, series, active: compare(value, rule.op, rule.threshold), value });
          }
        });
      } catch (err) {
        for (const { rule } of list) errors.push({ rule: rule.name, error: (err as Error).message });
      }
    }
  }
  for (const rule of otlp) {
    const q = rule.query;
    const params: Record<string, string> = {
      metric: q.metric,
      from: String(now - rule.window),
      to: String(now),
      step: `${Math.max(1, Math.ceil(rule.window / 1000))}`,
    };
    for (const k of ['agg', 'groupBy', 'service'] as const)
      if (q[k] !== undefined) params[k] = q[k] as string;
    try {
      const answer = await opts.metricQuery(params, rule.project);
      for (const s of answer.series) {
        const last = s.points[s.points.length - 1];
        const value = last ? last[1] : null;
        out.push({ rule, series: s.labels, active: compare(value, rule.op, rule.threshold), value });
      }
    } catch (err) {
      errors.push({ rule: rule.name, error: (err as Error).message });
    }
  }
  const active = opts.anomalies?.() ?? null;
  for (const rule of anomalyRules) {
    if (!active) {
      errors.push({ rule: rule.name, error: 'anomaly detection is off (anomaly.enabled: false)' });
      continue;
    }
    try {
      const events = await active(rule.project, {
        sinceMs: now - rule.lookback,
        minScore: rule.threshold,
        kind: rule.anomalies.kind,
        limit: ANOMALY_RULE_LIMIT,
      });
      out.push(...anomalyConditions(rule, events));
    } catch (err) {
      errors.push({ rule: rule.name, error: (err as Error).message });
    }
  }
  return { conditions: out, errors };
}

/**
 * One condition per anomaly series (kind, metric and the labels the detector gave it) with the
 * highest-scoring event in the lookback: a series that keeps being anomalous is one alert, not one
 * per bucket or run, and it resolves once no event of it remains in the lookback.
 */
export function anomalyConditions(
  rule: Extract<AlertRule, { kind: 'anomaly' }>,
  events: readonly AnomalyJson[],
): Condition[] {
  const f = rule.anomalies;
  const best = new Map<string, { series: Record<string, string>; e: AnomalyJson }>();
  for (const e of events) {
    if (e.score < rule.threshold) continue;
    if (f.kind !== undefined && e.kind !== f.kind) continue;
    if (f.agent !== undefined && e.labels.agent !== f.agent) continue;
    if (f.service !== undefined && e.labels.service !== f.service) continue;
    if (f.model !== undefined && e.labels.model !== f.model) continue;
    if (f.tool !== undefined && e.labels.tool !== f.tool) continue;
    const series: Record<string, string> = { anomaly_kind: e.kind };
    if (e.metric !== null) series.anomaly_metric = e.metric;
    for (const k of ['service', 'agent', 'model', 'tool'] as const) {
      const v = e.labels[k];
      if (v !== null) series[k] = v;
    }
    const key = JSON.stringify(series);
    const seen = best.get(key);
    // the highest score; among equals the newest (its trace is the one worth opening)
    if (!seen || e.score > seen.e.score || (e.score === seen.e.score && e.timeMs > seen.e.timeMs))
      best.set(key, { series, e });
  }
  return [...best.values()].map(({ series, e }) => {
    const traceId = e.traceIds[0];
    return {
      rule,
      series,
      active: true,
      value: e.score,
      annotations: {
        anomaly: e.message,
        anomaly_id: e.id,
        anomaly_time: new Date(e.timeMs).toISOString(),
        ...(traceId ? { trace_id: traceId } : {}),
      },
      ...(traceId ? { tracePath: `/traces/${traceId}` } : {}),
    };
  });
}
