/**
 * Brute-force analytics over raw spans, in plain TypeScript: what every engine's sessions, users and
 * usage answers are checked against (the conformance suite on small data, the 1M-span test on a
 * generated workload). Deliberately naive: one pass over every span, no SQL, no parts.
 */
import type { SessionSummaryJson, UsageDimension, UserSummaryJson } from '@witness/protocol';
import type { SpanRecord } from '../model/index.js';

interface RefSpan {
  project: string;
  trace: string;
  root: boolean;
  session: string | null;
  user: string | null;
  service: string;
  agent: string | null;
  tool: string | null;
  model: string | null;
  kind: string;
  start: bigint;
  end: bigint;
  err: boolean;
  tin: number;
  tout: number;
  cost: number | null;
}

const finite = (v: number | null | undefined): number =>
  v !== null && v !== undefined && Number.isFinite(v) ? v : 0;

type Agg = Omit<SessionSummaryJson, 'sessionId' | 'users' | 'agents' | 'models'> & {
  agents: Set<string>;
  models: Set<string>;
  users: Set<string>;
  sessions: Set<string>;
};

export class AnalyticsReference {
  private readonly spans: RefSpan[] = [];

  add(project: string, s: SpanRecord): void {
    this.spans.push({
      project,
      trace: s.traceId,
      root: s.parentSpanId === null,
      session: s.sessionId,
      user: s.userId,
      service: s.serviceName,
      agent: s.agentName,
      tool: s.toolName,
      model: s.model,
      kind: s.kind,
      start: s.startTimeUnixNano,
      // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigint
      end: s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano : s.startTimeUnixNano,
      err: s.statusCode === 'error',
      tin: finite(s.inputTokens),
      tout: finite(s.outputTokens),
      cost: s.costUsd !== null && Number.isFinite(s.costUsd) ? s.costUsd : null,
    });
  }

  get size(): number {
    return this.spans.length;
  }

  /** Groups of the project (by session or user) over traces that started in [from, to], newest last-seen first. */
  private groups(
    project: string,
    by: 'session' | 'user',
    range: { from?: bigint; to?: bigint } = {},
  ): Map<string, Agg> {
    const traces = new Map<string, RefSpan[]>();
    for (const s of this.spans) {
      if (s.project !== project) continue;
      const list = traces.get(s.trace);
      if (list) list.push(s);
      else traces.set(s.trace, [s]);
    }
    const out = new Map<string, Agg>();
    for (const spans of traces.values()) {
      let start = spans[0].start;
      let session: string | null = null;
      let user: string | null = null;
      for (const s of spans) {
        if (s.start < start) start = s.start;
        if (s.session !== null && (session === null || s.session > session)) session = s.session;
        if (s.user !== null && (user === null || s.user > user)) user = s.user;
      }
      if (range.from !== undefined && start < range.from) continue;
      if (range.to !== undefined && start > range.to) continue;
      const id = by === 'session' ? session : user;
      if (id === null) continue;
      let g = out.get(id);
      if (!g) {
        g = {
          traces: 0,
          turns: 0,
          firstSeenUnixNano: String(start),
          lastSeenUnixNano: String(start),
          durationMs: 0,
          inputTokens: 0,
          outputTokens: 0,
          totalTokens: 0,
          costUsd: 0,
          errors: 0,
          errorTraces: 0,
          agents: new Set(),
          models: new Set(),
          users: new Set(),
          sessions: new Set(),
        };
        out.set(id, g);
      }
      g.traces++;
      if (user !== null) g.users.add(user);
      if (session !== null) g.sessions.add(session);
      let errors = 0;
      for (const s of spans) {
        if (s.kind === 'llm') g.turns++;
        if (BigInt(g.firstSeenUnixNano) > s.start) g.firstSeenUnixNano = String(s.start);
        if (BigInt(g.lastSeenUnixNano) < s.end) g.lastSeenUnixNano = String(s.end);
        g.inputTokens += s.tin;
        g.outputTokens += s.tout;
        g.costUsd += s.cost ?? 0;
        if (s.err) errors++;
        if (s.agent !== null) g.agents.add(s.agent);
        if (s.model !== null) g.models.add(s.model);
      }
      g.errors += errors;
      if (errors > 0) g.errorTraces++;
    }
    for (const g of out.values()) {
      g.totalTokens = g.inputTokens + g.outputTokens;
      g.durationMs = Number(BigInt(g.lastSeenUnixNano) - BigInt(g.firstSeenUnixNano)) / 1e6;
    }
    return out;
  }

