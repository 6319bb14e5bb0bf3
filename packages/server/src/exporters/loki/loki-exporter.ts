/**
 * Loki push API (JSON): POST /loki/api/v1/push `{"streams":[{"stream":{labels},"values":[[ns, line,
 * {structured metadata}]]}]}`. Labels are bounded on purpose — Loki indexes every label combination
 * as a stream, so only `service_name`, `project`, `signal` (log|span), `level` and the config's
 * static `labels` are labels; everything with many values (trace id, span id) goes as structured
 * metadata (Loki 2.9+ with allow_structured_metadata, the default from 3.0), never as a label.
 * Logs go as their body; spans as one logfmt-ish JSON line each.
 * 429 and 5xx are retried (Retry-After honoured), other 4xx (an entry too old, invalid labels) go to
 * the dead-letter file — the framework's status table.
 */
import type { ExporterConfig } from '../../config/index.js';
import type { LogRecord, SpanRecord } from '../../model/index.js';
import { sendHttp } from '../http-send.js';
import { resolveHeaders } from '../secrets.js';
import type { ExportBatch, Exporter, ExporterContext, ExportResult, SendContext } from '../types.js';

export type LokiExporterConfig = Extract<ExporterConfig, { type: 'loki' }>;

type Entry = [string, string, Record<string, string>];

/** Loki refuses label values past its limit (2048 bytes by default); a long service name is cut. */
const MAX_LABEL_VALUE = 1024;

function level(l: LogRecord): string {
  const n = l.severityNumber;
  if (l.severityText) return l.severityText.toLowerCase();
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  return n > 0 ? 'trace' : 'unknown';
}

export function lokiStreams(batch: ExportBatch, staticLabels: Record<string, string>) {
  const streams = new Map<string, { stream: Record<string, string>; values: Entry[] }>();
  const add = (labels: Record<string, string>, entry: Entry) => {
    const stream: Record<string, string> = { ...staticLabels, ...labels, project: batch.project };
    for (const k in stream) stream[k] = (stream[k] as string).slice(0, MAX_LABEL_VALUE);
    const key = JSON.stringify(Object.entries(stream).sort());
    let s = streams.get(key);
    if (!s) {
      s = { stream, values: [] };
      streams.set(key, s);
    }
    s.values.push(entry);
  };
  for (const l of batch.logs) {
    const meta: Record<string, string> = {};
    if (l.traceId) meta.trace_id = l.traceId;
    if (l.spanId) meta.span_id = l.spanId;
    add({ service_name: l.serviceName, signal: 'log', level: level(l) }, [
      String(l.timeUnixNano || l.observedTimeUnixNano),
      l.body,
      meta,
    ]);
  }
  for (const s of batch.spans)
    add({ service_name: s.serviceName, signal: 'span', level: s.statusCode === 'error' ? 'error' : 'info' }, [
      String(s.startTimeUnixNano),
      spanLine(s),
      { trace_id: s.traceId, span_id: s.spanId },
    ]);
  // Each stream's entries in time order (Loki accepts some disorder, but not unboundedly).
  for (const s of streams.values()) s.values.sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
  return { streams: [...streams.values()] };
}

function spanLine(s: SpanRecord): string {
  return JSON.stringify({
    name: s.name,
    kind: s.kind,
    status: s.statusCode,
    duration_ms: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
    parent_span_id: s.parentSpanId,
    agent: s.agentName,
    model: s.model,
    tool: s.toolName,
    ...(s.statusMessage ? { error: s.statusMessage } : {}),
  });
}

export function createLokiExporter(config: LokiExporterConfig, ctx: ExporterContext): Exporter {
  const url = `${config.url.replace(/\/+$/, '')}/loki/api/v1/push`;
  const headers = resolveHeaders(config.name, config.headers, config.secretHeaders, ctx.env);
  headers['content-type'] = 'application/json';
  if (config.tenantId) headers['x-scope-orgid'] = config.tenantId;
  return {
    name: config.name,
    type: config.type,
    signals: new Set(['logs', 'spans']),
    async send(batch: ExportBatch, { signal }: SendContext): Promise<ExportResult> {
      const body = lokiStreams(batch, config.labels);
      if (body.streams.length === 0) return { kind: 'success' };
      return sendHttp(
        { url, headers, body: JSON.stringify(body), gzip: config.compression === 'gzip' },
        signal,
      );
    },
  };
}
