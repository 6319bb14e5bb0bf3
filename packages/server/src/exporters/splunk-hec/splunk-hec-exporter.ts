/**
 * Splunk HTTP Event Collector: spans and logs as events, OTLP metric points as metric events
 * (`"event":"metric"` with `metric_name:<name>` fields — HEC's multiple-metric JSON format), all posted
 * to `/services/collector/event` with `Authorization: Splunk <token>`, one JSON object per event
 * back to back (HEC's batch form: concatenated objects, not an array).
 *
 * HEC answers `{"text","code"}`: 503 code 9 "Server is busy" and 429 are retried (Retry-After
 * honoured); 400 (6 invalid data format, 7 incorrect index, 12/13 event field required/blank) and
 * 401/403 (2, 3, 4: token missing or invalid) go to the dead-letter file — the framework's status table.
 * HEC has no idempotency key without indexer acknowledgement, so a batch resent after a timeout whose
 * first try did arrive is indexed twice: at-least-once (docs/exporters.md).
 */
import type { ExporterConfig } from '../../config/index.js';
import type { MetricPoint } from '../../metrics/index.js';
import type { LogRecord, SpanRecord } from '../../model/index.js';
import { sendHttp } from '../http-send.js';
import { resolveExporterSecret, resolveHeaders } from '../secrets.js';
import type { ExportBatch, Exporter, ExporterContext, ExportResult, SendContext } from '../types.js';

export type SplunkHecExporterConfig = Extract<ExporterConfig, { type: 'splunk_hec' }>;

/** HEC's `time`: epoch seconds, milliseconds as decimals. */
const seconds = (ns: bigint): number => Number(ns / 1_000_000n) / 1000;

/** HEC `fields` are flat: strings (or numbers) only. */
function flat(
  attrs: Record<string, unknown>,
  into: Record<string, string | number> = {},
): Record<string, string | number> {
  for (const k in attrs) {
    const v = attrs[k];
    into[k] = typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v);
  }
  return into;
}

export function hecEvents(batch: ExportBatch, config: SplunkHecExporterConfig): string {
  const base = {
    source: config.source,
    ...(config.index ? { index: config.index } : {}),
    ...(config.host ? { host: config.host } : {}),
  };
  const out: string[] = [];
  for (const s of batch.spans) out.push(JSON.stringify(spanEvent(batch.project, s, base, config)));
  for (const l of batch.logs) out.push(JSON.stringify(logEvent(batch.project, l, base, config)));
  for (const p of batch.points) {
    const e = metricEvent(batch.project, p, base, config);
    if (e) out.push(JSON.stringify(e));
  }
  return out.join('\n');
}

function spanEvent(project: string, s: SpanRecord, base: object, config: SplunkHecExporterConfig) {
  return {
    time: seconds(s.startTimeUnixNano),
    ...base,
    sourcetype: config.sourcetypes.spans,
    event: {
      name: s.name,
      trace_id: s.traceId,
      span_id: s.spanId,
      parent_span_id: s.parentSpanId,
      kind: s.kind,
      status: s.statusCode,
      status_message: s.statusMessage || undefined,
      duration_ms: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
      agent: s.agentName,
      model: s.model,
      tool: s.toolName,
      input_tokens: s.inputTokens,
      output_tokens: s.outputTokens,
      cost_usd: s.costUsd,
      attributes: s.attributes,
    },
    fields: { project, 'service.name': s.serviceName, trace_id: s.traceId },
  };
}

function logEvent(project: string, l: LogRecord, base: object, config: SplunkHecExporterConfig) {
  return {
    time: seconds(l.timeUnixNano || l.observedTimeUnixNano),
    ...base,
    sourcetype: config.sourcetypes.logs,
    // An empty event is refused by HEC (code 13): a log with no body says so.
    event: {
      message: l.body || '(empty)',
      severity: l.severityText || String(l.severityNumber),
      attributes: l.attributes,
    },
    fields: {
      project,
      'service.name': l.serviceName,
      ...(l.traceId ? { trace_id: l.traceId } : {}),
      ...(l.spanId ? { span_id: l.spanId } : {}),
    },
  };
}

function metricEvent(project: string, p: MetricPoint, base: object, config: SplunkHecExporterConfig) {
  const fields: Record<string, string | number> = flat(p.attributes, {
    project,
    'service.name': p.serviceName,
  });
  if (p.value !== null) fields[`metric_name:${p.metric}`] = p.value;
  if (p.count !== null) fields[`metric_name:${p.metric}.count`] = p.count;
  if (p.sum !== null) fields[`metric_name:${p.metric}.sum`] = p.sum;
  if (!Object.keys(fields).some((k) => k.startsWith('metric_name:'))) return null;
  return {
    time: seconds(p.timeUnixNano),
    ...base,
    sourcetype: config.sourcetypes.metrics,
    event: 'metric',
    fields,
  };
}

export function createSplunkHecExporter(config: SplunkHecExporterConfig, ctx: ExporterContext): Exporter {
  const url = `${config.url.replace(/\/+$/, '')}/services/collector/event`;
  const headers = resolveHeaders(config.name, config.headers, {}, ctx.env);
  headers.authorization = `Splunk ${resolveExporterSecret(config.name, config.token, ctx.env)}`;
  headers['content-type'] = 'application/json';
  return {
    name: config.name,
    type: config.type,
    signals: new Set(['spans', 'logs', 'metrics']),
    async send(batch: ExportBatch, { signal }: SendContext): Promise<ExportResult> {
      const body = hecEvents(batch, config);
      if (!body) return { kind: 'success' };
      return sendHttp({ url, headers, body, gzip: config.compression === 'gzip' }, signal);
    },
  };
}
