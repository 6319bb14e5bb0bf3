/**
 * Alert rules, receivers, routing and silences (the `alerts:` section of the config file), and the
 * answers of `GET /api/alerts` and `/api/silences`.
 */
import { z } from 'zod';
import { DEFAULT_PROJECT, projectIdSchema } from './access.js';
import { ANOMALY_KINDS, METRIC_AGGS, SPAN_GROUPS, SPAN_KINDS, SPAN_MEASURES } from './constants.js';
import { annotationsSchema, durationSchema, spanSelectorSchema } from './slo.js';

const ruleName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'a name is 1–128 of letters, digits, "_", ".", ":" and "-"');
const labelsSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'a label name is a Prometheus label name'),
  z.string().max(1000),
);

/** What `GET /api/metrics/query` takes, as a rule's query: one value per series over `window`. */
export const metricQuerySpecSchema = z.strictObject({
  metric: z
    .string()
    .min(1)
    .max(500)
    .meta({
      description: `a span measure (${SPAN_MEASURES.join(', ')}) or an ingested OTLP metric name`,
    }),
  agg: z.enum(METRIC_AGGS).optional().meta({ description: 'ingested metrics only' }),
  groupBy: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({
      description: `span measures: ${SPAN_GROUPS.join(', ')}; ingested metrics: service or an attribute key`,
    }),
  service: z.string().min(1).max(1000).optional(),
  kind: z.enum(SPAN_KINDS).optional(),
  agent: z.string().min(1).max(1000).optional(),
  model: z.string().min(1).max(1000).optional(),
  tool: z.string().min(1).max(1000).optional(),
});
export type MetricQuerySpec = z.infer<typeof metricQuerySpecSchema>;

/** Which live anomalies an `anomaly` rule watches (docs/anomaly.md lists the kinds). */
export const anomalySelectorSchema = z.strictObject({
  kind: z.enum(ANOMALY_KINDS).optional(),
  agent: z.string().min(1).max(1000).optional(),
  service: z.string().min(1).max(1000).optional(),
  model: z.string().min(1).max(1000).optional(),
  tool: z.string().min(1).max(1000).optional(),
});

export const COMPARATORS = ['>', '>=', '<', '<=', '==', '!='] as const;

const common = {
  name: ruleName,
  project: projectIdSchema.default(DEFAULT_PROJECT),
  /** The condition must hold this long (pending) before the alert fires. */
  for: durationSchema.optional(),
  /** Once firing, keep firing until the condition has been false this long (damps flapping). */
  keepFiringFor: durationSchema.optional(),
  labels: labelsSchema.default({}),
  annotations: annotationsSchema.default({}),
};

export const alertRuleSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('threshold'),
      ...common,
      query: metricQuerySpecSchema,
      /** The series value is the measure over this last window (one bucket). */
      window: durationSchema.default(300_000),
      op: z.enum(COMPARATORS).default('>'),
      threshold: z.number(),
    }),
    z.strictObject({
      kind: z.literal('absent'),
      ...common,
      /** Fires when no span matching the selector started within `window`. */
      spans: spanSelectorSchema.prefault({}),
      window: durationSchema.default(600_000),
    }),
    z.strictObject({
      kind: z.literal('burn_rate'),
      ...common,
      /** An SLO of the same project. */
      slo: ruleName,
      long: durationSchema,
      short: durationSchema,
      factor: z.number().positive(),
    }),
    z.strictObject({
      kind: z.literal('anomaly'),
      ...common,
      /** Which anomalies count (all of the rule's project when empty); one alert per anomaly series. */
      anomalies: anomalySelectorSchema.prefault({}),
      /** Fires while an anomaly scoring at least this (0..1; 0.5 is every detector's alarm level)... */
      threshold: z.number().min(0).max(1).default(0.5),
      /** ...happened (its time: bucket start or run end) within this lookback; resolves when none remain. */
      lookback: durationSchema.default(900_000),
    }),
  ])
  .meta({ id: 'AlertRule' });
export type AlertRuleInput = z.input<typeof alertRuleSchema>;
export type AlertRule = z.infer<typeof alertRuleSchema>;

/**
 * A secret in a receiver: never inline in the YAML (it would land in backups and the audit log's
 * config entry), but named: an environment variable or a file.
 */
const secretRef = z
  .strictObject({
    env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
    file: z.string().min(1).optional(),
  })
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'give exactly one of env or file');
export type SecretRef = z.infer<typeof secretRef>;

const url = z.string().url().max(2000);
const receiverCommon = { name: ruleName, sendResolved: z.boolean().default(true) };

