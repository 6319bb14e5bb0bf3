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

  /** `commit` writes a group durably (and may then publish it); a throw fails this group and the queue. */
  constructor(
    private readonly commit: (group: Group) => Promise<void>,
    private readonly onError?: (err: unknown) => void,
  ) {}

  /** The error that stopped the writer, if any: every later add is refused. */
  get failed(): unknown {
    return this.failure;
  }

  /**
   * Queues entries (consecutive, after everything queued before) and resolves once they are durable.
   * `lines` are payload lines with their '\n'; `hashes` their leaf hashes, in order.
   */
  add(firstSeq: number, firstTime: number, lines: Buffer | Buffer[], hashes: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
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
    while (this.loop) await this.loop;
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
          return;
        }
        g.resolve();
      }
    } finally {
      this.loop = null;
    }
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
