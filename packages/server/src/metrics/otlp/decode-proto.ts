/**
 * ExportMetricsServiceRequest (protobuf) → MetricPoint[], on the same reader, limits and errors as the
 * trace and log decoders (`otlp/`): every read bounds-checked, attributes through the shared AnyValue
 * reader (depth and count limits, 64-bit integers exact as number or decimal text), and every failure
 * an OtlpDecodeError naming where it happened (answered 400). Field numbers: opentelemetry-proto v1.
 */
import type { Attributes } from '../../model/index.js';
import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  OtlpDecodeError,
  ProtoReader,
  readAttribute,
  readResource,
  readScope,
  serviceNameOf,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
} from '../../otlp/index.js';
import { emptyPoint, type MetricPoint, type MetricType, type Temporality } from './metric-point.js';

const TEMPORALITY: Record<number, Temporality | null> = { 1: 'delta', 2: 'cumulative' };

/** Where the decoder is, so an error can name it: `resourceMetrics[0].scopeMetrics[1].metrics[2]`. */
class Position {
  resource = -1;
  scope = -1;
  metric = -1;
  toString(): string {
    let p = `resourceMetrics[${this.resource}]`;
    if (this.scope >= 0) p += `.scopeMetrics[${this.scope}]`;
    if (this.metric >= 0) p += `.metrics[${this.metric}]`;
    return p;
  }
}

interface MetricHead {
  name: string;
  description: string;
  unit: string;
  resource: Attributes;
  serviceName: string;
  scopeName: string;
}

type PointReader = (r: ProtoReader, end: number, p: MetricPoint, limits: DecodeLimits) => void;

function expect(wire: number, want: number, field: string): void {
  if (wire !== want) throw new OtlpDecodeError(`${field} has the wrong wire type ${wire}`);
}

/** sfixed64 as a number: metric values are float64 downstream, as in Prometheus. */
function sfixed64(r: ProtoReader, end: number): number {
  return Number(BigInt.asIntN(64, r.fixed64(end)));
}

/** Packed (or, tolerated, unpacked) repeated fixed64 / double / varint values, appended to `out`. */
function packed(
  r: ProtoReader,
  wire: number,
  end: number,
  kind: 'fixed64' | 'double' | 'varint',
  out: number[],
): void {
  const one = (e: number) =>
    kind === 'double' ? r.double(e) : kind === 'fixed64' ? Number(r.fixed64(e)) : r.varint(e);
  if (wire !== WIRE_LEN) {
    expect(wire, kind === 'varint' ? WIRE_VARINT : WIRE_FIXED64, `repeated ${kind}`);
    out.push(one(end));
    return;
  }
  const fieldEnd = r.lengthEnd(end);
  while (r.pos < fieldEnd) out.push(one(fieldEnd));
}

function numberPoint(r: ProtoReader, end: number, p: MetricPoint, limits: DecodeLimits): void {
  const counter = { n: 0 };
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 7:
        expect(wire, WIRE_LEN, 'attributes');
        readAttribute(r, r.lengthEnd(end), p.attributes, limits, counter);
        break;
      case 2:
        expect(wire, WIRE_FIXED64, 'startTimeUnixNano');
        p.startTimeUnixNano = r.fixed64(end);
        break;
      case 3:
        expect(wire, WIRE_FIXED64, 'timeUnixNano');
        p.timeUnixNano = r.fixed64(end);
        break;
      case 4:
        expect(wire, WIRE_FIXED64, 'asDouble');
        p.value = r.double(end);
        break;
      case 6:
        expect(wire, WIRE_FIXED64, 'asInt');
        p.value = sfixed64(r, end);
        break;
      default:
        r.skip(wire, end);
    }
  }
}

function histogramPoint(r: ProtoReader, end: number, p: MetricPoint, limits: DecodeLimits): void {
  const bounds: number[] = [];
  const counts: number[] = [];
  p.bounds = bounds;
  p.bucketCounts = counts;
  const counter = { n: 0 };
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 9:
        expect(wire, WIRE_LEN, 'attributes');
        readAttribute(r, r.lengthEnd(end), p.attributes, limits, counter);
        break;
      case 2:
        expect(wire, WIRE_FIXED64, 'startTimeUnixNano');
        p.startTimeUnixNano = r.fixed64(end);
        break;
      case 3:
        expect(wire, WIRE_FIXED64, 'timeUnixNano');
        p.timeUnixNano = r.fixed64(end);
        break;
      case 4:
        expect(wire, WIRE_FIXED64, 'count');
        p.count = Number(r.fixed64(end));
        break;
      case 5:
        expect(wire, WIRE_FIXED64, 'sum');
        p.sum = r.double(end);
        break;
      case 6:
        packed(r, wire, end, 'fixed64', counts);
        break;
      case 7:
        packed(r, wire, end, 'double', bounds);
        break;
      case 11:
        expect(wire, WIRE_FIXED64, 'min');
        p.min = r.double(end);
        break;
      case 12:
        expect(wire, WIRE_FIXED64, 'max');
        p.max = r.double(end);
        break;
      default:
        r.skip(wire, end);
    }
  }
}

