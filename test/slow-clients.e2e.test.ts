/**
 * Finding 3 of issue 9: bodies were read whole before admission control, under Node's default
 * timeouts, so 30 slow clients each holding a 16 MB body pinned ~300 MB. Now a request is admitted by
 * its declared length before a byte is read (and by its bytes as they arrive), slow clients are cut by
 * the header and request timeouts, and connections are capped. Runs the real `witness serve`.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTraces, newSpanId, newTraceId } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const MiB = 1024 * 1024;

/** Resident memory of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

interface SlowClient {
  socket: Socket;
  /** What the server answered (the status), or null while there is none. */
  status: () => string | null;
  /** True once `sendFirst` bytes were written (or the server answered or closed first). */
  settled: Promise<void>;
  /** Resolves with the final status, or 'cut' when closed without an answer. */
  closed: Promise<string>;
}

/**
 * A client that announces `declared` bytes, sends `sendFirst` of them at once, then trickles one byte
 * every 200 ms and never finishes: what holds a buffered body in memory for as long as the server lets it.
 */
function slowClient(url: URL, declared: number, sendFirst: number): SlowClient {
  const socket = connect(Number(url.port), url.hostname);
  let received = '';
  let trickle: NodeJS.Timeout | undefined;
  const status = () => /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? null;
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    received += d;
  });
  socket.on('error', () => {}); // a reset after the answer (or instead of it) is judged by `closed`
  const closed = new Promise<string>((resolve) =>
    socket.once('close', () => {
      clearInterval(trickle);
      resolve(status() ?? 'cut');
    }),
  );
  const settled = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('data', () => resolve());
    socket.once('connect', () => {
      socket.write(
        `POST /v1/traces HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${declared}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 0x0a);
      let sent = 0;
      const pump = () => {
        while (sent < sendFirst && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        resolve();
        trickle = setInterval(() => {
          if (!socket.destroyed && sent < declared - 1) {
            socket.write('\n');
            sent++;
          }
        }, 200);
      };
      pump();
    });
  });
  return { socket, status, settled, closed };
}

describe('slow clients trickling large bodies', () => {
  let w: WitnessProcess;
  beforeAll(async () => {
    w = await startWitness({
      env: {
        WITNESS_LIMITS_MAX_REQUEST_BYTES: String(16 * MiB),
        WITNESS_LIMITS_MAX_IN_FLIGHT_BYTES: String(64 * MiB),
        WITNESS_SERVER_REQUEST_TIMEOUT_MS: '15000',
        WITNESS_SERVER_HEADERS_TIMEOUT_MS: '2000',
      },
    });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('hold bounded memory, get 429 or 408, and a normal client is served meanwhile', async () => {
    const pid = w.child.pid!;
    const url = new URL(w.url);
    // warm up: the first batch opens code paths and DuckDB buffers that are not the attack's
    const warm = encodeTraces('slow-e2e', [
      { traceId: newTraceId(), spanId: newSpanId(), name: 'warm', startNs: 1n, endNs: 2n },
    ]);
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${w.url}/v1/traces`, {
        method: 'POST',
        body: warm,
        headers: { 'content-type': 'application/x-protobuf' },
      });
      expect(r.status).toBe(200);
    }
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssBytes(pid));
      } catch {}
    }, 50);

    try {
      const clients = Array.from({ length: 30 }, () => slowClient(url, 16 * MiB, 12 * MiB));
      await Promise.all(clients.map((c) => c.settled));
      const pending = clients.filter((c) => c.status() === null && !c.socket.destroyed);

      // A normal exporter batch, while the admitted slow clients still hold their share.
      const now = BigInt(Date.now()) * 1_000_000n;
      const span = {
        traceId: newTraceId(),
        spanId: newSpanId(),
        name: 'normal',
        startNs: now,
        endNs: now + 1n,
      };
      const ok = await fetch(`${w.url}/v1/traces`, {
        method: 'POST',
        body: encodeTraces('slow-e2e', [span]),
        headers: { 'content-type': 'application/x-protobuf' },
      });
      expect(ok.status).toBe(200);
      expect((await fetch(`${w.url}/api/traces/${span.traceId}`)).status).toBe(200);
      const stillPending = pending.filter((c) => c.status() === null && !c.socket.destroyed);
      expect(stillPending.length).toBeGreaterThan(0); // served *meanwhile*, not after they were cut

      const outcomes = await Promise.all(clients.map((c) => c.closed));
      const counts: Record<string, number> = {};
      for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
      // refused up front by declared length, or admitted and then cut by the request timeout
      expect(Object.keys(counts).every((k) => k === '429' || k === '408' || k === 'cut')).toBe(true);
      expect(counts['429']).toBeGreaterThan(0);
      expect(counts['408'] ?? 0).toBeGreaterThan(0);
    } finally {
      clearInterval(sampler);
    }
    // Unbounded, the 30 bodies alone are 360 MiB; the admission budget is 64 MiB.
    const grew = peak - baseline;
    console.log(
      `slow clients: server RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB (+${(grew / MiB).toFixed(0)} MiB; 30 × 12 MiB sent = 360 MiB)`,
    );
    expect(grew).toBeLessThan(200 * MiB);
    expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
  }, 60_000);

  it('a client trickling its headers gets 408 and is cut', async () => {
    const url = new URL(w.url);
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      received += d;
    });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.once('connect', () => socket.write(`POST /v1/traces HTTP/1.1\r\nHost: ${url.host}\r\n`));
    const trickle = setInterval(() => socket.destroyed || socket.write('X'), 200);
    await closed;
    clearInterval(trickle);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);
});

describe('the connection cap', () => {
  let w: WitnessProcess;
  beforeAll(async () => {
    w = await startWitness({ env: { WITNESS_SERVER_MAX_CONNECTIONS: '20' } });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('closes connections past server.maxConnections, and serves again once they go', async () => {
    const url = new URL(w.url);
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(Number(url.port), url.hostname, () => resolve(s));
        s.once('error', reject);
      });
    // Keep-alive sockets of earlier fetches may count too: open until the server starts closing them.
    const held: Socket[] = [];
    const closedAtOnce = (s: Socket) =>
      new Promise<boolean>((resolve) => {
        s.once('close', () => resolve(true));
        s.on('error', () => {});
        // a request the server would answer if it kept the connection
        s.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
        s.once('data', () => resolve(false));
      });
    let refused = 0;
    for (let i = 0; i < 30 && refused === 0; i++) {
      const s = await open();
      if (await closedAtOnce(s)) refused++;
      else held.push(s);
    }
    expect(refused).toBe(1);
    expect(held.length).toBeLessThanOrEqual(20);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
  });
});
