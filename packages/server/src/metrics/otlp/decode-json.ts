/**
 * ExportMetricsServiceRequest (OTLP/JSON) → MetricPoint[], on the JSON readers of the trace and log
 * decoders (`otlp/`): the same attribute limits (depth, count, value size), 64-bit integers exact, and
 * every wrong type an OtlpDecodeError naming its path (answered 400).
 */
import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  jsonArray as arr,
  jsonAttributes,
  jsonNanos as nanos,
  jsonObject as obj,
  jsonString as str,
  OtlpDecodeError,
  parseJsonBody,
  serviceNameOf,
} from '../../otlp/index.js';
import { emptyPoint, type MetricPoint, type MetricType, type Temporality } from './metric-point.js';

type J = Record<string, unknown>;

const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** A JSON number, a decimal string (64-bit integers), or NaN/Infinity/-Infinity as strings. */
function num(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  const got = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : v === null ? 'null' : typeof v;
  throw new OtlpDecodeError(`${path}: expected a number, got ${got}`);
}
const optNum = (v: unknown, path: string) => (v === undefined || v === null ? null : num(v, path));

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

function point(dp: J, type: MetricType, p: MetricPoint, path: string, limits: DecodeLimits): void {
  p.attributes = jsonAttributes(dp.attributes, `${path}.attributes`, limits);
  p.startTimeUnixNano = nanos(dp.startTimeUnixNano, `${path}.startTimeUnixNano`);
  p.timeUnixNano = nanos(dp.timeUnixNano, `${path}.timeUnixNano`);
  if (type === 'gauge' || type === 'sum') {
    p.value =
      dp.asDouble !== undefined ? num(dp.asDouble, `${path}.asDouble`) : optNum(dp.asInt, `${path}.asInt`);
    return;
  }
  p.count = optNum(dp.count, `${path}.count`) ?? 0;
  p.sum = optNum(dp.sum, `${path}.sum`);
  p.min = optNum(dp.min, `${path}.min`);
  p.max = optNum(dp.max, `${path}.max`);
  if (type === 'histogram') {
    p.bucketCounts = arr(dp.bucketCounts, `${path}.bucketCounts`).map((c, i) =>
      num(c, `${path}.bucketCounts[${i}]`),
    );
    p.bounds = arr(dp.explicitBounds, `${path}.explicitBounds`).map((c, i) =>
      num(c, `${path}.explicitBounds[${i}]`),
    );
  } else if (type === 'exponential_histogram') {
    const b = (x: unknown, side: string) => {
      if (x === undefined || x === null) return { offset: 0, counts: [] };
      const o = obj(x, `${path}.${side}`);
      return {
        offset: optNum(o.offset, `${path}.${side}.offset`) ?? 0,
        counts: arr(o.bucketCounts, `${path}.${side}.bucketCounts`).map((c, i) =>
          num(c, `${path}.${side}.bucketCounts[${i}]`),
        ),
      };
    };
    p.exponential = {
      scale: optNum(dp.scale, `${path}.scale`) ?? 0,
      zeroCount: optNum(dp.zeroCount, `${path}.zeroCount`) ?? 0,
      positive: b(dp.positive, 'positive'),
      negative: b(dp.negative, 'negative'),
    };
  } else {
    p.quantiles = arr(dp.quantileValues, `${path}.quantileValues`).map((q, i) => {
      const qp = `${path}.quantileValues[${i}]`;
      const o = obj(q, qp);
      return [optNum(o.quantile, `${qp}.quantile`) ?? 0, optNum(o.value, `${qp}.value`) ?? 0] as [
        number,
        number,
      ];
    });
  }
}

export function decodeMetricsJson(
  body: Uint8Array | string,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): MetricPoint[] {
  const root = obj(parseJsonBody(body), 'ExportMetricsServiceRequest');
  const out: MetricPoint[] = [];
  arr(root.resourceMetrics, 'resourceMetrics').forEach((rmv, ri) => {
    const rp = `resourceMetrics[${ri}]`;
    const rm = obj(rmv, rp);
    const resource = jsonAttributes(
      rm.resource === undefined ? undefined : obj(rm.resource, `${rp}.resource`).attributes,
      `${rp}.resource.attributes`,
      limits,
    );
    const serviceName = serviceNameOf(resource);
    arr(rm.scopeMetrics, `${rp}.scopeMetrics`).forEach((smv, si) => {
      const sp = `${rp}.scopeMetrics[${si}]`;
      const sm = obj(smv, sp);
      const scopeName =
        sm.scope === undefined || sm.scope === null
          ? ''
          : str(obj(sm.scope, `${sp}.scope`).name, `${sp}.scope.name`);
      arr(sm.metrics, `${sp}.metrics`).forEach((mv, mi) => {
        const mp = `${sp}.metrics[${mi}]`;
        const m = obj(mv, mp);
        const name = str(m.name, `${mp}.name`);
        if (name === '') throw new OtlpDecodeError(`${mp}.name: a metric has no name`);
        const unit = str(m.unit, `${mp}.unit`);
        const description = str(m.description, `${mp}.description`);
        for (const [key, type] of KINDS) {
          if (m[key] === undefined || m[key] === null) continue;
          const d = obj(m[key], `${mp}.${key}`);
          const temporality =
            type === 'sum' || type.endsWith('histogram')
              ? (TEMPORALITY[String(d.aggregationTemporality)] ?? null)
              : null;
          arr(d.dataPoints, `${mp}.${key}.dataPoints`).forEach((dpv, di) => {
            const dpp = `${mp}.${key}.dataPoints[${di}]`;
            const p = emptyPoint();
            p.metric = name;
            p.type = type;
            p.unit = unit;
            p.description = description;
            p.temporality = temporality;
            p.monotonic = type === 'sum' ? d.isMonotonic === true : null;
            p.resource = resource;
            p.serviceName = serviceName;
            p.scopeName = scopeName;
            point(obj(dpv, dpp), type, p, dpp, limits);
            out.push(p);
          });
        }
      });
    });
  });
  return out;
}
