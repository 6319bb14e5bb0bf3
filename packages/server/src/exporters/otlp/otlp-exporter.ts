import type { ExporterConfig, ExportSignal } from '../../config/index.js';
import { resolveHeaders } from '../secrets.js';
import type { MetricPoint } from '../../metrics/index.js';
import type { LogRecord, SpanRecord } from '../../model/index.js';
import type {
  EncodedFrame,
  ExportBatch,
  Exporter,
  ExporterContext,
  ExportResult,
  SendContext,
} from '../types.js';
import { GRPC_MAX_MESSAGE_BYTES, grpcTransport } from './otlp-grpc.js';
import { httpTransport, type OtlpCall, type OtlpTransport } from './otlp-transport.js';
import { encodeLogs, encodeMetrics, encodeTraces } from './otlp-encode.js';
import { ProtoWriter } from './proto-writer.js';

/** The codec's writer, shared by every OTLP exporter: encoding is synchronous and the hub copies it at once. */
const scratch = new ProtoWriter(1024 * 1024);

export type OtlpExporterConfig = Extract<ExporterConfig, { type: 'otlp' }>;

/** A loopback host by its name or address (no DNS lookup: a name other than localhost is remote). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    h === '::1' ||
    /^::ffff:127\./.test(h)
  );
}

/**
 * Whether an OTLP exporter compresses (HTTP bodies, gRPC messages). `auto` gzips unless the endpoint is
 * loopback: a target on the same machine (an OTel Collector agent, a second Witness) gains nothing from
 * smaller bytes, and both ends would spend CPU on the same cores — grpc-js gzips at zlib's default level
 * and has no level option.
 */
export function otlpGzip(config: Pick<OtlpExporterConfig, 'compression' | 'endpoint'>): boolean {
  if (config.compression !== 'auto') return config.compression === 'gzip';
  return !isLoopbackHost(new URL(config.endpoint).hostname);
}

export function otlpCalls(batch: ExportBatch): OtlpCall[] {
  const calls: OtlpCall[] = [];
  if (batch.spans.length > 0)
    calls.push({ signal: 'traces', body: encodeTraces(batch.spans), items: batch.spans.length });
  if (batch.logs.length > 0)
    calls.push({ signal: 'logs', body: encodeLogs(batch.logs), items: batch.logs.length });
  if (batch.points.length > 0)
    calls.push({ signal: 'metrics', body: encodeMetrics(batch.points), items: batch.points.length });
  return calls;
}

/**
 * OTLP forwarder (Tempo, Jaeger, Datadog's and New Relic's OTLP intake, an OTel Collector, another
 * Witness). A batch holds up to three calls (traces, logs, metrics); they go in that order and the first
 * that does not succeed decides the batch's outcome — so a retry may send a signal that already went
 * again: receivers that key spans by (trace id, span id), Witness and Tempo among them, keep one.
 */
export function createOtlpExporter(
  config: OtlpExporterConfig,
  ctx: ExporterContext,
  transport?: OtlpTransport,
): Exporter {
  const headers = resolveHeaders(config.name, config.headers, config.secretHeaders, ctx.env);
  const gzip = otlpGzip(config);
  const t =
    transport ??
    (config.protocol === 'grpc'
      ? grpcTransport(config.endpoint, headers, gzip, config.timeoutMs)
      : httpTransport(config.endpoint, headers, gzip));
  return {
    name: config.name,
    type: 'otlp',
    signals: new Set<ExportSignal>(['spans', 'logs', 'metrics']),
    // a batch's frames concatenate into one message per signal: under the gRPC default limit
    maxRequestBytes: config.protocol === 'grpc' ? GRPC_MAX_MESSAGE_BYTES : undefined,
    async send(batch: ExportBatch, { signal }: SendContext): Promise<ExportResult> {
      let rejected = 0;
      const messages: string[] = [];
      for (const c of otlpCalls(batch)) {
        const r = await t.call(c, signal);
        if (r.kind !== 'success') return r;
        rejected += r.rejected ?? 0;
        if (r.message) messages.push(r.message);
      }
      return { kind: 'success', rejected, message: messages.join('; ') };
    },
    // OTLP requests concatenate: queue each flush's protobuf once, shared with every OTLP exporter
    codec: {
      key: 'otlp-protobuf',
      // spans and logs into one reused writer (the hub copies the bytes into the frame at once): a
      // flush allocates the frame only, not a buffer sized for the worst case as well (garbage the
      // ingest thread's GC paid for, bench:exporters)
      encode: (signal, records) =>
        signal === 'spans'
          ? encodeTraces(records as SpanRecord[], scratch.reset())
          : signal === 'logs'
            ? encodeLogs(records as LogRecord[], scratch.reset())
            : encodeMetrics(records as MetricPoint[]),
    },
    async sendEncoded(
      _project: string,
      frames: EncodedFrame[],
      { signal }: SendContext,
    ): Promise<ExportResult> {
      let rejected = 0;
      const messages: string[] = [];
      for (const kind of ['spans', 'logs', 'points'] as const) {
        const mine = frames.filter((f) => f.signal === kind);
        if (mine.length === 0) continue;
        const call: OtlpCall = {
          signal: kind === 'spans' ? 'traces' : kind === 'logs' ? 'logs' : 'metrics',
          body: mine.length === 1 ? mine[0].body : Buffer.concat(mine.map((f) => f.body)),
          items: mine.reduce((n, f) => n + f.items, 0),
        };
        const r = await t.call(call, signal);
        if (r.kind !== 'success') return r;
        rejected += r.rejected ?? 0;
        if (r.message) messages.push(r.message);
      }
      return { kind: 'success', rejected, message: messages.join('; ') };
    },
    close: () => t.close?.(),
  };
}
