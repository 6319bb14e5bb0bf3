/** metrics: span-derived metrics, Witness's own health, and the /metrics endpoint. */
export { createMetrics, type Metrics, type MetricsOptions } from './create-metrics.js';
export { DerivedMetrics, type DerivedMetricsOptions, derivedMetricsSink } from './derived-metrics.js';
export { negotiateFormat, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './exposition.js';
export { type Collector, SelfMetrics, type SelfMetricsOptions, type Signal } from './self-metrics.js';
export {
  type DashboardFile,
  grafanaDashboards,
  grafanaExportFiles,
  grafanaProvisioning,
} from './dashboards/index.js';
