/**
 * Analytics computed by the server (issue 17, items 1–4): sessions and users, feature usage and cost
 * attribution, funnels. Parameters and answers of `GET /api/sessions`, `/api/sessions/{id}`,
 * `/api/users`, `/api/usage` and `POST /api/funnels/query`.
 */
import { z } from 'zod';
import { DEFAULT_PROJECT, projectIdSchema } from './access.js';
import { durationSchema } from './slo.js';
import { SPAN_KINDS } from './constants.js';
import { decimal, instantNs, integer, nanos, pageLimit, text, withOrderedRange } from './query-values.js';

/** What a session or user list can be sorted by (every one a column of the answer). */
export const GROUP_SORTS = [
  'lastSeen',
  'firstSeen',
  'traces',
  'turns',
  'duration',
  'inputTokens',
  'outputTokens',
  'tokens',
  'cost',
  'errors',
] as const;
export const USER_SORTS = [...GROUP_SORTS, 'sessions'] as const;
export type GroupSort = (typeof USER_SORTS)[number];

const groupFilters = {
  service: text.optional().meta({ description: 'some trace of the group ran in this service' }),
  agent: text.optional().meta({ description: 'some trace of the group ran this agent' }),
  model: text.optional().meta({ description: 'some trace of the group called this model' }),
  from: instantNs
    .optional()
    .meta({ description: 'count traces that started at or after: ISO-8601 or epoch ms', type: 'string' }),
  to: instantNs
    .optional()
    .meta({ description: 'count traces that started at or before: ISO-8601 or epoch ms', type: 'string' }),
  minCost: decimal(0, 1e9, 'USD').optional().meta({ description: 'total cost at least this many USD' }),
  status: z.enum(['error']).optional().meta({ description: 'error: groups with an errored span' }),
  order: z.enum(['desc', 'asc']).default('desc'),
  limit: pageLimit(500, 50),
  cursor: text.optional().meta({ description: 'nextCursor of the previous page' }),
};

export const sessionListParams = withOrderedRange(
  z.strictObject({
    ...groupFilters,
    sort: z.enum(GROUP_SORTS).default('lastSeen'),
    userId: text.optional().meta({ description: 'sessions of this user' }),
  }),
);
export type SessionListParams = z.input<typeof sessionListParams>;

export const userListParams = withOrderedRange(
  z.strictObject({
    ...groupFilters,
    userId: text.optional().meta({ description: 'only this user (its summary)' }),
    sort: z.enum(USER_SORTS).default('lastSeen'),
  }),
);
export type UserListParams = z.input<typeof userListParams>;

/** Aggregates shared by a session and a user row. */
const groupAggregates = {
  traces: z.number().int(),
  turns: z.number().int().meta({ description: 'LLM calls (model request/response exchanges)' }),
  firstSeenUnixNano: nanos.meta({ description: 'start of its first trace' }),
  lastSeenUnixNano: nanos.meta({ description: 'end of its last span' }),
  durationMs: z.number().meta({ description: 'lastSeen − firstSeen' }),
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
  costUsd: z.number().meta({ description: 'sum of span costs; 0 when none reported one' }),
  errors: z.number().int().meta({ description: 'errored spans' }),
  errorTraces: z.number().int().meta({ description: 'traces with an errored span' }),
  agents: z.array(z.string()).meta({ description: 'agents seen, sorted (at most 50)' }),
  models: z.array(z.string()).meta({ description: 'models called, sorted (at most 50)' }),
};

export const sessionSummarySchema = z
  .object({
    sessionId: z.string(),
    ...groupAggregates,
    users: z.array(z.string()).meta({ description: 'users of the session, sorted (at most 20)' }),
  })
  .meta({ id: 'SessionSummary' });
export type SessionSummaryJson = z.infer<typeof sessionSummarySchema>;

export const userSummarySchema = z
  .object({ userId: z.string(), sessions: z.number().int(), ...groupAggregates })
  .meta({ id: 'UserSummary' });
export type UserSummaryJson = z.infer<typeof userSummarySchema>;

