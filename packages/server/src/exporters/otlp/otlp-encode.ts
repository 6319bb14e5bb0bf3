/**
 * Normalized records → OTLP protobuf requests. Spans and logs keep their original attributes (the
 * derived agent fields are re-derived by whoever receives them, another Witness included) and their
 * resource and scope; records sharing a resource and scope are grouped as the SDKs do.
 */
import type { MetricPoint } from '../../metrics/index.js';
import type { Attributes, AttrValue, LogRecord, SpanRecord } from '../../model/index.js';
import { OTLP } from './otlp-proto.js';
import { ProtoWriter } from './proto-writer.js';

type KV = { key: string; value: AnyValueObj };
type AnyValueObj = Record<string, unknown>;

/** AnyValue fields (string 1, bool 2, int 3, double 4, array 5, kvlist 6) of one value. */
function writeAnyValue(w: ProtoWriter, v: AttrValue): void {
  if (v === null) return;
  if (typeof v === 'string') {
    w.stringAlways(1, v);
    return;
  }
  if (typeof v === 'boolean') {
    w.bool(2, v);
    return;
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Number.isSafeInteger(v)) w.int64(3, v);
    else w.double(4, v);
    return;
  }
  if (Array.isArray(v)) {
    const arr = w.begin(5);
    for (const x of v) {
      const item = w.begin(1);
      writeAnyValue(w, x);
      w.end(item);
    }
    w.end(arr);
    return;
  }
  const kv = w.begin(6);
  keyValues(w, 1, v as Attributes);
  w.end(kv);
}

/** Repeated KeyValue (key 1, value 2) under `field`. */
function keyValues(w: ProtoWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    const kv = w.begin(field);
    w.string(1, key);
    const val = w.begin(2);
    writeAnyValue(w, attrs[key]);
    w.end(val);
    w.end(kv);
  }
}

function resource(w: ProtoWriter, attrs: Attributes): void {
  const r = w.begin(1);
  keyValues(w, 1, attrs);
  w.end(r);
}

function scope(w: ProtoWriter, name: string, version: string): void {
  const sc = w.begin(1);
  w.string(1, name);
  w.string(2, version);
  w.end(sc);
}

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
  return { kvlist_value: { values: keyValueObjects(v as Attributes) } };
}

function keyValueObjects(attrs: Attributes): KV[] {
  const out: KV[] = [];
  for (const key in attrs) out.push({ key, value: anyValue(attrs[key]) });
  return out;
}

export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

/** Groups records by (resource, scope), keeping first-seen order. */
export function groupByResourceAndScope<R extends { resource: Attributes; scopeName: string }>(
  records: readonly R[],
  scopeVersion: (r: R) => string,
): Array<{ resource: Attributes; scopes: Array<{ name: string; version: string; records: R[] }> }> {
  const byResource = new Map<
    string,
    { resource: Attributes; scopes: Map<string, { name: string; version: string; records: R[] }> }
  >();
  let lastRes: Attributes | null = null;
  let lastKey = '';
  let last: { name: string; version: string; records: R[] } | null = null;
  for (const r of records) {
    // records of one request share their resource object and mostly their scope: the group of the
    // record before is checked first, without building its key
    const version = scopeVersion(r);
    if (last !== null && r.resource === lastRes && r.scopeName === last.name && version === last.version) {
      last.records.push(r);
      continue;
    }
    // stringify each distinct resource object once
    if (r.resource !== lastRes) {
      lastRes = r.resource;
      lastKey = JSON.stringify(r.resource);
    }
    let g = byResource.get(lastKey);
    if (!g) {
      g = { resource: r.resource, scopes: new Map() };
      byResource.set(lastKey, g);
    }
    const sk = `${r.scopeName}\u0000${version}`;
    let s = g.scopes.get(sk);
    if (!s) {
      s = { name: r.scopeName, version, records: [] };
      g.scopes.set(sk, s);
    }
    s.records.push(r);
    last = s;
  }
  return [...byResource.values()].map((g) => ({ resource: g.resource, scopes: [...g.scopes.values()] }));
}

/**
 * `w`: a writer to reuse (`reset` first; the bytes returned are then a view of its buffer, valid until
 * it is written again). @default a new writer, and bytes of their own
 */
export function encodeTraces(
  spans: readonly SpanRecord[],
  w: ProtoWriter = new ProtoWriter(1024 + spans.length * 512),
): Uint8Array {
  for (const g of groupByResourceAndScope(spans, (s) => s.scopeVersion)) {
    const rs = w.begin(1); // ExportTraceServiceRequest.resource_spans
    resource(w, g.resource);
    for (const sc of g.scopes) {
      const ss = w.begin(2); // ResourceSpans.scope_spans
      scope(w, sc.name, sc.version);
      for (const s of sc.records) {
        const sp = w.begin(2); // ScopeSpans.spans
        w.hex(1, s.traceId, true);
        w.hex(2, s.spanId);
        w.hex(4, s.parentSpanId);
        w.string(5, s.name);
        w.uint(6, s.spanKind);
        w.fixed64(7, s.startTimeUnixNano);
        w.fixed64(8, s.endTimeUnixNano);
        keyValues(w, 9, s.attributes);
        for (const e of s.events) {
          const ev = w.begin(11);
          w.fixed64(1, e.timeUnixNano);
          w.string(2, e.name);
          keyValues(w, 3, e.attributes);
          w.end(ev);
        }
        for (const l of s.links) {
          const lk = w.begin(13);
          w.hex(1, l.traceId);
          w.hex(2, l.spanId);
          keyValues(w, 4, l.attributes);
          w.end(lk);
        }
        const st = w.begin(15);
        w.string(2, s.statusMessage);
        w.uint(3, STATUS_CODE[s.statusCode] ?? 0);
        w.end(st);
        w.end(sp);
      }
      w.end(ss);
    }
    w.end(rs);
  }
  return w.finish();
}

/** `w`: as encodeTraces'. */
export function encodeLogs(
  logs: readonly LogRecord[],
  w: ProtoWriter = new ProtoWriter(1024 + logs.length * 256),
): Uint8Array {
  for (const g of groupByResourceAndScope(logs, () => '')) {
    const rl = w.begin(1); // ExportLogsServiceRequest.resource_logs
    resource(w, g.resource);
    for (const sc of g.scopes) {
      const sl = w.begin(2); // ResourceLogs.scope_logs
      scope(w, sc.name, '');
      for (const l of sc.records) {
        const lr = w.begin(2); // ScopeLogs.log_records
        w.fixed64(1, l.timeUnixNano);
        w.uint(2, l.severityNumber);
        w.string(3, l.severityText);
        const body = w.begin(5);
        w.stringAlways(1, l.body);
        w.end(body);
        keyValues(w, 6, l.attributes);
        w.hex(9, l.traceId);
        w.hex(10, l.spanId);
        w.fixed64(11, l.observedTimeUnixNano);
        w.end(lr);
      }
      w.end(sl);
    }
    w.end(rl);
  }
  return w.finish();
}

const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

function dataPoint(p: MetricPoint): Record<string, unknown> {
  const base = {
    attributes: keyValueObjects(p.attributes),
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
      resource: { attributes: keyValueObjects(g.resource) },
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
