/**
 * `POST /api/scores` (edit), `GET /api/scores` and `GET /api/scores/summary` (read). Every score is
 * the caller's project's: a trace of another project is a 404 here as on the trace page. A score
 * posted through the API is a person's (or their pipeline's) action, so it is also an audit entry.
 */
import { randomUUID } from 'node:crypto';
import {
  MAX_SCORE_SUMMARY_BUCKETS,
  type ScoreJson,
  scoreBodySchema,
  scoreSearchParams,
  scoreSummaryParams,
} from '@witness/protocol';
import { Hono } from 'hono';
import { projectOf } from '../auth/principal.js';
import { readJsonBody, WitnessError } from '../http/index.js';
import type { AuditEntryInput } from '../audit/index.js';
import type { ScoreRecord } from '../model/index.js';
import { parseBody, parseQuery } from '../query/index.js';
import type { Store } from '../store/types.js';
import { targetFields } from './score-target.js';

/** A score body is a name, a value or label and a comment of at most 4,000 characters. */
const MAX_BODY = 16 * 1024;
/** Summary buckets when no step is given. */
const DEFAULT_BUCKETS = 60;
const DAY_MS = 86_400_000;

export interface ScoreRoutesOptions {
  store: () => Store | null;
  /** Appends a people's-action entry to the audit log (null when the audit log is off). */
  audit: ((entry: AuditEntryInput) => Promise<unknown>) | null;
  /** @default Date.now */
  now?: () => number;
}

function requireStore(get: () => Store | null): Store {
  const store = get();
  if (!store)
    throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
      retryAfterSeconds: 1,
    });
  return store;
}

export function scoreRoutes(options: ScoreRoutesOptions): Hono {
  const api = new Hono();
  const now = options.now ?? Date.now;

  api.post('/scores', async (c) => {
    const body = parseBody(
      scoreBodySchema,
      await readJsonBody(c, {
        maxBytes: MAX_BODY,
        what: 'score',
        shape: '{"name": …, "value": … or "label": …, "traceId": …}',
      }),
    );
    const store = requireStore(options.store);
    const project = projectOf(c);
    const signal = c.req.raw.signal;
    let fields = {
      sessionId: body.sessionId ?? null,
      agent: null as string | null,
      model: null as string | null,
    };
    if (body.traceId !== undefined) {
      const spans = await store.getTrace(project, body.traceId, { signal });
      if (!spans)
        throw new WitnessError(
          'NOT_FOUND',
          `no trace ${body.traceId} is stored in project ${project}: score a trace that arrived`,
        );
      const found = targetFields(spans, body.spanId ?? null);
      if (!found) throw new WitnessError('NOT_FOUND', `trace ${body.traceId} has no span ${body.spanId}`);
      fields = { ...found, sessionId: body.sessionId ?? found.sessionId };
    }
    const principal = c.get('principal');
    const author = principal?.subject ?? 'anonymous';
    const score: ScoreRecord = {
      id: body.id ?? randomUUID(),
      name: body.name,
      value: body.value ?? null,
      label: body.label ?? null,
      traceId: body.traceId ?? null,
      spanId: body.spanId ?? null,
      sessionId: fields.sessionId,
      source: body.source,
      comment: body.comment ?? null,
      author,
      agent: fields.agent,
      model: fields.model,
      timeUnixNano: BigInt(Math.round(body.time ?? now())) * 1_000_000n,
    };
    // audited first: a score that is stored is always an audited one
    await options.audit?.({
      type: 'score.annotation',
      actor: author,
      subject: score.name,
      session: score.sessionId,
      agent: score.agent,
      traceId: score.traceId,
      spanId: score.spanId,
      project,
      details: {
        id: score.id,
        value: score.value,
        label: score.label,
        source: score.source,
        comment: score.comment,
      },
    });
    await store.appendScores(project, [score]);
    const answer: ScoreJson = {
      id: score.id,
      name: score.name,
      value: score.value,
      label: score.label,
      traceId: score.traceId,
      spanId: score.spanId,
      sessionId: score.sessionId,
      source: score.source,
      comment: score.comment,
      author: score.author,
      agent: score.agent,
      model: score.model,
      time: new Date(Number(score.timeUnixNano / 1_000_000n)).toISOString(),
    };
    return c.json(answer, 201);
  });

  api.get('/scores', async (c) => {
    const { params } = parseQuery(scoreSearchParams, c.req.query());
    const { from, to, ...rest } = params;
    return c.json(
      await requireStore(options.store).searchScores(
        { ...rest, project: projectOf(c), fromUnixNano: from, toUnixNano: to },
        { signal: c.req.raw.signal },
      ),
    );
  });

  api.get('/scores/summary', async (c) => {
    const { params } = parseQuery(scoreSummaryParams, c.req.query());
    const to = params.to ?? now();
    const from = params.from ?? to - DAY_MS;
    if (from >= to) throw new WitnessError('BAD_REQUEST', 'query parameter "from" must be before "to"');
    const step = params.step ?? Math.max(60, Math.ceil((to - from) / 1000 / DEFAULT_BUCKETS));
    const buckets = Math.ceil((to - from) / 1000 / step);
    if (buckets > MAX_SCORE_SUMMARY_BUCKETS)
      throw new WitnessError(
        'BAD_REQUEST',
        `query parameter "step": ${step} s over from..to is ${buckets} buckets; at most ${MAX_SCORE_SUMMARY_BUCKETS}: widen step (at least ${Math.ceil((to - from) / 1000 / MAX_SCORE_SUMMARY_BUCKETS)}) or narrow from..to`,
      );
    const groups = await requireStore(options.store).scoreSummary(
      {
        project: projectOf(c),
        name: params.name,
        source: params.source,
        groupBy: params.groupBy,
        fromUnixNano: BigInt(Math.floor(from)) * 1_000_000n,
        toUnixNano: BigInt(Math.ceil(to)) * 1_000_000n,
        stepSeconds: step,
      },
      { signal: c.req.raw.signal },
    );
    return c.json({ from, to, step, groupBy: params.groupBy, groups });
  });

  return api;
}
