/** `GET /api/logs`: parameters and answer. */
import { z } from 'zod';
import { attributesSchema, pageSchema } from './common.js';
import { instantNs, nanos, pageLimit, text, traceId } from './query-values.js';

/** A minimum severity: OTLP's number 1..24 or a level name. */
const severity = z
  .string()
  .trim()
  .regex(
    /^([1-9]|1\d|2[0-4]|trace|debug|info|warn|error|fatal)$/i,
    'expected a severity: a number 1..24 or TRACE, DEBUG, INFO, WARN, ERROR, FATAL',
  );

/** Query parameters of `GET /api/logs`. */
export const logSearchParams = z.strictObject({
  traceId: traceId.optional().meta({ description: 'logs of this trace (32 hex characters)' }),
  service: text.optional().meta({ description: 'service.name of the log record' }),
  severity: severity
    .optional()
    .meta({ description: 'minimum severity: a number 1..24 or a name (DEBUG, INFO, WARN, ERROR, FATAL)' }),
  q: text.optional().meta({ description: 'case-insensitive substring of the log body' }),
  from: instantNs.optional().meta({ description: 'log time at or after: ISO-8601 or epoch milliseconds' }),
  to: instantNs.optional().meta({ description: 'log time at or before: ISO-8601 or epoch milliseconds' }),
  limit: pageLimit(1000, 50),
  cursor: text.optional().meta({ description: 'nextCursor of the previous page' }),
});
export type LogSearchParams = z.input<typeof logSearchParams>;

/** One row of `GET /api/logs`. */
export const logSchema = z
  .object({
    timeUnixNano: nanos,
    severityNumber: z.number().int(),
    severityText: z.string(),
    body: z.string(),
    traceId: z.string().nullable(),
    spanId: z.string().nullable(),
    serviceName: z.string(),
    attributes: attributesSchema,
  })
  .meta({ id: 'Log' });
export type LogJson = z.infer<typeof logSchema>;

export const logPageSchema = pageSchema(logSchema).meta({ id: 'LogPage' });
