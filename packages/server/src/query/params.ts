import { SPAN_KINDS, type SpanKind } from '@witness/protocol';
import { z } from 'zod';

/** `from`/`to`: ISO-8601 or epoch milliseconds → epoch nanoseconds. */
const instant = z
  .string()
  .trim()
  .min(1)
  .transform((text, ctx) => {
    if (/^\d+$/.test(text)) return BigInt(text) * 1_000_000n;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 time or epoch milliseconds' });
      return z.NEVER;
    }
    return BigInt(ms) * 1_000_000n;
  })
  .meta({ description: 'ISO-8601 time (2026-01-31T12:00:00Z) or epoch milliseconds', type: 'string' });

const durationMs = z.coerce.number().min(0);
const limit = z.coerce.number().int().min(1).max(1000).default(50);
const text = z.string().min(1).max(1000);

export const TRACE_ID_RE = /^[0-9a-f]{32}$/i;

/** Query parameters of `GET /api/traces` (besides `attr.<key>=<value>`). */
export const traceSearchParams = z.strictObject({
  service: text.optional(),
  kind: z.enum(SPAN_KINDS as [SpanKind, ...SpanKind[]]).optional(),
  name: text.optional(),
  status: z.enum(['ok', 'error']).optional(),
  minDurationMs: durationMs.optional(),
  maxDurationMs: durationMs.optional(),
  from: instant.optional(),
  to: instant.optional(),
  sessionId: text.optional(),
  userId: text.optional(),
  agent: text.optional(),
  model: text.optional(),
  limit,
  cursor: text.optional(),
});

/** Query parameters of `GET /api/logs`. */
export const logSearchParams = z.strictObject({
  traceId: z.string().regex(TRACE_ID_RE, 'expected 32 hex characters').optional(),
  service: text.optional(),
  severity: text.optional(),
  q: text.optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit,
  cursor: text.optional(),
});

export const traceIdParam = z.string().regex(TRACE_ID_RE, 'a trace id is 32 hex characters');
