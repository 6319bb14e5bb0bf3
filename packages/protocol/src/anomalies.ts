/** `GET /api/anomalies`: parameters and answer. */
import { z } from 'zod';
import { pageSchema } from './common.js';
import { ANOMALY_KINDS } from './constants.js';
import { decimal, instantMs, pageLimit, text } from './query-values.js';

/** Query parameters of `GET /api/anomalies`. */
export const anomalySearchParams = z.strictObject({
  kind: z
    .enum(ANOMALY_KINDS)
    .optional()
    .meta({ description: `one of ${ANOMALY_KINDS.join(', ')}` }),
  agent: text.optional().meta({ description: 'agent name the anomaly is about' }),
  service: text.optional().meta({ description: 'service.name the anomaly is about' }),
  since: instantMs
    .optional()
    .meta({ description: 'anomaly time at or after: ISO-8601 or epoch milliseconds' }),
  until: instantMs
    .optional()
    .meta({ description: 'anomaly time at or before: ISO-8601 or epoch milliseconds' }),
  limit: pageLimit(500, 50),
  cursor: text.optional().meta({ description: 'nextCursor of the previous page' }),
});
export type AnomalySearchParams = z.input<typeof anomalySearchParams>;

const num = z.number().nullable();

/** One anomaly event, as stored and listed. */
export const anomalySchema = z
  .object({
    id: z.string(),
    kind: z.enum(ANOMALY_KINDS),
    metric: z.string().nullable().meta({
      description:
        'series: calls, error_ratio, latency_p95 (ms), tokens or cost (USD) per bucket; runs: cost, tokens, steps; loops and new tools/models: the tool or model',
    }),
    labels: z
      .object({
        service: z.string().nullable(),
        agent: z.string().nullable(),
        model: z.string().nullable(),
        tool: z.string().nullable(),
      })
      .meta({ description: 'the series or run the anomaly is about' }),
    timeMs: z.number().meta({ description: 'epoch ms: the bucket start (series) or the run end' }),
    score: z.number().meta({ description: '0..1; 0.5 is the alarm level for every kind' }),
    value: num.meta({ description: 'what was seen' }),
    expected: num.meta({
      description: 'what was expected (series: the learned level; runs: the agent median)',
    }),
    lower: num,
    upper: num,
    traceIds: z.array(z.string()).meta({ description: 'traces behind the anomaly, when known' }),
    message: z.string(),
    points: z
      .array(z.tuple([z.number(), z.number(), z.number().nullable()]))
      .meta({ description: 'series: the recent buckets [timeMs, value, expected], the last one anomalous' }),
  })
  .meta({ id: 'Anomaly' });
export type AnomalyJson = z.infer<typeof anomalySchema>;

export const anomalyPageSchema = pageSchema(anomalySchema).meta({ id: 'AnomalyPage' });
export type AnomalyPageJson = z.infer<typeof anomalyPageSchema>;

/** Query parameters of `GET /api/forecasts/cost`. */
export const costForecastParams = z.strictObject({
  budgetUsd: decimal(0.000001, 1e12, 'the monthly budget in USD')
    .optional()
    .meta({ description: 'monthly budget, USD; default anomaly.monthlyCostBudgetUsd' }),
  service: text.optional().meta({ description: 'only the cost of this service' }),
  agent: text.optional().meta({ description: 'only the cost of this agent' }),
});
export type CostForecastParams = z.input<typeof costForecastParams>;

/** `GET /api/forecasts/cost`: "at this rate the monthly budget is spent on <date>". */
export const costForecastSchema = z
  .object({
    budgetUsd: z.number(),
    spentUsd: z
      .number()
      .meta({ description: 'cost of the project (filtered) since the start of the UTC month' }),
    monthStartMs: z.number(),
    monthEndMs: z.number(),
    hourlyRateUsd: z.number().meta({ description: 'mean cost per hour over the last 24 hours' }),
    forecastMonthUsd: z.number().nullable().meta({
      description: 'spent plus the Holt–Winters forecast to the end of the month; null without history',
    }),
    exhaustedAtMs: z.number().nullable().meta({
      description: 'when the budget is (or is forecast to be) spent this month; null when not this month',
    }),
    status: z.enum(['exhausted', 'will_exhaust', 'on_track', 'insufficient_history']),
    historyHours: z
      .number()
      .int()
      .meta({ description: 'hourly points the forecast was fitted on (≥ 48 needed)' }),
  })
  .meta({ id: 'CostForecast' });
export type CostForecastJson = z.infer<typeof costForecastSchema>;

/** `GET /api/forecasts/disk`: when the data dir fills its filesystem at the current growth (server-wide). */
export const diskForecastSchema = z
  .object({
    usedBytes: z
      .number()
      .meta({ description: 'bytes of the files in the data dir (all projects), latest sample' }),
    freeBytes: z.number().meta({ description: "bytes free on the data dir's filesystem, latest sample" }),
    capacityBytes: z.number().meta({
      description: 'size at which the data dir is full: used + free, or anomaly.diskLimitBytes if smaller',
    }),
    bytesPerDay: z
      .number()
      .nullable()
      .meta({ description: 'growth over the last 24 hours (or the history, if shorter), per day' }),
    fullAtMs: z.number().nullable().meta({
      description:
        'when the data dir is forecast to be full (Holt–Winters on its hourly size); null when not growing',
    }),
    status: z.enum(['full', 'will_fill', 'no_growth', 'insufficient_history', 'disabled']),
    historyHours: z
      .number()
      .int()
      .meta({ description: 'hourly points the forecast was fitted on (≥ 12 needed)' }),
  })
  .meta({ id: 'DiskForecast' });
export type DiskForecastJson = z.infer<typeof diskForecastSchema>;
