/**
 * Trace detail: the agent tree and the waterfall share one virtualised list of rows (tree on the left,
 * timeline on the right), the selected span's panel beside them. `?span=` in the URL selects a span.
 */
import type { TraceJson } from '@witness/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { KindBadge } from '../../components/badges.js';
import { ErrorView, Loading } from '../../components/states.js';
import { VirtualList } from '../../components/virtual-list.js';
import { formatCost, formatDuration, formatTime, formatTokens, nsToMs, shortId } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { TraceGraph } from '../agent-graph/trace-graph.js';
import { TraceScores } from '../scores/trace-scores.js';
import { SpanPanel } from './span-panel.js';
import { buildTree, countDescendants, isOpen, type TreeNode, visibleRows } from './span-tree.js';

const ROW_HEIGHT = 30;

function hint(node: TreeNode): string {
  const s = node.span;
  if (s.kind === 'llm') return s.model ?? '';
  if (s.kind === 'tool') return s.toolName ?? '';
  if (s.kind === 'agent') return s.agentName && s.agentName !== s.name ? s.agentName : '';
  if (s.kind === 'decision' && s.decision?.choice) return `→ ${s.decision.choice}`;
  return '';
}

/** Duration label after the bar, before it when the bar ends near the right edge, inside a full-width bar. */
function labelPosition(left: number, width: number): Record<string, string> {
  if (left + width < 82) return { left: `calc(${left + width}% + 4px)` };
  if (left > 18) return { right: `calc(${100 - left}% + 4px)` };
  return { left: `calc(${left}% + 6px)`, color: '#fff' };
}

function Ticks({ totalMs }: { totalMs: number }) {
  return (
    <div class="ticks">
      {[0, 0.25, 0.5, 0.75, 1].map((f) => (
        <span key={f} style={{ left: `${f * 100}%` }}>
          {f === 0 ? '0' : formatDuration(totalMs * f)}
        </span>
      ))}
    </div>
  );
}

