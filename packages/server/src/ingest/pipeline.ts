import type { SpanRecord } from '../model/index.js';
import { normalizeSpans } from '../normalize/index.js';
import type { IngestBatch, Store } from '../store/types.js';
import type { IngestSink } from './types.js';

/** The part of the store the pipeline writes through. */
export type StoreWriter = Pick<Store, 'append'>;

export interface IngestPipelineOptions {
  /** The store: the authority on span identity (it stores a span once, whatever retries). */
  store?: StoreWriter;
  /** Where batches go. Durable sinks (audit) are awaited before the caller is answered. */
  sinks?: IngestSink[];
  /** Fills the derived agent fields in place. @default normalizeSpans */
  normalize?: (spans: SpanRecord[]) => void;
  /**
   * Stages run in order on every batch after normalize and before the store and every sink: redaction
   * (so nothing downstream holds the original values), then governance. They rewrite records in place.
   */
  stages?: Array<(batch: IngestBatch) => void>;
  /** Told about every error of a non-durable sink (they are counted and never reach the client). */
  onSinkError?: (sink: IngestSink, err: unknown) => void;
  /**
   * Where a batch goes when the store cannot take it (a write that fails or passes `storeTimeoutMs`):
   * it is acknowledged once fsynced there, and replayed later through `replay` (spool/).
   */
  spool?: BatchSpool;
  /** With a spool: a store write taking longer than this counts as failed and the batch is spooled. @default 10000 */
  storeTimeoutMs?: number;
  /** With a spool: told why a batch went to the spool instead of the store. */
  onStoreError?: (err: unknown) => void;
}

/** A durable queue the pipeline falls back to when the store fails (spool/Spool). */
export interface BatchSpool {
  /** Batches wait in it: new ones must queue behind them, so replay keeps arrival order. */
  readonly active: boolean;
  /** Resolves once the batch is durable (fsynced); rejects when it is full. */
  append(batch: IngestBatch): Promise<void>;
}

export interface IngestStats {
  batches: number;
  spans: number;
  logs: number;
  /** Spans received again (retries, replays, repeats within a batch) and not stored twice. */
  duplicateSpans: number;
  /** Errors per non-durable sink name (durable sink errors fail the request instead). */
  sinkErrors: Record<string, number>;
  /** Batches acknowledged from the spool because the store could not take them then. */
  spooledBatches: number;
}

