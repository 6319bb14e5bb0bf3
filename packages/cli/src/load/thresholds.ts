/**
 * `--threshold 'query_p95<300ms'`: a metric of the summary, a comparison and a value with an optional
 * unit (ms, s; %, or a plain ratio; MB). Crossing any threshold makes `witness load` exit non-zero.
 */
export const THRESHOLD_METRICS = {
  ingest_p50: 'ms',
  ingest_p95: 'ms',
  ingest_p99: 'ms',
  query_p50: 'ms',
  query_p95: 'ms',
  query_p99: 'ms',
  query_idle_p95: 'ms',
  /** query p95 under load ÷ query p95 idle. */
  query_p95_ratio: 'ratio',
  /** Failed requests (network errors, 4xx other than 429, 5xx other than 503) ÷ requests. */
  error_rate: 'ratio',
  /** 429 and 503 answers ÷ ingest requests. */
  rejection_rate: 'ratio',
  failed_requests: 'count',
  dropped_iterations: 'count',
  /** Spans sent but not acknowledged (rejected, failed or partially refused). */
  spans_unacknowledged: 'count',
  /** Spans sent but not found in the store afterwards (with --verify). */
  spans_lost: 'count',
  rss_max_mb: 'MB',
  /** RSS growth over the second half of the run, as a ratio of the RSS at its midpoint. */
  rss_growth: 'ratio',
  /** Breakpoint: the sustainable rate in iterations per minute. */
  sustainable_rate: 'count',
} as const;
export type ThresholdMetric = keyof typeof THRESHOLD_METRICS;

export type Op = '<' | '<=' | '>' | '>=' | '==';

export interface Threshold {
  expr: string;
  metric: ThresholdMetric;
  op: Op;
  value: number;
}

const PATTERN = /^\s*([a-z0-9_]+)\s*(<=|>=|==|<|>)\s*([0-9]*\.?[0-9]+)\s*(ms|s|%|mb)?\s*$/i;

export function parseThreshold(expr: string): Threshold {
  const m = PATTERN.exec(expr);
  if (!m) throw new Error(`threshold "${expr}" is not <metric><op><value>[unit], e.g. 'query_p95<300ms'`);
  const metric = m[1].toLowerCase();
  if (!(metric in THRESHOLD_METRICS))
    throw new Error(
      `threshold "${expr}": unknown metric "${metric}" (one of ${Object.keys(THRESHOLD_METRICS).join(', ')})`,
    );
  const kind = THRESHOLD_METRICS[metric as ThresholdMetric];
  const unit = m[4]?.toLowerCase();
  let value = Number(m[3]);
  if (unit === 's' && kind === 'ms') value *= 1000;
  else if (unit === '%' && kind === 'ratio') value /= 100;
  else if (unit && !(unit === 'ms' && kind === 'ms') && !(unit === 'mb' && kind === 'MB'))
    throw new Error(`threshold "${expr}": unit "${m[4]}" does not fit ${metric} (${kind})`);
  return { expr: expr.trim(), metric: metric as ThresholdMetric, op: m[2] as Op, value };
}

export function holds(op: Op, actual: number, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
      return actual === value;
  }
}

export interface ThresholdResult {
  expr: string;
  actual: number | null;
  ok: boolean;
}

/** A metric the run could not measure (no RSS without /metrics, no loss count without --verify) fails. */
export function evaluate(
  thresholds: Threshold[],
  metrics: Partial<Record<ThresholdMetric, number | null>>,
): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = metrics[t.metric];
    return {
      expr: t.expr,
      actual: actual ?? null,
      ok: actual !== null && actual !== undefined && holds(t.op, actual, t.value),
    };
  });
}
