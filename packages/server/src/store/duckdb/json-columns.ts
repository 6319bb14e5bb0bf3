/**
 * JSON text columns: how span events, links, decision and governance are written and read back.
 * Event times are bigint, which JSON cannot hold, so they travel as decimal strings.
 */
import type { Attributes, Decision, Governance, SpanEvent, SpanLink } from '../../model/index.js';

interface StoredEvent {
  name: string;
  timeUnixNano: string;
  attributes: Attributes;
}

export function encodeEvents(events: readonly SpanEvent[]): string {
  if (events.length === 0) return '[]';
  const stored: StoredEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    stored[i] = { name: e.name, timeUnixNano: String(e.timeUnixNano), attributes: e.attributes };
  }
  return JSON.stringify(stored);
}

export function decodeEvents(text: string): SpanEvent[] {
  if (text === '[]') return [];
  return (JSON.parse(text) as StoredEvent[]).map((e) => ({
    name: e.name,
    timeUnixNano: BigInt(e.timeUnixNano),
    attributes: e.attributes,
  }));
}

export function encodeLinks(links: readonly SpanLink[]): string {
  return links.length === 0 ? '[]' : JSON.stringify(links);
}

export function decodeLinks(text: string): SpanLink[] {
  return text === '[]' ? [] : (JSON.parse(text) as SpanLink[]);
}

export function encodeAttributes(attributes: Attributes): string {
  return JSON.stringify(attributes);
}

export function decodeAttributes(text: string): Attributes {
  return JSON.parse(text) as Attributes;
}

export function decodeDecision(text: string | null): Decision | null {
  return text === null ? null : (JSON.parse(text) as Decision);
}

export function decodeGovernance(text: string | null): Governance | null {
  return text === null ? null : (JSON.parse(text) as Governance);
}

/**
 * The JSONPath DuckDB needs to read one top-level key, whatever characters the key holds
 * (`gen_ai.system` has dots, which a bare path would split). Passed as a query parameter, never
 * spliced into SQL.
 */
export function jsonKeyPath(key: string): string {
  return `$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
