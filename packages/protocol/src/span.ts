/** A span and a trace as `GET /api/traces/{traceId}` and `GET /api/traces` show them. */
import { z } from 'zod';
import { attributesSchema } from './common.js';
import { SPAN_KINDS, STATUS_CODES } from './constants.js';
import { nanos } from './query-values.js';

const str = z.string().nullable();
const num = z.number().nullable();

export const decisionSchema = z.object({
  choice: str,
  alternatives: z.array(z.string()),
  confidence: num,
  rationale: str,
});
export type Decision = z.infer<typeof decisionSchema>;

export const governanceSchema = z.object({
  mode: str,
  actor: str,
  actorRole: str,
  workflow: str,
  outcome: str,
});
export type Governance = z.infer<typeof governanceSchema>;

/** The derived agent fields every span carries (null when unknown). */
export const agentFieldsSchema = z.object({
  kind: z.enum(SPAN_KINDS),
  model: str,
  provider: str,
  inputTokens: num,
  outputTokens: num,
  cacheReadTokens: num,
  reasoningTokens: num,
  costUsd: num,
  tokensEstimated: z.boolean().meta({
    description:
      'inputTokens/outputTokens (and the cost priced from them) were estimated by Witness with a tokenizer because the instrumentation reported none (e.g. streamed calls)',
  }),
  sessionId: str,
  userId: str,
  agentName: str,
  toolName: str,
  sideEffect: z
    .boolean()
    .nullable()
    .meta({ description: 'the tool call has side effects; null when not said' }),
  input: str.meta({ description: 'prompt / tool arguments as text, when the span carries them' }),
  output: str.meta({ description: 'completion / tool result as text, when the span carries them' }),
  decision: decisionSchema.nullable(),
  governance: governanceSchema.nullable(),
});
export type AgentFields = z.infer<typeof agentFieldsSchema>;

export const spanEventSchema = z.object({
  name: z.string(),
  timeUnixNano: nanos,
  attributes: attributesSchema,
});
export type SpanEventJson = z.infer<typeof spanEventSchema>;

export const spanLinkSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  attributes: attributesSchema,
});
export type SpanLinkJson = z.infer<typeof spanLinkSchema>;

export const spanSchema = z
  .object({
    traceId: z.string(),
    spanId: z.string(),
    parentSpanId: str,
    name: z.string(),
    serviceName: z.string(),
    startTimeUnixNano: nanos,
    endTimeUnixNano: nanos,
    durationMs: z.number(),
    status: z.object({ code: z.enum(STATUS_CODES), message: z.string() }),
    attributes: attributesSchema,
    resource: attributesSchema,
    events: z.array(spanEventSchema),
    links: z.array(spanLinkSchema),
    scope: z.object({ name: z.string(), version: z.string() }),
    ...agentFieldsSchema.shape,
  })
  .meta({ id: 'Span' });
export type SpanJson = z.infer<typeof spanSchema>;

/** `GET /api/traces/{traceId}`: every span of the trace, by start time. */
export const traceSchema = z
  .object({ traceId: z.string(), spans: z.array(spanSchema) })
  .meta({ id: 'Trace' });
export type TraceJson = z.infer<typeof traceSchema>;

/** One row of `GET /api/traces`. */
export const traceSummarySchema = z
  .object({
    traceId: z.string(),
    rootName: z.string(),
    serviceName: z.string(),
    startTimeUnixNano: nanos,
    durationMs: z.number(),
    spanCount: z.number().int(),
    errorCount: z.number().int(),
    totalTokens: z.number(),
    costUsd: num,
    sessionId: str,
    userId: str,
    agents: z.array(z.string()).optional().meta({ description: 'agents seen in the trace' }),
  })
  .meta({ id: 'TraceSummary' });
export type TraceSummaryJson = z.infer<typeof traceSummarySchema>;
