/** Anomaly detection: streaming detectors scored on NAB (docs/anomaly.md). */
export {
  AnomalyDetector,
  type AnomalyDetectorOptions,
  DETECTOR_COMPONENTS,
  type DetectorComponent,
} from './anomaly-detector.js';
export { parseTimestamp, SeriesCsvError, scoreSeriesCsv } from './score-series-csv.js';
export { fitHoltWinters, HoltWinters, type HoltWintersParams } from './forecast.js';
export {
  budgetExhaustion,
  type Exhaustion,
  type ExhaustionInput,
  levelExhaustion,
} from './forecast-exhaustion.js';
export {
  type ActiveAnomalyQuery,
  type AnomalyEvent,
  type AnomalyLabels,
  type AnomalyQuery,
  anomalyRoutes,
  LiveAnomalies,
  type LiveAnomaliesOptions,
  type LiveAnomaliesStats,
} from './live/index.js';
export {
  DISK_HISTORY_FILE,
  type DiskForecast,
  DiskHistory,
  DiskWatch,
  directoryBytes,
  forecastDisk,
} from './disk/index.js';
