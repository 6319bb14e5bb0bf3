/**
 * `GET /api/metrics/query?metric=&groupBy=&from=&to=&step=&agg=`: time series for the UI, over both
 * span-derived measures (metric = rate, error_ratio, p95, tokens, cost…, answered by Store.spanSeries)
 * and ingested OTLP metrics (metric = the OTLP name; agg = avg|sum|min|max|last|count|rate|increase|
 * p50|p95|p99). An ingested metric whose name collides with a span measure is reached as `otlp:<name>`.
 */
import {
  MAX_ATTR_FILTERS,
  MAX_BUCKETS,
  METRIC_AGGS,
  type MetricAgg,
  metricQueryParams,
  PROJECT_PARAM,
  SPAN_GROUPS,
  SPAN_MEASURES,
} from '@witness/protocol';
import { Hono } from 'hono';
// the principal module alone: auth/index pulls in OIDC sign-in, which imports the audit routes
import { projectOf } from '../auth/principal.js';
import { WitnessError } from '../http/index.js';
import type { SeriesGroupBy, SeriesMeasure, Store } from '../store/types.js';
import { aggregatePoints, defaultAgg } from './otlp/aggregate-points.js';
import { type MetricPoints, TooManyPointsError } from './otlp/metric-store.js';

// The parameters are part of the API contract: @witness/protocol validates them and documents them.
const params = metricQueryParams;
/** Most `attr.<key>` filters on one query (the trace search allows the same). */
export const MAX_ATTRIBUTE_FILTERS = MAX_ATTR_FILTERS; // part of the API contract (@witness/protocol)

export interface MetricsQueryOptions {
  /** The store, once open (null: 503). */
  store: () => Store | null;
  /** Ingested OTLP points, once open (null: only span measures). */
  points: () => MetricPoints | null;
  now?: () => number;
}

function bad(message: string): never {
  throw new WitnessError('BAD_REQUEST', message);
}

function unavailable(): never {
  throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
    retryAfterSeconds: 1,
  });
}

