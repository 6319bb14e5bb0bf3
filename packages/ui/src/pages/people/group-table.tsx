import type { GroupSort, SessionSummaryJson, UserSummaryJson } from '@witness/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatAgo, formatCost, formatDuration, formatTime, formatTokens, nsToMs } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';

export type GroupRow = SessionSummaryJson | UserSummaryJson;

const idOf = (g: GroupRow) => ('sessionId' in g ? g.sessionId : g.userId);

/** A column header that sorts the server-side list by its key (sort and order live in the URL). */
function SortHeader({ label, sort, num }: { label: string; sort: GroupSort; num?: boolean }) {
  const loc = useLocation();
  const current = loc.query.get('sort') ?? 'lastSeen';
  const order = loc.query.get('order') ?? 'desc';
  const active = current === sort;
  const next = active && order === 'desc' ? 'asc' : 'desc';
  return (
    <th
      class={num ? 'num' : undefined}
      aria-sort={active ? (order === 'desc' ? 'descending' : 'ascending') : undefined}
    >
      <button
        type="button"
        class="link-button"
        data-testid={`sort-${sort}`}
        onClick={() => navigate(withQuery(loc, { sort, order: next, cursor: undefined }))}
      >
        {label}
        {active ? (order === 'desc' ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
}

/** Sessions or users as the server aggregates them, one row each; arrows / j k move, Enter opens. */
export function GroupTable({ groups, base, now }: { groups: GroupRow[]; base: string; now: number }) {
  const [selected, setSelected] = useState(0);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    (bodyRef.current?.children[selected] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const href = (g: GroupRow) => `${base}/${encodeURIComponent(idOf(g))}`;
  const users = groups.length > 0 && 'userId' in groups[0];
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'j') setSelected((i) => Math.min(groups.length - 1, i + 1));
    else if (e.key === 'ArrowUp' || e.key === 'k') setSelected((i) => Math.max(0, i - 1));
    else if (e.key === 'Enter' && groups[selected]) navigate(href(groups[selected]));
    else return;
    e.preventDefault();
  };
  return (
    <div class="table-wrap">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: rows are navigated with arrow keys or j/k, Enter opens */}
      <table class="table" data-testid="group-table" tabIndex={0} onKeyDown={onKeyDown}>
        <thead>
          <tr>
            <th>Id</th>
            <SortHeader label="Last seen" sort="lastSeen" />
            <SortHeader label="Duration" sort="duration" num />
            {users && <SortHeader label="Sessions" sort="sessions" num />}
            <SortHeader label="Traces" sort="traces" num />
            <SortHeader label="Turns" sort="turns" num />
            <SortHeader label="Errors" sort="errors" num />
            <SortHeader label="Tokens in" sort="inputTokens" num />
            <SortHeader label="Tokens out" sort="outputTokens" num />
            <SortHeader label="Cost" sort="cost" num />
            <th>{users ? 'Models' : 'Users'}</th>
            <th>Agents</th>
          </tr>
        </thead>
        <tbody ref={bodyRef}>
          {groups.map((g, i) => {
            const last = nsToMs(g.lastSeenUnixNano);
            const related = 'users' in g ? g.users : g.models;
            return (
              <tr
                key={idOf(g)}
                class={i === selected ? 'selected' : undefined}
                data-testid="group-row"
                onClick={() => navigate(href(g))}
              >
                <td>
                  <Link href={href(g)} class="strong">
                    {idOf(g)}
                  </Link>
                </td>
                <td title={formatTime(last)}>{formatAgo(last, now)}</td>
                <td class="num">{formatDuration(g.durationMs)}</td>
                {'sessions' in g && <td class="num">{g.sessions}</td>}
                <td class="num">{g.traces}</td>
                <td class="num">{g.turns}</td>
                <td class="num">
                  {g.errors > 0 ? <span class="error-count">{g.errors}</span> : <span class="muted">0</span>}
                </td>
                <td class="num">{formatTokens(g.inputTokens)}</td>
                <td class="num">{formatTokens(g.outputTokens)}</td>
                <td class="num">{formatCost(g.costUsd)}</td>
                <td class="muted small">
                  {related.slice(0, 3).join(', ')}
                  {related.length > 3 ? ` +${related.length - 3}` : ''}
                </td>
                <td class="muted small">{g.agents.slice(0, 3).join(', ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
