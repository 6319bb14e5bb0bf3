/**
 * Samples the data dir's size every `sampleMinutes` (a directory walk: a handful of files, so cheap at
 * that rate) and the free space of its filesystem, keeps the hourly history (persisted to
 * `disk-history.json` in the data dir, written whole and renamed, so a restart keeps it) and exposes
 * the forecast and three gauges. The data dir holds every project, so none of this is per project.
 */
import { readdirSync, readFileSync, renameSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import { type DiskForecast, forecastDisk } from './disk-forecast.js';
import { DiskHistory } from './disk-history.js';

export const DISK_HISTORY_FILE = 'disk-history.json';

export interface DiskWatchOptions {
  dataDir: string;
  /** Minutes between samples; 0 turns the watch off. */
  sampleMinutes: number;
  /** `anomaly.diskLimitBytes`. */
  limitBytes: number | null;
  registry?: Registry;
  onError?: (err: unknown) => void;
  now?: () => number;
}

/** Bytes of the files under `dir`. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}

export class DiskWatch {
  private readonly history: DiskHistory;
  private readonly file: string;
  private readonly now: () => number;
  private reading: { usedBytes: number; freeBytes: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly gauges: { used: Gauge; free: Gauge; fullAt: Gauge } | null;

  constructor(private readonly options: DiskWatchOptions) {
    this.now = options.now ?? Date.now;
    this.file = join(options.dataDir, DISK_HISTORY_FILE);
    let json: unknown = null;
    try {
      json = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      // no history yet (or unreadable): start a new one
    }
    this.history = DiskHistory.fromJSON(json);
    const registers = options.registry ? [options.registry] : [];
    this.gauges = options.registry
      ? {
          used: new Gauge({
            name: 'witness_data_dir_size_bytes',
            help: 'Bytes of the files in the data dir.',
            registers,
          }),
          free: new Gauge({
            name: 'witness_data_dir_free_bytes',
            help: "Bytes free on the data dir's filesystem.",
            registers,
          }),
          fullAt: new Gauge({
            name: 'witness_data_dir_exhaustion_timestamp_seconds',
            help: 'Unix time when the data dir is forecast to fill its free space at the current growth; +Inf when not growing or not yet known.',
            registers,
          }),
        }
      : null;
  }

  get enabled(): boolean {
    return this.options.sampleMinutes > 0;
  }

  /** Samples now, then every `sampleMinutes`. */
  start(): void {
    if (!this.enabled || this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.sampleMinutes * 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sample: size, free space, history (persisted), gauges. Errors are reported, never thrown. */
  sample(): void {
    try {
      const { dataDir } = this.options;
      const usedBytes = directoryBytes(dataDir);
      const fs = statfsSync(dataDir);
      const freeBytes = fs.bavail * fs.bsize;
      this.reading = { usedBytes, freeBytes };
      this.history.add(this.now(), usedBytes);
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.history.toJSON()), { mode: 0o600 });
      renameSync(tmp, this.file);
      if (this.gauges) {
        const f = this.forecast();
        this.gauges.used.set(usedBytes);
        this.gauges.free.set(freeBytes);
        this.gauges.fullAt.set(f?.fullAtMs == null ? Number.POSITIVE_INFINITY : f.fullAtMs / 1000);
      }
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** The forecast from the latest sample; null before the first one (or when the watch is off). */
  forecast(): DiskForecast | null {
    if (!this.reading) return null;
    return forecastDisk(
      this.history.points(),
      { ...this.reading, limitBytes: this.options.limitBytes },
      this.now(),
    );
  }
}
