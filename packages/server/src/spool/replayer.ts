/**
 * Drains the spool into the store, oldest batch first (order is kept: batches are confirmed, and their
 * successors read, only after the store committed them). Consecutive batches of one project go out as
 * one store write (Spool.nextRun), so replay keeps up with traffic still arriving behind the backlog. A failed write is retried
 * after a backoff that doubles up to `maxRetryMs`; a batch that cannot even be decoded is set aside.
 */
import type { IngestBatch } from '../store/types.js';
import type { Spool } from './spool.js';

export interface ReplayerOptions {
  spool: Spool;
  /** Stores one batch; resolves once the store committed it (IngestPipeline.replay). */
  store: (batch: IngestBatch) => Promise<void>;
  /** Consecutive spooled batches of one project merged into one store write, at most. @default 256 */
  maxBatchesPerWrite?: number;
  /** …and about this many bytes of them. @default 8 MiB */
  maxBytesPerWrite?: number;
  /** First wait after a failed replay. @default 1000 */
  retryMs?: number;
  /** Longest wait between attempts (also the longest the store waits, once back, for the replay to resume). @default 5000 */
  maxRetryMs?: number;
  /** Told about each failed attempt (the store is still down, most likely). */
  onError?: (err: unknown) => void;
  /** Told about a batch set aside because it could not be read back. */
  onDiscard?: (err: unknown) => void;
  /** Told when the spool has drained. */
  onDrained?: (replayed: number) => void;
}

export class Replayer {
  /** Batches stored from the spool, attempts that failed, batches set aside. */
  replayed = 0;
  failed = 0;
  discarded = 0;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** Waiting for work (not backing off): a new spooled batch wakes it; during a backoff it does not. */
  private idle = false;
  private loop: Promise<void> | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: ReplayerOptions) {
    this.unsubscribe = options.spool.onAppend(() => {
      if (this.idle) this.wake?.();
    });
  }

  start(): void {
    this.loop ??= this.run();
  }

  private sleep(ms: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === null ? null : setTimeout(done, ms);
      function done() {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async run(): Promise<void> {
    const { spool } = this.options;
    const first = this.options.retryMs ?? 1000;
    const max = this.options.maxRetryMs ?? 5000;
    let backoff = first;
    let sinceDrain = 0;
    // Merge size adapts: halved after a failed write (a large merged write may be what passes the
    // deadline on a loaded store), doubled back after each success.
    const mostBatches = this.options.maxBatchesPerWrite ?? 256;
    let batches = mostBatches;
    while (!this.stopped) {
      let next: ReturnType<Spool['nextRun']>;
      try {
        next = spool.nextRun(batches, this.options.maxBytesPerWrite);
      } catch (err) {
        // unreadable or undecodable on disk: keeping it would block every batch behind it for good
        const entry = spool.oldest;
        if (entry) spool.discard(entry);
        this.discarded++;
        this.options.onDiscard?.(err);
        continue;
      }
      if (!next) {
        if (sinceDrain > 0) this.options.onDrained?.(sinceDrain);
        sinceDrain = 0;
        this.idle = true;
        await this.sleep(null); // until something is spooled, or stop
        this.idle = false;
        continue;
      }
      try {
        await this.options.store(next.batch);
      } catch (err) {
        this.failed++;
        batches = Math.max(1, Math.floor(next.entries.length / 2));
        this.options.onError?.(err);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, max);
        continue;
      }
      batches = Math.min(mostBatches, batches * 2);
      for (const entry of next.entries) spool.confirm(entry);
      this.replayed += next.entries.length;
      sinceDrain += next.entries.length;
      backoff = first;
    }
  }

  /** Stops after the batch being stored (if any); what waits stays on disk for the next run. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    this.wake?.();
    await this.loop;
  }
}
