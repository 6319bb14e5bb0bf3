/** `POST /v1/metrics` as an OTLP signal for the HTTP layer: decode, store in metric_points, answer. */
import type { DecodedExport, OtlpFormat, OtlpSignal } from '../../http/index.js';
import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  encodeExportResponse,
  OtlpDecodeError,
  truncateString,
} from '../../otlp/index.js';
import type { SelfMetrics } from '../self-metrics.js';
import { decodeMetricsJson } from './decode-json.js';
import { decodeMetricsProto } from './decode-proto.js';
import type { MetricPoint } from './metric-point.js';
import type { MetricPoints } from './metric-store.js';

interface DecodedMetrics extends DecodedExport {
  points: MetricPoint[];
}

/** Times are stored as int64 nanoseconds (as spans and logs): later ones are left out, not wrapped. */
const MAX_TIME_NS = 2n ** 63n - 1n;

/**
 * Cuts the strings stored in their own columns and listed or grouped on (metric name, unit, service,
 * scope) to `maxNameBytes`, the description to `maxAttributeValueBytes`, as the span decoders do: a
 * 1,000,000-character metric name would otherwise be stored and listed whole.
 */
function boundPoints(points: MetricPoint[], limits: DecodeLimits): void {
  let lastIn = '';
  let lastOut = '';
  // the points of one metric share their strings: cut each distinct one once
  const cut = (s: string, max: number) => {
    if (s === lastIn) return lastOut;
    lastIn = s;
    lastOut = truncateString(s, max);
    return lastOut;
  };
  for (const p of points) {
    p.metric = cut(p.metric, limits.maxNameBytes);
    p.unit = truncateString(p.unit, limits.maxNameBytes);
    p.serviceName = truncateString(p.serviceName, limits.maxNameBytes);
    p.scopeName = truncateString(p.scopeName, limits.maxNameBytes);
    p.description = truncateString(p.description, limits.maxAttributeValueBytes);
  }
}

export interface MetricsSignalOptions {
  /** The point store, once open (null: the request is answered 503 and retried by the exporter). */
  points: () => MetricPoints | null;
  self?: SelfMetrics;
  /** The same attribute limits as traces and logs. @default DEFAULT_DECODE_LIMITS */
  limits?: DecodeLimits;
  /** Told the points once stored (exporters forward them); must not throw or wait. */
  onStored?: (project: string, points: MetricPoint[]) => void;
}

export function otlpMetricsSignal(options: MetricsSignalOptions): OtlpSignal {
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  return {
    path: '/v1/metrics',
    decode(body: Uint8Array, format: OtlpFormat): DecodedMetrics {
      const decoded =
        format === 'protobuf' ? decodeMetricsProto(body, limits) : decodeMetricsJson(body, limits);
      const points = decoded.filter(
        (p) => p.timeUnixNano <= MAX_TIME_NS && p.startTimeUnixNano <= MAX_TIME_NS,
      );
      boundPoints(points, limits);
      const rejected = decoded.length - points.length;
      const message = rejected > 0 ? 'data point time beyond the year 2262' : '';
      return { batch: { spans: [], logs: [] }, rejected, message, points };
    },
    encodeResponse: (format, rejected, message) => encodeExportResponse('metrics', rejected, message, format),
    async ingest(decoded: DecodedExport, project: string): Promise<void> {
      const { points } = decoded as DecodedMetrics;
      const store = options.points();
      if (!store) throw new Error('the metric store is not open yet');
      await store.append(project, points);
      options.self?.metricPointsReceived.inc(points.length);
      options.onStored?.(project, points);
    },
    isDecodeError: (err) => err instanceof OtlpDecodeError,
  };
}
