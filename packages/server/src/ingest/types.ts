import type { IngestBatch } from '../store/types.js';

/**
 * Something that receives every normalized batch after the pipeline: the store, the audit log, the
 * derived metrics, exporters. A `durable` sink is awaited before the OTLP request is answered (the
 * client deletes its copy when we answer 200); others are told after and must not throw.
 */
export interface IngestSink {
  readonly name: string;
  readonly durable: boolean;
  consume(batch: IngestBatch): Promise<void> | void;
}
