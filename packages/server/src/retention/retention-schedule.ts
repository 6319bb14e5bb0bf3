import type { RetentionResult, Store } from '../store/types.js';

export interface RetentionOptions {
  /** Data older than this is deleted; 0 disables retention. */
  maxAgeDays: number;
  intervalMinutes: number;
  /** Told after each sweep (deleted counts) or failure. */
  onSweep?: (result: RetentionResult) => void;
  onError?: (err: unknown) => void;
  /** @default Date.now */
  now?: () => number;
}

export function retentionCutoff(nowMs: number, maxAgeDays: number): bigint {
  return BigInt(Math.floor(nowMs - maxAgeDays * 86_400_000)) * 1_000_000n;
}

/**
 * Deletes old data once at start and then every `intervalMinutes`. The timer is unref'd: it never keeps
 * the process alive. Returns a stop function.
 */
export function scheduleRetention(store: Store, options: RetentionOptions): () => void {
  if (options.maxAgeDays <= 0) return () => {};
  const now = options.now ?? Date.now;
  let running = false;
  const sweep = async () => {
    if (running) return; // a slow sweep must not pile up behind itself
    running = true;
    try {
      const result = await store.deleteOlderThan(retentionCutoff(now(), options.maxAgeDays));
      options.onSweep?.(result);
    } catch (err) {
      options.onError?.(err);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(sweep, 1_000);
  first.unref();
  const timer = setInterval(sweep, options.intervalMinutes * 60_000);
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
