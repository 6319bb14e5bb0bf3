/** The traces list's filters ⇄ URL query ⇄ `GET /api/traces` parameters. */
import { apiUrl } from '../../api/client.js';
import { resolveRange } from '../../lib/time-range.js';

/** Filters copied verbatim from the page URL to the API. */
export const PASS_THROUGH = [
  'service',
  'kind',
  'status',
  'name',
  'agent',
  'model',
  'sessionId',
  'userId',
  'minDurationMs',
  'maxDurationMs',
  'score',
  'cursor',
] as const;

export const DEFAULT_RANGE = '24h';
export const PAGE_SIZE = 50;

/** `attr=key=value` in the page URL (one box in the form) → `attr.key=value` for the API. */
export function parseAttrFilter(text: string | null): [string, string] | null {
  if (!text) return null;
  const eq = text.indexOf('=');
  if (eq <= 0) return null;
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

export function tracesApiUrl(query: URLSearchParams, now: number): string {
  const params: Record<string, string | number | undefined> = {
    limit: Number(query.get('limit')) || PAGE_SIZE,
  };
  for (const key of PASS_THROUGH) params[key] = query.get(key) ?? undefined;
  const range = resolveRange(query, DEFAULT_RANGE, now);
  params.from = range.fromMs;
  params.to = range.toMs;
  const attr = parseAttrFilter(query.get('attr'));
  if (attr) params[`attr.${attr[0]}`] = attr[1];
  return apiUrl('/api/traces', params);
}
