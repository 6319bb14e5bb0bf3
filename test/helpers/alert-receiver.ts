/**
 * A local HTTP receiver for notifications (what a team's webhook endpoint, Slack or PagerDuty would
 * be): it records every POST (path, headers, raw body) and answers 200, or what `answer` says.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
  at: number;
}

export interface AlertReceiver {
  url: string;
  received: Received[];
  /** Resolves with the first request `pred` accepts (already received or arriving within timeoutMs). */
  waitFor(pred: (r: Received) => boolean, timeoutMs: number): Promise<Received>;
  close(): Promise<void>;
}

export async function startAlertReceiver(
  answer: (r: Received) => number = () => 200,
): Promise<AlertReceiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = JSON.parse(raw);
      } catch {}
      const r = { path: req.url ?? '/', headers: req.headers, raw, body, at: Date.now() };
      received.push(r);
      res.writeHead(answer(r), { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    async waitFor(pred, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = received.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline)
          throw new Error(
            `no matching notification within ${timeoutMs} ms; got ${received.length}: ${received.map((r) => r.raw.slice(0, 300)).join('\n')}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Spans sent over OTLP/JSON, as an exporter would: `ok`/`error`, taking `durationMs`, starting now. */
export async function sendSpans(
  url: string,
  opts: { service: string; count: number; error: boolean; durationMs?: number; kind?: string },
): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const dur = BigInt(Math.round((opts.durationMs ?? 20) * 1e6));
  const spans = Array.from({ length: opts.count }, (_, i) => ({
    traceId: randomHex(32),
    spanId: randomHex(16),
    name: opts.kind === 'llm' ? 'chat gpt-4o' : 'handle',
    kind: 2,
    startTimeUnixNano: String(now - dur - BigInt(i) * 1000n),
    endTimeUnixNano: String(now - BigInt(i) * 1000n),
    status: opts.error ? { code: 2, message: 'boom' } : { code: 1 },
    attributes:
      opts.kind === 'llm'
        ? [
            { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
            { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
          ]
        : [],
  }));
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: opts.service } }] },
          scopeSpans: [{ spans }],
        },
      ],
    }),
  });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n)
    s += Math.floor(Math.random() * 0xffffffff)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, n);
}

/** Calls `fn` every `everyMs` until stopped (a steady stream of spans). */
export function every(everyMs: number, fn: () => Promise<void>): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await fn().catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
