/**
 * Anomalies: what the live detectors found (`GET /api/anomalies`), newest first, filtered by kind,
 * service, agent and time. Each row says which series or run, what was seen against what was expected,
 * the score, and links to the trace behind it; series anomalies carry a small chart of their recent
 * buckets with the expected level and the anomalous bucket marked.
 */
import { ANOMALY_KINDS, type AnomalyJson, type AnomalyPageJson } from '@witness/protocol';
import { useMemo, useState } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatTime, shortId } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';
import { AnomalySparkline } from './anomaly-sparkline.js';
import { CursorPager } from '../../components/cursor-pager.js';
import { DraftInput } from '../../components/draft-input.js';

const DEFAULT_RANGE = '7d';

const KIND_LABELS: Record<AnomalyJson['kind'], string> = {
  series: 'Series',
  tool_loop: 'Tool loop',
  run_cost: 'Run cost',
  run_tokens: 'Run tokens',
  run_steps: 'Run steps',
  new_tool: 'New tool',
  new_model: 'New model',
};

function seriesName(a: AnomalyJson): string {
  const { service, agent, model, tool } = a.labels;
  const parts = [
    service && `service ${service}`,
    agent && `agent ${agent}`,
    model && `model ${model}`,
    tool && `tool ${tool}`,
  ];
  return parts.filter(Boolean).join(' · ') || '—';
}

function formatValue(v: number | null, metric: string | null): string {
  if (v === null) return '—';
  if (metric === 'error_ratio') return `${(v * 100).toFixed(1)}%`;
  if (metric === 'latency_p95') return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`;
  if (metric === 'cost') return `$${v < 0.01 ? v.toPrecision(2) : v.toFixed(2)}`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

export function AnomaliesPage() {
  const loc = useLocation();
  const q = loc.query;
  const [reload, setReload] = useState(0);
  const now = useMemo(() => Date.now(), [loc.href, reload]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const { data, error } = useApi<AnomalyPageJson>(
    apiUrl('/api/anomalies', {
      kind: q.get('kind'),
      service: q.get('service'),
      agent: q.get('agent'),
      since: range.fromMs,
      until: range.toMs,
      cursor: q.get('cursor'),
      limit: 100,
    }),
    reload,
  );
  const set = (changes: Record<string, string | undefined>) =>
    navigate(withQuery(loc, { ...changes, cursor: undefined }));

  return (
    <div class="page">
      <header class="page-header">
        <h1>Anomalies</h1>
        <span class="muted">
          Unusual latency, errors, calls, tokens and cost per service, agent, model and tool; tool loops and
          runs far above their agent's median.
        </span>
      </header>
      <form
        class="filters"
        data-testid="anomaly-filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget as HTMLFormElement;
          const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
          set({ service: value('service'), agent: value('agent') });
        }}
      >
        <label class="field">
          <span>Kind</span>
          <select
            data-testid="anomaly-kind"
            value={q.get('kind') ?? ''}
            onChange={(e) => set({ kind: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="">Any</option>
            {ANOMALY_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Service</span>
          <DraftInput name="service" placeholder="any" value={q.get('service') ?? ''} />
        </label>
        <label class="field">
          <span>Agent</span>
          <DraftInput name="agent" placeholder="any" value={q.get('agent') ?? ''} />
        </label>
        <TimeRangeSelect
          value={q.get('range') ?? DEFAULT_RANGE}
          custom={q.has('from') || q.has('to')}
          onChange={(r) => set({ range: r, from: undefined, to: undefined })}
        />
        <button type="submit" class="btn btn-primary">
          Filter
        </button>
      </form>
      {error ? (
        <ErrorView error={error} onRetry={() => setReload((n) => n + 1)} />
      ) : !data ? (
        <Loading label="Loading anomalies…" />
      ) : data.items.length === 0 ? (
        <Empty title="No anomalies in this range">
          Series are watched after a warm-up (150 buckets by default); widen the time range or clear the
          filters.
        </Empty>
      ) : (
        <>
          <div class="table-wrap">
            <table class="table" data-testid="anomalies-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Kind</th>
                  <th>Series / run</th>
                  <th>What happened</th>
                  <th class="num">Value</th>
                  <th class="num">Expected</th>
                  <th class="num">Score</th>
                  <th>Recent buckets</th>
                  <th>Trace</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((a) => (
                  <tr key={a.id} data-testid="anomaly-row" data-kind={a.kind}>
                    <td class="nowrap">{formatTime(a.timeMs)}</td>
                    <td class="nowrap">
                      <span class={`anomaly-kind anomaly-${a.kind}`}>{KIND_LABELS[a.kind]}</span>
                      {a.kind === 'series' && a.metric && <div class="muted">{a.metric}</div>}
                    </td>
                    <td>{seriesName(a)}</td>
                    <td>{a.message}</td>
                    <td class="num nowrap">{formatValue(a.value, a.metric)}</td>
                    <td class="num nowrap">{formatValue(a.expected, a.metric)}</td>
                    <td class="num">{a.score.toFixed(2)}</td>
                    <td>
                      {a.points.length > 1 ? (
                        <AnomalySparkline points={a.points} />
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td class="nowrap">
                      {a.traceIds.length > 0 ? (
                        a.traceIds.map((id) => (
                          <Link
                            key={id}
                            href={`/traces/${id}`}
                            data-testid="anomaly-trace-link"
                            data-trace-id={id}
                          >
                            {shortId(id)} →
                          </Link>
                        ))
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CursorPager nextCursor={data.nextCursor} />
        </>
      )}
    </div>
  );
}
