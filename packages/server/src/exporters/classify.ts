import type { ExportResult } from './types.js';

/**
 * Retry-After as ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or
 * unreadable (the runner's own backoff applies then).
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The one table from an HTTP answer to an outcome, shared by every HTTP exporter (the OTLP/HTTP spec's
 * retryable set, which the Collector and Prometheus remote write also use): 2xx success; 408, 429 and
 * 5xx retryable (Retry-After honoured); any other 4xx permanent — the same bytes would be refused
 * again, so the batch goes to the dead-letter file instead of blocking the queue.
 */
export function classifyHttpStatus(status: number, retryAfter?: string | null, detail = ''): ExportResult {
  if (status >= 200 && status < 300) return { kind: 'success' };
  const error = `HTTP ${status}${detail ? `: ${detail.slice(0, 500)}` : ''}`;
  if (status === 408 || status === 429 || status >= 500)
    return { kind: 'retryable', error, status, retryAfterMs: parseRetryAfter(retryAfter) };
  return { kind: 'permanent', error, status };
}

/** A failure before any answer (refused, reset, DNS, TLS, timeout): always retryable. */
export function networkFailure(err: unknown): ExportResult {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError')
    return { kind: 'retryable', error: 'timed out' };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return { kind: 'retryable', error: `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}` };
}
