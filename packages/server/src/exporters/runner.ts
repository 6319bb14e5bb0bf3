import type { ExporterConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { decodeLogsProto, decodeTracesProto } from '../otlp/index.js';
import { DeadLetterFile } from './dead-letter.js';
import { DiskQueue } from './disk-queue.js';
import type { ExporterMetrics } from './exporter-metrics.js';
import { decodeFrame, frameProject, readEncodedFrame, recordsJson, sameProject } from './records-codec.js';
import type { EncodedFrame, ExportBatch, Exporter, ExportResult } from './types.js';

/** A request body past this is split, whatever batch.maxItems says (receivers refuse large bodies). */
const MAX_BATCH_PAYLOAD_BYTES = 8 * 1024 * 1024;

export type ExporterState = 'idle' | 'batching' | 'sending' | 'retrying' | 'stopped';

export interface ExporterStatus {
  name: string;
  type: string;
  state: ExporterState;
  queue: { records: number; bytes: number; oldestAgeSeconds: number; maxBytes: number };
  sent: number;
  rejected: number;
  failedAttempts: number;
  dropped: number;
  deadLettered: number;
  /** Consecutive failed attempts of the batch at the head (0 when the last attempt succeeded). */
  attempt: number;
  lastError: { message: string; status: number | null; at: string } | null;
  lastSuccessAt: string | null;
  nextAttemptAt: string | null;
}

export interface RunnerOptions {
  exporter: Exporter;
  config: ExporterConfig;
  dir: string;
  metrics: ExporterMetrics;
  logger: Logger;
  /** @default Math.random */
  random?: () => number;
}

/**
 * Jittered exponential backoff: attempt n waits between half and all of min(max, initial·2^(n-1)) ("equal
 * jitter"), so many Witness nodes retrying one target spread out but never retry at once. A Retry-After
 * from the target wins (capped), with up to 10% added so a fleet told the same second does not stampede.
 */
export function backoffMs(
  attempt: number,
  retry: ExporterConfig['retry'],
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) {
    const base = Math.min(retryAfterMs, retry.maxRetryAfterMs);
    return Math.round(base * (1 + 0.1 * random()));
  }
  const cap = Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** Math.min(30, attempt - 1));
  return Math.round(cap / 2 + (cap / 2) * random());
}

/**
 * A queued frame as JSON for the dead-letter file: JSON frames as they are; codec frames (OTLP
 * protobuf) read back by Witness's own OTLP decoders into the same record shape, so a person reads
 * one format whatever the exporter.
 */
function deadLetterJson(payload: Buffer): string {
  const enc = readEncodedFrame(payload);
  if (enc === null) return payload.toString('utf8', payload.indexOf(10) + 1);
  try {
    if (enc.signal === 'spans') return recordsJson({ spans: decodeTracesProto(enc.body).spans });
    if (enc.signal === 'logs') return recordsJson({ logs: decodeLogsProto(enc.body).logs });
  } catch {
    // fall through to the bytes
  }
  return JSON.stringify({ signal: enc.signal, otlpProtobufBase64: enc.body.toString('base64') });
}

function mergeBatches(parts: ExportBatch[]): ExportBatch {
  if (parts.length === 1) return parts[0];
  const out: ExportBatch = { project: parts[0].project, spans: [], logs: [], points: [], samples: [] };
  for (const p of parts) {
    for (const s of p.spans) out.spans.push(s);
    for (const l of p.logs) out.logs.push(l);
    for (const m of p.points) out.points.push(m);
    for (const x of p.samples) out.samples.push(x);
  }
  return out;
}

/**
 * One exporter's shipping loop: takes batches off its disk queue (by size, or once the oldest record
 * waited batch.timeoutMs), sends them one at a time, retries retryable failures with backoff until they
 * succeed, dead-letters permanent refusals. It runs off the ingest path: ingest only appends to the queue.
 */
export class ExporterRunner {
  readonly queue: DiskQueue;
  private readonly deadLetter: DeadLetterFile;
  private readonly labels: { exporter: string; type: string };
  private readonly random: () => number;
  private state: ExporterState = 'idle';
  private counts = { sent: 0, rejected: 0, failed: 0, dropped: 0, deadLettered: 0 };
  private attempt = 0;
  private lastError: ExporterStatus['lastError'] = null;
  private lastSuccessAt: number | null = null;
  private nextAttemptAt: number | null = null;
  private wakeUp: (() => void) | null = null;
  /** Set by `stop`: no new attempt starts, no backoff is slept; the attempt in flight may finish. */
  private stopping = false;
  /** Aborts the attempt in flight: only when it outlives the shutdown grace. */
  private readonly stopController = new AbortController();
  private loopDone: Promise<void> | null = null;

