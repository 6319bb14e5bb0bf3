/** `GET /api/traces`, `GET /api/traces/{traceId}`, `GET /api/services`: parameters and answers. */
import { z } from 'zod';
import { pageSchema } from './common.js';
import { SPAN_KINDS } from './constants.js';
import { decimal, instantNs, pageLimit, text, traceId } from './query-values.js';
import { traceSummarySchema } from './span.js';

/** Longest trace a duration filter may name: 10^12 ms (31 years) still fits int64 nanoseconds. */
const durationMs = decimal(0, 1e12, 'milliseconds');

/** Query parameters of `GET /api/traces` (besides `attr.<key>=<value>`). */
export const traceSearchParams = z.strictObject({
  service: text.optional().meta({ description: 'service.name of the trace (any span)' }),
  kind: z.enum(SPAN_KINDS).optional().meta({ description: 'some span of the trace has this kind' }),
  name: text.optional().meta({ description: 'some span of the trace has exactly this name' }),
  status: z.enum(['ok', 'error']).optional().meta({ description: 'error: some span errored; ok: none did' }),
  minDurationMs: durationMs.optional().meta({ description: 'trace duration at least this many ms, 0..1e12' }),
  maxDurationMs: durationMs.optional().meta({ description: 'trace duration at most this many ms, 0..1e12' }),
  from: instantNs.optional().meta({ description: 'trace start at or after: ISO-8601 or epoch milliseconds' }),
  to: instantNs.optional().meta({ description: 'trace start at or before: ISO-8601 or epoch milliseconds' }),
  sessionId: text.optional().meta({ description: 'session id (witness.session.id, session.id, …)' }),
  userId: text.optional().meta({ description: 'user id (witness.user.id, user.id, …)' }),
  agent: text.optional().meta({ description: 'some span of the trace ran as this agent' }),
  model: text.optional().meta({ description: 'some span of the trace used this model' }),
  score: text.optional().meta({
    description:
      'some score of the trace, one of its spans or its session matches: name>0.5, name<=2, verdict=pass (a label); repeat for up to 3',
  }),
  limit: pageLimit(1000, 50),
  cursor: text.optional().meta({ description: 'nextCursor of the previous page' }),
});
export type TraceSearchParams = z.input<typeof traceSearchParams>;

/** The open-ended trace filter: `attr.<key>=<value>` (a span or resource attribute, compared as text). */
export const ATTR_PREFIX = 'attr.';
/** Most `attr.*` filters in one trace search (each is a semi-join over spans); more is a 400. */
export const MAX_ATTR_FILTERS = 10;

export const tracePageSchema = pageSchema(traceSummarySchema).meta({ id: 'TracePage' });

export const traceIdPathParams = z.strictObject({ traceId });

export const servicesSchema = z.object({ services: z.array(z.string()) }).meta({ id: 'Services' });
export type ServicesJson = z.infer<typeof servicesSchema>;
