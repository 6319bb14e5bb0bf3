/**
 * A receiver outage, parameterised by its length: spans keep coming at a steady rate while the
 * receiver is down; the exporter's queue must stay within its bound (that bound is what keeps memory
 * bounded), losses must be counted, and delivery must resume when the receiver is back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchSpanProcessor } from '../src/export/batch-span-processor.js';
import { OtlpTraceExporter } from '../src/export/otlp-trace-exporter.js';
import { Witness } from '../src/witness.js';
import { OtlpReceiver } from './otlp-receiver.js';

export interface OutageResult {
  produced: number;
  receivedUnique: number;
  exported: number;
  dropped: number;
  droppedQueueFull: number;
  maxQueued: number;
  maxQueueSize: number;
  /** Spans made in the first 1.5 s after the receiver returned (some may meet a still-full queue). */
  receivedAfterRecovery: number;
  producedAfterRecovery: number;
  /** Spans made from 1.5 s after recovery on: all must arrive. */
  receivedLate: number;
  producedLate: number;
  queuedAtEnd: number;
}

export async function runOutage(outageMs: number): Promise<OutageResult> {
  const maxQueueSize = 500;
  const receiver = await new OtlpReceiver().start();
  const processor = new BatchSpanProcessor(
    new OtlpTraceExporter({ url: receiver.url, timeoutMillis: 1000 }),
    {
      maxQueueSize,
      maxExportBatchSize: 100,
      scheduledDelayMillis: 50,
      initialBackoffMillis: 100,
      maxBackoffMillis: 1000,
      maxRetries: 4,
      onWarning: () => {},
    },
  );
  const w = new Witness({ serviceName: 'outage', spanProcessors: [processor] });
  let phase = 'before';
  let produced = 0;
  let producedAfterRecovery = 0;
  let producedLate = 0;
  let maxQueued = 0;
  const tick = setInterval(() => {
    for (let i = 0; i < 20; i++) {
      w.step(`${phase}-${produced}`);
      produced++;
      if (phase === 'after') producedAfterRecovery++;
      if (phase === 'late') producedLate++;
    }
    maxQueued = Math.max(maxQueued, processor.stats.queued);
  }, 20);
  try {
    await sleep(500);
    phase = 'during';
    await receiver.stop();
    await sleep(outageMs);
    await receiver.start(receiver.port);
    phase = 'after';
    // the retrying batch waits out its backoff (≤ 1 s) and the full queue drains; after that,
    // nothing produced may be lost
    await sleep(1500);
    phase = 'late';
    await sleep(1500);
  } finally {
    clearInterval(tick);
  }
  await w.flush();
  await receiver.stop();
  const ids = new Set(receiver.spans.map((s) => s.spanId));
  const received = (prefix: string) =>
    receiver.spans.filter((s) => String(s.attributes['witness.step.text']).startsWith(prefix)).length;
  const stats = processor.stats;
  return {
    produced,
    receivedUnique: ids.size,
    exported: stats.exported,
    dropped: processor.dropped,
    droppedQueueFull: stats.droppedQueueFull,
    maxQueued,
    maxQueueSize,
    receivedAfterRecovery: received('after-'),
    producedAfterRecovery,
    receivedLate: received('late-'),
    producedLate,
    queuedAtEnd: stats.queued,
  };
}
