/**
 * Idempotent ingest across the store and the audit log, which commit separately: whatever fails in
 * between, a client's retry stores each span once and audits it once. Real DuckDB file, real audit log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditSink, openAuditSink, spanKey } from '../audit/index.js';
import type { SpanRecord } from '../model/index.js';
import { type DuckDbStore, openDuckDbStore } from '../store/duckdb/index.js';
import { makeSpan, T0 } from '../store/test-records.js';
import type { IngestBatch } from '../store/types.js';
import { IngestPipeline, type StoreWriter } from './pipeline.js';

/** An agent turn: a tool call and an LLM call (each audited) and a reasoning step (not audited). */
function turn(trace: number): SpanRecord[] {
  return [
    makeSpan({
      trace,
      n: 1,
      name: 'execute_tool refund',
      start: T0,
      durationMs: 20,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund' },
    }),
    makeSpan({
      trace,
      n: 2,
      name: 'chat gpt-4o',
      start: T0 + 1000n,
      durationMs: 900,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 20,
      },
    }),
    makeSpan({
      trace,
      n: 3,
      name: 'reasoning',
      start: T0 + 2000n,
      durationMs: 5,
      attributes: { 'witness.kind': 'step' },
    }),
  ];
}

/** A fresh copy each time, as a client resending its batch would decode to. */
const batchOf = (trace: number, project = 'default'): IngestBatch => ({
  project,
  spans: turn(trace),
  logs: [],
});

