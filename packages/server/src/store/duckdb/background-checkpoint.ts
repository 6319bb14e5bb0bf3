/**
 * Checkpoints the WAL in the background, between commit groups. DuckDB's own checkpoint_threshold
 * (256 MB here) would checkpoint inside a COMMIT, at ~3× the commit's cost, so it is kept high as a
 * fallback; meanwhile every row appended since the last checkpoint stays in DuckDB's memory (~1.4×
 * the WAL), which made RSS climb through a whole soak. This folds the WAL once it passes a modest
 * size, on the writer connection while no group is being appended or committed (the same gap as
 * retention and backups), so no commit ever pays for it.
 */
import { stat } from 'node:fs/promises';

/** WAL size past which a background checkpoint is queued unless configured. */
export const DEFAULT_CHECKPOINT_WAL_BYTES = 32 * 1024 * 1024;

/** The WAL size is looked at most this often (after a commit), ms. */
const CHECK_EVERY_MS = 1000;

export interface BackgroundCheckpointOptions {
  /** `<database>.wal` */
  walPath: string;
  /** WAL bytes past which a checkpoint is queued; 0 turns background checkpoints off. */
  walBytes: number;
  /** Runs CHECKPOINT between commit groups (the store's exclusive writer slot). */
  checkpoint: () => Promise<void>;
  /** How often the WAL size is looked at, ms (tests: 0). */
  checkEveryMs?: number;
}

export class BackgroundCheckpoint {
  private lastCheck = 0;
  private busy = false;
  /** Background checkpoints that ran to the end. */
  done = 0;
  /** ... and that failed (retried at the next check; DuckDB's own threshold remains the fallback). */
  failed = 0;
  /** How long the last one held the writer, ms. */
  lastMs = 0;

  constructor(private readonly options: BackgroundCheckpointOptions) {}

  /** Called after a commit: queues a checkpoint if the WAL has grown past the size. Never throws. */
  afterCommit(): void {
    const o = this.options;
    if (o.walBytes <= 0 || this.busy) return;
    const now = Date.now();
    if (now - this.lastCheck < (o.checkEveryMs ?? CHECK_EVERY_MS)) return;
    this.lastCheck = now;
    this.busy = true;
    void stat(o.walPath)
      .then(
        async (s) => {
          if (s.size < o.walBytes) return;
          const started = performance.now();
          try {
            await o.checkpoint();
            this.done++;
            this.lastMs = performance.now() - started;
          } catch {
            this.failed++;
          }
        },
        () => undefined, // no WAL yet
      )
      .finally(() => {
        this.busy = false;
      });
  }
}