function expBuckets(r: ProtoReader, end: number): { offset: number; counts: number[] } {
  const b = { offset: 0, counts: [] as number[] };
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 1 && wire === WIRE_VARINT) b.offset = zigzag(r.varint(end));
    else if (field === 2) packed(r, wire, end, 'varint', b.counts);
    else r.skip(wire, end);
  }
  return b;
}

/** sint32 (zigzag) from its varint. */
function zigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function expHistogramPoint(r: ProtoReader, end: number, p: MetricPoint, limits: DecodeLimits): void {
  const e = {
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, counts: [] as number[] },
    negative: { offset: 0, counts: [] as number[] },
  };
  p.exponential = e;
  const counter = { n: 0 };
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expect(wire, WIRE_LEN, 'attributes');
        readAttribute(r, r.lengthEnd(end), p.attributes, limits, counter);
        break;
      case 2:
        expect(wire, WIRE_FIXED64, 'startTimeUnixNano');
        p.startTimeUnixNano = r.fixed64(end);
        break;
      case 3:
        expect(wire, WIRE_FIXED64, 'timeUnixNano');
        p.timeUnixNano = r.fixed64(end);
        break;
      case 4:
        expect(wire, WIRE_FIXED64, 'count');
        p.count = Number(r.fixed64(end));
        break;
      case 5:
        expect(wire, WIRE_FIXED64, 'sum');
        p.sum = r.double(end);
        break;
      case 6:
        expect(wire, WIRE_VARINT, 'scale');
        e.scale = zigzag(r.varint(end));
        break;
      case 7:
        expect(wire, WIRE_FIXED64, 'zeroCount');
        e.zeroCount = Number(r.fixed64(end));
        break;
      case 8:
        expect(wire, WIRE_LEN, 'positive');
        e.positive = expBuckets(r, r.lengthEnd(end));
        break;
      case 9:
        expect(wire, WIRE_LEN, 'negative');
        e.negative = expBuckets(r, r.lengthEnd(end));
        break;
      case 12:
        expect(wire, WIRE_FIXED64, 'min');
        p.min = r.double(end);
        break;
      case 13:
        expect(wire, WIRE_FIXED64, 'max');
        p.max = r.double(end);
        break;
      default:
        r.skip(wire, end);
    }
  }
}

function summaryPoint(r: ProtoReader, end: number, p: MetricPoint, limits: DecodeLimits): void {
  const quantiles: Array<[number, number]> = [];
  p.quantiles = quantiles;
  const counter = { n: 0 };
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 7:
        expect(wire, WIRE_LEN, 'attributes');
        readAttribute(r, r.lengthEnd(end), p.attributes, limits, counter);
        break;
      case 2:
        expect(wire, WIRE_FIXED64, 'startTimeUnixNano');
        p.startTimeUnixNano = r.fixed64(end);
        break;
      case 3:
        expect(wire, WIRE_FIXED64, 'timeUnixNano');
        p.timeUnixNano = r.fixed64(end);
        break;
      case 4:
        expect(wire, WIRE_FIXED64, 'count');
        p.count = Number(r.fixed64(end));
        break;
      case 5:
        expect(wire, WIRE_FIXED64, 'sum');
        p.sum = r.double(end);
        break;
      case 6: {
        expect(wire, WIRE_LEN, 'quantileValues');
        const qEnd = r.lengthEnd(end);
        let quantile = 0;
        let value = 0;
        while (r.pos < qEnd) {
          const t = r.varint(qEnd);
          if (t >>> 3 === 1 && (t & 7) === WIRE_FIXED64) quantile = r.double(qEnd);
          else if (t >>> 3 === 2 && (t & 7) === WIRE_FIXED64) value = r.double(qEnd);
          else r.skip(t & 7, qEnd);
        }
        quantiles.push([quantile, value]);
        break;
      }
      default:
        r.skip(wire, end);
    }
  }
}

