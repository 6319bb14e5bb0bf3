import type { ReadableSpanLike, WitnessSpanProcessor } from '../trace/types.js';
import type { SendResult } from './http-transport.js';

/** Anything that turns a batch into bytes and delivers them; OtlpTraceExporter is the usual one. */
export interface BatchTarget {
  encode(spans: readonly ReadableSpanLike[]): Uint8Array;
  send(body: Uint8Array): Promise<SendResult>;
  shutdown?(): void;
  /** Where batches go, named in warnings (the OTLP exporter's URL). */
  readonly url?: string;
}

export interface BatchSpanProcessorOptions {
  /** Spans held while waiting to be sent; beyond it new spans are dropped and counted. @default 2048 */
  maxQueueSize?: number;
  /** Spans per request. @default 512 */
  maxExportBatchSize?: number;
  /** Longest a span waits before its batch is sent. @default 1000 */
  scheduledDelayMillis?: number;
  /** Attempts after the first for a retryable failure. @default 5 */
  maxRetries?: number;
  /** First backoff delay; doubles per attempt, with ±20% jitter. @default 1000 */
  initialBackoffMillis?: number;
  /** @default 30000 */
  maxBackoffMillis?: number;
  /** Longest `flush()`/`shutdown()` waits before giving up (resolving, never rejecting). @default 10000 */
  flushTimeoutMillis?: number;
  /**
   * Warn once (and once more when delivery recovers) after this long without a single delivery
   * since the first failed attempt, e.g. because the endpoint is unreachable; 0 turns it off.
   * @default 30000
   */
  deliveryWarningMillis?: number;
  /** Called once per kind of trouble (queue full, export failed) so the host can log it. */
  onWarning?: (message: string) => void;
}

export interface ExportStats {
  /** Spans delivered (2xx). */
  exported: number;
  /** Spans dropped because the queue was full (receiver slow or down). */
  droppedQueueFull: number;
  /** Spans dropped after a final failure or exhausted retries. */
  droppedExportFailed: number;
  /** Spans ended after shutdown. */
  droppedAfterShutdown: number;
  /** Retry attempts made. */
  retries: number;
  /** Spans waiting now. */
  queued: number;
  lastError?: string;
}

/**
 * Batches ended spans and exports them in the background: a bounded queue (memory stays bounded
 * whatever the receiver does), one request in flight, retries with exponential backoff and jitter
 * that honour `Retry-After`, timers `unref()`ed so it never keeps a process alive on its own.
 * Nothing here throws into the application or leaves a rejected promise behind.
 */
export class BatchSpanProcessor implements WitnessSpanProcessor {
  private queue: ReadableSpanLike[] = [];
  private readonly o: Required<Omit<BatchSpanProcessorOptions, 'onWarning'>>;
  private readonly onWarning: (message: string) => void;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly warned = new Set<string>();
  /** The current delivery outage: when its first failure happened, and whether it was reported. */
  private troubleSince: number | undefined;
  private troubleTimer: NodeJS.Timeout | undefined;
  private troubleReported = false;
  private droppedAtTroubleStart = 0;
  private readonly counters = {
    exported: 0,
    droppedQueueFull: 0,
    droppedExportFailed: 0,
    droppedAfterShutdown: 0,
    retries: 0,
    lastError: undefined as string | undefined,
  };

  constructor(
    private readonly target: BatchTarget,
    options: BatchSpanProcessorOptions = {},
  ) {
    this.o = {
      maxQueueSize: options.maxQueueSize ?? 2048,
      maxExportBatchSize: options.maxExportBatchSize ?? 512,
      scheduledDelayMillis: options.scheduledDelayMillis ?? 1000,
      maxRetries: options.maxRetries ?? 5,
      initialBackoffMillis: options.initialBackoffMillis ?? 1000,
      maxBackoffMillis: options.maxBackoffMillis ?? 30_000,
      flushTimeoutMillis: options.flushTimeoutMillis ?? 10_000,
      deliveryWarningMillis: options.deliveryWarningMillis ?? 30_000,
    };
    if (this.o.maxExportBatchSize > this.o.maxQueueSize) this.o.maxExportBatchSize = this.o.maxQueueSize;
    this.onWarning = options.onWarning ?? ((m) => process.emitWarning(m, 'WitnessExportWarning'));
  }

  get stats(): ExportStats {
    return { ...this.counters, queued: this.queue.length };
  }

  /** All spans lost so far, whatever the reason. */
  get dropped(): number {
    const c = this.counters;
    return c.droppedQueueFull + c.droppedExportFailed + c.droppedAfterShutdown;
  }

