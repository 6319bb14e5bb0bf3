/**
 * Evaluation scores: a number or a label about a span, a trace or a session, from a person (`human`),
 * a judge model (`model`) or code (`code`). Schemas of `POST/GET /api/scores` and
 * `GET /api/scores/summary`, and the score filter of the trace list (`score=name>0.5`).
 */
import { z } from 'zod';
import { pageSchema } from './common.js';
import {
  instantMs,
  instantNs,
  integer,
  pageLimit,
  TRACE_ID_RE,
  text,
  traceId,
  withOrderedRange,
} from './query-values.js';

export const SCORE_SOURCES = ['human', 'model', 'code'] as const;
export type ScoreSource = (typeof SCORE_SOURCES)[number];

/** Longest score name and label: they are group keys, not prose. */
export const MAX_SCORE_NAME = 200;
/** Longest comment (an explanation from a judge model can be a paragraph or two). */
export const MAX_SCORE_COMMENT = 4000;
/** Most score filters on one trace search (each is a semi-join over scores). */
export const MAX_SCORE_FILTERS = 3;

const spanId = z
  .string()
  .regex(/^[0-9a-f]{16}$/i, 'expected a span id: 16 hex characters')
  .transform((s) => s.toLowerCase());

export const scoreSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    value: z.number().nullable().meta({ description: 'numeric result; null for a label-only score' }),
    label: z.string().nullable().meta({ description: 'categorical result (pass, relevant…)' }),
    traceId: z.string().nullable(),
    spanId: z.string().nullable(),
    sessionId: z.string().nullable(),
    source: z.enum(SCORE_SOURCES),
    comment: z.string().nullable(),
    author: z
      .string()
      .nullable()
      .meta({ description: 'who scored: the signed-in person or key, or the evaluator' }),
    /** Agent and model of the scored span or trace, filled when the score is written (for the summary). */
    agent: z.string().nullable(),
    model: z.string().nullable(),
    time: z.string().meta({ description: 'ISO 8601' }),
  })
  .meta({ id: 'Score' });
export type ScoreJson = z.infer<typeof scoreSchema>;

/** `POST /api/scores`: one score. */
export const scoreBodySchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected 1..128 characters of A-Z a-z 0-9 . _ : -')
      .optional()
      .meta({
        description: 'your id: sending the same id again replaces the score (edit); default a new one',
      }),
    name: z.string().trim().min(1).max(MAX_SCORE_NAME),
    value: z.number().finite().optional(),
    label: z.string().trim().min(1).max(MAX_SCORE_NAME).optional(),
    traceId: z
      .string()
      .regex(TRACE_ID_RE, 'expected a trace id: 32 hex characters')
      .transform((s) => s.toLowerCase())
      .optional(),
    spanId: spanId.optional(),
    sessionId: z.string().min(1).max(MAX_SCORE_NAME).optional(),
    source: z.enum(SCORE_SOURCES).default('human'),
    comment: z.string().max(MAX_SCORE_COMMENT).optional(),
    time: instantMs.optional().meta({ description: 'when the score was given; default now' }),
  })
  .refine((b) => b.value !== undefined || b.label !== undefined, {
    message: 'a score needs a value (number) or a label (text), or both',
    path: ['value'],
  })
  .refine((b) => b.traceId !== undefined || b.sessionId !== undefined, {
    message: 'a score is about a trace (traceId, optionally spanId) or a session (sessionId)',
    path: ['traceId'],
  })
  .refine((b) => b.spanId === undefined || b.traceId !== undefined, {
    message: 'spanId needs the traceId of its trace',
    path: ['spanId'],
  })
  .meta({ id: 'ScoreBody' });
export type ScoreBody = z.input<typeof scoreBodySchema>;

export const scoreSearchParams = withOrderedRange(
  z.strictObject({
    traceId: traceId.optional().meta({ description: 'scores of this trace (trace-level and span-level)' }),
    spanId: spanId.optional(),
    sessionId: text.optional().meta({ description: 'scores of this session and of its traces' }),
    name: text.optional(),
    source: z.enum(SCORE_SOURCES).optional(),
    from: instantNs.optional(),
    to: instantNs.optional(),
    limit: pageLimit(1000, 100),
    cursor: text.optional(),
  }),
);

export const scorePageSchema = pageSchema(scoreSchema).meta({ id: 'ScorePage' });

export const SCORE_GROUPS = ['agent', 'model', 'none'] as const;
/** Most buckets of one score summary ((to − from) / step). */
export const MAX_SCORE_SUMMARY_BUCKETS = 2000;

export const scoreSummaryParams = z.strictObject({
  name: text.optional().meta({ description: 'one score name; default every name' }),
  groupBy: z.enum(SCORE_GROUPS).default('agent'),
  source: z.enum(SCORE_SOURCES).optional(),
  from: instantMs.optional().meta({ description: 'default: 24 hours before `to`' }),
  to: instantMs.optional().meta({ description: 'default: now' }),
  step: integer(60, 366 * 86_400, 'bucket width in seconds')
    .optional()
    .meta({ description: 'bucket width in seconds, 60..1 year; default about 60 buckets' }),
});

export const scoreSummaryGroupSchema = z.object({
  name: z.string(),
  /** The agent or model (per groupBy); '' for scores without one. */
  group: z.string(),
  count: z.number().int(),
  /** Over numeric scores only; null when the group has labels only. */
  avg: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** How often each label was given (the 20 most frequent). */
  labels: z.record(z.string(), z.number().int()),
  /** [bucket start epoch ms, average value or null, count]. */
  points: z.array(z.tuple([z.number(), z.number().nullable(), z.number().int()])),
});
export type ScoreSummaryGroupJson = z.infer<typeof scoreSummaryGroupSchema>;

export const scoreSummarySchema = z
  .object({
    from: z.number(),
    to: z.number(),
    step: z.number(),
    groupBy: z.enum(SCORE_GROUPS),
    groups: z.array(scoreSummaryGroupSchema),
  })
  .meta({ id: 'ScoreSummary' });
export type ScoreSummaryJson = z.infer<typeof scoreSummarySchema>;

/** One `score=` filter of the trace list: a numeric comparison or a label equality. */
export interface ScoreFilter {
  name: string;
  op: '>' | '>=' | '<' | '<=' | '=' | '!=';
  /** A number compares with the value; text compares with the label (`=` and `!=` only). */
  value: number | string;
}

const SCORE_FILTER_RE = /^([^<>=!]{1,200}?)\s*(>=|<=|!=|>|<|=)\s*(.{1,200})$/s;

/**
 * Parses `name>0.5`, `helpfulness<=2`, `verdict=pass`: a number on the right compares with the
 * value, anything else with the label. Null when the text is not such an expression.
 */
export function parseScoreFilter(textValue: string): ScoreFilter | null {
  const m = SCORE_FILTER_RE.exec(textValue.trim());
  if (!m) return null;
  const name = m[1].trim();
  const op = m[2] as ScoreFilter['op'];
  const right = m[3].trim();
  if (name === '' || right === '') return null;
  if (/^-?\d{1,16}(\.\d{1,9})?$/.test(right)) return { name, op, value: Number(right) };
  if (op !== '=' && op !== '!=') return null;
  return { name, op, value: right };
}