const POINT_READERS: Record<MetricType, PointReader> = {
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

function readData(
  r: ProtoReader,
  end: number,
  type: MetricType,
  head: MetricHead,
  out: MetricPoint[],
  limits: DecodeLimits,
): void {
  const start = out.length;
  let temporality: Temporality | null = null;
  let monotonic: boolean | null = type === 'sum' ? false : null;
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 1 && wire === WIRE_LEN) {
      const p = emptyPoint();
      p.metric = head.name;
      p.type = type;
      p.unit = head.unit;
      p.description = head.description;
      p.resource = head.resource;
      p.serviceName = head.serviceName;
      p.scopeName = head.scopeName;
      POINT_READERS[type](r, r.lengthEnd(end), p, limits);
      out.push(p);
    } else if (field === 2 && wire === WIRE_VARINT && type !== 'gauge' && type !== 'summary')
      temporality = TEMPORALITY[r.varint(end)] ?? null;
    else if (field === 3 && wire === WIRE_VARINT && type === 'sum') monotonic = r.varint(end) !== 0;
    else r.skip(wire, end);
  }
  for (let i = start; i < out.length; i++) {
    out[i].temporality = temporality;
    out[i].monotonic = monotonic;
  }
}

function readMetric(
  r: ProtoReader,
  end: number,
  base: Omit<MetricHead, 'name' | 'description' | 'unit'>,
  out: MetricPoint[],
  limits: DecodeLimits,
): void {
  const head: MetricHead = { ...base, name: '', description: '', unit: '' };
  // name/description/unit precede the data in practice, but the wire allows any order: collect first.
  const bodies: Array<[MetricType, number, number]> = [];
  while (r.pos < end) {
    const tag = r.varint(end);
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 1 && wire === WIRE_LEN) head.name = r.stringTo(r.lengthEnd(end));
    else if (field === 2 && wire === WIRE_LEN) head.description = r.stringTo(r.lengthEnd(end));
    else if (field === 3 && wire === WIRE_LEN) head.unit = r.stringTo(r.lengthEnd(end));
    else if (DATA_FIELDS[field] && wire === WIRE_LEN) {
      const bodyEnd = r.lengthEnd(end);
      bodies.push([DATA_FIELDS[field], r.pos, bodyEnd]);
      r.pos = bodyEnd;
    } else r.skip(wire, end);
  }
  if (!head.name) throw new OtlpDecodeError('a metric has no name');
  for (const [type, start, bodyEnd] of bodies) {
    r.pos = start;
    readData(r, bodyEnd, type, head, out, limits);
  }
  r.pos = end;
}

export function decodeMetricsProto(
  body: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): MetricPoint[] {
  const out: MetricPoint[] = [];
  const r = new ProtoReader(body);
  const at = new Position();
  try {
    const end = body.length;
    while (r.pos < end) {
      const tag = r.varint(end);
      if (tag >>> 3 !== 1 || (tag & 7) !== WIRE_LEN) {
        r.skip(tag & 7, end);
        continue;
      }
      at.resource++;
      at.scope = -1;
      at.metric = -1;
      readResourceMetrics(r, r.lengthEnd(end), out, limits, at);
    }
  } catch (err) {
    if (err instanceof OtlpDecodeError) {
      err.message = at.resource < 0 ? `ExportMetricsServiceRequest: ${err.message}` : `${at}: ${err.message}`;
    }
    throw err;
  }
  return out;
}

function readResourceMetrics(
  r: ProtoReader,
  end: number,
  out: MetricPoint[],
  limits: DecodeLimits,
  at: Position,
): void {
  // The resource may come after its scope metrics on the wire: remember the scopes' ranges first.
  let resource: Attributes = {};
  const scopes: number[] = [];
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) resource = readResource(r, r.lengthEnd(end), limits);
    else if (field === 2 && (tag & 7) === WIRE_LEN) {
      const scopeEnd = r.lengthEnd(end);
      scopes.push(r.pos, scopeEnd);
      r.pos = scopeEnd;
    } else r.skip(tag & 7, end);
  }
  const serviceName = serviceNameOf(resource);
  for (let i = 0; i < scopes.length; i += 2) {
    at.scope++;
    at.metric = -1;
    r.pos = scopes[i];
    const scopeEnd = scopes[i + 1];
    let scopeName = '';
    const metrics: number[] = [];
    while (r.pos < scopeEnd) {
      const tag = r.varint(scopeEnd);
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === WIRE_LEN) scopeName = readScope(r, r.lengthEnd(scopeEnd)).name;
      else if (field === 2 && (tag & 7) === WIRE_LEN) {
        const metricEnd = r.lengthEnd(scopeEnd);
        metrics.push(r.pos, metricEnd);
        r.pos = metricEnd;
      } else r.skip(tag & 7, scopeEnd);
    }
    for (let k = 0; k < metrics.length; k += 2) {
      at.metric++;
      r.pos = metrics[k];
      readMetric(r, metrics[k + 1], { resource, serviceName, scopeName }, out, limits);
    }
  }
  r.pos = end;
}
