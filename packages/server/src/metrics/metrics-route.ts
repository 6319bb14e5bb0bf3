import { Hono } from 'hono';
import type { DerivedMetrics } from './derived-metrics.js';
import { negotiateFormat, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './exposition.js';
import { scrape } from './scrape.js';
import type { SelfMetrics } from './self-metrics.js';

/** `GET /metrics`: Prometheus text, or OpenMetrics when the Accept header prefers it. */
export function metricsEndpoint(derived: DerivedMetrics | null, self: SelfMetrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const format = negotiateFormat(c.req.header('accept'));
    const body = await scrape(derived, self, format);
    return c.body(body, 200, {
      'content-type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
      'cache-control': 'no-store',
    });
  });
  return app;
}
