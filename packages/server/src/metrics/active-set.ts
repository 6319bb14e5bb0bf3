/**
 * Distinct ids seen within a sliding window (sessions and users active in the last 5 minutes), with a
 * bound on how many are remembered: past `maxEntries` the oldest are forgotten, so the gauge may
 * under-count under an id flood but memory stays bounded.
 */
export class ActiveSet {
  private readonly seen = new Map<string, number>();
  private last: string | null = null;
  private lastMs = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** Cheap when consecutive spans carry the same id (spans of one trace arrive together). */
  touch(id: string, nowMs: number): void {
    if (id === this.last && nowMs - this.lastMs < 1000) return;
    this.last = id;
    this.lastMs = nowMs;
    // delete + set moves the id to the end, so iteration order is oldest first
    this.seen.delete(id);
    this.seen.set(id, nowMs);
    if (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
  }

  /** Ids seen since `nowMs - windowMs`; forgets older ones. */
  count(nowMs: number): number {
    const cutoff = nowMs - this.windowMs;
    for (const [id, t] of this.seen) {
      if (t >= cutoff) break;
      this.seen.delete(id);
    }
    return this.seen.size;
  }
}
