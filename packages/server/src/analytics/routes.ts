/**
 * The analytics API (issue 17, items 1–4): sessions, users, a session's conversation, feature usage
 * and cost attribution, funnels. Every read is of the request's project (`projectOf(c)`); usage by
 * project reads each project the caller may see, one store read per project, so no read crosses a
 * project. Parameters are checked by the zod schemas of @witness/protocol (a 400 naming the field).
 */
import {
  DEFAULT_PROJECT,
  MAX_ANALYTICS_RANGE_DAYS,
  MAX_USAGE_BUCKETS,
  funnelQueryBody,
  sessionDetailParams,
  sessionListParams,
  sessionPathParams,
  type UsageJson,
  usageParams,
  userListParams,
} from '@witness/protocol';
import { type Context, Hono } from 'hono';
import { projectOf } from '../auth/principal.js';
import { readJsonBody, WitnessError } from '../http/index.js';
import { parseBody, parsePathParams, parseQuery } from '../query/index.js';
import type { Store } from '../store/index.js';

export interface AnalyticsRoutesOptions {
  /** The store, once open (routes answer 503 before). */
  store: () => Store | null;
  /**
   * Deadline of one funnel query, ms (below the store's own): a funnel joins span sets per step, the
   * costliest read here.
   * @default 5000
   */
  funnelTimeoutMs?: number;
  /**
   * Deadline of a usage answer by project (one store read per project, up to 50), ms.
   * @default 10000
   */
  usageTimeoutMs?: number;
}

/** Most projects one `by=project` usage answer reads (one store read each). */
const MAX_PROJECTS = 50;
const MAX_BODY = 64 * 1024;
const DAY_NS = 86_400_000_000_000n;
const MAX_RANGE_NS = BigInt(MAX_ANALYTICS_RANGE_DAYS) * DAY_NS;
/** Bucket widths a usage answer picks from when none is asked for (~60 buckets per range). */
const NICE_STEPS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400];

function requireStore(get: () => Store | null): Store {
  const store = get();
  if (!store)
    throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
      retryAfterSeconds: 1,
    });
  return store;
}

/** [from, to] of a usage query: defaults (last 24 h), order and the range bound, each a 400 naming the field. */
export function usageRange(
  from: bigint | undefined,
  to: bigint | undefined,
  nowMs: number,
): [bigint, bigint] {
  const end = to ?? BigInt(nowMs) * 1_000_000n;
  const start = from ?? end - DAY_NS;
  if (start >= end) throw new WitnessError('BAD_REQUEST', 'query parameter "from": must be before `to`');
  if (end - start > MAX_RANGE_NS)
    throw new WitnessError(
      'BAD_REQUEST',
      `query parameter "from": the range may cover at most ${MAX_ANALYTICS_RANGE_DAYS} days; narrow from/to`,
    );
  return [start, end];
}

/** The bucket width: the one asked for, raised so there are at most MAX_USAGE_BUCKETS; else ~60 buckets. */
export function usageStep(rangeNs: bigint, asked: number | undefined): number {
  const rangeS = Number(rangeNs / 1_000_000_000n);
  const least = Math.max(1, Math.ceil(rangeS / MAX_USAGE_BUCKETS));
  if (asked !== undefined) return Math.max(asked, least);
  return NICE_STEPS.find((s) => s >= rangeS / 60) ?? NICE_STEPS[NICE_STEPS.length - 1];
}

/**
 * Runs `read` under the request's disconnect and a deadline of its own. The store sees both as one
 * abort signal; when it was the deadline, the 503 says so (not "the client went away").
 */
async function underDeadline<T>(
  c: Context,
  ms: number,
  what: string,
  read: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(ms);
  try {
    return await read(AbortSignal.any([c.req.raw.signal, deadline]));
  } catch (err) {
    if (deadline.aborted && !c.req.raw.signal.aborted)
      throw new WitnessError(
        'SERVICE_UNAVAILABLE',
        `the ${what} ran past its ${ms} ms deadline and was stopped; narrow from/to (or ${what === 'funnel' ? 'use fewer steps' : 'filter it'}) and retry`,
        { retryAfterSeconds: 1, cause: err },
      );
    throw err;
  }
}

