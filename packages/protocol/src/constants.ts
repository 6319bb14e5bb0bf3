/**
 * The closed vocabularies of the API, as plain arrays. Kept apart from the zod schemas so the UI can
 * import them without bundling zod (the package is marked side-effect free).
 */

export const SPAN_KINDS = [
  'agent',
  'llm',
  'tool',
  'step',
  'decision',
  'retrieval',
  'embedding',
  'workflow',
  'http',
  'db',
  'other',
] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export const STATUS_CODES = ['unset', 'ok', 'error'] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

/** Span-derived measures of `GET /api/metrics/query` (durations in ms, rate per second, cost in USD). */
export const SPAN_MEASURES = [
  'count',
  'rate',
  'errors',
  'error_ratio',
  'p50',
  'p95',
  'p99',
  'avg_duration',
  'tokens',
  'input_tokens',
  'output_tokens',
  'cost',
] as const;
export type SpanMeasure = (typeof SPAN_MEASURES)[number];

/** What span series can be grouped by. */
export const SPAN_GROUPS = [
  'service',
  'kind',
  'name',
  'model',
  'provider',
  'agent',
  'tool',
  'user',
  'session',
] as const;
export type SpanGroup = (typeof SPAN_GROUPS)[number];

/** Aggregations of ingested OTLP metrics over each step. */
export const METRIC_AGGS = [
  'avg',
  'sum',
  'min',
  'max',
  'last',
  'count',
  'rate',
  'increase',
  'p50',
  'p95',
  'p99',
] as const;
export type MetricAgg = (typeof METRIC_AGGS)[number];

export const METRIC_TYPES = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** The closed set of error codes (one table maps each to its HTTP status: server/http/errors.ts). */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * What an anomaly event says happened (`GET /api/anomalies`, `witness_anomalies_total{kind}`):
 * - `series`: a live series (call rate, error ratio, p95 latency, tokens, cost per bucket of one
 *   service, agent, model or tool) left what its detector expected;
 * - `tool_loop`: one trace called the same tool with the same arguments N times;
 * - `run_cost`, `run_tokens`, `run_steps`: a run (trace) of an agent far above the agent's median;
 * - `new_tool`, `new_model`: an agent with a history used a tool or model it never used before.
 */
export const ANOMALY_KINDS = [
  'series',
  'tool_loop',
  'run_cost',
  'run_tokens',
  'run_steps',
  'new_tool',
  'new_model',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** The per-bucket measures of live series (`metric` of a `series` anomaly). */
export const ANOMALY_SERIES_METRICS = ['calls', 'error_ratio', 'latency_p95', 'tokens', 'cost'] as const;
export type AnomalySeriesMetric = (typeof ANOMALY_SERIES_METRICS)[number];