  /** Every session of the project, sorted by last seen (newest first), ties by id descending. */
  sessions(project: string, range?: { from?: bigint; to?: bigint }): SessionSummaryJson[] {
    return [...this.groups(project, 'session', range)]
      .map(([sessionId, g]) => ({
        sessionId,
        ...common(g),
        users: [...g.users].sort().slice(0, 20),
      }))
      .sort((a, b) => byLastSeen(a, b) || (a.sessionId < b.sessionId ? 1 : -1));
  }

  users(project: string, range?: { from?: bigint; to?: bigint }): UserSummaryJson[] {
    return [...this.groups(project, 'user', range)]
      .map(([userId, g]) => ({ userId, sessions: g.sessions.size, ...common(g) }))
      .sort((a, b) => byLastSeen(a, b) || (a.userId < b.userId ? 1 : -1));
  }

  /** Usage per value of `by` over [from, to): totals and buckets (no top-N cut; sorted by value). */
  usage(
    project: string,
    by: UsageDimension,
    from: bigint,
    to: bigint,
    stepSeconds: number,
  ): Array<{
    value: string;
    calls: number;
    users: number;
    errors: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
    points: Map<
      number,
      {
        calls: number;
        users: Set<string>;
        errors: number;
        inputTokens: number;
        outputTokens: number;
        costUsd: number;
      }
    >;
  }> {
    const step = BigInt(stepSeconds) * 1_000_000_000n;
    const fromMs = Number(from / 1_000_000n);
    const rows = new Map<
      string,
      {
        calls: number;
        users: Set<string>;
        errors: number;
        inputTokens: number;
        outputTokens: number;
        costUsd: number;
        points: Map<
          number,
          {
            calls: number;
            users: Set<string>;
            errors: number;
            inputTokens: number;
            outputTokens: number;
            costUsd: number;
          }
        >;
      }
    >();
    const fresh = () => ({
      calls: 0,
      users: new Set<string>(),
      errors: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    });
    for (const s of this.spans) {
      if (s.project !== project || s.start < from || s.start >= to) continue;
      const value =
        by === 'tool'
          ? s.tool
          : by === 'agent'
            ? s.agent
            : by === 'model'
              ? s.model
              : by === 'user'
                ? s.user
                : by === 'session'
                  ? s.session
                  : by === 'service'
                    ? s.service
                    : s.project;
      if (value === null) continue;
      const call = by === 'tool' || by === 'model' ? true : by === 'agent' ? s.kind === 'agent' : s.root;
      let r = rows.get(value);
      if (!r) {
        r = { ...fresh(), points: new Map() };
        rows.set(value, r);
      }
      const t = fromMs + Number((s.start - from) / step) * stepSeconds * 1000;
      let pt = r.points.get(t);
      if (!pt) {
        pt = fresh();
        r.points.set(t, pt);
      }
      for (const x of [r, pt]) {
        if (call) x.calls++;
        if (s.user !== null) x.users.add(s.user);
        if (s.err) x.errors++;
        x.inputTokens += s.tin;
        x.outputTokens += s.tout;
        x.costUsd += s.cost ?? 0;
      }
    }
    return [...rows]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([value, r]) => ({ value, ...r, users: r.users.size, points: r.points as never }));
  }
}

function common(g: Agg) {
  const { agents, models, users: _u, sessions: _s, ...rest } = g;
  return { ...rest, agents: [...agents].sort().slice(0, 50), models: [...models].sort().slice(0, 50) };
}

function byLastSeen(a: { lastSeenUnixNano: string }, b: { lastSeenUnixNano: string }): number {
  const x = BigInt(a.lastSeenUnixNano);
  const y = BigInt(b.lastSeenUnixNano);
  return x === y ? 0 : x < y ? 1 : -1;
}

/** Floating sums in another order differ in the last bits: equal within this relative error. */
export const SUM_TOLERANCE = 1e-9;

export function closeTo(a: number, b: number): boolean {
  return Math.abs(a - b) <= SUM_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Differences between an engine's rows and the reference's (empty: identical, sums within tolerance). */
export function diffRows(what: string, got: readonly object[], want: readonly object[]): string[] {
  const out: string[] = [];
  if (got.length !== want.length) out.push(`${what}: ${got.length} rows, reference has ${want.length}`);
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const g = got[i] as Record<string, unknown>;
    const w = want[i] as Record<string, unknown>;
    for (const key of new Set([...Object.keys(g), ...Object.keys(w)])) {
      const a = g[key];
      const b = w[key];
      const same =
        typeof a === 'number' && typeof b === 'number'
          ? closeTo(a, b)
          : JSON.stringify(a) === JSON.stringify(b);
      if (!same) out.push(`${what}[${i}].${key}: ${JSON.stringify(a)} ≠ reference ${JSON.stringify(b)}`);
    }
    if (out.length > 20) break;
  }
  return out;
}
