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
}

export interface IngestStats {
  batches: number;
  spans: number;
  logs: number;
  /** Spans received again (retries, replays, repeats within a batch) and not stored twice. */
  duplicateSpans: number;
  /** Errors per non-durable sink name (durable sink errors fail the request instead). */
  sinkErrors: Record<string, number>;
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
  };
  private store: StoreWriter | null;

  constructor(options: IngestPipelineOptions = {}) {
    this.normalize = options.normalize ?? normalizeSpans;
    this.stages = options.stages ?? [];
    this.onSinkError = options.onSinkError ?? (() => {});
    this.store = options.store ?? null;
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