  constructor(private readonly o: RunnerOptions) {
    const { exporter, config, metrics } = o;
    this.labels = { exporter: exporter.name, type: exporter.type };
    this.random = o.random ?? Math.random;
    this.queue = DiskQueue.open({
      dir: o.dir,
      maxBytes: config.queue.maxBytes,
      segmentBytes: config.queue.segmentBytes,
      dropPolicy: config.queue.dropPolicy,
      fsync: config.queue.fsync,
      fsyncIntervalMs: config.queue.fsyncIntervalMs,
      onDrop: (items, reason) => this.dropped(items, reason),
    });
    this.deadLetter = new DeadLetterFile(o.dir, config.queue.deadLetterMaxBytes);
    for (const reason of ['queue_full', 'corrupt']) metrics.dropped.inc({ ...this.labels, reason }, 0);
    for (const reason of ['retryable', 'permanent']) metrics.failed.inc({ ...this.labels, reason }, 0);
    metrics.deadLettered.inc(this.labels, 0);
    metrics.rejected.inc(this.labels, 0);
  }

  get name(): string {
    return this.o.exporter.name;
  }
  get exporter(): Exporter {
    return this.o.exporter;
  }

  /** Records refused before reaching the queue (the hub's memory bound) or dropped from it. */
  dropped(items: number, reason: 'queue_full' | 'corrupt'): void {
    this.counts.dropped += items;
    this.o.metrics.dropped.inc({ ...this.labels, reason }, items);
    if (items > 0 && this.counts.dropped === items)
      this.o.logger.warn(
        { exporter: this.name, items, reason },
        'exporter queue full: dropping records (counted in witness_exporter_dropped_records_total; warned once)',
      );
  }

  /** Queues one encoded frame (from the hub's flush); false when the queue refused it (counted). */
  append(frame: Buffer, items: number, timeMs: number): boolean {
    const ok = this.queue.append(frame, items, timeMs);
    if (ok && (this.state === 'idle' || this.queue.depth >= this.o.config.batch.maxItems)) this.wake();
    return ok;
  }

  start(): void {
    this.loopDone ??= this.loop().catch((err: unknown) => {
      this.o.logger.error({ err, exporter: this.name }, 'exporter loop stopped by a bug');
    });
  }

