/**
 * metrics: span-derived metrics, Witness's own health, the /metrics endpoint, OTLP metrics ingest
 * (POST /v1/metrics → metric_points) and the time-series query API (GET /api/metrics/query).
 */
export { createMetrics, type Metrics, type MetricsOptions } from './create-metrics.js';
export {
  type DashboardFile,
  grafanaDashboards,
  grafanaExportFiles,
  grafanaProvisioning,
} from './dashboards/index.js';
export {
  DerivedMetrics,
  type DerivedMetricsOptions,
  derivedMetricsSink,
  OVERFLOW_PROJECT,
  ProjectDerivedMetrics,
} from './derived-metrics.js';
export {
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  writeVec,
} from './exposition.js';
export type { MetricPoint, MetricType } from './otlp/metric-point.js';
export { assessGrowth, type GrowthAssessment, MemoryWatch, type MemoryWatchOptions } from './memory-watch.js';
export { ClickHouseMetricPoints } from './otlp/clickhouse-metric-store.js';
export { MetricPointStore, type MetricPoints } from './otlp/metric-store.js';
export { otlpObserver, receivedCounterSink, timedCommit, type WatchOptions, watch } from './self-hooks.js';
export { type Collector, SelfMetrics, type SelfMetricsOptions, type Signal } from './self-metrics.js';
