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
/** Traces per store read: big enough to amortise a read, small enough to stop near the deadline. */
const BATCH = 50;

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
    // The listed traces' spans in reads of up to BATCH traces (two statements per read, not two per
    // trace). A batch is cut by the summaries' span counts too, so no read brings in more than the
    // MAX_SPANS still free; past the deadline or the bound it answers with what it has, truncated.
    const spans: GraphSpan[] = [];
    const stopAt = Date.now() + deadlineMs;
    let truncated = false;
    let next = 0;
    while (next < page.items.length) {
      if (Date.now() > stopAt || signal.aborted) {
        truncated = true;
        break;
      }
      const batch: string[] = [];
      let planned = spans.length;
      while (next < page.items.length && batch.length < BATCH) {
        const t = page.items[next]!;
        if (planned + t.spanCount > MAX_SPANS) break;
        planned += t.spanCount;
        batch.push(t.traceId);
        next++;
      }
      if (batch.length === 0) {
        truncated = true; // the next trace alone would pass the bound
        break;
      }
      const traces = await store.getTraces(project, batch, { signal });
      for (const id of batch) {
        const trace = traces.get(id);
        if (!trace) continue;
        // spans may have arrived since the summary was read: the bound holds on what is really there
        if (spans.length + trace.length > MAX_SPANS) {
          truncated = true;
          break;
        }
        for (const s of trace) spans.push(toGraphSpan(s));
      }
      if (truncated) break;
    }
    return c.json(buildAgentGraph(spans, { truncated }));
  });

  return api;
}