export function TracePage({ params }: { params: Record<string, string> }) {
  const traceId = params.traceId!;
  const loc = useLocation();
  const selectedId = loc.query.get('span');
  const view = loc.query.get('view') === 'graph' ? 'graph' : 'waterfall';
  const { data, error, loading } = useApi<TraceJson>(apiUrl(`/api/traces/${encodeURIComponent(traceId)}`));
  const tree = useMemo(() => (data ? buildTree(data.spans) : null), [data]);
  const [overrides, setOverrides] = useState(() => new Map<string, boolean>());

  // a shared link to a deep span opens the path down to it
  useEffect(() => {
    if (!tree || !selectedId) return;
    const node = tree.byId.get(selectedId);
    if (!node) return;
    let p = node.parent;
    const next = new Map(overrides);
    let changed = false;
    while (p) {
      if (!isOpen(p, next)) {
        next.set(p.span.spanId, true);
        changed = true;
      }
      p = p.parent;
    }
    if (changed) setOverrides(next);
  }, [tree, selectedId]);

  const rows = useMemo(() => (tree ? visibleRows(tree, overrides) : []), [tree, overrides]);
  // bench/ui reads this mark: time from navigation to the trace's rows on screen
  useEffect(() => {
    if (tree) performance.mark('witness:trace-rows');
  }, [tree]);
  const selectedIndex = rows.findIndex((r) => r.span.spanId === selectedId);
  const selected = tree && selectedId ? tree.byId.get(selectedId) : undefined;

  const select = (spanId: string | undefined) =>
    navigate(withQuery(loc, { span: spanId }), { replace: true });
  const toggle = (node: TreeNode, open?: boolean) => {
    const next = new Map(overrides);
    next.set(node.span.spanId, open ?? !isOpen(node, overrides));
    setOverrides(next);
  };
  const setAll = (open: boolean) => {
    const next = new Map<string, boolean>();
    if (tree)
      for (const n of tree.byId.values())
        if (n.children.length) next.set(n.span.spanId, open || n.depth === 0);
    setOverrides(next);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const cur = selectedIndex;
    const node = rows[cur];
    if (e.key === 'ArrowDown' || e.key === 'j') select(rows[Math.min(rows.length - 1, cur + 1)]?.span.spanId);
    else if (e.key === 'ArrowUp' || e.key === 'k') select(rows[Math.max(0, cur - 1)]?.span.spanId);
    else if (e.key === 'ArrowRight' && node?.children.length) toggle(node, true);
    else if (e.key === 'ArrowLeft' && node) {
      if (node.children.length && isOpen(node, overrides)) toggle(node, false);
      else if (node.parent) select(node.parent.span.spanId);
    } else if (e.key === 'Escape') select(undefined);
    else return;
    e.preventDefault();
  };

  if (error)
    return (
      <div class="page">
        <ErrorView error={error} />
        <Link href="/traces">← Back to traces</Link>
      </div>
    );
  if (loading || !data || !tree)
    return (
      <div class="page">
        <Loading label="Loading trace…" />
      </div>
    );

  const root = tree.roots[0]?.span;
  const totals = data.spans.reduce(
    (acc, s) => {
      acc.tokens += (s.inputTokens ?? 0) + (s.outputTokens ?? 0);
      if (s.costUsd !== null) acc.cost += s.costUsd;
      if (s.status.code === 'error') acc.errors++;
      return acc;
    },
    { tokens: 0, cost: 0, errors: 0 },
  );

  const renderRow = (i: number) => {
    const node = rows[i]!;
    const s = node.span;
    const open = isOpen(node, overrides);
    const left = (node.offsetMs / tree.totalMs) * 100;
    const width = Math.max(0.3, (node.durationMs / tree.totalMs) * 100);
    return (
      <div
        class={`span-row${s.spanId === selectedId ? ' selected' : ''}${s.status.code === 'error' ? ' is-error' : ''}`}
        data-testid="span-row"
        data-span-id={s.spanId}
        data-kind={s.kind}
        data-depth={node.depth}
        role="treeitem"
        aria-level={node.depth + 1}
        aria-selected={s.spanId === selectedId}
        aria-expanded={node.children.length ? open : undefined}
        tabIndex={-1}
        onClick={() => select(s.spanId)}
        onKeyDown={(e) => e.key === 'Enter' && select(s.spanId)}
      >
        <div class="tree-cell" style={{ paddingLeft: `${8 + node.depth * 16}px` }}>
          {node.children.length ? (
            <button
              type="button"
              class="toggle"
              data-testid="tree-toggle"
              aria-expanded={open}
              aria-label={open ? 'Collapse' : `Expand ${countDescendants(node)} spans`}
              title={open ? 'Collapse' : `Expand ${countDescendants(node)} spans`}
              onClick={(e) => {
                e.stopPropagation();
                toggle(node);
              }}
            >
              {open ? '▾' : '▸'}
            </button>
          ) : (
            <span class="toggle-spacer" />
          )}
          <KindBadge kind={s.kind} />
          <span class="span-name" title={s.name}>
            {s.name}
          </span>
          <span class="span-hint muted">{hint(node)}</span>
          {!open && node.children.length > 0 && <span class="muted small">+{countDescendants(node)}</span>}
        </div>
        <div class="bar-cell">
          <div class={`bar bar-${s.kind}`} style={{ left: `${left}%`, width: `${width}%` }} />
          <span class="bar-label" style={labelPosition(left, width)}>
            {formatDuration(node.durationMs)}
          </span>
        </div>
      </div>
    );
  };

  return (
    <div class="page trace-page">
      <header class="page-header trace-header">
        <div>
          <div class="crumbs">
            <Link href="/traces">Traces</Link> / <code>{shortId(traceId, 16)}</code>
          </div>
          <h1 data-testid="trace-title">{root?.name ?? traceId}</h1>
        </div>
        <dl class="trace-stats">
          <div>
            <dt>Start</dt>
            <dd>{root ? formatTime(nsToMs(root.startTimeUnixNano)) : '—'}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(tree.totalMs)}</dd>
          </div>
          <div>
            <dt>Spans</dt>
            <dd data-testid="trace-span-count">{data.spans.length}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd class={totals.errors ? 'error-count' : undefined}>{totals.errors}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>{formatTokens(totals.tokens)}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{formatCost(totals.cost)}</dd>
          </div>
          {root?.sessionId && (
            <div>
              <dt>Session</dt>
              <dd>
                <Link href={`/sessions/${encodeURIComponent(root.sessionId)}`}>
                  {shortId(root.sessionId, 12)}
                </Link>
              </dd>
            </div>
          )}
          {root?.userId && (
            <div>
              <dt>User</dt>
              <dd>
                <Link href={`/users/${encodeURIComponent(root.userId)}`}>{root.userId}</Link>
              </dd>
            </div>
          )}
        </dl>
      </header>
      <TraceScores traceId={traceId} spanId={selectedId} />
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          class={`tab${view === 'waterfall' ? ' active' : ''}`}
          aria-selected={view === 'waterfall'}
          data-testid="tab-waterfall"
          onClick={() => navigate(withQuery(loc, { view: undefined }), { replace: true })}
        >
          Waterfall
        </button>
        <button
          type="button"
          role="tab"
          class={`tab${view === 'graph' ? ' active' : ''}`}
          aria-selected={view === 'graph'}
          data-testid="tab-graph"
          onClick={() => navigate(withQuery(loc, { view: 'graph' }), { replace: true })}
        >
          Agent graph
        </button>
        <Link href={`/compare?a=${traceId}`} class="tab-link" data-testid="compare-with">
          Compare with another trace…
        </Link>
      </div>
      {view === 'graph' ? (
        <TraceGraph traceId={traceId} />
      ) : (
        <div class={`trace-body${selected ? ' with-panel' : ''}`}>
          <div class="waterfall">
            <div class="waterfall-head">
              <div class="tree-cell">
                <button
                  type="button"
                  class="btn btn-small"
                  data-testid="expand-all"
                  onClick={() => setAll(true)}
                >
                  Expand all
                </button>
                <button type="button" class="btn btn-small" onClick={() => setAll(false)}>
                  Collapse
                </button>
                <span class="muted small">
                  {rows.length} of {data.spans.length} rows
                </span>
              </div>
              <div class="bar-cell">
                <Ticks totalMs={tree.totalMs} />
              </div>
            </div>
            <VirtualList
              count={rows.length}
              rowHeight={ROW_HEIGHT}
              renderRow={renderRow}
              scrollToIndex={selectedIndex}
              class="waterfall-rows"
              testId="waterfall"
              role="tree"
              label="Spans of this trace"
              onKeyDown={onKeyDown}
            />
          </div>
          {selected && (
            <SpanPanel span={selected.span} baseNs={tree.baseNs} onClose={() => select(undefined)} />
          )}
        </div>
      )}
    </div>
  );
}