export const sessionPageSchema = z
  .object({ items: z.array(sessionSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'SessionPage' });
export const userPageSchema = z
  .object({ items: z.array(userSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'UserPage' });

export const sessionPathParams = z.strictObject({ sessionId: text });
export const sessionDetailParams = z.strictObject({
  limit: pageLimit(500, 200),
  cursor: text.optional().meta({ description: 'nextCursor of the previous page (older turns first)' }),
});

/** One trace of a session, as a turn of the conversation. */
export const sessionTurnSchema = z
  .object({
    traceId: z.string(),
    startTimeUnixNano: nanos,
    durationMs: z.number(),
    rootName: z.string(),
    serviceName: z.string(),
    userId: z.string().nullable(),
    input: z.string().nullable().meta({ description: 'root span input, else the first LLM call’s (cut)' }),
    output: z.string().nullable().meta({ description: 'root span output, else the last LLM call’s (cut)' }),
    spanCount: z.number().int(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    costUsd: z.number(),
    errors: z.number().int(),
    errorMessage: z.string().nullable().meta({ description: 'status message of its first errored span' }),
    agents: z.array(z.string()),
    models: z.array(z.string()),
  })
  .meta({ id: 'SessionTurn' });
export type SessionTurnJson = z.infer<typeof sessionTurnSchema>;

export const sessionDetailSchema = z
  .object({
    session: sessionSummarySchema,
    turns: z.array(sessionTurnSchema).meta({ description: 'its traces, oldest first' }),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'SessionDetail' });
export type SessionDetailJson = z.infer<typeof sessionDetailSchema>;

/** What `/api/usage` groups by: features (tool, agent, model) and cost attribution (user, session…). */
export const USAGE_DIMENSIONS = ['tool', 'agent', 'model', 'user', 'session', 'service', 'project'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];
export const USAGE_SORTS = ['cost', 'calls', 'users', 'errors', 'tokens'] as const;

/** Most buckets of one usage answer: step is raised to fit. */
export const MAX_USAGE_BUCKETS = 500;
/** Longest range one usage or funnel query may cover. */
export const MAX_ANALYTICS_RANGE_DAYS = 92;

export const usageParams = z.strictObject({
  by: z.enum(USAGE_DIMENSIONS).default('tool'),
  from: instantNs.optional().meta({ description: 'default: 24 h before `to`', type: 'string' }),
  to: instantNs.optional().meta({ description: 'default: now', type: 'string' }),
  step: integer(1, 31 * 86400, 'seconds')
    .optional()
    .meta({ description: `bucket width in seconds; raised so there are at most ${MAX_USAGE_BUCKETS}` }),
  service: text.optional(),
  agent: text.optional(),
  model: text.optional(),
  tool: text.optional(),
  userId: text.optional(),
  sort: z.enum(USAGE_SORTS).default('cost'),
  limit: pageLimit(100, 20).meta({ description: 'values returned (largest by `sort`), 1..100' }),
});
export type UsageParams = z.input<typeof usageParams>;

export const usagePointSchema = z.object({
  t: z.number().meta({ description: 'bucket start, epoch ms' }),
  calls: z.number().int(),
  users: z.number().int(),
  errors: z.number().int(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
});
export type UsagePointJson = z.infer<typeof usagePointSchema>;

export const usageRowSchema = z.object({
  value: z.string(),
  calls: z.number().int(),
  users: z.number().int(),
  errors: z.number().int(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  points: z.array(usagePointSchema).meta({ description: 'buckets holding any of its spans, oldest first' }),
});
export type UsageRowJson = z.infer<typeof usageRowSchema>;

export const usageSchema = z
  .object({
    by: z.enum(USAGE_DIMENSIONS),
    fromMs: z.number(),
    toMs: z.number(),
    stepSeconds: z.number().int(),
    rows: z.array(usageRowSchema),
    truncated: z.boolean().meta({ description: 'more values exist than `limit`' }),
  })
  .meta({ id: 'Usage' });
export type UsageJson = z.infer<typeof usageSchema>;

/** Most steps of a funnel. */
export const MAX_FUNNEL_STEPS = 10;
/** Most attribute conditions of one funnel step. */
export const MAX_FUNNEL_STEP_ATTRIBUTES = 5;

export const funnelStepSchema = z
  .strictObject({
    label: z.string().min(1).max(200).optional(),
    name: text.optional().meta({ description: 'exact span name' }),
    service: text.optional(),
    kind: z.enum(SPAN_KINDS).optional(),
    agent: text.optional(),
    model: text.optional(),
    tool: text.optional(),
    status: z.enum(['ok', 'error']).optional().meta({ description: 'ok: not errored' }),
    attributes: z
      .record(z.string().min(1).max(200), z.string().max(1000))
      .optional()
      .refine((a) => a === undefined || Object.keys(a).length <= MAX_FUNNEL_STEP_ATTRIBUTES, {
        message: `at most ${MAX_FUNNEL_STEP_ATTRIBUTES} attributes per step`,
      })
      .meta({ description: 'span or resource attribute = value, compared as text' }),
  })
  .refine((s) => Object.keys(s).some((k) => k !== 'label'), {
    message:
      'a step needs at least one condition (name, service, kind, agent, model, tool, status, attributes)',
  })
  .meta({ id: 'FunnelStep' });
export type FunnelStep = z.infer<typeof funnelStepSchema>;

const instantBody = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(instantNs);

export const funnelQueryBody = z
  .strictObject({
    steps: z.array(funnelStepSchema).min(2).max(MAX_FUNNEL_STEPS),
    by: z.enum(['session', 'user']).default('session'),
    /** Every later step must happen within this long of the first. */
    withinSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86400)
      .default(86400),
    from: instantBody.meta({ description: 'ISO-8601 or epoch ms', type: 'string' }),
    to: instantBody.meta({ description: 'ISO-8601 or epoch ms', type: 'string' }),
  })
  .refine((b) => b.to > b.from, { message: '`to` must be after `from`', path: ['to'] })
  .refine((b) => b.to - b.from <= BigInt(MAX_ANALYTICS_RANGE_DAYS) * 86_400_000_000_000n, {
    message: `the range may cover at most ${MAX_ANALYTICS_RANGE_DAYS} days`,
    path: ['from'],
  })
  .meta({ id: 'FunnelQuery' });
export type FunnelQueryBody = z.input<typeof funnelQueryBody>;

export const funnelStepResultSchema = z.object({
  label: z.string(),
  count: z.number().int().meta({ description: 'sessions (or users) that reached this step in order' }),
  conversionFromPrevious: z
    .number()
    .nullable()
    .meta({ description: 'count / previous count (null: previous 0)' }),
  conversionFromFirst: z.number().nullable(),
  dropOff: z.number().int().meta({ description: 'previous count − count (0 for the first step)' }),
  p50MsFromPrevious: z.number().nullable(),
  p95MsFromPrevious: z.number().nullable(),
  p50MsFromFirst: z.number().nullable(),
  p95MsFromFirst: z.number().nullable(),
});

export const funnelResultSchema = z
  .object({
    by: z.enum(['session', 'user']),
    steps: z.array(funnelStepResultSchema),
    entered: z.number().int(),
    converted: z.number().int(),
    conversion: z.number().nullable().meta({ description: 'converted / entered' }),
  })
  .meta({ id: 'FunnelResult' });
export type FunnelResultJson = z.infer<typeof funnelResultSchema>;

/**
 * A spending budget (`budgets:` in the config): cost over a rolling window per user or per agent.
 * Each becomes a threshold alert rule on the span measure `cost` grouped by user (agent), so alerting
 * evaluates, routes, silences and notifies it like any rule: one alert per user (agent) at or over
 * `limitUsd`, named after the budget, labelled `budget=<name>`.
 */
export const budgetSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
        'a name is 1–128 of letters, digits, "_", ".", ":" and "-"',
      ),
    project: projectIdSchema.default(DEFAULT_PROJECT),
    /** Whose spending: each user's, or each agent's. */
    by: z.enum(['user', 'agent']),
    /** Only this agent's spending (with by: agent, one agent's budget; with by: user, each user's spend on this agent). */
    agent: z.string().min(1).max(1000).optional(),
    limitUsd: z.number().positive(),
    /** The rolling window the cost is summed over. */
    window: durationSchema.default(86_400_000),
    /** Over budget this long before the alert fires. */
    for: durationSchema.optional(),
    labels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/), z.string().max(1000)).default({}),
  })
  .meta({ id: 'Budget' });
export type Budget = z.infer<typeof budgetSchema>;
