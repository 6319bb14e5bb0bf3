/**
 * Normalized records → OTLP protobuf requests. Spans and logs keep their original attributes (the
 * derived agent fields are re-derived by whoever receives them, another Witness included) and their
 * resource and scope; records sharing a resource and scope are grouped as the SDKs do.
 */
import type { MetricPoint } from '../../metrics/index.js';
import type { Attributes, AttrValue, LogRecord, SpanRecord } from '../../model/index.js';
import { OTLP } from './otlp-proto.js';

type KV = { key: string; value: AnyValueObj };
type AnyValueObj = Record<string, unknown>;

function anyValue(v: AttrValue): AnyValueObj {
  if (v === null) return {};
  switch (typeof v) {
    case 'string':
      return { string_value: v };
    case 'boolean':
      return { bool_value: v };
    case 'number':
      return Number.isInteger(v) && Number.isSafeInteger(v) ? { int_value: v } : { double_value: v };
  }
  if (Array.isArray(v)) return { array_value: { values: v.map(anyValue) } };
  return { kvlist_value: { values: keyValues(v as Attributes) } };
}

function keyValues(attrs: Attributes): KV[] {
  const out: KV[] = [];
  for (const key in attrs) out.push({ key, value: anyValue(attrs[key]) });
  return out;
}

const hex = (s: string | null): Buffer => (s ? Buffer.from(s, 'hex') : Buffer.alloc(0));
const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

/** Groups records by (resource, scope), keeping first-seen order. */
function groupByResourceAndScope<R extends { resource: Attributes; scopeName: string }>(
  records: readonly R[],
  scopeVersion: (r: R) => string,
): Array<{ resource: Attributes; scopes: Array<{ name: string; version: string; records: R[] }> }> {
  const byResource = new Map<
    string,
    { resource: Attributes; scopes: Map<string, { name: string; version: string; records: R[] }> }
  >();
  let lastRes: Attributes | null = null;
  let lastKey = '';
  for (const r of records) {
    // records of one request share their resource object: stringify each distinct one once
    if (r.resource !== lastRes) {
      lastRes = r.resource;
      lastKey = JSON.stringify(r.resource);
    }
    let g = byResource.get(lastKey);
    if (!g) {
      g = { resource: r.resource, scopes: new Map() };
      byResource.set(lastKey, g);
    }
    const sk = `${r.scopeName}\u0000${scopeVersion(r)}`;
    let s = g.scopes.get(sk);
    if (!s) {
      s = { name: r.scopeName, version: scopeVersion(r), records: [] };
      g.scopes.set(sk, s);
    }
    s.records.push(r);
  }
  return [...byResource.values()].map((g) => ({ resource: g.resource, scopes: [...g.scopes.values()] }));
}

export function encodeTraces(spans: readonly SpanRecord[]): Uint8Array {
  const msg = {
    resource_spans: groupByResourceAndScope(spans, (s) => s.scopeVersion).map((g) => ({
      resource: { attributes: keyValues(g.resource) },
      scope_spans: g.scopes.map((sc) => ({
        scope: { name: sc.name, version: sc.version },
        spans: sc.records.map((s) => ({
          trace_id: hex(s.traceId),
          span_id: hex(s.spanId),
          parent_span_id: hex(s.parentSpanId),
          name: s.name,
          kind: s.spanKind,
          start_time_unix_nano: s.startTimeUnixNano.toString(),
          end_time_unix_nano: s.endTimeUnixNano.toString(),
          attributes: keyValues(s.attributes),
          events: s.events.map((e) => ({
            time_unix_nano: e.timeUnixNano.toString(),
            name: e.name,
            attributes: keyValues(e.attributes),
          })),
          links: s.links.map((l) => ({
            trace_id: hex(l.traceId),
            span_id: hex(l.spanId),
            attributes: keyValues(l.attributes),
          })),
          status: { code: STATUS_CODE[s.statusCode] ?? 0, message: s.statusMessage },
        })),
      })),
    })),
  };
  // straight from the plain object (fields already of the wire types): fromObject cost a third more
  // per span and wrote the same bytes (bench/exporters-encode.ts)
  return OTLP.traceRequest.encode(msg).finish();
}

export function encodeLogs(logs: readonly LogRecord[]): Uint8Array {
  const msg = {
    resource_logs: groupByResourceAndScope(logs, () => '').map((g) => ({
      resource: { attributes: keyValues(g.resource) },
      scope_logs: g.scopes.map((sc) => ({
        scope: { name: sc.name },
        log_records: sc.records.map((l) => ({
          time_unix_nano: l.timeUnixNano.toString(),
          observed_time_unix_nano: l.observedTimeUnixNano.toString(),
          severity_number: l.severityNumber,
          severity_text: l.severityText,
          body: { string_value: l.body },
          attributes: keyValues(l.attributes),
          trace_id: hex(l.traceId),
          span_id: hex(l.spanId),
        })),
      })),
    })),
  };
  return OTLP.logsRequest.encode(msg).finish();
}

