/** ExportMetricsServiceRequest (OTLP/JSON) → MetricPoint[]. 64-bit integers may be strings or numbers. */
import type { Attributes, AttrValue } from '../../model/index.js';
import { emptyPoint, type MetricPoint, type MetricType, type Temporality } from './metric-point.js';

export class OtlpJsonError extends Error {
  override name = 'OtlpJsonError';
}

type J = Record<string, unknown>;

const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown, what: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpJsonError(`${what} must be an array`);
  return v;
};

function num(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  throw new OtlpJsonError(`${what} must be a number, got ${JSON.stringify(v)?.slice(0, 40)}`);
}
const optNum = (v: unknown, what: string) => (v === undefined || v === null ? null : num(v, what));

function nanos(v: unknown, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new OtlpJsonError(`${what} must be unsigned nanoseconds as a decimal string`);
}

function anyValue(v: unknown): AttrValue {
  if (!isObj(v)) return null;
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return num(v.intValue, 'intValue');
  if ('doubleValue' in v) return num(v.doubleValue, 'doubleValue');
  if ('arrayValue' in v)
    return arr(isObj(v.arrayValue) ? v.arrayValue.values : [], 'arrayValue.values').map(anyValue);
  if ('kvlistValue' in v) return attributes(isObj(v.kvlistValue) ? v.kvlistValue.values : []);
  if ('bytesValue' in v) return String(v.bytesValue);
  return null;
}

function attributes(list: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of arr(list, 'attributes')) {
    if (!isObj(kv) || typeof kv.key !== 'string') throw new OtlpJsonError('an attribute has no string key');
    out[kv.key] = anyValue(kv.value);
  }
  return out;
}

const TEMPORALITY: Record<string, Temporality> = {
  '1': 'delta',
  '2': 'cumulative',
  AGGREGATION_TEMPORALITY_DELTA: 'delta',
  AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative',
};

const KINDS: Array<[string, MetricType]> = [
  ['gauge', 'gauge'],
  ['sum', 'sum'],
  ['histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary'],
];

function point(dp: J, type: MetricType, p: MetricPoint): void {
  p.attributes = attributes(dp.attributes);
  p.startTimeUnixNano = nanos(dp.startTimeUnixNano, 'startTimeUnixNano');
  p.timeUnixNano = nanos(dp.timeUnixNano, 'timeUnixNano');
  if (type === 'gauge' || type === 'sum') {
    p.value = dp.asDouble !== undefined ? num(dp.asDouble, 'asDouble') : optNum(dp.asInt, 'asInt');
    return;
  }
  p.count = optNum(dp.count, 'count') ?? 0;
  p.sum = optNum(dp.sum, 'sum');
  p.min = optNum(dp.min, 'min');
  p.max = optNum(dp.max, 'max');
  if (type === 'histogram') {
    p.bucketCounts = arr(dp.bucketCounts, 'bucketCounts').map((c) => num(c, 'bucketCounts'));
    p.bounds = arr(dp.explicitBounds, 'explicitBounds').map((c) => num(c, 'explicitBounds'));
  } else if (type === 'exponential_histogram') {
    const b = (x: unknown) => ({
      offset: isObj(x) ? (optNum(x.offset, 'offset') ?? 0) : 0,
      counts: isObj(x) ? arr(x.bucketCounts, 'bucketCounts').map((c) => num(c, 'bucketCounts')) : [],
    });
    p.exponential = {
      scale: optNum(dp.scale, 'scale') ?? 0,
      zeroCount: optNum(dp.zeroCount, 'zeroCount') ?? 0,
      positive: b(dp.positive),
      negative: b(dp.negative),
    };
  } else {
    p.quantiles = arr(dp.quantileValues, 'quantileValues').map((q) => {
      const o = isObj(q) ? q : {};
      return [optNum(o.quantile, 'quantile') ?? 0, optNum(o.value, 'value') ?? 0] as [number, number];
    });
  }
}

export function decodeMetricsJson(text: string): MetricPoint[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new OtlpJsonError(`body is not JSON: ${(err as Error).message}`);
  }
  if (!isObj(body)) throw new OtlpJsonError('body must be an ExportMetricsServiceRequest object');
  const out: MetricPoint[] = [];
  for (const rm of arr(body.resourceMetrics, 'resourceMetrics')) {
    if (!isObj(rm)) throw new OtlpJsonError('resourceMetrics entries must be objects');
    const resource = attributes(isObj(rm.resource) ? rm.resource.attributes : []);
    const sn = resource['service.name'];
    const serviceName = typeof sn === 'string' && sn !== '' ? sn : 'unknown_service';
    for (const sm of arr(rm.scopeMetrics, 'scopeMetrics')) {
      if (!isObj(sm)) throw new OtlpJsonError('scopeMetrics entries must be objects');
      const scopeName = isObj(sm.scope) && typeof sm.scope.name === 'string' ? sm.scope.name : '';
      for (const m of arr(sm.metrics, 'metrics')) {
        if (!isObj(m) || typeof m.name !== 'string' || m.name === '')
          throw new OtlpJsonError('a metric has no name');
        for (const [key, type] of KINDS) {
          const d = m[key];
          if (!isObj(d)) continue;
          const temporality =
            type === 'sum' || type.endsWith('histogram')
              ? (TEMPORALITY[String(d.aggregationTemporality)] ?? null)
              : null;
          for (const dp of arr(d.dataPoints, `${key}.dataPoints`)) {
            if (!isObj(dp)) throw new OtlpJsonError('dataPoints entries must be objects');
            const p = emptyPoint();
            p.metric = m.name;
            p.type = type;
            p.unit = typeof m.unit === 'string' ? m.unit : '';
            p.description = typeof m.description === 'string' ? m.description : '';
            p.temporality = temporality;
            p.monotonic = type === 'sum' ? d.isMonotonic === true : null;
            p.resource = resource;
            p.serviceName = serviceName;
            p.scopeName = scopeName;
            point(dp, type, p);
            out.push(p);
          }
        }
      }
    }
  }
  return out;
}
