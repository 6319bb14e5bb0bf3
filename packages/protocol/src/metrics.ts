/** `GET /api/metrics/query` and `GET /api/metrics/names`: parameters and answers. */
import { z } from 'zod';
import { METRIC_AGGS, METRIC_TYPES, SPAN_KINDS, SPAN_MEASURES } from './constants.js';
import { instantMs, pageLimit } from './query-values.js';

/** Longest step: one year. A longer one only asks for one bucket over an absurd look-back. */
export const MAX_STEP_SECONDS = 366 * 86_400;
/** Points per series one query may ask for (from..to / step). */
export const MAX_BUCKETS = 2000;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** Seconds (`60`) or a duration (`30s`, `5m`, `1h`, `1d`), from 1 s to one year. */
const step = z
  .string()
  .trim()
  .max(40)
  .transform((value, ctx) => {
    const m = /^(\d{1,12}(?:\.\d{1,9})?)([smhd])?$/.exec(value);
    const seconds = m ? Number(m[1]) * (UNITS[m[2] ?? 's'] as number) : Number.NaN;
    if (!(seconds >= 1 && seconds <= MAX_STEP_SECONDS)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected seconds from 1 to ${MAX_STEP_SECONDS} (one year) or a duration such as 30s, 5m, 1h`,
      });
      return z.NEVER;
    }
    return seconds;
  })
  .meta({
    description: 'bucket width: seconds (60) or a duration (30s, 5m, 1h, 1d), 1 s..1 year',
    type: 'string',
  });

const label = z.string().min(1).max(500);

/** Query parameters of `GET /api/metrics/query` (besides `attr.<key>=<value>` for ingested metrics). */
export const metricQueryParams = z.strictObject({
  metric: label.meta({
    description: `a span measure (${SPAN_MEASURES.join(', ')}), "spans" with agg=<measure>, or an ingested OTLP metric name (otlp:<name> when it collides)`,
  }),
  groupBy: label.optional().meta({
    description:
      'span series: service, kind, name, model, provider, agent, tool, user, session; ingested metrics: service or an attribute key',
  }),
  from: instantMs
    .optional()
    .meta({ description: 'start: ISO-8601 or epoch milliseconds (default: to - 1 h)' }),
  to: instantMs.optional().meta({ description: 'end: ISO-8601 or epoch milliseconds (default: now)' }),
  step: step.optional(),
  agg: label.optional().meta({ description: `ingested metrics: ${METRIC_AGGS.join(', ')}` }),
  limit: pageLimit(100, 20).meta({ description: 'most series returned, 1..100 (default 20)' }),
  service: label.optional(),
  kind: z.enum(SPAN_KINDS).optional(),
  agent: label.optional(),
  model: label.optional(),
  tool: label.optional(),
});
export type MetricQueryParams = z.input<typeof metricQueryParams>;

export const metricSeriesSchema = z.object({
  labels: z.record(z.string(), z.string()),
  points: z
    .array(z.tuple([z.number(), z.number().nullable()]))
    .meta({ description: '[bucket start epoch ms, value]; durations in ms, rate per second, cost in USD' }),
});
export type MetricSeries = z.infer<typeof metricSeriesSchema>;

const window = { from: z.number(), to: z.number(), step: z.number(), series: z.array(metricSeriesSchema) };

export const metricQueryResultSchema = z
  .discriminatedUnion('source', [
    z.object({ metric: z.string(), source: z.literal('spans'), measure: z.enum(SPAN_MEASURES), ...window }),
    z.object({
      metric: z.string(),
      source: z.literal('otlp'),
      type: z.enum(METRIC_TYPES),
      unit: z.string(),
      agg: z.enum(METRIC_AGGS),
      ...window,
    }),
  ])
  .meta({ id: 'MetricQueryResult' });
export type MetricQueryResult = z.infer<typeof metricQueryResultSchema>;

export const metricNamesSchema = z
  .object({
    spanMeasures: z.array(z.enum(SPAN_MEASURES)),
    metrics: z.array(
      z.object({
        metric: z.string(),
        type: z.enum(METRIC_TYPES),
        unit: z.string(),
        description: z.string(),
        points: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'MetricNames' });
export type MetricNames = z.infer<typeof metricNamesSchema>;
