/**
 * Evaluates alert rules at `now` into conditions (one per rule and series): threshold rules on span
 * measures and absence rules are batched into one store scan per group-by column; threshold rules on
 * ingested OTLP metrics go through `GET /api/metrics/query` itself (so a rule means exactly what the
 * chart shows); burn-rate rules read the SLO evaluator's counts.
 */
import { type AlertRule, SPAN_MEASURES, type SpanMeasure } from '@witness/protocol';
import type { SloEvaluator } from '../slo/index.js';
import type { ReadOptions, SeriesGroupBy, SpanAggregateQuery, Store } from '../store/types.js';

export interface Condition {
  rule: AlertRule;
  /** Labels of the series (e.g. { model: "gpt-4o" }); empty for an ungrouped rule. */
  series: Record<string, string>;
  active: boolean;
  value: number | null;
}

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
  for (const rule of rules) {
    if (rule.kind === 'threshold') {
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
  return { conditions: out, errors };
}
