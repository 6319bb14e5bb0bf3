/** Client of `GET /api/metrics/query`: span-derived time series (rate, errors, latency, tokens, cost). */
import type { MetricQueryResult, MetricSeries, SpanGroup, SpanKind, SpanMeasure } from '@witness/protocol';
import { apiUrl, getJson } from './client.js';

/** A span-derived measure (protocol's SPAN_MEASURES). */
export type Measure = SpanMeasure;
export type { MetricSeries };

export interface MetricQuery {
  metric: Measure;
  groupBy?: SpanGroup;
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  kind?: SpanKind;
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

export async function queryMetric(q: MetricQuery, signal?: AbortSignal): Promise<MetricSeries[]> {
  return (await getJson<MetricQueryResult>(metricUrl(q), signal)).series;
}