export const receiverSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('webhook'),
      ...receiverCommon,
      url,
      /** HMAC-SHA256 key: the body's signature goes in `X-Witness-Signature: sha256=<hex>`. */
      secret: secretRef.optional(),
    }),
    z.strictObject({
      type: z.literal('slack'),
      ...receiverCommon,
      /** The incoming-webhook URL is itself the credential: give it by env or file. */
      url: secretRef,
      channel: z.string().max(200).optional(),
    }),
    z.strictObject({
      type: z.literal('pagerduty'),
      ...receiverCommon,
      routingKey: secretRef,
      url: url.default('https://events.pagerduty.com/v2/enqueue'),
    }),
    z.strictObject({
      type: z.literal('alertmanager'),
      ...receiverCommon,
      /** Base URL of the Alertmanager (POST {url}/api/v2/alerts). */
      url,
    }),
  ])
  .meta({ id: 'Receiver' });
export type ReceiverInput = z.input<typeof receiverSchema>;
export type Receiver = z.infer<typeof receiverSchema>;

/** Alertmanager's matcher syntax: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`. */
export const matcherSchema = z
  .object({
    name: z.string().min(1).max(200),
    value: z.string().max(1000),
    isRegex: z.boolean().default(false),
    isEqual: z.boolean().default(true),
  })
  .meta({ id: 'Matcher' });
export type Matcher = z.infer<typeof matcherSchema>;

/** Parses `severity="page"` (and `=~`, `!=`, `!~`; quotes optional) into a matcher; null when malformed. */
export function parseMatcher(text: string): Matcher | null {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"]*?))\s*$/.exec(text);
  if (!m) return null;
  const op = m[2] as string;
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
  return { name: m[1] as string, value, isRegex: op.includes('~'), isEqual: !op.startsWith('!') };
}

const matcherText = z.string().transform((text, ctx) => {
  const m = parseMatcher(text);
  if (!m) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a matcher such as severity="page"; got ${JSON.stringify(text)}`,
    });
    return z.NEVER;
  }
  return m;
});

export const routeSchema = z.strictObject({
  /** Receiver of alerts no child route takes. */
  receiver: ruleName.nullable().default(null),
  /** One notification per distinct value of these labels; `...` groups by all labels. */
  groupBy: z.array(z.string().min(1)).default(['alertname', 'slo']),
  /** Wait this long after a group's first alert, collecting others, before the first notification. */
  groupWait: durationSchema.default(30_000),
  /** Wait this long before notifying a group again about new or resolved alerts. */
  groupInterval: durationSchema.default(300_000),
  /** Notify a group that did not change again after this long. */
  repeatInterval: durationSchema.default(14_400_000),
  /** First match wins: alerts matching all of a route's matchers go to its receiver. */
  routes: z
    .array(z.strictObject({ matchers: z.array(matcherText).min(1), receiver: ruleName }))
    .max(100)
    .default([]),
});
export type Route = z.infer<typeof routeSchema>;

// ---- answers and bodies -----------------------------------------------------------------------------

export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved'] as const;
export type AlertStateName = (typeof ALERT_STATES)[number];

export const alertSchema = z
  .object({
    fingerprint: z.string(),
    rule: z.string(),
    project: z.string(),
    state: z.enum(ALERT_STATES),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    since: z.string().meta({ description: 'ISO time the alert entered its state' }),
    activeAt: z.string().nullable(),
    firedAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    value: z.number().nullable(),
    silencedBy: z.array(z.string()),
    tracesUrl: z.string().nullable().meta({ description: 'UI link to the traces behind the alert' }),
  })
  .meta({ id: 'Alert' });
export type AlertJson = z.infer<typeof alertSchema>;
export const alertListSchema = z.object({ alerts: z.array(alertSchema) }).meta({ id: 'AlertList' });

export const silenceBodySchema = z
  .strictObject({
    id: z.string().uuid().optional().meta({ description: 'update this silence (or create it with this id)' }),
    matchers: z.array(matcherSchema).min(1).max(50),
    startsAt: z.string().datetime({ offset: true }).optional(),
    endsAt: z.string().datetime({ offset: true }),
    createdBy: z.string().min(1).max(200),
    comment: z.string().max(2000).default(''),
  })
  .meta({ id: 'SilenceBody' });
export type SilenceBody = z.input<typeof silenceBodySchema>;

export const silenceSchema = z
  .object({
    id: z.string(),
    project: z.string(),
    matchers: z.array(matcherSchema),
    startsAt: z.string(),
    endsAt: z.string(),
    createdBy: z.string(),
    comment: z.string(),
    status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  })
  .meta({ id: 'Silence' });
export type SilenceJson = z.infer<typeof silenceSchema>;
export const silenceListSchema = z.object({ silences: z.array(silenceSchema) }).meta({ id: 'SilenceList' });
export const silencePathParams = z.strictObject({ id: z.string().uuid() });
export const silenceCreatedSchema = z.object({ silenceID: z.string() }).meta({ id: 'SilenceCreated' });
