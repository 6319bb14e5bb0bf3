import type { ExporterConfig, ExportSignal } from '../../config/index.js';
import { sendHttp } from '../http-send.js';
import { resolveHeaders } from '../secrets.js';
import type { ExportBatch, Exporter, ExporterContext, ExportResult, SendContext } from '../types.js';
import { encodeLogs, encodeMetrics, encodeTraces, partialSuccess } from './otlp-encode.js';

export type OtlpExporterConfig = Extract<ExporterConfig, { type: 'otlp' }>;

/** One OTLP export of one signal: the path (HTTP) or method (gRPC), and the encoded request. */
export interface OtlpCall {
  signal: 'traces' | 'logs' | 'metrics';
  body: Uint8Array;
  items: number;
}

/** The transport: HTTP/protobuf here, gRPC in otlp-grpc.ts; both take the same encoded messages. */
export interface OtlpTransport {
  call(c: OtlpCall, signal: AbortSignal): Promise<ExportResult>;
  close?(): Promise<void> | void;
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

export function httpTransport(
  endpoint: string,
  headers: Record<string, string>,
  gzip: boolean,
): OtlpTransport {
  const base = endpoint.replace(/\/+$/, '');
  return {
    call: (c, signal) =>
      sendHttp(
        {
          url: `${base}/v1/${c.signal}`,
          headers: { ...headers, 'content-type': 'application/x-protobuf' },
          body: c.body,
          gzip,
        },
        signal,
        (res, body) => {
          if (!res.ok) return undefined;
          // 200 with partial_success: the refused records are counted, not retried (the spec's rule)
          const ps = partialSuccess(c.signal, body);
          return { kind: 'success', rejected: ps.rejected, message: ps.message };
        },
      ),
  };
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
  const t = transport ?? httpTransport(config.endpoint, headers, config.compression === 'gzip');
  return {
    name: config.name,
    type: 'otlp',
    signals: new Set<ExportSignal>(['spans', 'logs', 'metrics']),
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
    close: () => t.close?.(),
  };
}
