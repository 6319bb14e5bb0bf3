/**
 * The data dir's size over time, one point per hour (the latest sample taken in that hour), the last
 * two weeks at most: 336 points, a few KiB whatever the uptime. Pure (no I/O); the watcher persists
 * it as JSON in the data dir so a restart keeps the history the forecast is fitted on.
 */
export const HOUR_MS = 3_600_000;
/** Hours kept: two weeks, like the cost forecast (enough for a daily cycle, short enough to follow a change). */
export const DISK_HISTORY_HOURS = 14 * 24;

export type DiskPoint = readonly [hourMs: number, bytes: number];

export class DiskHistory {
  private readonly byHour = new Map<number, number>();

  /** Record `bytes` used at `timeMs`; the latest sample of an hour wins; hours older than two weeks go. */
  add(timeMs: number, bytes: number): void {
    const hour = Math.floor(timeMs / HOUR_MS) * HOUR_MS;
    this.byHour.set(hour, bytes);
    const oldest = hour - (DISK_HISTORY_HOURS - 1) * HOUR_MS;
    for (const h of this.byHour.keys()) if (h < oldest || h > hour) this.byHour.delete(h);
  }

  /** Oldest first. */
  points(): DiskPoint[] {
    return [...this.byHour.entries()].sort((a, b) => a[0] - b[0]);
  }

  toJSON(): { version: 1; points: DiskPoint[] } {
    return { version: 1, points: this.points() };
  }

  /** Rebuild from `toJSON()`'s output; anything malformed is dropped (the history is only a help). */
  static fromJSON(json: unknown): DiskHistory {
    const history = new DiskHistory();
    const points = (json as { points?: unknown })?.points;
    if (!Array.isArray(points)) return history;
    const valid = points.filter(
      (p): p is [number, number] =>
        Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]) && p[1] >= 0,
    );
    valid.sort((a, b) => a[0] - b[0]);
    for (const [t, bytes] of valid.slice(-DISK_HISTORY_HOURS)) history.add(t, bytes);
    return history;
  }
}
