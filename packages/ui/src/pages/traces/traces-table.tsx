/** The trace summary table, shared by the traces, session and user pages. Arrow keys / j k move, Enter opens. */
import type { TraceSummaryJson } from '@witness/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  formatAgo,
  formatCost,
  formatDuration,
  formatTime,
  formatTokens,
  nsToMs,
  shortId,
} from '../../lib/format.js';
import { Link, navigate } from '../../lib/router.js';

export function TracesTable({
  items,
  now,
  picked,
  onPick,
}: {
  items: TraceSummaryJson[];
  now: number;
  /** Traces ticked for comparison (the traces page); without onPick there is no tick column. */
  picked?: ReadonlySet<string>;
  onPick?: (traceId: string) => void;
}) {
  const [selected, setSelected] = useState(0);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  useEffect(() => setSelected(0), [items]);
  // bench/ui reads this mark: time from navigation to the first rows on screen
  useEffect(() => {
    if (items.length) performance.mark('witness:traces-rows');
  }, [items]);

  useEffect(() => {
    const row = bodyRef.current?.children[selected] as HTMLElement | undefined;
    row?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'j') setSelected((i) => Math.min(items.length - 1, i + 1));
    else if (e.key === 'ArrowUp' || e.key === 'k') setSelected((i) => Math.max(0, i - 1));
    else if (e.key === 'Enter' && items[selected]) navigate(`/traces/${items[selected].traceId}`);
    else return;
    e.preventDefault();
  };

  return (
    <div class="table-wrap">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: rows are navigated with arrow keys or j/k, Enter opens */}
      <table class="table traces-table" data-testid="traces-table" tabIndex={0} onKeyDown={onKeyDown}>
        <thead>
          <tr>
            {onPick && <th title="Tick two traces to compare them">Cmp</th>}
            <th>Start</th>
            <th>Root</th>
            <th class="num">Duration</th>
            <th class="num">Spans</th>
            <th class="num">Errors</th>
            <th class="num">Tokens</th>
            <th class="num">Cost</th>
            <th>Trace</th>
          </tr>
        </thead>
        <tbody ref={bodyRef}>
          {items.map((t, i) => {
            const startMs = nsToMs(t.startTimeUnixNano);
            return (
              <tr
                key={t.traceId}
                data-testid="trace-row"
                data-trace-id={t.traceId}
                class={i === selected ? 'selected' : undefined}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest('a, input')) return;
                  navigate(`/traces/${t.traceId}`);
                }}
              >
                {onPick && (
                  <td>
                    <input
                      type="checkbox"
                      data-testid="compare-pick"
                      aria-label={`Compare ${t.traceId}`}
                      checked={picked?.has(t.traceId) ?? false}
                      onClick={(e) => e.stopPropagation()}
                      onChange={() => onPick(t.traceId)}
                    />
                  </td>
                )}
                <td title={formatTime(startMs, true)}>
                  <div>{formatTime(startMs)}</div>
                  <div class="muted small">{formatAgo(startMs, now)}</div>
                </td>
                <td>
                  <Link href={`/traces/${t.traceId}`} class="strong">
                    {t.rootName || '(unnamed)'}
                  </Link>
                  <div class="muted small">
                    {t.serviceName}
                    {t.agents && t.agents.length > 0 ? ` · ${t.agents.join(', ')}` : ''}
                    {t.userId ? ` · user ${t.userId}` : ''}
                  </div>
                </td>
                <td class="num">{formatDuration(t.durationMs)}</td>
                <td class="num">{t.spanCount}</td>
                <td class="num">
                  {t.errorCount > 0 ? (
                    <span class="error-count">{t.errorCount}</span>
                  ) : (
                    <span class="muted">0</span>
                  )}
                </td>
                <td class="num">{formatTokens(t.totalTokens)}</td>
                <td class="num">{formatCost(t.costUsd)}</td>
                <td>
                  <code class="muted" title={t.traceId}>
                    {shortId(t.traceId)}
                  </code>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
