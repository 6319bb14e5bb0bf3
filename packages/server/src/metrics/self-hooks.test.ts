import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './create-metrics.js';
import { testSpan } from './test-spans.js';

async function text(m: ReturnType<typeof createMetrics>): Promise<string> {
  return (await m.routes.request('/metrics')).text();
}

describe('self-metrics hooks', () => {
  it('the OTLP observer times requests and counts refusals by signal and reason', async () => {
    const m = createMetrics({ runtime: false });
    const app = new Hono();
    app.use(m.otlpObserver);
    app.post('/v1/traces', (c) => c.text('ok'));
    app.post('/v1/logs', (c) => c.text('busy', 429));
    app.post('/v1/metrics', (c) => c.text('bad', 400));
    await app.request('/v1/traces', { method: 'POST' });
    await app.request('/v1/logs', { method: 'POST' });
    await app.request('/v1/logs', { method: 'POST' });
    await app.request('/v1/metrics', { method: 'POST' });
    const t = await text(m);
    expect(t).toContain('witness_ingest_rejected_total{signal="logs",reason="saturated"} 2');
    expect(t).toContain('witness_ingest_rejected_total{signal="metrics",reason="bad_request"} 1');
    expect(t).toContain('witness_ingest_batch_duration_seconds_count{signal="traces"} 1');
  });

  it('counts accepted spans and logs, times commits, and reads queue and store gauges at scrape', async () => {
    // no scrape cache: the second scrape below must render again
    const m = createMetrics({ runtime: false, scrapeCacheMs: 0 });
    await m.receivedSink.consume({ project: 'default', spans: [testSpan(), testSpan()], logs: [] });
    const commit = m.timed((ms: number) => new Promise((r) => setTimeout(r, ms)));
    await commit(5);
    let depth = 3;
    const checkpoints = { done: 3, failed: 1, lastSeconds: 0.25 };
    m.watch({
      inFlight: () => ({ batches: depth, bytes: 1024 }),
      capacity: 256,
      store: () =>
        ({
          stats: async () => ({
            spans: 42,
            logs: 7,
            bytes: 4096,
            memory: { bytes: 5000, limitBytes: 2_048_000_000 },
            checkpoints: { ...checkpoints },
          }),
        }) as never,
    });
    let t = await text(m);
    expect(t).toContain('witness_ingest_spans_received_total 2');
    expect(t).toContain('witness_store_commit_duration_seconds_count 1');
    expect(t).toContain('witness_ingest_queue_depth 3');
    expect(t).toContain('witness_ingest_queue_capacity 256');
    expect(t).toContain('witness_store_size_bytes 4096');
    expect(t).toContain('witness_store_spans 42');
    expect(t).toContain('witness_store_memory_bytes 5000');
    expect(t).toContain('witness_store_memory_limit_bytes 2048000000');
    expect(t).toContain('witness_store_background_checkpoints_total{result="ok"} 3');
    expect(t).toContain('witness_store_background_checkpoints_total{result="failed"} 1');
    expect(t).toContain('witness_store_background_checkpoint_last_duration_seconds 0.25');
    depth = 0;
    checkpoints.done = 5;
    t = await text(m);
    expect(t).toContain('witness_ingest_queue_depth 0');
    // running totals from the store become counter increments: 5, not 3 + 5
    expect(t).toContain('witness_store_background_checkpoints_total{result="ok"} 5');
    expect(t).toContain('witness_store_background_checkpoints_total{result="failed"} 1');
  });
});
