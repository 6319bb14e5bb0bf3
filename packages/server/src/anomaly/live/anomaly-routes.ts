/** `GET /api/anomalies`: the project's anomaly events, newest first (access `read`). */
import { anomalySearchParams } from '@witness/protocol';
import { Hono } from 'hono';
import { projectOf } from '../../auth/principal.js';
import { WitnessError } from '../../http/index.js';
import { parseQuery } from '../../query/index.js';
import type { LiveAnomalies } from './live-anomalies.js';

export function anomalyRoutes(live: () => LiveAnomalies | null): Hono {
  const api = new Hono();
  api.get('/anomalies', async (c) => {
    const { params } = parseQuery(anomalySearchParams, c.req.query());
    const watch = live();
    if (!watch?.ready)
      throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
        retryAfterSeconds: 1,
      });
    // events found a moment ago are listed: wait for the (small, serialized) pending insert
    await watch.flush();
    const page = await watch.search(
      {
        // the request's project only, whatever ?project= the schema also accepted
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
  return api;
}
