import { describe, expect, it } from 'vitest';
import { DerivedMetrics } from './derived-metrics.js';
import type { ExpositionFormat } from './exposition.js';
import { metricsEndpoint, ScrapeCache } from './metrics-route.js';
import { SelfMetrics } from './self-metrics.js';
import { testSpan } from './test-spans.js';

describe('ScrapeCache', () => {
  it('renders once for concurrent scrapes, reuses the render within cacheMs, renders again after', async () => {
    let now = 0;
    const renders: ExpositionFormat[] = [];
    const waiting: Array<() => void> = [];
    const release = () => {
      for (const r of waiting.splice(0)) r();
    };
    const cache = new ScrapeCache(
      async (format) => {
        renders.push(format);
        await new Promise<void>((r) => waiting.push(r));
        return [Buffer.from(`${format} ${renders.length}\n`)];
      },
      { cacheMs: 1000, now: () => now },
    );
    const scrapes = Array.from({ length: 200 }, () => cache.get('prometheus'));
    const om = cache.get('openmetrics');
    expect(renders).toEqual(['prometheus', 'openmetrics']); // one per format, while both still render
    release();
    const first = await Promise.all(scrapes);
    expect(new Set(first).size).toBe(1); // the same chunks, not 200 copies
    expect((await om)[0].toString()).toBe('openmetrics 2\n');
    expect(renders).toHaveLength(2);
    now = 999;
    expect(await cache.get('prometheus')).toBe(first[0]);
    now = 1000;
    const again = cache.get('prometheus');
    release();
    expect((await again)[0].toString()).toBe('prometheus 3\n');
  });

  it('keeps one rendering per project scope: a scrape of one project never gets another scope', async () => {
    const renders: string[] = [];
    const cache = new ScrapeCache(
      async (format, project) => {
        renders.push(`${format}/${project}`);
        return [Buffer.from(`${project ?? 'all'}\n`)];
      },
      { cacheMs: 1000, now: () => 0 },
    );
    expect((await cache.get('prometheus', 'alpha'))[0].toString()).toBe('alpha\n');
    expect((await cache.get('prometheus', 'beta'))[0].toString()).toBe('beta\n');
    expect((await cache.get('prometheus', null))[0].toString()).toBe('all\n');
    expect((await cache.get('prometheus', 'alpha'))[0].toString()).toBe('alpha\n');
    expect(renders).toEqual(['prometheus/alpha', 'prometheus/beta', 'prometheus/null']);
  });

  it('does not cache a failed render', async () => {
    let calls = 0;
    const cache = new ScrapeCache(
      async () => {
        calls++;
        if (calls === 1) throw new Error('collector blew up');
        return [Buffer.from('ok\n')];
      },
      { cacheMs: 60_000 },
    );
    await expect(cache.get('prometheus')).rejects.toThrow('collector blew up');
    expect((await cache.get('prometheus'))[0].toString()).toBe('ok\n');
  });
});

describe('GET /metrics', () => {
  it('streams the exposition in chunks with its Content-Length', async () => {
    const derived = new DerivedMetrics({ now: () => 0 });
    // enough series for several 64 KiB chunks
    derived.observe(
      Array.from({ length: 3000 }, (_, i) => {
        const s = testSpan({ name: `operation-${i}` });
        s.serviceName = `service-${i % 100}`;
        return s;
      }),
    );
    const app = metricsEndpoint(derived, new SelfMetrics({ runtime: false }), { cacheMs: 0 });
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let bytes = 0;
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      chunks++;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(Number(res.headers.get('content-length'))).toBe(bytes);
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('witness_operation_duration_seconds_count{service="service-7",kind="other"');
    expect(text.endsWith('\n')).toBe(true);
  });
});
