import type { SpanRecord } from '../model/index.js';
import { normalizeSpans } from '../normalize/index.js';
import type { IngestBatch } from '../store/types.js';
import type { IngestSink } from './types.js';

export interface IngestPipelineOptions {
  /** Where batches go. Durable sinks (store, audit) are awaited before the caller is answered. */
  sinks?: IngestSink[];
  /** Fills the derived agent fields in place. @default normalizeSpans */
  normalize?: (spans: SpanRecord[]) => void;
  /** Told about every error of a non-durable sink (they are counted and never reach the client). */
  onSinkError?: (sink: IngestSink, err: unknown) => void;
}

export interface IngestStats {
  batches: number;
  spans: number;
  logs: number;
  /** Errors per non-durable sink name (durable sink errors fail the request instead). */
  sinkErrors: Record<string, number>;
}

/**
 * decode → normalize → fan-out. The OTLP handler decodes, then calls `ingest`, which resolves once every
 * durable sink has the batch: only then may the client be answered 200, because it deletes its copy.
 */
export class IngestPipeline {
  private readonly durable: IngestSink[] = [];
  private readonly derived: IngestSink[] = [];
  private readonly normalize: (spans: SpanRecord[]) => void;
  private readonly onSinkError: (sink: IngestSink, err: unknown) => void;
  private readonly counters: IngestStats = { batches: 0, spans: 0, logs: 0, sinkErrors: {} };

  constructor(options: IngestPipelineOptions = {}) {
    this.normalize = options.normalize ?? normalizeSpans;
    this.onSinkError = options.onSinkError ?? (() => {});
    for (const sink of options.sinks ?? []) this.addSink(sink);
  }

  addSink(sink: IngestSink): void {
    (sink.durable ? this.durable : this.derived).push(sink);
  }

  get sinks(): readonly IngestSink[] {
    return [...this.durable, ...this.derived];
  }

  async ingest(batch: IngestBatch): Promise<void> {
    if (batch.spans.length > 0) this.normalize(batch.spans);
    // Durable sinks in parallel: the batch is acknowledged only when all of them have it.
    if (this.durable.length === 1) await this.durable[0].consume(batch);
    else if (this.durable.length > 1) await Promise.all(this.durable.map((s) => s.consume(batch)));
    this.counters.batches++;
    this.counters.spans += batch.spans.length;
    this.counters.logs += batch.logs.length;
    for (const sink of this.derived) this.tell(sink, batch);
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
