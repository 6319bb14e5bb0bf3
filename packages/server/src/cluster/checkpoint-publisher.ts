/**
 * Publishes this node's newest signed audit checkpoint to the shared store every few seconds (when the
 * log grew), so a rollback of this node's disk is detectable from elsewhere (`witness audit verify`
 * with the store's checkpoints; audit/published-checkpoints.ts). Best effort: a store that is down
 * only delays publication; the log itself is unaffected.
 */
import type { Checkpoint } from '../audit/index.js';
import type { SharedCheckpoints } from '../store/types.js';

export interface CheckpointPublisherOptions {
  node: string;
  latest: () => Checkpoint | null;
  shared: () => Promise<SharedCheckpoints>;
  /** @default 5000 */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export class CheckpointPublisher {
  private published = -1;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: CheckpointPublisherOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.publish(), this.options.intervalMs ?? 5000);
    this.timer.unref();
    void this.publish();
  }

  /** Publishes the newest checkpoint if it is newer than the last one published. */
  publish(): Promise<void> {
    this.running ??= (async () => {
      const cp = this.options.latest();
      if (!cp || cp.size <= this.published) return;
      try {
        await (await this.options.shared()).publish({ node: this.options.node, ...cp });
        this.published = cp.size;
      } catch (err) {
        this.options.onError?.(err);
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer after one last publication (call after the log signed its final checkpoint). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.publish();
  }
}
