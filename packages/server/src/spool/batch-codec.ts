/**
 * A spooled batch on disk: the normalized, redacted, governed `IngestBatch` exactly as the store would
 * have received it, in V8's structured-clone format (it keeps bigint nanosecond times and byte arrays
 * without a hand-written codec). A newer Node reads what an older one wrote; a spool is not meant to
 * move between machines.
 */
import { deserialize, serialize } from 'node:v8';
import type { IngestBatch } from '../store/types.js';

const VERSION = 1;

export function encodeBatch(batch: IngestBatch): Buffer {
  return serialize({ v: VERSION, project: batch.project, spans: batch.spans, logs: batch.logs });
}

export function decodeBatch(bytes: Buffer): IngestBatch {
  const value = deserialize(bytes) as { v: number } & IngestBatch;
  if (value?.v !== VERSION) throw new Error(`spool record of unknown version ${String(value?.v)}`);
  return { project: value.project, spans: value.spans, logs: value.logs };
}
