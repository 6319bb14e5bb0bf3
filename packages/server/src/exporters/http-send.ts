import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { classifyHttpStatus, networkFailure } from './classify.js';
import type { ExportResult } from './types.js';

/** One HTTP request an exporter wants sent. */
export interface ExportRequest {
  url: string;
  /** @default 'POST' */
  method?: string;
  headers: Record<string, string>;
  body: Uint8Array | string;
  /** gzip the body and say so in Content-Encoding. @default false */
  gzip?: boolean;
}

const gzip = promisify(gzipCb);

/** Bytes of an error body kept for the status and the dead-letter file. */
const ERROR_BODY_CHARS = 2000;

/**
 * Sends one request and classifies the answer with `classifyHttpStatus` (or the exporter's own
 * `classify`, for targets that say more than the status, e.g. Elasticsearch's per-item `_bulk` errors).
 * Never throws: a network error or timeout is a retryable result.
 */
export async function sendHttp(
  req: ExportRequest,
  signal: AbortSignal,
  classify?: (res: Response, body: Uint8Array) => ExportResult | undefined,
): Promise<ExportResult> {
  const headers = { ...req.headers };
  let body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  if (req.gzip) {
    // level 1: still ~4× smaller for OTLP, at well under half the CPU of the default level, and an
    // exporter's CPU is taken from the same process that ingests (bench/exporters-encode.ts); on
    // libuv's thread pool, not the ingest thread
    body = await gzip(body, { level: 1 });
    headers['content-encoding'] = 'gzip';
  }
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method ?? 'POST', headers, body, signal });
  } catch (err) {
    return networkFailure(err);
  }
  let bytes: Uint8Array = new Uint8Array(0);
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (res.ok) return networkFailure(err);
  }
  return (
    classify?.(res, bytes) ??
    classifyHttpStatus(
      res.status,
      res.headers.get('retry-after'),
      Buffer.from(bytes.subarray(0, ERROR_BODY_CHARS)).toString('utf8'),
    )
  );
}
