/** Client of `GET /api/metrics/query`: span-derived time series (rate, errors, latency, tokens, cost). */
import { apiUrl, getJson } from './client.js';

export type Measure =
  | 'count'
  | 'rate'
  | 'errors'
  | 'error_ratio'
  | 'p50'
  | 'p95'
  | 'p99'
  | 'avg_duration'
  | 'tokens'
  | 'input_tokens'
  | 'output_tokens'
  | 'cost';

export interface MetricSeries {
  labels: Record<string, string>;
  /** [bucket start epoch ms, value]. */
  points: Array<[number, number | null]>;
}

export interface MetricQuery {
  metric: Measure;
  groupBy?: string;
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  kind?: string;
  limit?: number;
}

export function metricUrl(q: MetricQuery): string {
  return apiUrl('/api/metrics/query', {
    metric: q.metric,
    groupBy: q.groupBy,
    from: q.fromMs,
    to: q.toMs,
    step: q.stepSeconds,
    kind: q.kind,
    limit: q.limit,
  });
}

/** Accept `{ series: [...] }` or a bare array, so the chart code does not care which the server sends. */
export function toSeries(body: unknown): MetricSeries[] {
  const list = Array.isArray(body) ? body : (body as { series?: unknown } | null)?.series;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (s): s is MetricSeries =>
      typeof s === 'object' && s !== null && Array.isArray((s as MetricSeries).points),
  );
}

export async function queryMetric(q: MetricQuery, signal?: AbortSignal): Promise<MetricSeries[]> {
  return toSeries(await getJson<unknown>(metricUrl(q), signal));
}
