/**
 * "At this rate the data dir fills its filesystem on <date>": Holt–Winters on the hourly size of the
 * data dir (daily period once two days are known, Holt's linear trend before), forecast until it
 * reaches the space it may use: what it uses now plus the filesystem's free space (other files on
 * the same filesystem grow too, so the free space is read at every sample), or `limitBytes` if
 * configured and smaller. Pure: takes the hourly points, the latest reading and `now`.
 */
import { levelExhaustion } from '../forecast-exhaustion.js';
import { type DiskPoint, HOUR_MS } from './disk-history.js';

/** Hours before a forecast is made: half a day of growth says something, a few hours mostly noise. */
export const MIN_DISK_HISTORY_HOURS = 12;
/** How far ahead to look (five years): further is "no growth" for anyone's purposes. */
const HORIZON_HOURS = 5 * 365 * 24;

export interface DiskReading {
  /** Bytes of the files under the data dir. */
  usedBytes: number;
  /** Bytes free for this process on the data dir's filesystem. */
  freeBytes: number;
  /** `anomaly.diskLimitBytes`: the most the data dir may use (a quota), null for none. */
  limitBytes: number | null;
}

export interface DiskForecast {
  usedBytes: number;
  freeBytes: number;
  /** The size at which the data dir is full: min(used + free, limit). */
  capacityBytes: number;
  /** Growth over the last 24 hours (or the history, if shorter), per day; negative when shrinking. */
  bytesPerDay: number | null;
  fullAtMs: number | null;
  status: 'full' | 'will_fill' | 'no_growth' | 'insufficient_history';
  historyHours: number;
}

/** Equally spaced hourly values from the first point to the last; missing hours linearly interpolated. */
export function hourlyGrid(points: readonly DiskPoint[]): { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const [t, v] = points[i];
    if (i > 0) {
      const [t0, v0] = points[i - 1];
      for (let h = t0 + HOUR_MS; h < t; h += HOUR_MS) {
        times.push(h);
        values.push(v0 + ((v - v0) * (h - t0)) / (t - t0));
      }
    }
    times.push(t);
    values.push(v);
  }
  return { times, values };
}

export function forecastDisk(
  points: readonly DiskPoint[],
  reading: DiskReading,
  nowMs: number,
): DiskForecast {
  const { usedBytes, freeBytes } = reading;
  const capacityBytes = Math.min(usedBytes + freeBytes, reading.limitBytes ?? Number.POSITIVE_INFINITY);
  const thisHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  // the current hour's point is the latest reading
  const history = [...points.filter(([t]) => t < thisHour), [thisHour, usedBytes] as const];
  const { times, values } = hourlyGrid(history);
  const n = values.length;
  const base = { usedBytes, freeBytes, capacityBytes, historyHours: n };
  const back = Math.min(24, n - 1);
  const bytesPerDay = back > 0 ? ((values[n - 1] - values[n - 1 - back]) / back) * 24 : null;
  if (usedBytes >= capacityBytes) return { ...base, bytesPerDay, fullAtMs: nowMs, status: 'full' };
  if (n < MIN_DISK_HISTORY_HOURS)
    return { ...base, bytesPerDay, fullAtMs: null, status: 'insufficient_history' };
  const crossing = levelExhaustion(
    { times, values, period: n >= 48 ? 24 : 0, horizonSteps: HORIZON_HOURS },
    capacityBytes,
  );
  const at = crossing?.at ?? null;
  return { ...base, bytesPerDay, fullAtMs: at, status: at === null ? 'no_growth' : 'will_fill' };
}
