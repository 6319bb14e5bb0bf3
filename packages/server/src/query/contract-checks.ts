/**
 * Compile-time agreement between the server and the API contract (@witness/protocol): the build
 * fails when they drift, so a new error code, span measure or metric type cannot ship without its
 * schema (and so without /api/openapi.json saying so).
 */
import type {
  ErrorCode as ContractErrorCode,
  MetricType as ContractMetricType,
  SpanGroup,
  SpanMeasure,
} from '@witness/protocol';
import type { ErrorCode } from '../http/errors.js';
import type { MetricType } from '../metrics/index.js';
import type { SeriesGroupBy, SeriesMeasure } from '../store/index.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Each `true` holds only while the server's union is exactly the contract's. */
export const CONTRACT_AGREES: {
  errorCodes: Same<ErrorCode, ContractErrorCode>;
  spanMeasures: Same<SeriesMeasure, SpanMeasure>;
  spanGroups: Same<SeriesGroupBy, SpanGroup>;
  metricTypes: Same<MetricType, ContractMetricType>;
} = { errorCodes: true, spanMeasures: true, spanGroups: true, metricTypes: true };
