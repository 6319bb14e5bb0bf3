/**
 * `GET /api/anomalies`: the project's anomaly events, newest first; `GET /api/forecasts/cost`: when
 * the monthly cost budget is spent at the current rate. Both access `read`, both of `projectOf(c)`.
 * `GET /api/forecasts/disk`: when the data dir fills its filesystem (server-wide, `read`).
 */
import { anomalySearchParams, costForecastParams } from '@witness/protocol';
import { Hono } from 'hono';
import { projectOf } from '../../auth/principal.js';
import { WitnessError } from '../../http/index.js';
import { parseQuery } from '../../query/index.js';
import type { Store } from '../../store/index.js';
import { forecastCost, HISTORY_HOURS, HOUR_MS, monthBounds } from '../cost-forecast.js';
import type { DiskWatch } from '../disk/index.js';
import type { LiveAnomalies } from './live-anomalies.js';

export interface AnomalyRoutesOptions {
  /** Live detection, once the store is open (null before, or when `anomaly.enabled` is false). */
  live: () => LiveAnomalies | null;
  store: () => Store | null;
  /** `anomaly.monthlyCostBudgetUsd`: the budget when a request names none. */
  monthlyCostBudgetUsd: number | null;
  /** The data dir's size watch (server-wide), null when none runs. */
  disk?: DiskWatch | null;
}

const unavailable = () =>
  new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
    retryAfterSeconds: 1,
  });

export function anomalyRoutes(options: AnomalyRoutesOptions): Hono {
  const api = new Hono();
  api.get('/anomalies', async (c) => {
    const { params } = parseQuery(anomalySearchParams, c.req.query());
    const watch = options.live();
    if (!watch?.ready) {
      if (options.store() === null) throw unavailable();
      // anomaly.enabled is false: nothing is watched, so nothing is listed
      return c.json({ items: [], nextCursor: null });
    }
    // events found a moment ago are listed: wait for the (small, serialized) pending insert
    await watch.flush();
    const page = await watch.search(
      {
        project: projectOf(c),
        kind: params.kind,
        agent: params.agent,
        service: params.service,
        sinceMs: params.since,
        untilMs: params.until,
        limit: params.limit,
        cursor: params.cursor,
      },
      { signal: c.req.raw.signal },
    );
    return c.json({
      items: page.items.map(({ project: _p, ...event }) => event),
      nextCursor: page.nextCursor,
    });
  });

  api.get('/forecasts/cost', async (c) => {
    const { params } = parseQuery(costForecastParams, c.req.query());
    const budget = params.budgetUsd ?? options.monthlyCostBudgetUsd;
    if (budget === null)
      throw new WitnessError(
        'BAD_REQUEST',
        'query parameter "budgetUsd": no budget given and anomaly.monthlyCostBudgetUsd is not set; pass ?budgetUsd=<USD per month>',
      );
    const store = options.store();
    if (!store) throw unavailable();
    const now = Date.now();
    const thisHour = Math.floor(now / HOUR_MS) * HOUR_MS;
    const fromMs = Math.min(monthBounds(now).startMs, thisHour - HISTORY_HOURS * HOUR_MS);
    const [series] = await store.spanSeries(
      {
        project: projectOf(c),
        measure: 'cost',
        fromUnixNano: BigInt(fromMs) * 1_000_000n,
        toUnixNano: BigInt(thisHour + HOUR_MS) * 1_000_000n,
        stepSeconds: 3600,
        filter: { service: params.service, agent: params.agent },
        limit: 1,
      },
      { signal: c.req.raw.signal },
    );
    const hourly = new Map<number, number>();
    for (const [t, v] of series?.points ?? []) if (v !== null && v > 0) hourly.set(t, v);
    return c.json(forecastCost(hourly, budget, now));
  });

  // Server-wide: the data dir holds every project's data and answers one size for all of them; a
  // reader learns the total bytes on disk and a date, nothing of any project (no breakdown exists).
  api.get('/forecasts/disk', (c) => {
    const forecast = options.disk?.enabled ? options.disk.forecast() : null;
    if (forecast) return c.json(forecast);
    return c.json({
      usedBytes: 0,
      freeBytes: 0,
      capacityBytes: 0,
      bytesPerDay: null,
      fullAtMs: null,
      status: options.disk?.enabled ? 'insufficient_history' : 'disabled',
      historyHours: 0,
    });
  });
  return api;
}
