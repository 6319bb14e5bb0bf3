import type { BatchSpanProcessorOptions } from './batch-span-processor.js';
import type { OtlpTraceExporterOptions } from './otlp-trace-exporter.js';

type Env = Record<string, string | undefined>;

/**
 * The standard OpenTelemetry exporter environment variables mapped onto options (the core takes
 * options only; this is the outer layer, CONVENTIONS.md #3). Signal-specific `_TRACES_` variables
 * win over the general ones, as the OTLP exporter spec says.
 */
export function exporterOptionsFromEnv(env: Env = process.env): OtlpTraceExporterOptions {
  const out: OtlpTraceExporterOptions = {};
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // The signal endpoint is used as is; the base endpoint gets the signal path appended.
  if (tracesEndpoint) out.url = tracesEndpoint;
  else if (endpoint) out.url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const headers = {
    ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
  };
  if (Object.keys(headers).length > 0) out.headers = headers;
  const compression = (
    env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION ?? env.OTEL_EXPORTER_OTLP_COMPRESSION
  )?.trim();
  if (compression === 'gzip' || compression === 'none') out.compression = compression;
  const timeout = positiveInt(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  if (timeout !== undefined) out.timeoutMillis = timeout;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol === 'http/protobuf' || protocol === 'http/json') out.protocol = protocol;
  return out;
}

/**
 * The traces URL for an OTLP base URL given as `init({ endpoint })`: `/v1/traces` appended, as for
 * `OTEL_EXPORTER_OTLP_ENDPOINT` — unless the URL already ends in it (users paste either form, and a
 * doubled path would only show up as 404s).
 */
export function tracesUrlOf(endpoint: string): string {
  const base = endpoint.trim().replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** `OTEL_BSP_*` (batch span processor) variables. */
export function batchOptionsFromEnv(env: Env = process.env): BatchSpanProcessorOptions {
  const out: BatchSpanProcessorOptions = {};
  const q = positiveInt(env.OTEL_BSP_MAX_QUEUE_SIZE);
  if (q !== undefined) out.maxQueueSize = q;
  const b = positiveInt(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE);
  if (b !== undefined) out.maxExportBatchSize = b;
  const d = positiveInt(env.OTEL_BSP_SCHEDULE_DELAY);
  if (d !== undefined) out.scheduledDelayMillis = d;
  return out;
}

/** `OTEL_RESOURCE_ATTRIBUTES`: comma-separated key=value, values percent-encoded. */
export function resourceFromEnv(env: Env = process.env): Record<string, string> {
  const out = parseHeaders(env.OTEL_RESOURCE_ATTRIBUTES);
  const service = env.OTEL_SERVICE_NAME?.trim();
  if (service) out['service.name'] = service;
  return out;
}

/** `key1=value1,key2=value2` with percent-encoded values (the W3C baggage-like format OTel uses). */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    const key = pair.slice(0, i).trim();
    let value = pair.slice(i + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw text of a malformed escape
    }
    if (key) out[key] = value;
  }
  return out;
}

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
