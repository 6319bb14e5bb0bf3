/** Live anomaly detection in the server (docs/anomaly.md "Live detection"). */
export type { AnomalyEvent, AnomalyLabels } from './anomaly-event.js';
export type { AnomalyQuery } from './anomaly-event-store.js';
export { anomalyRoutes } from './anomaly-routes.js';
export {
  type ActiveAnomalyQuery,
  LiveAnomalies,
  type LiveAnomaliesOptions,
  type LiveAnomaliesStats,
  spanPoint,
} from './live-anomalies.js';
export { RunWatch, type RunWatchOptions } from './run-watch.js';
export { SeriesWatch, type SeriesWatchOptions, type SpanPoint } from './series-watch.js';
