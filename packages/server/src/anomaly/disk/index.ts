/** Disk-use forecast of the data dir (docs/anomaly.md). */
export {
  type DiskForecast,
  type DiskReading,
  forecastDisk,
  hourlyGrid,
  MIN_DISK_HISTORY_HOURS,
} from './disk-forecast.js';
export { DISK_HISTORY_HOURS, DiskHistory, type DiskPoint, HOUR_MS } from './disk-history.js';
export { DISK_HISTORY_FILE, DiskWatch, type DiskWatchOptions, directoryBytes } from './disk-watch.js';
