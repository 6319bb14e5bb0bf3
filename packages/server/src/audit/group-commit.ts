/**
 * Group commit: appends that arrive while a group is being written and synced wait together and go
 * out as the next group, one write + fdatasync per file for all of them. A group starts on the next
 * turn of the event loop rather than at the first append, so every append issued in the same turn —
 * including those of callers just woken by the previous group — joins it (starting at once would
 * send a group of one, then a group of the rest).
 */

/** One group: entries firstSeq.. in order, their payload lines and leaf hashes (32 bytes each). */
export interface Group {
  firstSeq: number;
  /** Epoch ms of the first entry: rotation by day looks at it. */
  firstTime: number;
  lines: Buffer[];
  hashes: Buffer[];
}

interface OpenGroup extends Group {
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private open: OpenGroup | null = null;
  private loop: Promise<void> | null = null;
  private failure: unknown = null;
  private recovering: Promise<void> | null = null;
  private lastRecovery = 0;

  /**
   * `commit` writes a group durably (and may then publish it); a throw fails this group and the queue.
   * `recover`, when given, puts the files back as they were before the failed group (a disk that
   * filled up mid-write); once it succeeds, adds are taken again. Until then they are refused, and a
   * refused add retries the recovery at most once per `recoverEveryMs`.
   */
  constructor(
    private readonly commit: (group: Group) => Promise<void>,
    private readonly onError?: (err: unknown) => void,
    private readonly recover?: (err: unknown) => Promise<void>,
    private readonly recoverEveryMs = 1000,
  ) {}

  /** The error that stopped the writer, if any: adds are refused until a recovery succeeds. */
  get failed(): unknown {
    if (this.failure) this.tryRecover();
    return this.failure;
  }

  private tryRecover(): void {
    const recover = this.recover;
    if (!recover || this.recovering || this.loop) return;
    if (Date.now() - this.lastRecovery < this.recoverEveryMs) return;
    this.lastRecovery = Date.now();
    const failure = this.failure;
    this.recovering = recover(failure)
      .then(() => {
        if (this.failure === failure) this.failure = null;
      })
      .catch((err) => this.onError?.(err))
      .finally(() => {
        this.recovering = null;
      });
  }

  /**
   * Queues entries (consecutive, after everything queued before) and resolves once they are durable.
   * `lines` are payload lines with their '\n'; `hashes` their leaf hashes, in order.
   */
  add(firstSeq: number, firstTime: number, lines: Buffer | Buffer[], hashes: Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failure);
    let g = this.open;
    if (!g) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      g = { firstSeq, firstTime, lines: [], hashes: [], done, resolve, reject };
      this.open = g;
    }
    if (Array.isArray(lines)) for (const l of lines) g.lines.push(l);
    else g.lines.push(lines);
    g.hashes.push(hashes);
    this.loop ??= this.run();
    return g.done;
  }

  /** Resolves when nothing is queued or being written. */
  async drained(): Promise<void> {
    while (this.loop || this.recovering) await (this.loop ?? this.recovering);
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        await nextTurn();
        const g = this.open;
        if (!g) return;
        this.open = null;
        try {
          await this.commit(g);
        } catch (err) {
          this.failure = err;
          g.reject(err);
          // Appends queued behind the failed group fail with it: their entries come after a gap.
          const queued = this.open as OpenGroup | null;
          queued?.reject(err);
          this.open = null;
          this.onError?.(err);
          this.lastRecovery = 0;
          return;
        }
        g.resolve();
      }
    } finally {
      this.loop = null;
      if (this.failure) this.tryRecover();
    }
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
