/**
 * The OTLP/HTTP receivers as far as JSON can describe them: the request bodies are the OTLP
 * specification's Export*ServiceRequest (protobuf or its JSON mapping), answered only once durable.
 */
import { z } from 'zod';
import { ERROR_CODES } from './constants.js';

export const OTLP_SIGNALS = [
  { signal: 'traces', path: '/v1/traces', countField: 'rejectedSpans', request: 'ExportTraceServiceRequest' },
  { signal: 'logs', path: '/v1/logs', countField: 'rejectedLogRecords', request: 'ExportLogsServiceRequest' },
  {
    signal: 'metrics',
    path: '/v1/metrics',
    countField: 'rejectedDataPoints',
    request: 'ExportMetricsServiceRequest',
  },
] as const;

/** Export*ServiceResponse in the JSON mapping: empty on full success, partialSuccess otherwise. */
export function otlpExportResponseSchema(countField: string) {
  return z.object({
    partialSuccess: z
      .object({
        [countField]: z.string().regex(/^\d+$/).meta({ description: 'items left out (int64 as a string)' }),
        errorMessage: z.string(),
      })
      .optional(),
  });
}

/**
 * A failed export in the JSON mapping: google.rpc.Status (code, message) plus the API's own error
 * object. Protobuf requests get the Status as protobuf.
 */
export const otlpStatusSchema = z
  .object({
    code: z.number().int().meta({ description: 'gRPC status code' }),
    message: z.string(),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
  })
  .meta({ id: 'OtlpStatus' });
