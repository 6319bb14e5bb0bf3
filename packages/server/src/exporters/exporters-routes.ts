import type { ExporterList } from '@witness/protocol';
import { Hono } from 'hono';
import type { ExporterHub } from './hub.js';

/** `GET /api/exporters` (admin: exporters are server-wide and name their targets). */
export function exportersRoutes(hub: ExporterHub): Hono {
  const app = new Hono();
  app.get('/exporters', (c) => c.json({ exporters: hub.status() } satisfies ExporterList));
  return app;
}