/** Rejects after `ms` (the write goes on; whatever it commits later, the spool's replay deduplicates). */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not commit within ${ms} ms`)), ms);
  });
  work.catch(() => {}); // a write that fails after its deadline has already been answered for
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * decode → normalize → stages (redact, govern) → fan-out. The OTLP handler decodes, then calls `ingest`, which resolves once the
 * store and every durable sink have the batch: only then may the client be answered 200, because it
 * deletes its copy.
 *
 * Order, for idempotence: the store claims the spans it does not hold yet, durable sinks (the audit)
 * take those spans, then the store writes them. A stored span has therefore always reached the durable
 * sinks; a span that reached them but whose write failed is theirs to remember (the audit sink does),
 * so the client's retry neither stores it twice nor audits it twice. Derived sinks (metrics,
 * exporters) see only the spans newly stored.
 */
export class IngestPipeline {
  private readonly durable: IngestSink[] = [];
  private readonly derived: IngestSink[] = [];
  private readonly normalize: (spans: SpanRecord[]) => void;
  private readonly stages: Array<(batch: IngestBatch) => void>;
  private readonly onSinkError: (sink: IngestSink, err: unknown) => void;
  private readonly counters: IngestStats = {
    batches: 0,
    spans: 0,
    logs: 0,
    duplicateSpans: 0,
    sinkErrors: {},
    spooledBatches: 0,
  };
  private store: StoreWriter | null;
  private readonly spool: BatchSpool | null;
  private readonly storeTimeoutMs: number;
  private readonly onStoreError: (err: unknown) => void;

  constructor(options: IngestPipelineOptions = {}) {
    this.normalize = options.normalize ?? normalizeSpans;
    this.stages = options.stages ?? [];
    this.onSinkError = options.onSinkError ?? (() => {});
    this.store = options.store ?? null;
    this.spool = options.spool ?? null;
    this.storeTimeoutMs = options.storeTimeoutMs ?? 10_000;
    this.onStoreError = options.onStoreError ?? (() => {});
    for (const sink of options.sinks ?? []) this.addSink(sink);
  }

  /** Sets the store once it is open (the server builds the pipeline first). */
  useStore(store: StoreWriter): void {
    this.store = store;
  }

  addSink(sink: IngestSink): void {
    (sink.durable ? this.durable : this.derived).push(sink);
  }

  get sinks(): readonly IngestSink[] {
    return [...this.durable, ...this.derived];
  }

  async ingest(batch: IngestBatch): Promise<void> {
    if (batch.spans.length > 0) this.normalize(batch.spans);
    for (const stage of this.stages) stage(batch);
    const spool = this.spool;
    if (!spool || !this.store) return this.write(batch);
    if (!spool.active) {
      try {
        return await withDeadline(this.write(batch), this.storeTimeoutMs);
      } catch (err) {
        this.onStoreError(err);
      }
    }
    // The store cannot take it now (or spooled batches wait ahead of it). Audited at acceptance, then
    // fsynced to the spool: the audit log records what the client was told we hold, and a spooled batch
    // is always an audited one. At replay the audit sink knows these spans (audited, not yet stored)
    // and does not audit them again.
    await this.consumeDurable(batch);
    await spool.append(batch);
    this.counters.spooledBatches++;
  }

  /**
   * Stores a batch the spool held (already normalized, redacted and governed when it was accepted):
   * resolves once the store committed it, under the same deadline as a direct write. Spans the store
   * already holds are skipped by its idempotent append, so a replay repeated after a crash is harmless.
   */
  replay(batch: IngestBatch): Promise<void> {
    return withDeadline(this.write(batch), this.storeTimeoutMs);
  }

  /** Store (with the durable sinks in its commit), then tell the derived sinks what was newly stored. */
  private async write(batch: IngestBatch): Promise<void> {
    let stored = batch;
    if (this.store) {
      const durable = this.durable;
      const result = await this.store.append(
        batch,
        durable.length === 0 ? undefined : { beforeCommit: (fresh) => this.consumeDurable(fresh) },
      );
      for (const sink of durable) sink.stored?.(batch.project, result.spans);
      stored = { project: batch.project, spans: result.spans, logs: batch.logs };
    } else await this.consumeDurable(batch);
    this.counters.batches++;
    this.counters.spans += stored.spans.length;
    this.counters.duplicateSpans += batch.spans.length - stored.spans.length;
    this.counters.logs += batch.logs.length;
    for (const sink of this.derived) this.tell(sink, stored);
  }

  /** Durable sinks in parallel: the batch is acknowledged only when all of them have it. */
  private async consumeDurable(batch: IngestBatch): Promise<void> {
    if (this.durable.length === 1) await this.durable[0].consume(batch);
    else if (this.durable.length > 1) await Promise.all(this.durable.map((s) => s.consume(batch)));
  }

  stats(): IngestStats {
    return { ...this.counters, sinkErrors: { ...this.counters.sinkErrors } };
  }

  /** A derived sink must never fail or slow the request: errors are caught, counted, reported. */
  private tell(sink: IngestSink, batch: IngestBatch): void {
    try {
      const result = sink.consume(batch);
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).catch((err: unknown) => this.failed(sink, err));
      }
    } catch (err) {
      this.failed(sink, err);
    }
  }

  private failed(sink: IngestSink, err: unknown): void {
    this.counters.sinkErrors[sink.name] = (this.counters.sinkErrors[sink.name] ?? 0) + 1;
    this.onSinkError(sink, err);
  }
}
