import { useEffect, useRef, useState } from 'preact/hooks';
import { formatAgo, formatCost, formatTime, formatTokens } from '../../lib/format.js';
import { Link, navigate } from '../../lib/router.js';
import type { Group } from './group-traces.js';

/** Sessions or users, one row each; arrows / j k move, Enter opens. */
export function GroupTable({
  groups,
  base,
  relatedLabel,
  now,
}: {
  groups: Group[];
  base: string;
  relatedLabel: string;
  now: number;
}) {
  const [selected, setSelected] = useState(0);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    (bodyRef.current?.children[selected] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const href = (g: Group) => `${base}/${encodeURIComponent(g.id)}`;
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
            <th>Last seen</th>
            <th class="num">Runs</th>
            <th class="num">With errors</th>
            <th class="num">Tokens</th>
            <th class="num">Cost</th>
            <th>{relatedLabel}</th>
            <th>Agents</th>
          </tr>
        </thead>
        <tbody ref={bodyRef}>
          {groups.map((g, i) => (
            <tr
              key={g.id}
              class={i === selected ? 'selected' : undefined}
              data-testid="group-row"
              onClick={() => navigate(href(g))}
            >
              <td>
                <Link href={href(g)} class="strong">
                  {g.id}
                </Link>
              </td>
              <td title={formatTime(g.lastMs)}>{formatAgo(g.lastMs, now)}</td>
              <td class="num">{g.traces}</td>
              <td class="num">
                {g.errors > 0 ? <span class="error-count">{g.errors}</span> : <span class="muted">0</span>}
              </td>
              <td class="num">{formatTokens(g.tokens)}</td>
              <td class="num">{formatCost(g.costUsd)}</td>
              <td class="muted small">
                {g.related.slice(0, 3).join(', ')}
                {g.related.length > 3 ? ` +${g.related.length - 3}` : ''}
              </td>
              <td class="muted small">{g.agents.slice(0, 3).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
