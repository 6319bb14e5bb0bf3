/** `POST /v1/metrics` as an OTLP signal for the HTTP layer: decode, store in metric_points, answer. */
import type { DecodedExport, OtlpFormat, OtlpSignal } from '../../http/index.js';
import type { SelfMetrics } from '../self-metrics.js';
import { decodeMetricsJson, OtlpJsonError } from './decode-json.js';
import { decodeMetricsProto } from './decode-proto.js';
import type { MetricPoint } from './metric-point.js';
import type { MetricPointStore } from './metric-store.js';
import { ProtoError } from './proto-reader.js';

interface DecodedMetrics extends DecodedExport {
  points: MetricPoint[];
}

function varint(n: number, out: number[]): void {
  let v = n;
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** ExportMetricsServiceResponse { partial_success { rejected_data_points = 1; error_message = 2 } }. */
function encodeProtoResponse(rejected: number, message: string): Uint8Array {
  if (rejected === 0 && message === '') return new Uint8Array(0);
  const inner: number[] = [];
  if (rejected > 0) {
    inner.push(0x08);
    varint(rejected, inner);
  }
  const msg = Buffer.from(message, 'utf8');
  if (msg.length > 0) {
    inner.push(0x12);
    varint(msg.length, inner);
    inner.push(...msg);
  }
  const out: number[] = [0x0a];
  varint(inner.length, out);
  out.push(...inner);
  return Uint8Array.from(out);
}

export interface MetricsSignalOptions {
  /** The point store, once open (null: the request is answered 503 and retried by the exporter). */
  points: () => MetricPointStore | null;
  self?: SelfMetrics;
}

export function otlpMetricsSignal(options: MetricsSignalOptions): OtlpSignal {
  return {
    path: '/v1/metrics',
    decode(body: Uint8Array, format: OtlpFormat): DecodedMetrics {
      const points =
        format === 'protobuf'
          ? decodeMetricsProto(body)
          : decodeMetricsJson(Buffer.from(body).toString('utf8'));
      return { batch: { spans: [], logs: [] }, rejected: 0, points };
    },
    encodeResponse(format: OtlpFormat, rejected: number, message: string) {
      if (format === 'protobuf') return encodeProtoResponse(rejected, message);
      return JSON.stringify(
        rejected > 0 || message
          ? { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message } }
          : {},
      );
    },
    async ingest(decoded: DecodedExport): Promise<void> {
      const { points } = decoded as DecodedMetrics;
      const store = options.points();
      if (!store) throw new Error('the metric store is not open yet');
      await store.append(points);
      options.self?.metricPointsReceived.inc(points.length);
    },
    isDecodeError(err: unknown): boolean {
      return err instanceof ProtoError || err instanceof OtlpJsonError;
    },
  };
}
