import type { LogQuery, Store, TraceQuery } from '../store/types.js';
import { Hono } from 'hono';
import { WitnessError } from '../http/errors.js';
import { buildOpenApiDocument } from './openapi.js';
import { logSearchParams, traceIdParam, traceSearchParams } from './params.js';
import { parseQuery } from './parse-query.js';
import { spanToJson } from './span-json.js';

export interface QueryRoutesOptions {
  /** The store, once open (routes answer 503 before). */
  store: () => Store | null;
}

/** The store's own "your query is wrong" (a malformed cursor, a bad severity) is the caller's 400. */
async function ask<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Error && err.name === 'StoreQueryError')
      throw new WitnessError('BAD_REQUEST', err.message, { cause: err });
    throw err;
  }
}

function requireStore(get: () => Store | null): Store {
  const store = get();
  if (!store)
    throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
      retryAfterSeconds: 1,
    });
  return store;
}

/** The JSON query API under /api (documented by GET /api/openapi.json). */
export function queryRoutes(options: QueryRoutesOptions): Hono {
  const api = new Hono();
  let openapi: unknown;

  api.get('/openapi.json', (c) => {
    openapi ??= buildOpenApiDocument();
    return c.json(openapi);
  });

  api.get('/traces', async (c) => {
    const { params, prefixed } = parseQuery(traceSearchParams, c.req.query(), 'attr.');
    const { from, to, ...rest } = params;
    const query: TraceQuery = { ...rest, fromUnixNano: from, toUnixNano: to };
    if (Object.keys(prefixed).length > 0) query.attributes = prefixed;
    return c.json(await ask(() => requireStore(options.store).searchTraces(query)));
  });

  api.get('/traces/:traceId', async (c) => {
    const raw = c.req.param('traceId');
    const parsed = traceIdParam.safeParse(raw);
    if (!parsed.success) {
      throw new WitnessError(
        'BAD_REQUEST',
        `"${raw.slice(0, 64)}" is not a trace id: a trace id is 32 hex characters`,
      );
    }
    const traceId = parsed.data.toLowerCase();
    const spans = await requireStore(options.store).getTrace(traceId);
    if (!spans || spans.length === 0) {
      throw new WitnessError(
        'NOT_FOUND',
        `no trace ${traceId} is stored (it may not have arrived yet, or was deleted by retention)`,
      );
    }
    return c.json({ traceId, spans: spans.map(spanToJson) });
  });

  api.get('/logs', async (c) => {
    const { params } = parseQuery(logSearchParams, c.req.query());
    const { from, to, traceId, ...rest } = params;
    const query: LogQuery = { ...rest, fromUnixNano: from, toUnixNano: to, traceId: traceId?.toLowerCase() };
    return c.json(await ask(() => requireStore(options.store).searchLogs(query)));
  });

  api.get('/services', async (c) => {
    return c.json({ services: await requireStore(options.store).listServices() });
  });

  return api;
}
