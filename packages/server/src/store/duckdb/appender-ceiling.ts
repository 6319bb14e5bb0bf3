/**
 * The raw Appender path without the store's queue: what bench:ingest compares durable ingest
 * against, and how bench:query loads millions of spans quickly. Same rows and same per-trace parts
 * as `append`, one transaction, no group-commit machinery.
 */
import { DEFAULT_PROJECT } from '@witness/protocol';
import type { SpanRecord } from '../../model/index.js';
import { type DuckDbStore, openDuckDbStore } from './duckdb-store.js';
import {
  type ResourceTexts,
  type TracePart,
  addToParts,
  appendPartRows,
  appendSpanRow,
} from './span-rows.js';

/** Append spans with the Appender on a fresh connection of `store`, in one transaction. */
export async function appendRawForBenchmark(
  store: DuckDbStore,
  batches: Iterable<SpanRecord[]>,
  project: string = DEFAULT_PROJECT,
): Promise<number> {
  const conn = await store.connect();
  try {
    const spans = await conn.createAppender('spans');
    const parts = await conn.createAppender('trace_parts');
    await conn.run('BEGIN TRANSACTION');
    let n = 0;
    for (const batch of batches) {
      // parts per batch, as `append` makes them per group commit
      const batchParts = new Map<string, TracePart>();
      const resources: ResourceTexts = new Map();
      for (const s of batch) {
        appendSpanRow(spans, s, project, resources);
        addToParts(batchParts, s, project);
      }
      appendPartRows(parts, batchParts, store.takeRollupSeq());
      n += batch.length;
    }
    spans.flushSync();
    parts.flushSync();
    await conn.run('COMMIT');
    spans.closeSync();
    parts.closeSync();
    return n;
  } finally {
    conn.closeSync();
  }
}

export interface AppenderCeilingOptions {
  /** A fresh database file (the caller removes it). */
  path: string;
  /** Batches of spans, reused round-robin. */
  batches: SpanRecord[][];
  /** How many batches to append in total. */
  totalBatches: number;
}

/** Spans per second through the raw Appender, committed, on a fresh database file. */
export async function measureAppenderCeiling(options: AppenderCeilingOptions): Promise<number> {
  const store = await openDuckDbStore({ path: options.path });
  try {
    function* rows(): Generator<SpanRecord[]> {
      for (let i = 0; i < options.totalBatches; i++) yield options.batches[i % options.batches.length];
    }
    const t0 = performance.now();
    const n = await appendRawForBenchmark(store, rows());
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await store.close();
  }
}
