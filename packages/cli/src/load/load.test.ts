import { describe, expect, it } from 'vitest';
import { Latency } from './histogram.js';
import { rejectedItems } from './http-client.js';
import { PayloadPool } from './payloads.js';
import { Schedule, stagesOf } from './profiles.js';
import { rssGrowth } from './server-rss.js';
import { evaluate, parseThreshold } from './thresholds.js';

describe('Schedule (ramping arrival rate)', () => {
  it('starts iterations by the integral of the rate: a ramp 0→600/min over 60 s then a hold', () => {
    const s = new Schedule(0, [
      { durationMs: 60_000, target: 600 },
      { durationMs: 60_000, target: 600 },
    ]);
    expect(s.due(30_000)).toBeCloseTo(75, 5); // ½ · 30 s · 5/s
    expect(s.due(60_000)).toBeCloseTo(300, 5);
    expect(s.due(120_000)).toBeCloseTo(900, 5);
    expect(s.rateAt(30_000)).toBe(300);
  });

  it('breakpoint steps are flat and grow by 1.5×', () => {
    const { start, stages } = stagesOf('breakpoint', 600, 60_000);
    expect(stages.map((st) => st.target)).toEqual([600, 900, 1350]);
    const s = new Schedule(start, stages, true);
    expect(s.rateAt(25_000)).toBe(900);
    expect(s.due(20_000)).toBeCloseTo(200, 5);
    expect(s.due(40_000)).toBeCloseTo(500, 5);
  });

  it('a spike goes from a fifth of the rate to the rate and back', () => {
    const { start, stages } = stagesOf('spike', 5000, 100_000);
    const s = new Schedule(start, stages);
    expect(s.rateAt(10_000)).toBe(1000);
    expect(s.rateAt(50_000)).toBe(5000);
    expect(s.rateAt(95_000)).toBe(1000);
  });
});

describe('thresholds', () => {
  it('parses units and compares', () => {
    expect(parseThreshold('query_p95<300ms')).toMatchObject({ metric: 'query_p95', op: '<', value: 300 });
    expect(parseThreshold('ingest_p99<=1.5s').value).toBe(1500);
    expect(parseThreshold('rss_growth<10%').value).toBeCloseTo(0.1);
    const r = evaluate([parseThreshold('query_p95<300ms'), parseThreshold('spans_lost==0')], {
      query_p95: 320,
      spans_lost: null,
    });
    expect(r.map((x) => x.ok)).toEqual([false, false]); // crossed, and not measured
  });

  it('refuses what it cannot read, naming the metrics it knows', () => {
    expect(() => parseThreshold('p95 under 300')).toThrow(/<metric><op><value>/);
    expect(() => parseThreshold('latency<3ms')).toThrow(/unknown metric "latency".*query_p95/);
    expect(() => parseThreshold('rss_max_mb<3ms')).toThrow(/does not fit/);
  });
});

describe('the pieces of the summary', () => {
  it('Latency gives percentiles in ms', () => {
    const l = new Latency();
    for (let i = 1; i <= 100; i++) l.record(i);
    const s = l.summary();
    expect(s.count).toBe(100);
    expect(s.p50).toBeCloseTo(50, 0);
    expect(s.p99).toBeCloseTo(99, 0);
  });

  it('reads rejected_spans from an OTLP partial_success (protobuf), 0 from an empty body', () => {
    // ExportTraceServiceResponse { partial_success: { rejected_spans: 300, error_message: "x" } }
    const body = Buffer.from([0x0a, 0x06, 0x08, 0xac, 0x02, 0x12, 0x01, 0x78]);
    expect(rejectedItems(body)).toBe(300);
    expect(rejectedItems(Buffer.alloc(0))).toBe(0);
  });

  it('RSS growth compares the end of the run with its midpoint', () => {
    const flat = Array.from({ length: 20 }, (_, i) => ({ t: i * 1000, bytes: 100 + (i % 2) }));
    expect(Math.abs(rssGrowth(flat, 19_000) ?? 1)).toBeLessThan(0.02);
    const growing = Array.from({ length: 20 }, (_, i) => ({ t: i * 1000, bytes: 100 + i * 10 }));
    expect(rssGrowth(growing, 19_000)).toBeGreaterThan(0.3);
  });
});

describe('PayloadPool (multi-agent runs as OTLP protobuf)', () => {
  it('gives every iteration its own trace id, patched into every span and log record', () => {
    const pool = new PayloadPool('test', 3, 4);
    const a = pool.take();
    const b = pool.take();
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.spans).toBeGreaterThan(5);
    const count = (buf: Uint8Array, id: string) => {
      const needle = Buffer.from(id, 'hex');
      let n = 0;
      for (let at = Buffer.from(buf).indexOf(needle); at >= 0; at = Buffer.from(buf).indexOf(needle, at + 1))
        n++;
      return n;
    };
    expect(count(a.traces, a.traceId)).toBe(a.spans);
    expect(count(a.logs, a.traceId)).toBe(a.logRecords);
    expect(Buffer.from(a.traces).includes(Buffer.from('witness.load.run'))).toBe(true);
    expect(Buffer.from(a.traces).includes(Buffer.from('gen_ai.provider.name'))).toBe(true);
  });
});