export function metricsQueryRoutes(options: MetricsQueryOptions): Hono {
  const app = new Hono();
  const now = options.now ?? Date.now;

  app.get('/api/metrics/query', async (c) => {
    // the read stops when the client leaves (and at its deadline, and at shutdown)
    const read = { signal: c.req.raw.signal };
    const raw = c.req.query();
    const fixed: Record<string, string> = {};
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (k === PROJECT_PARAM) continue; // the request's project, read by the principal middleware
      if (k.startsWith('attr.') && k.length > 5) attrs[k.slice(5)] = v;
      else fixed[k] = v;
    }
    // Each attr.* filter is a JSON extraction per row: bounded as on /api/traces.
    if (Object.keys(attrs).length > MAX_ATTRIBUTE_FILTERS)
      bad(
        `${Object.keys(attrs).length} attr.* filters given; at most ${MAX_ATTRIBUTE_FILTERS}: drop some, or narrow with service/from/to`,
      );
    const parsed = params.safeParse(fixed);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (issue.code === 'unrecognized_keys')
        bad(`unknown query parameter "${issue.keys[0]}"; see docs/metrics.md for this endpoint`);
      bad(`query parameter "${issue.path.map(String).join('.')}": ${issue.message}`);
    }
    const p = parsed.data;
    const toMs = p.to ?? now();
    const fromMs = p.from ?? Math.max(0, toMs - 3600_000);
    if (fromMs >= toMs) bad('query parameter "from" must be before "to"');
    const stepSeconds = p.step ?? Math.max(1, Math.ceil((toMs - fromMs) / 1000 / 120));
    const buckets = Math.ceil((toMs - fromMs) / 1000 / stepSeconds);
    if (buckets > MAX_BUCKETS)
      bad(
        `query parameter "step": from..to / step gives ${buckets} points per series; at most ${MAX_BUCKETS}: use a larger step`,
      );

    // Span-derived measures: metric=<measure>, or metric=spans&agg=<measure>.
    const measure = (p.metric === 'spans' ? (p.agg ?? 'rate') : p.metric) as SeriesMeasure;
    if (SPAN_MEASURES.includes(measure)) {
      if (p.groupBy !== undefined && !SPAN_GROUPS.includes(p.groupBy as SeriesGroupBy)) {
        bad(`query parameter "groupBy": span series group by one of ${SPAN_GROUPS.join(', ')}`);
      }
      if (Object.keys(attrs).length > 0) bad('attr.<key> filters apply to ingested metrics only');
      const store = options.store() ?? unavailable();
      const filter = { service: p.service, kind: p.kind, agent: p.agent, model: p.model, tool: p.tool };
      const series = await store.spanSeries(
        {
          project: projectOf(c),
          measure,
          groupBy: p.groupBy as SeriesGroupBy | undefined,
          fromUnixNano: BigInt(fromMs) * 1_000_000n,
          toUnixNano: BigInt(toMs) * 1_000_000n,
          stepSeconds,
          filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)),
          limit: p.limit,
        },
        read,
      );
      return c.json({
        metric: p.metric,
        source: 'spans',
        measure,
        from: fromMs,
        to: toMs,
        step: stepSeconds,
        series,
      });
    }
    if (p.metric === 'spans')
      bad(`query parameter "agg": span series measure one of ${SPAN_MEASURES.join(', ')}`);

    // Ingested OTLP metrics.
    const name = p.metric.startsWith('otlp:') ? p.metric.slice(5) : p.metric;
    const points = options.points() ?? unavailable();
    const info = await points.describe(projectOf(c), name, read);
    if (!info) {
      throw new WitnessError(
        'NOT_FOUND',
        `no metric "${name}" has been received; span series are ${SPAN_MEASURES.join(', ')}, and GET /api/metrics/names lists ingested metrics`,
      );
    }
    const agg = (p.agg ?? defaultAgg(info.type, info.monotonic)) as MetricAgg;
    if (!METRIC_AGGS.includes(agg)) bad(`query parameter "agg": one of ${METRIC_AGGS.join(', ')}`);
    if ((agg === 'p50' || agg === 'p95' || agg === 'p99') && (info.type === 'gauge' || info.type === 'sum')) {
      bad(`query parameter "agg": ${agg} needs a histogram or summary; "${name}" is a ${info.type}`);
    }
    for (const key of [p.groupBy, ...Object.keys(attrs)]) {
      if (key && key !== 'service' && (key.startsWith('$') || key.startsWith('/')))
        bad(`attribute key "${key}" may not start with $ or /`);
    }
    const lookbackMs = stepSeconds * 1000;
    let rows: Awaited<ReturnType<MetricPoints['query']>>;
    try {
      rows = await points.query(
        {
          project: projectOf(c),
          metric: name,
          fromNs: BigInt(Math.max(0, fromMs - lookbackMs)) * 1_000_000n,
          toNs: BigInt(toMs) * 1_000_000n,
          service: p.service,
          attributes: attrs,
          groupBy: p.groupBy,
        },
        read,
      );
    } catch (err) {
      if (err instanceof TooManyPointsError) bad(err.message);
      throw err;
    }
    const series = aggregatePoints(rows, { agg, fromMs, toMs, stepSeconds, limit: p.limit });
    return c.json({
      metric: name,
      source: 'otlp',
      type: info.type,
      unit: info.unit,
      agg,
      from: fromMs,
      to: toMs,
      step: stepSeconds,
      series,
    });
  });

  app.get('/api/metrics/names', async (c) => {
    const points = options.points() ?? unavailable();
    return c.json({
      spanMeasures: SPAN_MEASURES,
      metrics: await points.listMetrics(projectOf(c), { signal: c.req.raw.signal }),
    });
  });

  return app;
}
