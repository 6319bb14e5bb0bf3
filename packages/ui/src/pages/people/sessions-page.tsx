/**
 * Sessions: conversations that span several traces, aggregated by the server (GET /api/sessions,
 * sorted, filtered and cursor-paged there). The detail is the session's timeline from
 * GET /api/sessions/{id}: each trace as a turn with its input and output.
 */
import type { Page, SessionDetailJson } from '@witness/protocol';
import { useMemo } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { CursorPager } from '../../components/cursor-pager.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatCost, formatDuration, formatTime, formatTokens, nsToMs, shortId } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';
import { GroupTable, type GroupRow } from './group-table.js';
import { SessionScores } from '../scores/session-scores.js';

const DEFAULT_RANGE = '24h';

export function GroupListPage({ by, title, base }: { by: 'session' | 'user'; title: string; base: string }) {
  const loc = useLocation();
  const q = loc.query;
  const now = useMemo(() => Date.now(), [loc.href]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const { data, error } = useApi<Page<GroupRow>>(
    apiUrl(by === 'session' ? '/api/sessions' : '/api/users', {
      from: range.fromMs,
      to: range.toMs,
      sort: q.get('sort') ?? undefined,
      order: q.get('order') ?? undefined,
      agent: q.get('agent') ?? undefined,
      model: q.get('model') ?? undefined,
      status: q.get('status') ?? undefined,
      cursor: q.get('cursor') ?? undefined,
      limit: 50,
    }),
  );
  return (
    <div class="page">
      <header class="page-header">
        <h1>{title}</h1>
        <form class="filters inline" onSubmit={(e) => e.preventDefault()}>
          <TimeRangeSelect
            value={q.get('range') ?? DEFAULT_RANGE}
            custom={q.has('from') || q.has('to')}
            onChange={(r) => navigate(withQuery(loc, { range: r, cursor: undefined }))}
          />
          <label class="inline-check">
            <input
              type="checkbox"
              checked={q.get('status') === 'error'}
              onChange={(e) =>
                navigate(
                  withQuery(loc, {
                    status: e.currentTarget.checked ? 'error' : undefined,
                    cursor: undefined,
                  }),
                )
              }
            />{' '}
            with errors
          </label>
        </form>
      </header>
      {error ? (
        <ErrorView error={error} />
      ) : !data ? (
        <Loading />
      ) : data.items.length === 0 ? (
        <Empty title={`No ${title.toLowerCase()} in this range`}>
          Traces carry a {by} id when the app sets one.
        </Empty>
      ) : (
        <>
          <GroupTable groups={data.items} base={base} now={now} />
          <CursorPager nextCursor={data.nextCursor} nextTestId="group-next" />
        </>
      )}
    </div>
  );
}

export function SessionsPage() {
  return <GroupListPage by="session" title="Sessions" base="/sessions" />;
}

export function SessionPage({ params }: { params: Record<string, string> }) {
  const sessionId = params.sessionId!;
  const loc = useLocation();
  const { data, error } = useApi<SessionDetailJson>(
    apiUrl(`/api/sessions/${encodeURIComponent(sessionId)}`, {
      cursor: loc.query.get('cursor') ?? undefined,
    }),
  );
  const s = data?.session;
  return (
    <div class="page">
      <header class="page-header">
        <div>
          <div class="crumbs">
            <Link href="/sessions">Sessions</Link> / <code>{sessionId}</code>
          </div>
          <h1>Session {shortId(sessionId, 12)}</h1>
        </div>
        {s && (
          <dl class="trace-stats" data-testid="session-stats">
            <div>
              <dt>Traces</dt>
              <dd>{s.traces}</dd>
            </div>
            <div>
              <dt>Turns</dt>
              <dd>{s.turns}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(s.durationMs)}</dd>
            </div>
            <div>
              <dt>Tokens in / out</dt>
              <dd>
                {formatTokens(s.inputTokens)} / {formatTokens(s.outputTokens)}
              </dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>{formatCost(s.costUsd)}</dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd class={s.errors ? 'error-count' : undefined}>{s.errors}</dd>
            </div>
            {s.users.length > 0 && (
              <div>
                <dt>User</dt>
                <dd>
                  {s.users.map((u) => (
                    <Link key={u} href={`/users/${encodeURIComponent(u)}`}>
                      {u}{' '}
                    </Link>
                  ))}
                </dd>
              </div>
            )}
          </dl>
        )}
      </header>
      <SessionScores sessionId={sessionId} />
      {error ? (
        <ErrorView error={error} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <ol class="turns" data-testid="session-turns">
            {data.turns.map((t) => (
              <li key={t.traceId} class="turn card" data-testid="session-turn">
                <div class="turn-head">
                  <Link href={`/traces/${t.traceId}`} class="strong">
                    {t.rootName}
                  </Link>
                  <span class="muted small">
                    {formatTime(nsToMs(t.startTimeUnixNano))} · {formatDuration(t.durationMs)} ·{' '}
                    {formatTokens(t.inputTokens)} in / {formatTokens(t.outputTokens)} out ·{' '}
                    {formatCost(t.costUsd)}
                    {t.models.length > 0 && ` · ${t.models.join(', ')}`}
                    {t.errors > 0 && <span class="error-count"> · {t.errors} errors</span>}
                  </span>
                </div>
                {t.input && (
                  <div class="msg msg-user">
                    <div class="msg-role">user</div>
                    <div class="msg-text">{t.input}</div>
                  </div>
                )}
                {t.output && (
                  <div class="msg msg-assistant">
                    <div class="msg-role">assistant</div>
                    <div class="msg-text">{t.output}</div>
                  </div>
                )}
                {t.errorMessage && (
                  <div class="msg msg-error" data-testid="turn-error">
                    <div class="msg-role">error</div>
                    <div class="msg-text error-count">{t.errorMessage}</div>
                  </div>
                )}
              </li>
            ))}
          </ol>
          <CursorPager nextCursor={data.nextCursor} nextTestId="turns-next" />
        </>
      )}
    </div>
  );
}