  /**
   * Stops the loop and closes the queue; what is queued stays on disk for the next start. The attempt
   * in flight is given up to config.shutdownGraceMs to be answered, and acknowledged if it succeeded:
   * aborting it at once would not take it back from a target that had already read it, and the next
   * start would send it again (a duplicate at a target without idempotency keys, Splunk HEC or Loki).
   * Only an attempt still unanswered after the grace is aborted, and then stays queued.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    const grace = setTimeout(() => this.stopController.abort(), this.o.config.shutdownGraceMs);
    await this.loopDone;
    clearTimeout(grace);
    this.state = 'stopped';
    this.queue.close();
    await this.o.exporter.close?.();
  }

  /** Collect-time gauges. */
  collect(): void {
    const m = this.o.metrics;
    m.queueItems.set(this.labels, this.queue.depth);
    m.queueBytes.set(this.labels, this.queue.sizeBytes);
    const oldest = this.queue.oldestMs;
    m.queueAge.set(this.labels, oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
  }

  status(): ExporterStatus {
    const oldest = this.queue.oldestMs;
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      name: this.name,
      type: this.o.exporter.type,
      state: this.state,
      queue: {
        records: this.queue.depth,
        bytes: this.queue.sizeBytes,
        oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
        maxBytes: this.o.config.queue.maxBytes,
      },
      sent: this.counts.sent,
      rejected: this.counts.rejected,
      failedAttempts: this.counts.failed,
      dropped: this.counts.dropped,
      deadLettered: this.counts.deadLettered,
      attempt: this.attempt,
      lastError: this.lastError,
      lastSuccessAt: iso(this.lastSuccessAt),
      nextAttemptAt: iso(this.nextAttemptAt),
    };
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      if (this.stopping) this.wake();
    });
  }

  private async loop(): Promise<void> {
    const { config } = this.o;
    const stop = this.stopController.signal;
    while (!this.stopping) {
      const oldest = this.queue.oldestMs;
      if (oldest === null) {
        this.state = 'idle';
        await this.sleep(null);
        continue;
      }
      // batch by size and time: a full batch goes now, a small one once its oldest record waited timeoutMs
      const waitMs = oldest + config.batch.timeoutMs - Date.now();
      if (this.attempt === 0 && this.queue.depth < config.batch.maxItems && waitMs > 0) {
        this.state = 'batching';
        await this.sleep(waitMs);
        continue;
      }
      // a batch in flight cannot be dropped; kept to a quarter of the queue, drop-oldest always has room
      const maxBytes = Math.min(
        this.o.exporter.maxRequestBytes ?? MAX_BATCH_PAYLOAD_BYTES,
        MAX_BATCH_PAYLOAD_BYTES,
        Math.floor(config.queue.maxBytes / 4),
      );
      const { frames, payloads } = this.queue.peek(config.batch.maxItems, maxBytes, sameProject);
      const items = frames.reduce((n, f) => n + f.items, 0);
      const encoded = this.o.exporter.sendEncoded ? payloads.map(readEncodedFrame) : null;
      if (encoded?.every((e) => e !== null)) {
        const project = frameProject(payloads[0]);
        const list: EncodedFrame[] = encoded.map((e, i) => ({
          signal: (e as NonNullable<typeof e>).signal,
          body: (e as NonNullable<typeof e>).body,
          items: frames[i].items,
        }));
        const result = await this.timedAttempt(() =>
          (this.o.exporter.sendEncoded as NonNullable<Exporter['sendEncoded']>)(project, list, {
            signal: AbortSignal.any([stop, AbortSignal.timeout(config.timeoutMs)]),
          }),
        );
        const counts: Partial<Record<string, number>> = {};
        for (const f of list) {
          const signal = f.signal === 'points' ? 'metrics' : f.signal;
          counts[signal] = (counts[signal] ?? 0) + f.items;
        }
        if (await this.outcome(result, project, items, payloads, counts)) break;
        continue;
      }
      let batch: ExportBatch;
      try {
        batch = mergeBatches(payloads.map(decodeFrame));
      } catch (err) {
        // unreadable frames (written by a different version?): keep them for a person, never block the queue
        this.permanent(frameProject(payloads[0]), items, payloads, {
          kind: 'permanent',
          error: `undecodable queue frame: ${(err as Error).message}`,
        });
        continue;
      }
      const result = await this.timedAttempt(() =>
        this.o.exporter.send(batch, {
          signal: AbortSignal.any([stop, AbortSignal.timeout(config.timeoutMs)]),
        }),
      );
      const counts: Partial<Record<string, number>> = {
        spans: batch.spans.length,
        logs: batch.logs.length,
        metrics: batch.points.length,
        samples: batch.samples.length,
      };
      if (await this.outcome(result, batch.project, items, payloads, counts)) break;
    }
  }

  /** One attempt, timed; a throw is a bug of the exporter, retried. */
  private async timedAttempt(send: () => Promise<ExportResult>): Promise<ExportResult> {
    this.state = 'sending';
    const started = performance.now();
    let result: ExportResult;
    try {
      result = await send();
    } catch (err) {
      this.o.logger.error({ err, exporter: this.name }, 'exporter send threw (a bug): retrying');
      result = { kind: 'retryable', error: `exporter threw: ${(err as Error).message}` };
    }
    this.o.metrics.latency.observe(
      { ...this.labels, outcome: result.kind },
      (performance.now() - started) / 1000,
    );
    return result;
  }

  /** Acts on an attempt's outcome; true when the loop must stop (stopping with the batch still queued). */
  private async outcome(
    result: ExportResult,
    project: string,
    items: number,
    payloads: Buffer[],
    counts: Partial<Record<string, number>>,
  ): Promise<boolean> {
    const { config } = this.o;
    if (result.kind === 'success') {
      this.queue.ack();
      this.attempt = 0;
      this.nextAttemptAt = null;
      this.lastSuccessAt = Date.now();
      this.counts.sent += items;
      for (const [signal, n] of Object.entries(counts))
        if (n) this.o.metrics.sent.inc({ ...this.labels, signal }, n);
      if (result.rejected) {
        this.counts.rejected += result.rejected;
        this.o.metrics.rejected.inc(this.labels, result.rejected);
      }
      return false;
    }
    this.counts.failed++;
    this.o.metrics.failed.inc({ ...this.labels, reason: result.kind });
    this.lastError = { message: result.error, status: result.status ?? null, at: new Date().toISOString() };
    if (result.kind === 'permanent') {
      this.permanent(project, items, payloads, result);
      return false;
    }
    if (this.stopping) return true;
    this.attempt++;
    const delay = backoffMs(this.attempt, config.retry, result.retryAfterMs, this.random);
    this.nextAttemptAt = Date.now() + delay;
    this.state = 'retrying';
    if (this.attempt === 1 || this.attempt % 10 === 0)
      this.o.logger.warn(
        { exporter: this.name, error: result.error, attempt: this.attempt, retryInMs: delay },
        'export failed; retrying',
      );
    await this.sleep(delay);
    return false;
  }

  private permanent(
    project: string,
    items: number,
    payloads: Buffer[],
    result: Extract<ExportResult, { kind: 'permanent' }>,
  ): void {
    try {
      this.deadLetter.write({
        exporter: this.name,
        project,
        items,
        status: result.status,
        error: result.error,
        records: payloads.map(deadLetterJson),
      });
    } catch (err) {
      this.o.logger.error({ err, exporter: this.name }, 'could not write the dead-letter file');
    }
    this.queue.ack();
    this.attempt = 0;
    this.nextAttemptAt = null;
    this.counts.deadLettered += items;
    this.o.metrics.deadLettered.inc(this.labels, items);
    this.o.logger.warn(
      { exporter: this.name, items, error: result.error, file: this.deadLetter.path },
      'the target refused a batch for good: written to the dead-letter file',
    );
  }
}
