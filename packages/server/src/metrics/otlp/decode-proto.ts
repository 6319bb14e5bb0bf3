/** ExportMetricsServiceRequest (protobuf) → MetricPoint[]. Field numbers from opentelemetry-proto v1. */
import type { Attributes, AttrValue } from '../../model/index.js';
import { emptyPoint, type MetricPoint, type MetricType, type Temporality } from './metric-point.js';
import { ProtoError, ProtoReader } from './proto-reader.js';

function anyValue(r: ProtoReader): AttrValue {
  let v: AttrValue = null;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) v = r.string();
    else if (field === 2 && wire === 0) v = r.varint() !== 0;
    else if (field === 3 && wire === 0) v = r.int64();
    else if (field === 4 && wire === 1) v = r.double();
    else if (field === 5 && wire === 2) {
      const arr: AttrValue[] = [];
      const a = r.sub();
      while (!a.done) {
        const t = a.tag();
        if (t.field === 1 && t.wire === 2) arr.push(anyValue(a.sub()));
        else a.skip(t.wire);
      }
      v = arr;
    } else if (field === 6 && wire === 2) {
      const obj: Record<string, AttrValue> = {};
      const kv = r.sub();
      while (!kv.done) {
        const t = kv.tag();
        if (t.field === 1 && t.wire === 2) keyValue(kv.sub(), obj);
        else kv.skip(t.wire);
      }
      v = obj;
    } else if (field === 7 && wire === 2) v = Buffer.from(r.bytes()).toString('base64');
    else r.skip(wire);
  }
  return v;
}

function keyValue(r: ProtoReader, into: Attributes): void {
  let key = '';
  let value: AttrValue = null;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) key = r.string();
    else if (field === 2 && wire === 2) value = anyValue(r.sub());
    else r.skip(wire);
  }
  into[key] = value;
}

const TEMPORALITY: Record<number, Temporality | null> = { 1: 'delta', 2: 'cumulative' };

interface MetricHead {
  name: string;
  description: string;
  unit: string;
  resource: Attributes;
  serviceName: string;
  scopeName: string;
}

function numberPoint(r: ProtoReader, p: MetricPoint): void {
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 7 && wire === 2) keyValue(r.sub(), p.attributes);
    else if (field === 2 && wire === 1) p.startTimeUnixNano = r.fixed64();
    else if (field === 3 && wire === 1) p.timeUnixNano = r.fixed64();
    else if (field === 4 && wire === 1) p.value = r.double();
    else if (field === 6 && wire === 1) p.value = r.sfixed64();
    else r.skip(wire);
  }
}

const fixed64 = (r: ProtoReader) => Number(r.fixed64());
const double = (r: ProtoReader) => r.double();
const uvarint = (r: ProtoReader) => r.varint();

function histogramPoint(r: ProtoReader, p: MetricPoint): void {
  p.bounds = [];
  p.bucketCounts = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 9 && wire === 2) keyValue(r.sub(), p.attributes);
    else if (field === 2 && wire === 1) p.startTimeUnixNano = r.fixed64();
    else if (field === 3 && wire === 1) p.timeUnixNano = r.fixed64();
    else if (field === 4 && wire === 1) p.count = Number(r.fixed64());
    else if (field === 5 && wire === 1) p.sum = r.double();
    else if (field === 6) p.bucketCounts.push(...r.packed(wire, fixed64));
    else if (field === 7) p.bounds.push(...r.packed(wire, double));
    else if (field === 11 && wire === 1) p.min = r.double();
    else if (field === 12 && wire === 1) p.max = r.double();
    else r.skip(wire);
  }
}

function expBuckets(r: ProtoReader): { offset: number; counts: number[] } {
  const b = { offset: 0, counts: [] as number[] };
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 0) b.offset = r.sint32();
    else if (field === 2) b.counts.push(...r.packed(wire, uvarint));
    else r.skip(wire);
  }
  return b;
}

function expHistogramPoint(r: ProtoReader, p: MetricPoint): void {
  const e = {
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, counts: [] as number[] },
    negative: { offset: 0, counts: [] as number[] },
  };
  p.exponential = e;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) keyValue(r.sub(), p.attributes);
    else if (field === 2 && wire === 1) p.startTimeUnixNano = r.fixed64();
    else if (field === 3 && wire === 1) p.timeUnixNano = r.fixed64();
    else if (field === 4 && wire === 1) p.count = Number(r.fixed64());
    else if (field === 5 && wire === 1) p.sum = r.double();
    else if (field === 6 && wire === 0) e.scale = r.sint32();
    else if (field === 7 && wire === 1) e.zeroCount = Number(r.fixed64());
    else if (field === 8 && wire === 2) e.positive = expBuckets(r.sub());
    else if (field === 9 && wire === 2) e.negative = expBuckets(r.sub());
    else if (field === 12 && wire === 1) p.min = r.double();
    else if (field === 13 && wire === 1) p.max = r.double();
    else r.skip(wire);
  }
}

