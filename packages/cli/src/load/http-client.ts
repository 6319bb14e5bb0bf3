/**
 * The load generator's HTTP: node:http(s) with keep-alive sockets (fetch's per-request overhead would
 * be measured as server latency on a small machine), a deadline on every request, and the answer's
 * status, body and elapsed time. A network error or a timeout is status 0.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface Answer {
  status: number;
  body: Buffer;
  ms: number;
  /** Why status is 0 (a network error or the deadline). */
  error?: string;
  /** The Retry-After header, seconds (429/503). */
  retryAfterSeconds?: number;
}

export interface HttpClientOptions {
  base: string;
  /** Sent as `Authorization: Bearer` on every request. */
  key?: string;
  maxSockets: number;
  /** @default 30000 */
  timeoutMs?: number;
}

/** Bodies larger than this are cut (the generator keeps only what it reads: counts and ids). */
const MAX_BODY = 8 * 1024 * 1024;

export class HttpClient {
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;
  readonly base: URL;

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(options.base);
    const https = this.base.protocol === 'https:';
    // idle sockets are closed after 3 s, before the server's keep-alive timeout (5 s by default) does
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, timeout: 3_000 };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.request = https ? (httpsRequest as typeof httpRequest) : httpRequest;
  }

  /**
   * One request. A keep-alive socket the server closed just as it was reused fails with ECONNRESET
   * before the server saw anything: that one is sent again on a fresh socket, as Node's documentation
   * advises (`request.reusedSocket`); ingest is idempotent, so even a POST may be.
   */
  async send(method: 'GET' | 'POST', path: string, body?: Uint8Array, contentType?: string): Promise<Answer> {
    const first = await this.once(method, path, body, contentType);
    return first.staleSocket ? this.once(method, path, body, contentType) : first;
  }

  private once(
    method: 'GET' | 'POST',
    path: string,
    body?: Uint8Array,
    contentType?: string,
  ): Promise<Answer & { staleSocket?: boolean }> {
    const t0 = performance.now();
    const headers: Record<string, string | number> = {};
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    if (body) {
      headers['content-type'] = contentType ?? 'application/x-protobuf';
      headers['content-length'] = body.length;
    }
    return new Promise<Answer & { staleSocket?: boolean }>((resolve) => {
      let done = false;
      const finish = (status: number, chunks: Buffer[], error?: string, retryAfter?: string) => {
        if (done) return;
        done = true;
        const retryAfterSeconds = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
        resolve({
          status,
          body: Buffer.concat(chunks),
          ms: performance.now() - t0,
          error,
          retryAfterSeconds,
        });
      };
      const req = this.request(
        new URL(path, this.base),
        { method, agent: this.agent, headers, timeout: this.options.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_BODY) chunks.push(c);
          });
          res.on('end', () => {
            const ra = res.headers['retry-after'];
            finish(res.statusCode ?? 0, chunks, undefined, Array.isArray(ra) ? ra[0] : ra);
          });
          res.on('error', (e) => finish(0, [], e.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error('deadline exceeded')));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (!done && req.reusedSocket && e.code === 'ECONNRESET') {
          done = true;
          resolve({
            status: 0,
            body: Buffer.alloc(0),
            ms: performance.now() - t0,
            error: e.message,
            staleSocket: true,
          });
        } else finish(0, [], e.message);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * rejected_spans / rejected_log_records from an OTLP Export*ServiceResponse: field 1 is
 * partial_success, whose field 1 is the rejected count (a varint). An empty body means none.
 */
export function rejectedItems(body: Buffer): number {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    while (i < body.length) {
      const b = body[i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    return v;
  };
  while (i < body.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 2) {
      const len = varint();
      const end = i + len;
      if (tag >> 3 === 1) {
        while (i < end) {
          const inner = varint();
          if (inner >> 3 === 1 && (inner & 7) === 0) return varint();
          if ((inner & 7) === 2) i += varint();
          else if ((inner & 7) === 0) varint();
          else break;
        }
      }
      i = end;
    } else if (wire === 0) varint();
    else break;
  }
  return 0;
}
