/**
 * SLO specs (the `slos:` section of the config file, and what `witness slo import` produces from
 * OpenSLO), and the answers of `GET /api/slos` and `GET /api/slos/{name}`.
 */
import { z } from 'zod';
import { DEFAULT_PROJECT, projectIdSchema } from './access.js';
import { SPAN_KINDS } from './constants.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
/** Longest duration a spec may name: one year (SLO windows longer than that are not rolling windows). */
export const MAX_DURATION_MS = 366 * 86_400_000;

/** `500ms`, `30s`, `5m`, `1h`, `28d`, `1w`, or combined Prometheus style (`1h30m`), into milliseconds. */
export function parseDurationMs(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 40) return null;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    end = re.lastIndex;
  }
  return end === trimmed.length && total > 0 ? total : null;
}

/** Milliseconds back into the shortest Prometheus duration text (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** A duration in a spec: text such as `30s`, `5m`, `28d` (or milliseconds as a number), parsed to ms. */
export const durationSchema = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDurationMs(value);
    if (ms === null || !(ms > 0) || ms > MAX_DURATION_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 30s, 5m, 1h, 28d (at most one year); got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'a duration: 500ms, 30s, 5m, 1h, 28d, 1w (or milliseconds)', type: 'string' });

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'a name is 1–128 of letters, digits, "_", ".", ":" and "-"');

/** Which spans an SLI counts: the filters of `GET /api/traces`, applied to each span. */
export const spanSelectorSchema = z
  .strictObject({
    service: z.string().min(1).max(1000).optional(),
    kind: z.enum(SPAN_KINDS).optional(),
    name: z.string().min(1).max(1000).optional().meta({ description: 'exact span name' }),
    agent: z.string().min(1).max(1000).optional(),
    model: z.string().min(1).max(1000).optional(),
    tool: z.string().min(1).max(1000).optional(),
    attributes: z
      .record(z.string().min(1).max(200), z.string().max(1000))
      .refine((a) => Object.keys(a).length <= 10, 'at most 10 attribute filters')
      .optional()
      .meta({ description: 'span attribute key → value, compared as text (at most 10)' }),
  })
  .meta({ id: 'SpanSelector' });
export type SpanSelector = z.infer<typeof spanSelectorSchema>;

/** An ingested OTLP metric counted over a window (its increase), optionally one attribute-filtered slice. */
const metricRef = z.strictObject({
  metric: z.string().min(1).max(500),
  service: z.string().min(1).max(1000).optional(),
  attributes: z.record(z.string().min(1).max(200), z.string().max(1000)).optional(),
});

export const sliSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('error_ratio'),
      /** Bad events are the selected spans with status error. */
      spans: spanSelectorSchema.prefault({}),
    }),
    z.strictObject({
      kind: z.literal('latency'),
      /** Bad events are the selected spans that took longer than `thresholdMs`. */
      spans: spanSelectorSchema.prefault({}),
      thresholdMs: z.number().positive().max(86_400_000),
    }),
    z.strictObject({
      kind: z.literal('metric_ratio'),
      /** Bad events: the increase of this counter; total events: the increase of `total`. */
      errors: metricRef,
      total: metricRef,
    }),
  ])
  .meta({ id: 'Sli' });
export type Sli = z.infer<typeof sliSchema>;

export const SEVERITIES = ['page', 'ticket'] as const;

/** One multiwindow burn-rate alert: fires while the burn rate over both windows is at least `factor`. */
export const burnRatePairSchema = z
  .strictObject({
    severity: z.enum(SEVERITIES),
    long: durationSchema,
    short: durationSchema,
    factor: z.number().positive().max(100_000),
  })
  .refine((p) => p.short < p.long, 'the short window must be shorter than the long one')
  .meta({ id: 'BurnRatePair' });
export type BurnRatePair = z.infer<typeof burnRatePairSchema>;

/**
 * The SRE workbook's multiwindow, multi-burn-rate alerts (chapter 5, table 5-8) for a 30-day budget:
 * 2% of the budget in 1 h, 5% in 6 h page; 10% in 1 d, 10% in 3 d open a ticket.
 */
