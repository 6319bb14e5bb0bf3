/**
 * Compile-time agreement between the server and the API contract (@witness/protocol): the build
 * fails when they drift, so a new error code or metric type cannot ship without its
 * schema (and so without /api/openapi.json saying so).
 */
import type { ErrorCode as ContractErrorCode, MetricType as ContractMetricType } from '@witness/protocol';
import type { ErrorCode } from '../http/errors.js';
import type { MetricType } from '../metrics/index.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Each `true` holds only while the server's union is exactly the contract's. */
export const CONTRACT_AGREES: {
  errorCodes: Same<ErrorCode, ContractErrorCode>;
  metricTypes: Same<MetricType, ContractMetricType>;
} = { errorCodes: true, metricTypes: true };
