import {
  ATTR_PREFIX,
  buildOpenApiDocument,
  logSearchParams,
  MAX_SCORE_FILTERS,
  parseScoreFilter,
  traceIdPathParams,
  traceSearchParams,
} from '@witness/protocol';
import { Hono } from 'hono';
// the principal module alone: auth/index pulls in OIDC sign-in, which imports the audit routes
import { DEFAULT_PROJECT, type ProjectsJson } from '@witness/protocol';
import { projectOf } from '../auth/principal.js';
import { WitnessError } from '../http/errors.js';
import type { LogQuery, Store, TraceQuery } from '../store/types.js';
import { parsePathParams, parseQuery } from './parse-query.js';
import { spanToJson } from './span-json.js';

export interface QueryRoutesOptions {
  /** The store, once open (routes answer 503 before). */
  store: () => Store | null;
  /** Projects holding data outside the store (ingested metric points), for `GET /api/projects`. */
  otherProjects?: () => Promise<string[]>;
}

function requireStore(get: () => Store | null): Store {
  const store = get();
  if (!store)
    throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
      retryAfterSeconds: 1,
    });
  return store;
}

/**
 * The JSON query API under /api. Every store read gets the request's AbortSignal, which aborts when
 * the client disconnects: the store then interrupts the query instead of running it for nobody.
 * Parameters are validated by the zod schemas of @witness/protocol
 * (a 400 naming the parameter otherwise), which also generate GET /api/openapi.json. The store's own
 * "your query is wrong" (a malformed cursor) is a StoreQueryError, mapped to 400 by http/errors.
 * Every read is of the request's project (`projectOf(c)`) only: another project's trace is a 404.
 */
export function queryRoutes(options: QueryRoutesOptions): Hono {
  const api = new Hono();
  let openapi: unknown;

  api.get('/openapi.json', (c) => {
    openapi ??= buildOpenApiDocument();
    return c.json(openapi);
  });

  api.get('/traces', async (c) => {
    const { params, prefixed } = parseQuery(traceSearchParams, c.req.query(), ATTR_PREFIX);
    const { from, to, score: _first, ...rest } = params;
    const query: TraceQuery = { ...rest, project: projectOf(c), fromUnixNano: from, toUnixNano: to };
    if (Object.keys(prefixed).length > 0) query.attributes = prefixed;
    // `score=` may repeat (c.req.query() keeps only the first): every one is a filter
    const scores = c.req.queries('score') ?? [];
    if (scores.length > MAX_SCORE_FILTERS)
      throw new WitnessError(
        'BAD_REQUEST',
        `${scores.length} score filters given; at most ${MAX_SCORE_FILTERS}`,
      );
    if (scores.length > 0)
      query.scores = scores.map((text) => {
        const filter = text.length <= 1000 ? parseScoreFilter(text) : null;
        if (!filter)
          throw new WitnessError(
            'BAD_REQUEST',
            `query parameter "score": "${text.slice(0, 60)}" is not name>number, name<=number… or name=label`,
          );
        return filter;
      });
    return c.json(await requireStore(options.store).searchTraces(query, { signal: c.req.raw.signal }));
  });

  api.get('/traces/:traceId', async (c) => {
    const { traceId } = parsePathParams(traceIdPathParams, c.req.param());
    const spans = await requireStore(options.store).getTrace(projectOf(c), traceId, {
      signal: c.req.raw.signal,
    });
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
    const { from, to, ...rest } = params;
    const query: LogQuery = { ...rest, project: projectOf(c), fromUnixNano: from, toUnixNano: to };
    return c.json(await requireStore(options.store).searchLogs(query, { signal: c.req.raw.signal }));
  });

  // The project switcher's list: a principal bound to projects sees those; one that may act in any
  // (auth off, or an operator's '*') sees every project holding data, and default.
  api.get('/projects', async (c) => {
    const principal = c.get('principal');
    const current = projectOf(c);
    let projects: string[];
    if (principal !== undefined && principal.projects !== '*') projects = [...principal.projects];
    else {
      const signal = c.req.raw.signal;
      const [stored, others] = await Promise.all([
        requireStore(options.store).listProjects({ signal }),
        options.otherProjects?.() ?? Promise.resolve([]),
      ]);
      projects = [...stored, ...others, DEFAULT_PROJECT];
    }
    const answer: ProjectsJson = { projects: [...new Set([...projects, current])].sort(), current };
    return c.json(answer);
  });

  api.get('/services', async (c) => {
    const services = await requireStore(options.store).listServices(projectOf(c), {
      signal: c.req.raw.signal,
    });
    return c.json({ services });
  });

  return api;
}