export const WORKBOOK_PAIRS: BurnRatePair[] = [
  { severity: 'page', long: 3_600_000, short: 300_000, factor: 14.4 },
  { severity: 'page', long: 21_600_000, short: 1_800_000, factor: 6 },
  { severity: 'ticket', long: 86_400_000, short: 7_200_000, factor: 3 },
  { severity: 'ticket', long: 259_200_000, short: 21_600_000, factor: 1 },
];

const labelsSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'a label name is a Prometheus label name'),
  z.string().max(1000),
);
export const annotationsSchema = z
  .strictObject({
    summary: z.string().max(2000).optional(),
    description: z.string().max(10_000).optional(),
    runbook_url: z.string().url().max(2000).optional(),
  })
  .catchall(z.string().max(10_000));

export const sloSpecSchema = z
  .strictObject({
    name,
    /** The project whose spans it counts and whose API answers show it. */
    project: projectIdSchema.default(DEFAULT_PROJECT),
    description: z.string().max(2000).optional(),
    sli: sliSchema,
    /** Fraction of good events aimed for, e.g. 0.99 (the error budget is 1 - objective). */
    objective: z.number().gt(0).lt(1),
    /** Rolling window the objective and the budget are measured over. */
    window: durationSchema.default(2_419_200_000),
    alerting: z
      .strictObject({
        /** Set false to track the SLO without burn-rate alerts. */
        enabled: z.boolean().default(true),
        /** Burn-rate window pairs; default the SRE workbook's four. */
        pairs: z.array(burnRatePairSchema).min(1).max(8).optional(),
        labels: labelsSchema.default({}),
        annotations: annotationsSchema.default({}),
      })
      .prefault({}),
    labels: labelsSchema.default({}),
  })
  .meta({ id: 'SloSpec' });
export type SloSpecInput = z.input<typeof sloSpecSchema>;
export type SloSpec = z.infer<typeof sloSpecSchema>;

/** The pairs an SLO alerts on (its own, else the workbook's). */
export const pairsOf = (slo: SloSpec): BurnRatePair[] => slo.alerting.pairs ?? WORKBOOK_PAIRS;

// ---- answers ------------------------------------------------------------------------------------

export const burnWindowSchema = z.object({
  window: z.string().meta({ description: 'duration text, e.g. 1h' }),
  windowMs: z.number(),
  burnRate: z
    .number()
    .nullable()
    .meta({ description: 'error ratio / error budget over the window; null without events' }),
  errorRatio: z.number().nullable(),
  events: z.number(),
});

export const sloStatusSchema = z
  .object({
    name: z.string(),
    project: z.string(),
    description: z.string().nullable(),
    sliKind: z.enum(['error_ratio', 'latency', 'metric_ratio']),
    objective: z.number(),
    window: z.string(),
    windowMs: z.number(),
    evaluatedAt: z
      .string()
      .nullable()
      .meta({ description: 'ISO time of the last evaluation; null before the first' }),
    sli: z
      .number()
      .nullable()
      .meta({ description: 'good events / all events over the SLO window; null without events' }),
    events: z.number().meta({ description: 'events over the SLO window' }),
    badEvents: z.number(),
    errorBudget: z.number().meta({ description: '1 - objective' }),
    budgetRemaining: z
      .number()
      .nullable()
      .meta({ description: 'fraction of the error budget left (negative when overspent)' }),
    burnRates: z.array(burnWindowSchema),
    pairs: z.array(
      z.object({
        severity: z.enum(SEVERITIES),
        long: z.string(),
        short: z.string(),
        factor: z.number(),
        longBurnRate: z.number().nullable(),
        shortBurnRate: z.number().nullable(),
        firing: z.boolean(),
      }),
    ),
    exhaustionAt: z.string().nullable().meta({
      description:
        'when the budget runs out at the current (1 h, else longest) burn rate; null when not burning',
    }),
    history: z
      .array(z.tuple([z.number(), z.number().nullable()]))
      .meta({ description: '[epoch ms, burn rate over the shortest window] at each recent evaluation' }),
  })
  .meta({ id: 'SloStatus' });
export type SloStatusJson = z.infer<typeof sloStatusSchema>;

export const sloListSchema = z.object({ slos: z.array(sloStatusSchema) }).meta({ id: 'SloList' });
export const sloPathParams = z.strictObject({ name });
