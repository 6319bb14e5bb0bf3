/**
 * A real OTLP/HTTP receiver on node:http for tests: gunzips, decodes protobuf with protobufjs (the
 * schema in otlp-schema.ts) or parses OTLP/JSON, records every request, and answers what the test
 * asks for (e.g. 503 with Retry-After) so exporter behaviour can be tested against failures.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type DecodedSpan, decodeTraces } from './otlp-schema.js';

export interface ReceivedRequest {
  at: number;
  headers: http.IncomingHttpHeaders;
  spans: DecodedSpan[];
  json?: unknown;
}

export type Responder = (
  n: number,
  req: http.IncomingMessage,
) => { status: number; headers?: Record<string, string> };

export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Every request, including refused ones (status ≠ 200). */
  attempts = 0;
  readonly attemptTimes: number[] = [];
  respond: Responder = () => ({ status: 200 });
  port = 0;
  private server: http.Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1/traces`;
  }

  get spans(): DecodedSpan[] {
    return this.requests.flatMap((r) => r.spans);
  }

  async start(port = this.port): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = this.attempts++;
        this.attemptTimes.push(Date.now());
        const answer = this.respond(n, req);
        if (answer.status === 200) {
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          if (req.headers['content-type'] === 'application/json') {
            const json = JSON.parse(body.toString('utf8'));
            this.requests.push({ at: Date.now(), headers: req.headers, spans: [], json });
          } else {
            this.requests.push({ at: Date.now(), headers: req.headers, spans: decodeTraces(body) });
          }
        }
        res.writeHead(answer.status, { 'content-type': 'application/x-protobuf', ...answer.headers });
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and cuts open keep-alive connections, like a crashed receiver. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
