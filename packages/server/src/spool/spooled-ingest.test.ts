/**
 * The pipeline with a spool, over a real DuckDB file and a real audit log, with a store wrapper that
 * refuses or stalls writes while "down": every acknowledged batch is stored once the store is back,
 * none twice, audited once (at acceptance), counted by derived sinks once (at replay), in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditSink, openAuditSink, spanKey } from '../audit/index.js';
import { IngestPipeline, type StoreWriter } from '../ingest/index.js';
import type { SpanRecord } from '../model/index.js';
import { type DuckDbStore, openDuckDbStore } from '../store/duckdb/index.js';
import { makeSpan, T0 } from '../store/test-records.js';
import type { IngestBatch } from '../store/types.js';
import { Replayer } from './replayer.js';
import { Spool, SpoolFullError } from './spool.js';

/** A tool call (audited) and a step (not audited) per trace. */
const batchOf = (trace: number): IngestBatch => ({
  project: 'p1',
  spans: [
    makeSpan({
      trace,
      n: 1,
      name: 'execute_tool refund',
      start: T0 + BigInt(trace) * 1_000_000n,
      durationMs: 20,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund' },
    }),
    makeSpan({ trace, n: 2, name: 'step', start: T0, durationMs: 5, attributes: { 'witness.kind': 'step' } }),
  ],
  logs: [],
});

describe('ingest with a spool while the store is down', () => {
  let dir: string;
  let store: DuckDbStore;
  let log: AuditLog;
  let sink: AuditSink & { close(): void };
  let spool: Spool;
  let replayer: Replayer | null;
  let mode: 'up' | 'refuse' | 'hang';
  let derived: SpanRecord[];
  /** Order in which traces reached the store. */
  let commits: string[];

  /**
   * `storeTimeoutMs` is long by default: a healthy write on a busy machine can take longer than a short
   * deadline, and would then be spooled (and commit late) where the test expects it stored directly.
   */
  async function open(maxBytes = 64 * 1024 * 1024, storeTimeoutMs = 10_000): Promise<IngestPipeline> {
    store = await openDuckDbStore({ path: join(dir, 'witness.duckdb'), threads: 1 });
    log = await AuditLog.open({
      dir: join(dir, 'audit'),
      keysDir: join(dir, 'keys'),
      checkpointIntervalMs: 0,
    });
    sink = await openAuditSink(log, {
      dir: join(dir, 'audit'),
      watermarkPath: join(dir, 'watermark.json'),
      intervalMs: 60_000,
      storedOf: async (ids) => {
        const keys = new Set<string>();
        const stored = await store.spanIdsOf('p1', [...new Set(ids.map((i) => i.traceId))]);
        for (const [t, spanIds] of stored) for (const s of spanIds) keys.add(spanKey('p1', t, s));
        return keys;
      },
    });
    spool = Spool.open({ dir: join(dir, 'spool'), maxBytes });
    const writer: StoreWriter = {
      append: async (batch, options) => {
        if (mode === 'refuse') throw new Error('connection refused');
        if (mode === 'hang') await new Promise((r) => setTimeout(r, 1500));
        const result = await store.append(batch, options);
        // every trace of the write, in order (replay merges consecutive spooled batches into one write)
        for (const sp of batch.spans) if (commits.at(-1) !== sp.traceId) commits.push(sp.traceId);
        return result;
      },
    };
    derived = [];
    commits = [];
    const pipeline = new IngestPipeline({
      store: writer,
      spool,
      storeTimeoutMs,
      sinks: [sink, { name: 'metrics', durable: false, consume: (b) => void derived.push(...b.spans) }],
    });
    replayer = new Replayer({ spool, store: (b) => pipeline.replay(b), retryMs: 20, maxRetryMs: 50 });
    replayer.start();
    return pipeline;
  }

  const audited = () => log.query({ limit: 10_000 }).entries.filter((e) => e.type === 'tool.call').length;
  const until = async (what: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 500 && !(await what()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await what()).toBe(true);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'witness-spooled-'));
    mode = 'up';
  });
  afterEach(async () => {
    await replayer?.stop();
    await spool.close();
    sink.close();
    await store.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges from the spool while the store refuses, then stores each span once, in order', async () => {
    const p = await open();
    await p.ingest(batchOf(1));
    mode = 'refuse';
    for (let t = 2; t <= 6; t++) await p.ingest(batchOf(t)); // each resolves: acknowledged
    await p.ingest(batchOf(3)); // a client retry of an acknowledged batch, also spooled
    expect(spool.depth.batches).toBe(6);
    expect((await store.stats()).spans).toBe(2);
    // audited at acceptance: the log says what the clients were told we hold (the retry once)
    expect(audited()).toBe(6);
    expect(derived).toHaveLength(2);
    mode = 'up';
    await until(() => spool.depth.batches === 0);
    expect((await store.stats()).spans).toBe(12);
    expect(audited()).toBe(6);
    expect(derived).toHaveLength(12); // derived metrics count stored spans, once
    expect(sink.unstoredCount).toBe(0);
    expect(commits).toEqual([1, 2, 3, 4, 5, 6, 3].map((t) => batchOf(t).spans[0].traceId));
    expect(replayer!.failed).toBeGreaterThan(0);
    expect(p.stats().duplicateSpans).toBe(2);
  });

  it('spools a write that passes the deadline; what it commits late is not stored twice', async () => {
    const p = await open(undefined, 300);
    mode = 'hang';
    await p.ingest(batchOf(1)); // resolves after storeTimeoutMs, from the spool
    expect(p.stats().spooledBatches).toBe(1);
    mode = 'up';
    await until(() => spool.depth.batches === 0);
    await new Promise((r) => setTimeout(r, 1500)); // the stalled write commits now
    expect((await store.stats()).spans).toBe(2);
    expect(audited()).toBe(1);
  });

  it('answers SpoolFullError when the spool is full, and takes batches again once it drained', async () => {
    const p = await open(1024 * 1024);
    mode = 'refuse';
    const big = (t: number): IngestBatch => {
      const b = batchOf(t);
      b.spans[1].attributes = { pad: 'x'.repeat(300_000) };
      return b;
    };
    await p.ingest(big(1));
    await p.ingest(big(2));
    await p.ingest(big(3));
    await expect(p.ingest(big(4))).rejects.toBeInstanceOf(SpoolFullError);
    mode = 'up';
    await until(() => spool.depth.batches === 0);
    await p.ingest(big(4));
    expect((await store.stats()).spans).toBe(8);
  });

  it('replays after a restart what a crashed run spooled, each span once', async () => {
    let p = await open();
    mode = 'refuse';
    for (let t = 1; t <= 4; t++) await p.ingest(batchOf(t));
    // "kill -9": nothing is closed gracefully; the replay cursor and the audit watermark stay as they were
    await replayer!.stop();
    replayer = null;
    await store.close();
    await log.close();
    mode = 'up';
    p = await open();
    expect(spool.depth.batches).toBe(4);
    expect(sink.unstoredCount).toBe(4); // audited before the crash, known not stored yet
    await until(() => spool.depth.batches === 0);
    expect((await store.stats()).spans).toBe(8);
    expect(audited()).toBe(4);
    void p;
  });
});
