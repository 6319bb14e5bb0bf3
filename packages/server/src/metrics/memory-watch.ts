/**
 * The leak self-check: samples the process's resident memory every `intervalSeconds` into a ring of one
 * window, fits a least-squares line, and calls growth suspected when the fit is good (r² ≥ 0.7: a
 * steady climb, not GC or DuckDB cache noise) and the fitted growth across the window is both large
 * (≥ `minGrowthMb`) and a large share of where it started (≥ `minGrowthRatio`). Warm-up (the DuckDB
 * buffer cache filling to its memory limit) rises once and then flattens, which the window outlasts.
 *
 * Exposed as witness_memory_growth_suspected (0/1) and witness_memory_rss_growth_bytes_per_hour on
 * /metrics, and logged (warn when it becomes suspected, info when it clears).
 *
 * What a bounded cache explains is taken off each sample first (`readBounded`: DuckDB's buffer-manager
 * memory, at most its memory_limit). DuckDB keeps the rows appended since its last checkpoint and the
 * blocks it read in memory up to that limit, so under steady ingest RSS climbs in a straight line for
 * as long as it takes to fill it (at 2 GB and the ~20 MB/min of a 1,000 runs/min soak, over an hour:
 * longer than the window), and fitting raw RSS called that a leak. Growth outside the bounded part is
 * what cannot stop by itself.
 */
import { Gauge, type Registry } from 'prom-client';

export interface MemoryWatchOptions {
  intervalSeconds: number;
  windowMinutes: number;
  minGrowthMb: number;
  minGrowthRatio: number;
}

export interface RssPoint {
  /** ms */
  t: number;
  bytes: number;
}

export interface GrowthAssessment {
  /** Fitted slope, bytes per hour (0 with too few samples). */
  bytesPerHour: number;
  /** Fitted growth across the samples' span, bytes. */
  growthBytes: number;
  /** Coefficient of determination of the fit (1: a straight line). */
  r2: number;
  /** Whether the samples span (most of) a full window. */
  complete: boolean;
  suspected: boolean;
}

const MB = 1024 * 1024;

export function assessGrowth(points: RssPoint[], options: MemoryWatchOptions): GrowthAssessment {
  const windowMs = options.windowMinutes * 60_000;
  const n = points.length;
  const span = n > 1 ? points[n - 1].t - points[0].t : 0;
  const complete = n >= 6 && span >= 0.9 * windowMs;
  if (n < 3 || span <= 0) return { bytesPerHour: 0, growthBytes: 0, r2: 0, complete, suspected: false };
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.t;
    sy += p.bytes;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.t - mx;
    const dy = p.bytes - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
  const growthBytes = slope * span;
  const fittedStart = my + slope * (points[0].t - mx);
  const suspected =
    complete &&
    r2 >= 0.7 &&
    growthBytes >= options.minGrowthMb * MB &&
    fittedStart > 0 &&
    growthBytes / fittedStart >= options.minGrowthRatio;
  return { bytesPerHour: slope * 3_600_000, growthBytes, r2, complete, suspected };
}

export interface MemoryWatchLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export class MemoryWatch {
  private readonly points: RssPoint[] = [];
  private readonly capacity: number;
  private readonly suspectedGauge: Gauge;
  private readonly slopeGauge: Gauge;
  private timer: NodeJS.Timeout | undefined;
  private suspected = false;

  constructor(
    private readonly options: MemoryWatchOptions,
    registry: Registry,
    private readonly logger: MemoryWatchLogger,
    private readonly readRss: () => number = () => process.memoryUsage.rss(),
    private readonly now: () => number = Date.now,
    /** Bytes of RSS a bounded cache holds now (DuckDB's memory); not counted as growth. */
    private readonly readBounded: () => number = () => 0,
  ) {
    // one window of samples and one more: the ring never holds more than the fit needs
    this.capacity = Math.ceil((options.windowMinutes * 60) / options.intervalSeconds) + 1;
    this.suspectedGauge = new Gauge({
      name: 'witness_memory_growth_suspected',
      help: 'Whether resident memory has grown steadily across the memory-watch window (1: a leak is suspected).',
      registers: [registry],
    });
    this.slopeGauge = new Gauge({
      name: 'witness_memory_rss_growth_bytes_per_hour',
      help: 'Least-squares slope of resident memory, less what DuckDB holds under its memory limit (witness_store_memory_bytes), across the memory-watch window, bytes per hour.',
      registers: [registry],
    });
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Takes one sample and re-assesses (the timer calls it; tests call it with their own clock). */
  sample(): GrowthAssessment {
    const rss = this.readRss();
    const bounded = Math.min(rss, Math.max(0, this.readBounded()));
    this.points.push({ t: this.now(), bytes: rss - bounded });
    if (this.points.length > this.capacity) this.points.shift();
    const a = assessGrowth(this.points, this.options);
    this.slopeGauge.set(Math.round(a.bytesPerHour));
    this.suspectedGauge.set(a.suspected ? 1 : 0);
    const details = {
      rssMb: Math.round(rss / MB),
      storeMemoryMb: Math.round(bounded / MB),
      growthMb: Math.round(a.growthBytes / MB),
      mbPerHour: Math.round(a.bytesPerHour / MB),
      r2: Math.round(a.r2 * 100) / 100,
      windowMinutes: this.options.windowMinutes,
    };
    if (a.suspected && !this.suspected)
      this.logger.warn(
        details,
        'resident memory keeps growing across the memory-watch window: a leak is suspected (see docs/performance.md)',
      );
    else if (!a.suspected && this.suspected) this.logger.info(details, 'resident memory growth has stopped');
    this.suspected = a.suspected;
    return a;
  }
}