describe('idempotent ingest: store and audit log', () => {
  let dir: string;
  let store: DuckDbStore;
  let log: AuditLog;
  let sink: AuditSink & { close(): void };
  let derived: SpanRecord[];
  /** When set, the next store write fails after the audit took the batch (the store "crashed"). */
  let failStoreOnce: boolean;

  async function open(): Promise<IngestPipeline> {
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
        for (const project of new Set(ids.map((i) => i.project))) {
          const traces = ids.filter((i) => i.project === project).map((i) => i.traceId);
          const stored = await store.spanIdsOf(project, [...new Set(traces)]);
          for (const [t, spanIds] of stored) for (const s of spanIds) keys.add(spanKey(project, t, s));
        }
        return keys;
      },
    });
    const writer: StoreWriter = {
      append: (batch, options) =>
        store.append(batch, {
          beforeCommit: async (fresh) => {
            await options?.beforeCommit?.(fresh);
            if (failStoreOnce) {
              failStoreOnce = false;
              throw new Error('store write failed');
            }
          },
        }),
    };
    derived = [];
    return new IngestPipeline({
      store: writer,
      sinks: [sink, { name: 'metrics', durable: false, consume: (b) => void derived.push(...b.spans) }],
    });
  }

  const auditedSpans = (trace: number) =>
    log
      .query({ traceId: makeSpan({ trace, n: 1, start: T0, durationMs: 1 }).traceId, limit: 1000 })
      .entries.map((e) => `${e.type} ${e.spanId}`)
      .sort();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'witness-idem-'));
    failStoreOnce = false;
  });
  afterEach(async () => {
    sink.close();
    await store.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores and audits a batch sent three times once, and tells derived sinks once', async () => {
    const p = await open();
    for (let i = 0; i < 3; i++) await p.ingest(batchOf(1));
    expect((await store.stats()).spans).toBe(3);
    expect(auditedSpans(1)).toHaveLength(2);
    expect(derived).toHaveLength(3);
    expect(p.stats()).toMatchObject({ batches: 3, spans: 3, duplicateSpans: 6 });
  });

  it('stores and audits the same ids sent to two projects once per project, each entry in its project', async () => {
    const p = await open();
    for (let i = 0; i < 2; i++) {
      await p.ingest(batchOf(1, 'alpha'));
      await p.ingest(batchOf(1, 'beta'));
    }
    expect((await store.stats()).spans).toBe(6);
    const entries = log.query({ traceId: batchOf(1).spans[0].traceId, limit: 1000 }).entries;
    expect(entries.map((e) => e.project).sort()).toEqual(['alpha', 'alpha', 'beta', 'beta']);
    expect(derived).toHaveLength(6);
  });

  it('after a store failure in one project, the retry there is not audited again, and the other project still is', async () => {
    const p = await open();
    failStoreOnce = true;
    await expect(p.ingest(batchOf(1, 'alpha'))).rejects.toThrow('store write failed');
    expect(sink.unstoredCount).toBe(2);
    // the same ids in another project are other spans: audited (and stored) there
    await p.ingest(batchOf(1, 'beta'));
    await p.ingest(batchOf(1, 'alpha'));
    expect(sink.unstoredCount).toBe(0);
    const entries = log.query({ traceId: batchOf(1).spans[0].traceId, limit: 1000 }).entries;
    expect(entries.map((e) => e.project).sort()).toEqual(['alpha', 'alpha', 'beta', 'beta']);
    expect((await store.stats()).spans).toBe(6);
  });

  it('after a failed audit append, the retry stores and audits the batch once', async () => {
    const p = await open();
    const real = log.appendMany.bind(log);
    log.appendMany = () => Promise.reject(new Error('audit disk full'));
    await expect(p.ingest(batchOf(1))).rejects.toThrow('audit disk full');
    // nothing acknowledged, nothing stored: the store waits for the audit
    expect((await store.stats()).spans).toBe(0);
    log.appendMany = real;
    await p.ingest(batchOf(1));
    await p.ingest(batchOf(1));
    expect((await store.stats()).spans).toBe(3);
    expect(auditedSpans(1)).toEqual(
      ['llm.call', 'tool.call'].map((t, i) => `${t} ${turn(1)[1 - i].spanId}`).sort(),
    );
    expect(derived).toHaveLength(3);
  });

  it('after the audit took a batch and the store write failed, the retry stores it without auditing again', async () => {
    const p = await open();
    failStoreOnce = true;
    await expect(p.ingest(batchOf(1))).rejects.toThrow('store write failed');
    expect((await store.stats()).spans).toBe(0);
    expect(auditedSpans(1)).toHaveLength(2);
    expect(sink.unstoredCount).toBe(2);
    await p.ingest(batchOf(1));
    expect((await store.stats()).spans).toBe(3);
    expect(auditedSpans(1)).toHaveLength(2);
    expect(sink.unstoredCount).toBe(0);
    expect(derived).toHaveLength(3);
  });

  it('remembers audited-but-not-stored spans across a crash (no watermark saved at exit)', async () => {
    let p = await open();
    await p.ingest(batchOf(2)); // an earlier batch, stored and audited: below the tail that matters
    failStoreOnce = true;
    await expect(p.ingest(batchOf(1))).rejects.toThrow('store write failed');
    expect(auditedSpans(1)).toHaveLength(2);
    // "crash": the sink never saves its watermark again; the store and the log keep what they committed
    await store.close();
    await log.close();
    p = await open();
    expect(sink.unstoredCount).toBe(2);
    await p.ingest(batchOf(1));
    await p.ingest(batchOf(2));
    expect((await store.stats()).spans).toBe(6);
    expect(auditedSpans(1)).toHaveLength(2);
    expect(auditedSpans(2)).toHaveLength(2);
  });

  it('remembers audited-but-not-stored spans across a clean restart (watermark below them)', async () => {
    let p = await open();
    for (let t = 10; t < 15; t++) await p.ingest(batchOf(t)); // stored and audited: below the watermark
    failStoreOnce = true;
    await expect(p.ingest(batchOf(1))).rejects.toThrow('store write failed');
    const w = sink.watermark();
    // every entry below trace 1's first one has its span stored
    const firstOfTrace1 = Math.min(
      ...log.query({ traceId: batchOf(1).spans[0].traceId }).entries.map((e) => e.seq),
    );
    expect(w).toBe(firstOfTrace1);
    expect(w).toBeGreaterThanOrEqual(10);
    sink.close();
    await store.close();
    await log.close();
    p = await open();
    expect(sink.unstoredCount).toBe(2);
    expect(sink.watermark()).toBe(w);
    await p.ingest(batchOf(1));
    expect(sink.unstoredCount).toBe(0);
    expect(sink.watermark()).toBe(log.size);
    expect(auditedSpans(1)).toHaveLength(2);
    expect((await store.stats()).spans).toBe(18);
  });

  it('neither stores nor audits a replay after a clean restart', async () => {
    let p = await open();
    await p.ingest(batchOf(1));
    sink.close();
    await store.close();
    await log.close();
    p = await open();
    expect(sink.unstoredCount).toBe(0);
    await p.ingest(batchOf(1));
    expect((await store.stats()).spans).toBe(3);
    expect(auditedSpans(1)).toHaveLength(2);
    expect(derived).toHaveLength(0);
  });
});
