/**
 * A reverse proxy in front of a real receiver (a second Witness, Prometheus) that injects the faults an
 * exporter must survive: the target down (connections refused), slow answers, and answers it picks
 * (429/503 with Retry-After, 400) instead of forwarding. It records what the real receiver accepted, so
 * a test can check every record arrived exactly once.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'down' }
  | { kind: 'slow'; ms: number }
  | { kind: 'answer'; status: number; retryAfter?: string; times: number };

export interface Forwarded {
  path: string;
  /** The request body as the receiver got it (gunzipped). */
  body: Buffer;
  headers: IncomingMessage['headers'];
  status: number;
  at: number;
}

export class FaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private fault: Fault = { kind: 'pass' };
  port = 0;
  /** Requests the receiver answered 2xx. */
  readonly accepted: Forwarded[] = [];
  /** Every request that reached the proxy (with the status the exporter got). */
  readonly seen: Array<{
    path: string;
    status: number | 'refused-by-fault';
    /** When it was answered. */
    at: number;
    /** When its body had arrived (before a slow fault's wait and the upstream's answer). */
    receivedAt: number;
  }> = [];

  /**
   * @param opts.preserveHost forward the client's Host header unchanged (a receiver that verifies an AWS
   *   SigV4 signature needs the host the client signed, which is the proxy's). @default false
   */
  constructor(
    private readonly upstream: string,
    private readonly opts: { preserveHost?: boolean } = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  set(fault: Fault): void {
    this.fault = fault;
  }

  /** Target down: stop listening and cut every open connection (new ones are refused). */
  async down(): Promise<void> {
    this.fault = { kind: 'down' };
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Back up on the same port. */
  async up(): Promise<void> {
    this.fault = { kind: 'pass' };
    await this.start(this.port);
  }

  async close(): Promise<void> {
    await this.down();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const receivedAt = Date.now();
    const f = this.fault;
    if (f.kind === 'answer' && f.times > 0) {
      f.times--;
      this.seen.push({ path: req.url ?? '', status: f.status, at: Date.now(), receivedAt });
      res.writeHead(f.status, {
        'content-type': 'text/plain',
        ...(f.retryAfter !== undefined ? { 'retry-after': f.retryAfter } : {}),
      });
      res.end(`injected ${f.status}`);
      return;
    }
    if (f.kind === 'slow') await new Promise((r) => setTimeout(r, f.ms));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))
        headers[k] = v;
    let upstream: Pick<Response, 'ok' | 'status' | 'headers' | 'arrayBuffer'>;
    try {
      upstream = this.opts.preserveHost
        ? await this.forwardRaw(req, raw)
        : await fetch(`${this.upstream}${req.url}`, { method: req.method, headers, body: raw });
    } catch (err) {
      res.writeHead(502).end(String(err));
      return;
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    this.seen.push({ path: req.url ?? '', status: upstream.status, at: Date.now(), receivedAt });
    if (upstream.ok) {
      const plain = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      this.accepted.push({
        path: req.url ?? '',
        body: plain,
        headers: req.headers,
        status: upstream.status,
        at: Date.now(),
      });
    }
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) out[k] = v;
    });
    res.writeHead(upstream.status, out);
    res.end(body);
  }

  /** node:http keeps the Host header as given (fetch would set the upstream's). */
  private forwardRaw(
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<Pick<Response, 'ok' | 'status' | 'headers' | 'arrayBuffer'>> {
    const target = new URL(`${this.upstream}${req.url}`);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !['connection', 'transfer-encoding'].includes(k)) headers[k] = v;
    headers['content-length'] = String(raw.length);
    return new Promise((resolve, reject) => {
      const out = request(
        {
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: req.method,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
            const status = res.statusCode ?? 502;
            resolve({
              ok: status >= 200 && status < 300,
              status,
              headers: h,
              arrayBuffer: async () =>
                body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer,
            });
          });
        },
      );
      out.on('error', reject);
      out.end(raw);
    });
  }
}
