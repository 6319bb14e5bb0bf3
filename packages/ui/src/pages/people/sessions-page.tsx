/** Sessions: conversations that span several traces. Detail shows each turn's question and answer. */
import type { Page, TraceJson, TraceSummaryJson } from '@witness/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiUrl, getJson } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatCost, formatDuration, formatTime, formatTokens, nsToMs, shortId } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';
import { conversationOf } from '../trace/messages.js';
import { GroupTable } from './group-table.js';
import { groupTraces, SCAN_LIMIT } from './group-traces.js';
import { SessionScores } from '../scores/session-scores.js';

const DEFAULT_RANGE = '24h';

export function GroupListPage({
  by,
  title,
  base,
  relatedLabel,
}: {
  by: 'sessionId' | 'userId';
  title: string;
  base: string;
  relatedLabel: string;
}) {
  const loc = useLocation();
  const q = loc.query;
  const now = useMemo(() => Date.now(), [loc.href]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const { data, error } = useApi<Page<TraceSummaryJson>>(
    apiUrl('/api/traces', { limit: SCAN_LIMIT, from: range.fromMs, to: range.toMs }),
  );
  const groups = useMemo(() => (data ? groupTraces(data.items, by) : []), [data, by]);
  return (
    <div class="page">
      <header class="page-header">
        <h1>{title}</h1>
        <form class="filters inline" onSubmit={(e) => e.preventDefault()}>
          <TimeRangeSelect
            value={q.get('range') ?? DEFAULT_RANGE}
            custom={q.has('from') || q.has('to')}
            onChange={(r) => navigate(withQuery(loc, { range: r }))}
          />
        </form>
      </header>
      {error ? (
        <ErrorView error={error} />
      ) : !data ? (
        <Loading />
      ) : groups.length === 0 ? (
        <Empty title={`No ${title.toLowerCase()} in this range`}>
          Traces carry a {by === 'sessionId' ? 'session' : 'user'} id when the app sets one.
        </Empty>
      ) : (
        <>
          <GroupTable groups={groups} base={base} relatedLabel={relatedLabel} now={now} />
          {data.nextCursor && (
            <p class="muted small">Grouped from the newest {SCAN_LIMIT} traces in the range.</p>
          )}
        </>
      )}
    </div>
  );
}

export function SessionsPage() {
  return <GroupListPage by="sessionId" title="Sessions" base="/sessions" relatedLabel="Users" />;
}

interface Turn {
  question: string | null;
  answer: string | null;
}

const textOf = (parts: { type: string; text?: string }[]) =>
  parts
    .filter((p) => p.type === 'text')
    .map((p) => p.text)
    .join('\n');

/** The user's question and the final answer of one trace: root span input/output, else its LLM calls. */
export function turnOf(trace: TraceJson): Turn {
  const root = trace.spans.find((s) => !s.parentSpanId) ?? trace.spans[0];
  let question = root?.input ?? null;
  let answer = root?.output ?? null;
  const llms = trace.spans.filter((s) => s.kind === 'llm');
  if (!question && llms[0]) {
    const c = conversationOf(llms[0]);
    const user = c?.input.filter((m) => m.role === 'user').at(-1);
    question = user ? textOf(user.parts) : null;
  }
  if (!answer && llms.length) {
    const c = conversationOf(llms[llms.length - 1]!);
    const out = c?.output.at(-1);
    answer = out ? textOf(out.parts) : null;
  }
  return { question, answer };
}

export function SessionPage({ params }: { params: Record<string, string> }) {
  const sessionId = params.sessionId!;
  const { data, error } = useApi<Page<TraceSummaryJson>>(apiUrl('/api/traces', { sessionId, limit: 200 }));
  const traces = useMemo(() => (data ? [...data.items].reverse() : []), [data]);
  const [turns, setTurns] = useState<Record<string, Turn>>({});
  useEffect(() => {
    const ctrl = new AbortController();
    // first 30 turns only: each needs its trace fetched
    for (const t of traces.slice(0, 30)) {
      getJson<TraceJson>(apiUrl(`/api/traces/${t.traceId}`), ctrl.signal).then(
        (trace) => setTurns((prev) => ({ ...prev, [t.traceId]: turnOf(trace) })),
        () => {},
      );
    }
    return () => ctrl.abort();
  }, [traces]);
  const tokens = traces.reduce((a, t) => a + t.totalTokens, 0);
  const cost = traces.reduce((a, t) => a + (t.costUsd ?? 0), 0);
  const user = traces.find((t) => t.userId)?.userId;
  return (
    <div class="page">
      <header class="page-header">
        <div>
          <div class="crumbs">
            <Link href="/sessions">Sessions</Link> / <code>{sessionId}</code>
          </div>
          <h1>Session {shortId(sessionId, 12)}</h1>
        </div>
        <dl class="trace-stats">
          <div>
            <dt>Runs</dt>
            <dd>{traces.length}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>{formatTokens(tokens)}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{formatCost(cost)}</dd>
          </div>
          {user && (
            <div>
              <dt>User</dt>
              <dd>
                <Link href={`/users/${encodeURIComponent(user)}`}>{user}</Link>
              </dd>
            </div>
          )}
        </dl>
      </header>
      <SessionScores sessionId={sessionId} />
      {error ? (
        <ErrorView error={error} />
      ) : !data ? (
        <Loading />
      ) : traces.length === 0 ? (
        <Empty title="No traces in this session" />
      ) : (
        <ol class="turns" data-testid="session-turns">
          {traces.map((t) => {
            const turn = turns[t.traceId];
            return (
              <li key={t.traceId} class="turn card">
                <div class="turn-head">
                  <Link href={`/traces/${t.traceId}`} class="strong">
                    {t.rootName}
                  </Link>
                  <span class="muted small">
                    {formatTime(nsToMs(t.startTimeUnixNano))} · {formatDuration(t.durationMs)} ·{' '}
                    {formatTokens(t.totalTokens)} tokens · {formatCost(t.costUsd)}
                    {t.errorCount > 0 && <span class="error-count"> · {t.errorCount} errors</span>}
                  </span>
                </div>
                {turn?.question && (
                  <div class="msg msg-user">
                    <div class="msg-role">user</div>
                    <div class="msg-text">{turn.question}</div>
                  </div>
                )}
                {turn?.answer && (
                  <div class="msg msg-assistant">
                    <div class="msg-role">assistant</div>
                    <div class="msg-text">{turn.answer}</div>
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
