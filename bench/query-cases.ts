/**
 * The trace-list cases bench:query times: the list as the UI first opens it, every single filter, the
 * same filters with values nothing matches, and a deep page. Values come from the data set, so every
 * "match" case matches something and every "no match" case matches nothing.
 */
import type { TraceQuery } from '../packages/server/src/store/index.js';

/** A trace search without its project (the store call adds it; the HTTP API takes it from the request). */
export type CaseQuery = Omit<TraceQuery, 'project'>;

export interface ListCase {
  label: string;
  /** p95 target in ms. */
  target: number;
  /** The filters; the bench runs them in the `default` project. */
  query: (i: number) => CaseQuery;
}

/** Values of one data set the filters use (rotated by run where the set has several). */
export interface CaseValues {
  services: string[];
  kinds: string[];
  names: string[];
  agents: string[];
  models: string[];
  sessions: string[];
  users: string[];
  /** [key, value] pairs that exist (span or resource attributes). */
  attributes: Array<[string, string]>;
  /** A trace duration some traces exceed, in ms. */
  longMs: number;
  /** One hour inside the stored history: [from, to] epoch ns. */
  hour: [bigint, bigint];
}

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length];

export function listCases(v: CaseValues): ListCase[] {
  const [attrKey, attrValue] = v.attributes[0];
  return [
    { label: 'no filter (newest 50, as the UI opens)', target: 100, query: () => ({}) },
    { label: 'service', target: 300, query: (i) => ({ service: pick(v.services, i) }) },
    { label: 'kind', target: 300, query: (i) => ({ kind: pick(v.kinds, i) as TraceQuery['kind'] }) },
    { label: 'name (span name)', target: 300, query: (i) => ({ name: pick(v.names, i) }) },
    { label: 'status=error', target: 300, query: () => ({ status: 'error' }) },
    { label: 'status=ok', target: 300, query: () => ({ status: 'ok' }) },
    { label: 'minDurationMs', target: 300, query: () => ({ minDurationMs: v.longMs }) },
    { label: 'maxDurationMs', target: 300, query: () => ({ maxDurationMs: v.longMs }) },
    {
      label: 'from/to (one hour)',
      target: 300,
      query: () => ({ fromUnixNano: v.hour[0], toUnixNano: v.hour[1] }),
    },
    { label: 'sessionId', target: 300, query: (i) => ({ sessionId: pick(v.sessions, i) }) },
    { label: 'userId', target: 300, query: (i) => ({ userId: pick(v.users, i) }) },
    { label: 'agent', target: 300, query: (i) => ({ agent: pick(v.agents, i) }) },
    { label: 'model', target: 300, query: (i) => ({ model: pick(v.models, i) }) },
    {
      label: 'attr.<key>',
      target: 300,
      query: (i) => {
        const [k, val] = pick(v.attributes, i);
        return { attributes: { [k]: val } };
      },
    },
    { label: 'no match: service', target: 300, query: () => ({ service: 'no-such-service' }) },
    { label: 'no match: kind (embedding)', target: 300, query: () => ({ kind: 'embedding' }) },
    { label: 'no match: name', target: 300, query: () => ({ name: 'no such span' }) },
    { label: 'no match: sessionId', target: 300, query: () => ({ sessionId: 'no-such-session' }) },
    { label: 'no match: userId', target: 300, query: () => ({ userId: 'nobody@example.com' }) },
    { label: 'no match: agent', target: 300, query: () => ({ agent: 'nobody' }) },
    { label: 'no match: model', target: 300, query: () => ({ model: 'no-such-model' }) },
    { label: 'no match: minDurationMs (11 days)', target: 300, query: () => ({ minDurationMs: 1e9 }) },
    {
      label: 'no match: attr value',
      target: 300,
      query: () => ({ attributes: { [attrKey]: `${attrValue}-none` } }),
    },
    { label: 'no match: attr key', target: 300, query: () => ({ attributes: { 'no.such.key': 'x' } }) },
  ];
}

/** The query string of a TraceQuery, for the HTTP API. */
export function toSearchParams(q: CaseQuery, limit = 50): string {
  const p = new URLSearchParams();
  p.set('limit', String(q.limit ?? limit));
  for (const key of [
    'service',
    'kind',
    'name',
    'status',
    'sessionId',
    'userId',
    'agent',
    'model',
    'cursor',
  ] as const) {
    const value = q[key];
    if (value !== undefined) p.set(key, String(value));
  }
  if (q.minDurationMs !== undefined) p.set('minDurationMs', String(q.minDurationMs));
  if (q.maxDurationMs !== undefined) p.set('maxDurationMs', String(q.maxDurationMs));
  if (q.fromUnixNano !== undefined)
    p.set('from', new Date(Number(q.fromUnixNano / 1_000_000n)).toISOString());
  if (q.toUnixNano !== undefined) p.set('to', new Date(Number(q.toUnixNano / 1_000_000n)).toISOString());
  for (const [k, v] of Object.entries(q.attributes ?? {})) p.set(`attr.${k}`, v);
  return p.toString();
}
