/**
 * The agent graph of many traces: the newest `limit` traces of a service or agent in a time range,
 * aggregated by the server (`GET /api/agent-graph`). Filters live in the URL, so a link is shareable.
 */
import type { AgentGraphJson, ScoreSummaryJson, ServicesJson } from '@witness/protocol';
import { useMemo } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DraftInput } from '../../components/draft-input.js';
import { ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';
import { AgentGraphView } from './agent-graph-view.js';

const DEFAULT_RANGE = '1h';

/** The graph without model nodes (and the edges to them): agents and tools only. */
function withoutModels(g: AgentGraphJson): AgentGraphJson {
  const llm = new Set(g.nodes.filter((n) => n.type === 'llm').map((n) => n.id));
  return {
    ...g,
    nodes: g.nodes.filter((n) => !llm.has(n.id)),
    edges: g.edges.filter((e) => !llm.has(e.to) && !llm.has(e.from)),
  };
}

/** Scores in the same time range per name and agent (GET /api/scores/summary). */
function ScoreSummaryTable({ summary, agent }: { summary: ScoreSummaryJson | null; agent: string | null }) {
  const groups = (summary?.groups ?? []).filter((g) => !agent || g.group === agent);
  if (groups.length === 0) return null;
  return (
    <div class="table-wrap">
      <h2 class="small muted">Scores by agent</h2>
      <table class="table" data-testid="score-summary">
        <thead>
          <tr>
            <th>Score</th>
            <th>Agent</th>
            <th class="num">Count</th>
            <th class="num">Avg</th>
            <th class="num">Min</th>
            <th class="num">Max</th>
            <th>Labels</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr
              key={`${g.name}/${g.group}`}
              data-testid="score-summary-row"
              data-name={g.name}
              data-agent={g.group}
            >
              <td>{g.name}</td>
              <td>{g.group || <span class="muted">—</span>}</td>
              <td class="num">{g.count}</td>
              <td class="num">{g.avg === null ? '—' : g.avg.toFixed(2)}</td>
              <td class="num">{g.min === null ? '—' : g.min}</td>
              <td class="num">{g.max === null ? '—' : g.max}</td>
              <td class="small">
                {Object.entries(g.labels)
                  .map(([l, c]) => `${l} ×${c}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AgentGraphPage() {
  const loc = useLocation();
  const q = loc.query;
  const now = useMemo(() => Date.now(), [loc.href]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const url = apiUrl('/api/agent-graph', {
    service: q.get('service'),
    agent: q.get('agent'),
    from: range.fromMs,
    to: range.toMs,
    limit: q.get('limit') ?? 100,
  });
  const { data, error, loading } = useApi<AgentGraphJson>(url);
  // models fold into their callers by default: over many traces they outnumber agents and tools
  const showModels = q.get('models') === '1';
  const shown = useMemo(() => (data && !showModels ? withoutModels(data) : data), [data, showModels]);
  const scores = useApi<ScoreSummaryJson>(
    apiUrl('/api/scores/summary', { groupBy: 'agent', from: range.fromMs ?? 0, to: range.toMs ?? now }),
  );
  const services = useApi<ServicesJson>(apiUrl('/api/services'));
  const set = (changes: Record<string, string | undefined>) => navigate(withQuery(loc, changes));

  return (
    <div class="page">
      <header class="page-header">
        <h1>Agent graph</h1>
        <span class="muted" data-testid="agent-graph-coverage">
          {data
            ? `${data.traces} trace${data.traces === 1 ? '' : 's'}${data.truncated ? ' (stopped early: narrow the range or lower the limit)' : ''}`
            : ''}
        </span>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <TimeRangeSelect
          value={q.get('range') ?? DEFAULT_RANGE}
          custom={q.has('from') || q.has('to')}
          onChange={(r) => set({ range: r, from: undefined, to: undefined })}
        />
        <label class="field">
          <span>Service</span>
          <select
            data-testid="graph-filter-service"
            value={q.get('service') ?? ''}
            onChange={(e) => set({ service: (e.currentTarget as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any</option>
            {(services.data?.services ?? []).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Agent</span>
          <DraftInput
            data-testid="graph-filter-agent"
            value={q.get('agent') ?? ''}
            style={{ width: '9rem' }}
            onChange={(e) => set({ agent: (e.currentTarget as HTMLInputElement).value.trim() || undefined })}
          />
        </label>
        <label class="field">
          <span>Traces</span>
          <select
            data-testid="graph-filter-limit"
            value={q.get('limit') ?? '100'}
            onChange={(e) => set({ limit: (e.currentTarget as HTMLSelectElement).value })}
          >
            {['20', '100', '500'].map((n) => (
              <option key={n} value={n}>
                newest {n}
              </option>
            ))}
          </select>
        </label>
        <label class="field field-check">
          <span>Models</span>
          <input
            type="checkbox"
            data-testid="graph-show-models"
            checked={showModels}
            onChange={(e) => set({ models: (e.currentTarget as HTMLInputElement).checked ? '1' : undefined })}
          />
        </label>
      </form>
      {error ? (
        <ErrorView error={error} />
      ) : !data ? (
        <Loading label="Building the graph…" />
      ) : (
        <div class={`card graph-card${loading ? ' stale' : ''}`}>
          <AgentGraphView graph={shown ?? data} />
        </div>
      )}
      <ScoreSummaryTable summary={scores.data} agent={q.get('agent')} />
    </div>
  );
}
