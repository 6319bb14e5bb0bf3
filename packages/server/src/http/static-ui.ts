import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';

/** Paths that belong to the server, never to the SPA: a miss there is a real 404. */
export const RESERVED_PREFIXES = ['/api', '/v1', '/metrics', '/healthz', '/readyz'];

const isReserved = (path: string) => RESERVED_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * Serves the built UI from `uiDir`; any other GET outside the reserved prefixes gets index.html, so the
 * SPA's client-side routes (/traces/abc…) survive a reload. Register last.
 */
export function registerStaticUi(app: Hono, uiDir: string): void {
  const index = join(uiDir, 'index.html');
  if (!existsSync(index))
    throw new Error(`server.uiDir ${uiDir} has no index.html; build the UI first (npm run build)`);
  app.use('*', async (c, next) => {
    if (isReserved(c.req.path)) return next();
    return serveStatic({ root: uiDir })(c, next);
  });
  app.get('*', async (c, next) => {
    if (isReserved(c.req.path)) return next();
    return c.html(await readFile(index, 'utf8'));
  });
}