const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

function dataPoint(p: MetricPoint): Record<string, unknown> {
  const base = {
    attributes: keyValues(p.attributes),
    start_time_unix_nano: p.startTimeUnixNano.toString(),
    time_unix_nano: p.timeUnixNano.toString(),
  };
  switch (p.type) {
    case 'gauge':
    case 'sum':
      return { ...base, as_double: p.value ?? 0 };
    case 'histogram':
      return {
        ...base,
        count: String(p.count ?? 0),
        ...(p.sum !== null ? { sum: p.sum } : {}),
        ...(p.min !== null ? { min: p.min } : {}),
        ...(p.max !== null ? { max: p.max } : {}),
        bucket_counts: (p.bucketCounts ?? []).map(String),
        explicit_bounds: p.bounds ?? [],
      };
    case 'exponential_histogram': {
      const e = p.exponential;
      return {
        ...base,
        count: String(p.count ?? 0),
        ...(p.sum !== null ? { sum: p.sum } : {}),
        ...(p.min !== null ? { min: p.min } : {}),
        ...(p.max !== null ? { max: p.max } : {}),
        scale: e?.scale ?? 0,
        zero_count: String(e?.zeroCount ?? 0),
        positive: { offset: e?.positive.offset ?? 0, bucket_counts: (e?.positive.counts ?? []).map(String) },
        negative: { offset: e?.negative.offset ?? 0, bucket_counts: (e?.negative.counts ?? []).map(String) },
      };
    }
    case 'summary':
      return {
        ...base,
        count: String(p.count ?? 0),
        sum: p.sum ?? 0,
        quantile_values: (p.quantiles ?? []).map(([quantile, value]) => ({ quantile, value })),
      };
  }
}

function metricData(p: MetricPoint, points: Record<string, unknown>[]): Record<string, unknown> {
  const temporality = p.temporality ? TEMPORALITY[p.temporality] : 0;
  switch (p.type) {
    case 'gauge':
      return { gauge: { data_points: points } };
    case 'sum':
      return {
        sum: {
          data_points: points,
          aggregation_temporality: temporality,
          is_monotonic: p.monotonic ?? false,
        },
      };
    case 'histogram':
      return { histogram: { data_points: points, aggregation_temporality: temporality } };
    case 'exponential_histogram':
      return { exponential_histogram: { data_points: points, aggregation_temporality: temporality } };
    case 'summary':
      return { summary: { data_points: points } };
  }
}

export function encodeMetrics(points: readonly MetricPoint[]): Uint8Array {
  const msg = {
    resource_metrics: groupByResourceAndScope(points, () => '').map((g) => ({
      resource: { attributes: keyValues(g.resource) },
      scope_metrics: g.scopes.map((sc) => {
        // one Metric per (name, type, unit): its points together
        const metrics = new Map<string, { first: MetricPoint; points: Record<string, unknown>[] }>();
        for (const p of sc.records) {
          const k = `${p.metric}\u0000${p.type}\u0000${p.unit}\u0000${p.temporality}`;
          const m = metrics.get(k);
          if (m) m.points.push(dataPoint(p));
          else metrics.set(k, { first: p, points: [dataPoint(p)] });
        }
        return {
          scope: { name: sc.name },
          metrics: [...metrics.values()].map(({ first, points: dps }) => ({
            name: first.metric,
            description: first.description,
            unit: first.unit,
            ...metricData(first, dps),
          })),
        };
      }),
    })),
  };
  return OTLP.metricsRequest.encode(OTLP.metricsRequest.fromObject(msg)).finish();
}

/** Rejected records of an OTLP answer's partial_success (0 when absent or unreadable). */
export function partialSuccess(
  signal: 'traces' | 'logs' | 'metrics',
  body: Uint8Array,
): { rejected: number; message: string } {
  try {
    const type =
      signal === 'traces' ? OTLP.traceResponse : signal === 'logs' ? OTLP.logsResponse : OTLP.metricsResponse;
    const o = type.toObject(type.decode(body), { longs: Number }) as {
      partial_success?: Record<string, number | string>;
    };
    const ps = o.partial_success ?? {};
    const rejected = Number(ps.rejected_spans ?? ps.rejected_log_records ?? ps.rejected_data_points ?? 0);
    return { rejected, message: String(ps.error_message ?? '') };
  } catch {
    return { rejected: 0, message: '' };
  }
}
