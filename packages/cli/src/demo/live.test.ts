/**
 * The live demo against a real HTTP endpoint that takes OTLP/HTTP protobuf (it answers an empty
 * ExportTraceServiceResponse, which is what an OTLP receiver sends on success), on a fake clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveDemoOptions, startLiveDemo } from './live.js';

let server: Server;
let endpoint: string;
const received: Record<string, number> = {};
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = `${req.url} ${req.headers['content-type']}`;
      received[key] = (received[key] ?? 0) + 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const T0 = Date.UTC(2026, 0, 1, 12);
function demoOn(clock: { now: number }, extra: Partial<LiveDemoOptions> = {}) {
  return startLiveDemo({ endpoint, backfillMinutes: 10, tickMs: 10, now: () => clock.now, ...extra });
}
const settle = () => new Promise((r) => setTimeout(r, 120));

describe('live demo', () => {
  it('backfills the history at its rate over real OTLP, then adds runs as the clock moves', async () => {
    const clock = { now: T0 };
    const demo = demoOn(clock);
    const history = await demo.ready;
    // 10 minutes at 12 runs a minute
    expect(history.runs).toBeGreaterThan(90);
    expect(history.runs).toBeLessThan(150);
    expect(history.incidents.map((i) => i.kind)).toContain('cost-outlier'); // incident -1, 2.5 min ago
    expect(received['/v1/traces application/x-protobuf']).toBeGreaterThan(0);
    expect(received['/v1/logs application/x-protobuf']).toBeGreaterThan(0);

    clock.now += 60_000;
    await settle();
    const minute = demo.stats().runs - history.runs;
    expect(minute).toBeGreaterThan(6);
    expect(minute).toBeLessThan(20);
    // incident 0 (30 s in) has begun
    expect(demo.stats().incidents.at(-1)).toMatchObject({ index: 0, kind: 'latency-spike' });

    await demo.stop();
    clock.now += 600_000;
    await settle();
    expect(demo.stats().runs - history.runs, 'nothing is sent after stop').toBe(minute);
  });

  it('is the same workload for the same seed on the same clock', async () => {
    const a = demoOn({ now: T0 }, { seed: 99 });
    const b = demoOn({ now: T0 }, { seed: 99 });
    const [sa, sb] = await Promise.all([a.ready, b.ready]);
    await Promise.all([a.stop(), b.stop()]);
    expect(sa).toEqual(sb);
    const c = demoOn({ now: T0 }, { seed: 100 });
    const sc = await c.ready;
    await c.stop();
    expect(sc.spans).not.toBe(sa.spans);
  });

  it('speed runs the live clock faster: 6 s at speed 10 is a demo minute, with its incident', async () => {
    const clock = { now: T0 };
    const demo = demoOn(clock, { speed: 10, backfillMinutes: 1 });
    const history = await demo.ready;
    clock.now += 6_000;
    await settle();
    expect(demo.stats().runs - history.runs).toBeGreaterThan(6);
    expect(demo.stats().incidents.at(-1)?.index).toBe(0);
    await demo.stop();
  });

  it('a clock jump sends at most 200 runs in a tick and skips the rest (bounded rate)', async () => {
    const clock = { now: T0 };
    const demo = demoOn(clock, { backfillMinutes: 1 });
    const history = await demo.ready;
    clock.now += 3_600_000; // an hour due at once: ~720 runs
    await settle();
    const s = demo.stats();
    expect(s.runs - history.runs).toBeLessThanOrEqual(200);
    expect(s.skipped).toBeGreaterThan(400);
    await demo.stop();
  });

  it('refuses a speed or rate out of bounds', () => {
    expect(() => startLiveDemo({ endpoint, speed: 0 })).toThrow(/speed must be in/);
    expect(() => startLiveDemo({ endpoint, runsPerMinute: 10_000 })).toThrow(/runs per minute/);
  });
});
