import type { SpanRecord } from '../model/index.js';
import type { IngestBatch } from '../store/types.js';

/**
 * Something that receives normalized batches: the audit log, the derived metrics, exporters. A
 * `durable` sink is awaited before the OTLP request is answered (the client deletes its copy when we
 * answer 200): with a store, it gets the spans new to the store, before the store writes them.
 * Others (derived) are told after the store committed, only the spans it newly stored, and must not
 * throw: so a retried or replayed span is counted once.
 */
export interface IngestSink {
  readonly name: string;
  readonly durable: boolean;
  consume(batch: IngestBatch): Promise<void> | void;
  /** Durable sinks: these spans of `project` (given to `consume` by this or an earlier batch) are now stored. */
  stored?(project: string, spans: readonly SpanRecord[]): void;
}
