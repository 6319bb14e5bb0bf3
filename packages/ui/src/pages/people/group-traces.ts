/**
 * Sessions and users are groupings of traces. The API has no dedicated endpoint for them yet, so the UI
 * groups the newest traces in the time range (up to SCAN_LIMIT) by sessionId / userId.
 */
import type { TraceSummaryJson } from '@witness/protocol';
import { nsToMs } from '../../lib/format.js';

export const SCAN_LIMIT = 1000;

export interface Group {
  id: string;
  traces: number;
  errors: number;
  tokens: number;
  costUsd: number;
  firstMs: number;
  lastMs: number;
  /** Distinct other ids: users of a session, sessions of a user. */
  related: string[];
  agents: string[];
}

export function groupTraces(items: TraceSummaryJson[], by: 'sessionId' | 'userId'): Group[] {
  const other = by === 'sessionId' ? 'userId' : 'sessionId';
  const groups = new Map<string, Group & { relatedSet: Set<string>; agentSet: Set<string> }>();
  for (const t of items) {
    const id = t[by];
    if (!id) continue;
    let g = groups.get(id);
    const start = nsToMs(t.startTimeUnixNano);
    if (!g) {
      g = {
        id,
        traces: 0,
        errors: 0,
        tokens: 0,
        costUsd: 0,
        firstMs: start,
        lastMs: start,
        related: [],
        agents: [],
        relatedSet: new Set(),
        agentSet: new Set(),
      };
      groups.set(id, g);
    }
    g.traces++;
    if (t.errorCount > 0) g.errors++;
    g.tokens += t.totalTokens;
    g.costUsd += t.costUsd ?? 0;
    g.firstMs = Math.min(g.firstMs, start);
    g.lastMs = Math.max(g.lastMs, start);
    const o = t[other];
    if (o) g.relatedSet.add(o);
    for (const a of t.agents ?? []) g.agentSet.add(a);
  }
  return [...groups.values()]
    .map(({ relatedSet, agentSet, ...g }) => ({ ...g, related: [...relatedSet], agents: [...agentSet] }))
    .sort((a, b) => b.lastMs - a.lastMs);
}