export function analyticsRoutes(options: AnalyticsRoutesOptions): Hono {
  const api = new Hono();
  const funnelTimeoutMs = options.funnelTimeoutMs ?? 5000;
  const usageTimeoutMs = options.usageTimeoutMs ?? 10_000;

  api.get('/sessions', async (c) => {
    const { params } = parseQuery(sessionListParams, c.req.query());
    const { from, to, minCost, ...rest } = params;
    return c.json(
      await requireStore(options.store).listSessions(
        { ...rest, project: projectOf(c), fromUnixNano: from, toUnixNano: to, minCostUsd: minCost },
        { signal: c.req.raw.signal },
      ),
    );
  });

  api.get('/sessions/:sessionId', async (c) => {
    const { sessionId } = parsePathParams(sessionPathParams, { sessionId: c.req.param('sessionId') });
    const { params } = parseQuery(sessionDetailParams, c.req.query());
    const detail = await requireStore(options.store).getSession(
      { project: projectOf(c), sessionId, ...params },
      { signal: c.req.raw.signal },
    );
    if (!detail) throw new WitnessError('NOT_FOUND', `no session "${sessionId}" in this project`);
    return c.json(detail);
  });

  api.get('/users', async (c) => {
    const { params } = parseQuery(userListParams, c.req.query());
    const { from, to, minCost, ...rest } = params;
    return c.json(
      await requireStore(options.store).listUsers(
        { ...rest, project: projectOf(c), fromUnixNano: from, toUnixNano: to, minCostUsd: minCost },
        { signal: c.req.raw.signal },
      ),
    );
  });

  api.get('/usage', async (c) => {
    const { params } = parseQuery(usageParams, c.req.query());
    const [from, to] = usageRange(params.from, params.to, Date.now());
    const stepSeconds = usageStep(to - from, params.step);
    const store = requireStore(options.store);
    const base = {
      by: params.by,
      fromUnixNano: from,
      toUnixNano: to,
      stepSeconds,
      sort: params.sort,
      limit: params.limit,
      filter: {
        service: params.service,
        agent: params.agent,
        model: params.model,
        tool: params.tool,
        userId: params.userId,
      },
    };
    const signal = c.req.raw.signal;
    if (params.by !== 'project')
      return c.json(await store.usage({ ...base, project: projectOf(c) }, { signal }));
    // cost per project: each project the caller may act in, read one by one (never one query across them)
    const principal = c.get('principal');
    const projects =
      principal === undefined || principal.projects === '*'
        ? [...new Set([...(await store.listProjects({ signal })), DEFAULT_PROJECT, projectOf(c)])]
        : [...principal.projects];
    const answer: UsageJson = {
      by: 'project',
      fromMs: Number(from / 1_000_000n),
      toMs: Number(to / 1_000_000n),
      stepSeconds,
      rows: [],
      truncated: projects.length > MAX_PROJECTS,
    };
    // one deadline over all the reads, not one each: 50 projects must not take 50 deadlines
    await underDeadline(c, usageTimeoutMs, 'usage by project', async (all) => {
      for (const project of projects.sort().slice(0, MAX_PROJECTS)) {
        const one = await store.usage({ ...base, project }, { signal: all });
        answer.rows.push(...one.rows);
      }
    });
    const key = params.sort;
    const value = (r: UsageJson['rows'][number]) =>
      key === 'cost' ? r.costUsd : key === 'tokens' ? r.inputTokens + r.outputTokens : r[key];
    answer.rows.sort((a, b) => value(b) - value(a) || (a.value < b.value ? -1 : 1));
    if (answer.rows.length > params.limit) answer.truncated = true;
    answer.rows = answer.rows.slice(0, params.limit);
    return c.json(answer);
  });

  api.post('/funnels/query', async (c) => {
    const body = parseBody(
      funnelQueryBody,
      await readJsonBody(c, { maxBytes: MAX_BODY, what: 'funnel query' }),
    );
    const store = requireStore(options.store);
    // the funnel's own deadline, and the client's disconnect: whichever comes first stops the query
    return c.json(
      await underDeadline(c, funnelTimeoutMs, 'funnel', (signal) =>
        store.funnel(
          {
            project: projectOf(c),
            steps: body.steps,
            by: body.by,
            withinSeconds: body.withinSeconds,
            fromUnixNano: body.from,
            toUnixNano: body.to,
          },
          { signal },
        ),
      ),
    );
  });

  return api;
}
