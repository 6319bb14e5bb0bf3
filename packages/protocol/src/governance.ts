/** Governance: policy violations as `GET /api/governance/violations` and `/summary` show them. */
import { z } from 'zod';
import { instantMs, integer, pageLimit } from './query-values.js';

export const POLICY_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const POLICY_ACTIONS = ['record', 'alert', 'redact'] as const;
export type PolicySeverity = (typeof POLICY_SEVERITIES)[number];
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

const name = z.string().min(1).max(512);

export const violationSearchParams = z.strictObject({
  from: instantMs
    .optional()
    .meta({ description: 'violations of spans started at or after: ISO-8601 or epoch ms' }),
  to: instantMs.optional().meta({ description: 'violations of spans started before: ISO-8601 or epoch ms' }),
  policy: name.optional(),
  severity: z.enum(POLICY_SEVERITIES).optional(),
  agent: name.optional(),
  mode: name.optional(),
  traceId: name.optional(),
  cursor: integer(0, Number.MAX_SAFE_INTEGER, 'a violation id')
    .optional()
    .meta({ description: 'nextCursor of the previous page' }),
  limit: pageLimit(1000, 100),
});
export type ViolationSearchParams = z.input<typeof violationSearchParams>;

export const violationSchema = z
  .object({
    id: z.number().int(),
    time: z.string().meta({ description: "the span's start, ISO 8601 UTC" }),
    policy: z.string(),
    severity: z.enum(POLICY_SEVERITIES),
    action: z.enum(POLICY_ACTIONS),
    traceId: z.string(),
    spanId: z.string(),
    spanName: z.string(),
    service: z.string(),
    kind: z.string(),
    agent: z.string().nullable(),
    tool: z.string().nullable(),
    mode: z.string().nullable(),
    matched: z
      .record(z.string(), z.unknown())
      .meta({ description: 'the values of the span/trace fields the expression reads, as they were' }),
  })
  .meta({ id: 'Violation' });
export type ViolationJson = z.infer<typeof violationSchema>;

export const violationPageSchema = z.object({
  items: z.array(violationSchema),
  nextCursor: z.string().nullable(),
});

export const violationSummaryParams = z.strictObject({
  from: instantMs.optional().meta({ description: 'default: 24 hours ago' }),
  to: instantMs.optional().meta({ description: 'default: now' }),
});

const countBy = z.array(z.object({ key: z.string(), count: z.number().int() }));
export const violationSummarySchema = z.object({
  from: z.string(),
  to: z.string(),
  total: z.number().int(),
  bucketMs: z.number().int(),
  overTime: z.array(z.object({ time: z.string(), count: z.number().int() })),
  byPolicy: countBy,
  bySeverity: countBy,
  byAgent: countBy,
  byMode: countBy,
  policies: z
    .array(
      z.object({
        name: z.string(),
        description: z.string(),
        expression: z.string(),
        severity: z.enum(POLICY_SEVERITIES),
        action: z.enum(POLICY_ACTIONS),
      }),
    )
    .meta({ description: 'the policies in force now' }),
});
export type ViolationSummaryJson = z.infer<typeof violationSummarySchema>;
