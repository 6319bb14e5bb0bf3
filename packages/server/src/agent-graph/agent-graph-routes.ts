/**
 * `GET /api/traces/{traceId}/graph`: the agent graph of one trace. `GET /api/agent-graph`: the graph
 * aggregated over the newest traces of a service or agent in a time range. Both build with the pure
 * `buildAgentGraph` of @witness/protocol from the stored span trees.
 *
 * The aggregate is bounded three ways: at most `limit` (≤ 500) traces, at most MAX_SPANS spans in
 * memory, and a deadline: past any of them it answers with what it read so far, `truncated: true`.
 */
import { agentGraphParams, buildAgentGraph, type GraphSpan, traceIdPathParams } from '@witness/protocol';
import { Hono } from 'hono';
import { projectOf } from '../auth/principal.js';
import { WitnessError } from '../http/errors.js';
import { parsePathParams, parseQuery } from '../query/index.js';
import type { Store } from '../store/types.js';
import { toGraphSpan } from './graph-spans.js';

/** Spans the aggregate holds at most (~200 bytes each as graph spans). */
const MAX_SPANS = 200_000;
/** Traces read at once (the DuckDB store has two read connections by default). */
const CONCURRENCY = 2;

export interface AgentGraphRoutesOptions {
  store: () => Store | null;
  /**
   * How long the aggregate reads traces before answering with what it has.
   * @default 5000
   */
  deadlineMs?: number;
}

function requireStore(get: () => Store | null): Store {
  const store = get();
  if (!store)
    throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
      retryAfterSeconds: 1,
    });
  return store;
}

export function agentGraphRoutes(options: AgentGraphRoutesOptions): Hono {
  const api = new Hono();
  const deadlineMs = options.deadlineMs ?? 5000;

  api.get('/traces/:traceId/graph', async (c) => {
    const { traceId } = parsePathParams(traceIdPathParams, c.req.param());
    const spans = await requireStore(options.store).getTrace(projectOf(c), traceId, {
      signal: c.req.raw.signal,
    });
    if (!spans || spans.length === 0)
      throw new WitnessError(
        'NOT_FOUND',
        `no trace ${traceId} is stored (it may not have arrived yet, or was deleted by retention)`,
      );
    return c.json(buildAgentGraph(spans.map(toGraphSpan)));
  });

  api.get('/agent-graph', async (c) => {
    const { params } = parseQuery(agentGraphParams, c.req.query());
    const store = requireStore(options.store);
    const project = projectOf(c);
    const signal = c.req.raw.signal;
    const page = await store.searchTraces(
      {
        project,
        service: params.service,
        agent: params.agent,
        fromUnixNano: params.from,
        toUnixNano: params.to,
        limit: params.limit,
      },
      { signal },
    );
    const ids = page.items.map((t) => t.traceId);
    const spans: GraphSpan[] = [];
    const stopAt = Date.now() + deadlineMs;
    let truncated = false;
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        if (Date.now() > stopAt || spans.length >= MAX_SPANS || signal.aborted) {
          truncated = true;
          return;
        }
        const id = ids[next++];
        const trace = await store.getTrace(project, id, { signal });
        if (!trace) continue;
        if (spans.length + trace.length > MAX_SPANS) {
          truncated = true;
          return;
        }
        for (const s of trace) spans.push(toGraphSpan(s));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return c.json(buildAgentGraph(spans, { truncated }));
  });

  return api;
}
