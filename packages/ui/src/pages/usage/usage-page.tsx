/**
 * Usage: calls, users, errors, tokens and cost per tool, agent or model (feature usage) and per user,
 * session, service or project (cost attribution), over time — GET /api/usage. The dimension, sort and
 * range live in the URL.
 */
import { USAGE_DIMENSIONS, USAGE_SORTS, type UsageJson } from '@witness/protocol';
import { useMemo } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatCost, formatTokens } from '../../lib/format.js';
import { navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';

const DEFAULT_RANGE = '24h';

/** A row's points as a tiny bar strip of one measure (buckets without spans are gaps). */
function Strip({
  data,
  row,
  measure,
}: {
  data: UsageJson;
  row: UsageJson['rows'][number];
  measure: 'calls' | 'costUsd';
}) {
  const buckets = Math.max(1, Math.ceil((data.toMs - data.fromMs) / (data.stepSeconds * 1000)));
  const max = Math.max(...row.points.map((p) => p[measure]), 0) || 1;
  const w = 160;
  const bw = w / buckets;
  return (
    <svg width={w} height={20} role="img" aria-label={`${measure} over time`}>
      {row.points.map((p) => {
        const i = Math.floor((p.t - data.fromMs) / (data.stepSeconds * 1000));
        const h = Math.max(1, (p[measure] / max) * 18);
        return (
          <rect key={p.t} x={i * bw} y={20 - h} width={Math.max(1, bw - 0.5)} height={h} class="spark-bar" />
        );
      })}
    </svg>
  );
}

export function UsagePage() {
  const loc = useLocation();
  const q = loc.query;
  const now = useMemo(() => Date.now(), [loc.href]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const by = q.get('by') ?? 'tool';
  const sort = q.get('sort') ?? 'cost';
  const { data, error } = useApi<UsageJson>(
    apiUrl('/api/usage', {
      by,
      sort,
      from: range.fromMs ?? now - 30 * 86_400_000,
      to: range.toMs,
      step: q.get('step') ?? undefined,
      limit: 50,
    }),
  );
  const totalCost = data?.rows.reduce((a, r) => a + r.costUsd, 0) ?? 0;
  return (
    <div class="page">
      <header class="page-header">
        <h1>Usage</h1>
        <form class="filters inline" onSubmit={(e) => e.preventDefault()}>
          <label>
            By{' '}
            <select
              data-testid="usage-by"
              value={by}
              onChange={(e) => navigate(withQuery(loc, { by: e.currentTarget.value }))}
            >
              {USAGE_DIMENSIONS.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sort{' '}
            <select value={sort} onChange={(e) => navigate(withQuery(loc, { sort: e.currentTarget.value }))}>
              {USAGE_SORTS.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
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
      ) : data.rows.length === 0 ? (
        <Empty title="No usage in this range">
          Spans carry a {by} when the app or the conventions name one.
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="usage-table">
            <thead>
              <tr>
                <th>{by}</th>
                <th class="num">Calls</th>
                <th class="num">Users</th>
                <th class="num">Errors</th>
                <th class="num">Tokens in</th>
                <th class="num">Tokens out</th>
                <th class="num">Cost</th>
                <th class="num">Share</th>
                <th>Calls over time</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={r.value} data-testid="usage-row">
                  <td class="strong">{r.value}</td>
                  <td class="num">{r.calls}</td>
                  <td class="num">{r.users}</td>
                  <td class="num">{r.errors > 0 ? <span class="error-count">{r.errors}</span> : 0}</td>
                  <td class="num">{formatTokens(r.inputTokens)}</td>
                  <td class="num">{formatTokens(r.outputTokens)}</td>
                  <td class="num">{formatCost(r.costUsd)}</td>
                  <td class="num">{totalCost > 0 ? `${Math.round((r.costUsd / totalCost) * 100)}%` : '—'}</td>
                  <td>
                    <Strip data={data} row={r} measure="calls" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.truncated && <p class="muted small">The 50 largest by {sort}.</p>}
        </div>
      )}
    </div>
  );
}