function summaryPoint(r: ProtoReader, p: MetricPoint): void {
  p.quantiles = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 7 && wire === 2) keyValue(r.sub(), p.attributes);
    else if (field === 2 && wire === 1) p.startTimeUnixNano = r.fixed64();
    else if (field === 3 && wire === 1) p.timeUnixNano = r.fixed64();
    else if (field === 4 && wire === 1) p.count = Number(r.fixed64());
    else if (field === 5 && wire === 1) p.sum = r.double();
    else if (field === 6 && wire === 2) {
      const q = r.sub();
      let quantile = 0;
      let value = 0;
      while (!q.done) {
        const t = q.tag();
        if (t.field === 1 && t.wire === 1) quantile = q.double();
        else if (t.field === 2 && t.wire === 1) value = q.double();
        else q.skip(t.wire);
      }
      p.quantiles.push([quantile, value]);
    } else r.skip(wire);
  }
}

const POINT_READERS: Record<MetricType, (r: ProtoReader, p: MetricPoint) => void> = {
  gauge: numberPoint,
  sum: numberPoint,
  histogram: histogramPoint,
  exponential_histogram: expHistogramPoint,
  summary: summaryPoint,
};
const DATA_FIELDS: Record<number, MetricType> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponential_histogram',
  11: 'summary',
};

function data(r: ProtoReader, type: MetricType, head: MetricHead, out: MetricPoint[]): void {
  const start = out.length;
  let temporality: Temporality | null = null;
  let monotonic: boolean | null = type === 'sum' ? false : null;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) {
      const p = emptyPoint();
      p.metric = head.name;
      p.type = type;
      p.unit = head.unit;
      p.description = head.description;
      p.resource = head.resource;
      p.serviceName = head.serviceName;
      p.scopeName = head.scopeName;
      POINT_READERS[type](r.sub(), p);
      out.push(p);
    } else if (field === 2 && wire === 0 && type !== 'gauge' && type !== 'summary')
      temporality = TEMPORALITY[r.varint()] ?? null;
    else if (field === 3 && wire === 0 && type === 'sum') monotonic = r.varint() !== 0;
    else r.skip(wire);
  }
  for (let i = start; i < out.length; i++) {
    out[i].temporality = temporality;
    out[i].monotonic = monotonic;
  }
}

function metric(
  r: ProtoReader,
  base: Omit<MetricHead, 'name' | 'description' | 'unit'>,
  out: MetricPoint[],
): void {
  const head: MetricHead = { ...base, name: '', description: '', unit: '' };
  // name/description/unit precede the data in practice, but the wire allows any order: collect first.
  const bodies: Array<[MetricType, ProtoReader]> = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) head.name = r.string();
    else if (field === 2 && wire === 2) head.description = r.string();
    else if (field === 3 && wire === 2) head.unit = r.string();
    else if (DATA_FIELDS[field] && wire === 2) bodies.push([DATA_FIELDS[field], r.sub()]);
    else r.skip(wire);
  }
  if (!head.name) throw new ProtoError('a metric has no name');
  for (const [type, body] of bodies) data(body, type, head, out);
}

export function decodeMetricsProto(body: Uint8Array): MetricPoint[] {
  const out: MetricPoint[] = [];
  const r = new ProtoReader(body);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field !== 1 || wire !== 2) {
      r.skip(wire);
      continue;
    }
    const rm = r.sub();
    const resource: Attributes = {};
    const scopes: ProtoReader[] = [];
    while (!rm.done) {
      const t = rm.tag();
      if (t.field === 1 && t.wire === 2) {
        const res = rm.sub();
        while (!res.done) {
          const u = res.tag();
          if (u.field === 1 && u.wire === 2) keyValue(res.sub(), resource);
          else res.skip(u.wire);
        }
      } else if (t.field === 2 && t.wire === 2) scopes.push(rm.sub());
      else rm.skip(t.wire);
    }
    const sn = resource['service.name'];
    const serviceName = typeof sn === 'string' && sn !== '' ? sn : 'unknown_service';
    for (const sm of scopes) {
      let scopeName = '';
      const metrics: ProtoReader[] = [];
      while (!sm.done) {
        const t = sm.tag();
        if (t.field === 1 && t.wire === 2) {
          const sc = sm.sub();
          while (!sc.done) {
            const u = sc.tag();
            if (u.field === 1 && u.wire === 2) scopeName = sc.string();
            else sc.skip(u.wire);
          }
        } else if (t.field === 2 && t.wire === 2) metrics.push(sm.sub());
        else sm.skip(t.wire);
      }
      for (const m of metrics) metric(m, { resource, serviceName, scopeName }, out);
    }
  }
  return out;
}
