import { Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/** The answer as `classify` sees it (a fetch Response has this shape too). */
export interface HttpAnswer {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
}

/** Keep-alive connections, shared by every exporter (idle sockets do not hold the process open). */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
/** 307 and 308 keep the method and body: followed this many times. Other 3xx fail, naming Location. */
const MAX_REDIRECTS = 5;

interface Answered extends HttpAnswer {
  body: Buffer;
  /** Set when the body could not be read whole (reset, aborted). */
  bodyError?: unknown;
}

/**
 * One request on node:http(s). It replaced fetch: for the same 650 KB protobuf POST to a local
 * receiver, fetch (undici, through web streams) cost ~3 ms of CPU against ~0.6 ms here, on the thread
 * that ingests. Rejects before any answer (refused, reset, DNS, TLS, abort); a body cut off after the
 * status line is an answer with bodyError.
 */
function post(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array,
  signal: AbortSignal,
): Promise<Answered> {
  const tls = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      url,
      {
        method,
        headers: { ...headers, 'content-length': String(body.byteLength) },
        agent: tls ? agents.https : agents.http,
        signal,
      },
      (res) => {
        const parts: Buffer[] = [];
        const status = res.statusCode ?? 0;
        const answer = (bodyError?: unknown): Answered => ({
          ok: status >= 200 && status < 300,
          status,
          headers: { get: (name: string) => headerValue(res.headers, name) },
          body: Buffer.concat(parts),
          bodyError,
        });
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve(answer()));
        res.on('error', (err) => resolve(answer(err)));
        res.on('aborted', () => resolve(answer(new Error('the answer was cut off'))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headers[name.toLowerCase()];
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
}

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
  classify?: (res: HttpAnswer, body: Uint8Array) => ExportResult | undefined,
): Promise<ExportResult> {
  const headers = { ...req.headers };
  let body: Uint8Array = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  if (req.gzip) {
    // level 1: still ~4× smaller for OTLP, at well under half the CPU of the default level, and an
    // exporter's CPU is taken from the same process that ingests (bench/exporters-encode.ts); on
    // libuv's thread pool, not the ingest thread
    body = await gzip(body, { level: 1 });
    headers['content-encoding'] = 'gzip';
  }
  let res: Answered;
  let url = new URL(req.url);
  for (let hops = 0; ; hops++) {
    try {
      res = await post(url, req.method ?? 'POST', headers, body, signal);
    } catch (err) {
      return networkFailure(err);
    }
    const location = res.headers.get('location');
    if (!(res.status === 307 || res.status === 308) || !location || hops === MAX_REDIRECTS) break;
    url = new URL(location, url);
  }
  if (res.bodyError !== undefined && res.ok) return networkFailure(res.bodyError);
  const bytes = res.bodyError === undefined ? res.body : new Uint8Array(0);
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get('location');
    return {
      kind: 'permanent',
      status: res.status,
      error: `HTTP ${res.status}${location ? ` to ${location.slice(0, 300)}` : ''}: a redirect is followed only when it keeps the method and body (307, 308); set the URL it points to`,
    };
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