  onEnd(span: ReadableSpanLike): void {
    if (this.stopped) {
      this.counters.droppedAfterShutdown++;
      return;
    }
    const q = this.queue;
    if (q.length >= this.o.maxQueueSize) {
      this.counters.droppedQueueFull++;
      this.warnOnce('queue-full', `Witness: export queue full (${this.o.maxQueueSize}); dropping spans`);
      return;
    }
    q.push(span);
    if (q.length >= this.o.maxExportBatchSize) this.kick();
    else if (this.timer === undefined && this.running === undefined) {
      this.timer = setTimeout(this.onTimer, this.o.scheduledDelayMillis);
      this.timer.unref();
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.kick();
  };

  /** Starts the export loop unless it is already running (it drains everything queued). */
  private kick(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.running === undefined) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.o.maxExportBatchSize);
        await this.exportBatch(batch);
      }
    } catch (e) {
      // a bug in encoding must not become an unhandled rejection; count and report it
      this.counters.lastError = String(e);
      this.warnOnce('internal', `Witness: export loop error: ${String(e)}`);
    }
  }

  private async exportBatch(batch: ReadableSpanLike[]): Promise<void> {
    let body: Uint8Array;
    try {
      body = this.target.encode(batch);
    } catch (e) {
      this.fail(batch.length, `encode failed: ${String(e)}`);
      return;
    }
    for (let attempt = 0; ; attempt++) {
      let result: SendResult;
      try {
        result = await this.target.send(body);
      } catch (e) {
        result = { kind: 'retryable', error: String(e) };
      }
      if (result.kind === 'success') {
        this.counters.exported += batch.length;
        this.deliveryRecovered();
        return;
      }
      this.counters.lastError = result.error;
      this.deliveryFailed();
      if (result.kind === 'failure' || attempt >= this.o.maxRetries || this.stopped) {
        this.fail(batch.length, result.error);
        return;
      }
      this.counters.retries++;
      await sleepUnref(this.backoff(attempt, result.retryAfterMs));
    }
  }

  /** Exponential backoff with ±20% jitter; a server's Retry-After wins (capped at the max backoff). */
  backoff(attempt: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.o.maxBackoffMillis);
    const base = Math.min(this.o.initialBackoffMillis * 2 ** attempt, this.o.maxBackoffMillis);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /**
   * First failure of an outage: arm one timer (unref'd) instead of checking on every attempt, so the
   * warning comes on time whatever the retry backoff, and costs nothing while deliveries succeed.
   */
  private deliveryFailed(): void {
    if (this.troubleSince !== undefined || this.o.deliveryWarningMillis <= 0) return;
    this.troubleSince = Date.now();
    this.droppedAtTroubleStart = this.dropped;
    this.troubleTimer = setTimeout(() => {
      this.troubleTimer = undefined;
      this.troubleReported = true;
      const secs = Math.round((Date.now() - (this.troubleSince ?? Date.now())) / 100) / 10;
      this.report(
        `Witness: nothing delivered to ${this.target.url ?? 'the exporter'} for ${secs} s ` +
          `(last error: ${this.counters.lastError ?? 'none'}); ${this.dropped} spans dropped so far, newer ones are queued (up to ${this.o.maxQueueSize}) and retried. ` +
          'Check that the Witness server is running and reachable from here, and that init({ endpoint }), exporter.url or OTEL_EXPORTER_OTLP_ENDPOINT points at it.',
      );
    }, this.o.deliveryWarningMillis);
    this.troubleTimer.unref();
  }

  private deliveryRecovered(): void {
    if (this.troubleSince === undefined) return;
    if (this.troubleTimer !== undefined) clearTimeout(this.troubleTimer);
    if (this.troubleReported) {
      const secs = Math.round((Date.now() - this.troubleSince) / 100) / 10;
      this.report(
        `Witness: delivery to ${this.target.url ?? 'the exporter'} recovered after ${secs} s; ` +
          `${this.dropped - this.droppedAtTroubleStart} spans were dropped meanwhile.`,
      );
    }
    this.troubleTimer = undefined;
    this.troubleSince = undefined;
    this.troubleReported = false;
  }

  private report(message: string): void {
    try {
      this.onWarning(message);
    } catch {
      // the host's logger must not break export
    }
  }

  private fail(n: number, error: string): void {
    this.counters.droppedExportFailed += n;
    this.warnOnce(
      'export-failed',
      `Witness: dropped spans after export failure to ${this.target.url ?? 'the exporter'}: ${error}`,
    );
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.report(message);
  }

  /** Sends everything queued now; resolves when done or after `flushTimeoutMillis`, never rejects. */
  async forceFlush(): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    // Deliberately ref'd: the caller awaits this, so the process must stay alive until the flush
    // is done or times out (with an unref'd timer a CLI would exit silently in the middle of it).
    const deadline = new Promise<void>((resolve) => {
      timeout = setTimeout(resolve, this.o.flushTimeoutMillis);
    });
    const work = (async () => {
      // the loop may be mid-batch: wait for it, then drain whatever arrived meanwhile
      while (this.running !== undefined || this.queue.length > 0) await this.kick();
    })();
    const timedOut = await Promise.race([work.then(() => false), deadline.then(() => true)]);
    clearTimeout(timeout);
    if (timedOut)
      this.warnOnce(
        'flush-timeout',
        `Witness: flush gave up after ${this.o.flushTimeoutMillis} ms; spans not yet delivered to ${this.target.url ?? 'the exporter'} (last error: ${this.counters.lastError ?? 'none'})`,
      );
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    await this.forceFlush();
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.troubleTimer !== undefined) clearTimeout(this.troubleTimer);
    try {
      this.target.shutdown?.();
    } catch {
      // ignore: shutting down
    }
  }
}

function sleepUnref(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
