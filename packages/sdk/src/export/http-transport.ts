import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** What one send attempt came to: a value, never an exception (CONVENTIONS.md #5). */
export type SendResult =
  | { kind: 'success' }
  | { kind: 'retryable'; error: string; retryAfterMs?: number }
  | { kind: 'failure'; error: string };

export interface HttpTransportOptions {
  url: string;
  headers?: Record<string, string>;
  contentType: string;
  /** @default 'gzip' */
  compression?: 'gzip' | 'none';
  /** Per-request timeout. @default 10000 */
  timeoutMillis?: number;
}

/** Statuses the OTLP/HTTP spec marks retryable; everything else 4xx/5xx is final. */
const RETRYABLE = new Set([429, 502, 503, 504]);
/** Responses are read only for their error text; cap what we keep of them. */
const MAX_RESPONSE_BYTES = 4096;

/** Sends one OTLP/HTTP request with node:http (keep-alive, unref'd sockets so a CLI can exit). */
export class HttpTransport {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string>;
  private readonly compression: 'gzip' | 'none';
  private readonly timeoutMillis: number;

  constructor(options: HttpTransportOptions) {
    this.url = new URL(options.url);
    const isHttps = this.url.protocol === 'https:';
    this.agent = isHttps ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.compression = options.compression ?? 'gzip';
    this.timeoutMillis = options.timeoutMillis ?? 10_000;
    this.headers = { ...options.headers, 'content-type': options.contentType };
    if (this.compression === 'gzip') this.headers['content-encoding'] = 'gzip';
  }

  async send(body: Uint8Array): Promise<SendResult> {
    let payload: Uint8Array;
    try {
      // Fastest level: several times less CPU than the default for a slightly larger body; telemetry
      // is compressed on the application's machine, so its CPU is what matters.
      payload = this.compression === 'gzip' ? await gzipAsync(body, { level: constants.Z_BEST_SPEED }) : body;
    } catch (e) {
      return { kind: 'failure', error: `gzip failed: ${String(e)}` };
    }
    return new Promise<SendResult>((resolve) => {
      const mod = this.url.protocol === 'https:' ? https : http;
      let settled = false;
      const done = (r: SendResult) => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      try {
        const req = mod.request(
          this.url,
          {
            method: 'POST',
            agent: this.agent,
            headers: { ...this.headers, 'content-length': String(payload.length) },
            timeout: this.timeoutMillis,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              if (size < MAX_RESPONSE_BYTES) chunks.push(c);
              size += c.length;
            });
            res.on('error', (e) => done({ kind: 'retryable', error: `response: ${e.message}` }));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) return done({ kind: 'success' });
              const text = Buffer.concat(chunks)
                .toString('utf8', 0, MAX_RESPONSE_BYTES)
                .replace(/[^\x20-\x7e]+/g, ' ')
                .trim();
              const error = `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
              if (RETRYABLE.has(status))
                return done({
                  kind: 'retryable',
                  error,
                  retryAfterMs: parseRetryAfter(res.headers['retry-after']),
                });
              done({ kind: 'failure', error });
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMillis} ms`)));
        req.on('error', (e) => done({ kind: 'retryable', error: e.message }));
        req.end(payload);
      } catch (e) {
        done({ kind: 'failure', error: String(e) });
      }
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or bad. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
