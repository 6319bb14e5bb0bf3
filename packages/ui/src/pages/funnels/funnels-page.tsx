/**
 * Funnels: build ordered steps (each one condition on a span: name, kind, agent, model, tool, service
 * or status), per session or per user within a time limit, and see counts, conversion, drop-off and
 * time to convert (POST /api/funnels/query). The steps live in the URL (`steps=` JSON), so a funnel
 * is a link to share.
 */
import type { FunnelResultJson, FunnelStep } from '@witness/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiUrl, postJson } from '../../api/client.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatDuration, formatPercent } from '../../lib/format.js';
import { navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';

const DEFAULT_RANGE = '7d';
const FIELDS = ['name', 'kind', 'agent', 'model', 'tool', 'service', 'status'] as const;
type Field = (typeof FIELDS)[number];
interface DraftStep {
  field: Field;
  value: string;
}

function parseSteps(text: string | null): FunnelStep[] {
  if (!text) return [];
  try {
    const steps = JSON.parse(text) as unknown;
    return Array.isArray(steps) ? (steps as FunnelStep[]) : [];
  } catch {
    return [];
  }
}

const draftOf = (s: FunnelStep): DraftStep => {
  const field = FIELDS.find((f) => (s as Record<string, unknown>)[f] !== undefined) ?? 'name';
  return { field, value: String((s as Record<string, unknown>)[field] ?? '') };
};

export function FunnelsPage() {
  const loc = useLocation();
  const q = loc.query;
  const stepsParam = q.get('steps');
  const steps = useMemo(() => parseSteps(stepsParam), [stepsParam]);
  const by = q.get('by') === 'user' ? 'user' : 'session';
  const within = Number(q.get('within') ?? 3600);
  const [draft, setDraft] = useState<DraftStep[]>(() =>
    steps.length > 0
      ? steps.map(draftOf)
      : [
          { field: 'name', value: '' },
          { field: 'name', value: '' },
        ],
  );
  useEffect(() => {
    if (steps.length > 0) setDraft(steps.map(draftOf));
  }, [stepsParam]);
  const [result, setResult] = useState<FunnelResultJson | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [running, setRunning] = useState(false);
  useEffect(() => {
    if (steps.length < 2) return;
    const now = Date.now();
    const range = resolveRange(q, DEFAULT_RANGE, now);
    setRunning(true);
    setError(null);
    postJson<FunnelResultJson>(apiUrl('/api/funnels/query'), {
      steps,
      by,
      withinSeconds: within,
      from: range.fromMs ?? now - 30 * 86_400_000,
      to: range.toMs ?? now,
    }).then(
      (r) => {
        setResult(r);
        setRunning(false);
      },
      (err: unknown) => {
        setError(err instanceof Error ? err : new Error(String(err)));
        setResult(null);
        setRunning(false);
      },
    );
  }, [loc.href]);

  const run = (e: Event) => {
    e.preventDefault();
    const chosen = draft
      .filter((d) => d.value.trim() !== '')
      .map((d) => ({ [d.field]: d.value.trim() }) as FunnelStep);
    navigate(withQuery(loc, { steps: JSON.stringify(chosen) }));
  };
  const set = (i: number, change: Partial<DraftStep>) =>
    setDraft((d) => d.map((s, j) => (j === i ? { ...s, ...change } : s)));
  const first = result?.steps[0]?.count ?? 0;
  return (
    <div class="page">
      <header class="page-header">
        <h1>Funnels</h1>
        <div class="filters inline">
          <TimeRangeSelect
            value={q.get('range') ?? DEFAULT_RANGE}
            custom={q.has('from') || q.has('to')}
            onChange={(r) => navigate(withQuery(loc, { range: r }))}
          />
        </div>
      </header>
      <form class="card funnel-builder" onSubmit={run} data-testid="funnel-builder">
        <ol class="funnel-steps">
          {draft.map((s, i) => (
            <li key={i} class="funnel-step-edit">
              <select
                aria-label={`step ${i + 1} field`}
                value={s.field}
                onChange={(e) => set(i, { field: e.currentTarget.value as Field })}
              >
                {FIELDS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
              <input
                aria-label={`step ${i + 1} value`}
                data-testid={`funnel-step-${i}`}
                value={s.value}
                placeholder={s.field === 'status' ? 'ok or error' : 'exact value'}
                onInput={(e) => set(i, { value: e.currentTarget.value })}
              />
              <button
                type="button"
                class="btn"
                disabled={draft.length <= 2}
                onClick={() => setDraft((d) => d.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
        <div class="filters inline">
          <button
            type="button"
            class="btn"
            data-testid="funnel-add-step"
            disabled={draft.length >= 10}
            onClick={() => setDraft((d) => [...d, { field: 'name', value: '' }])}
          >
            Add step
          </button>
          <label>
            Per{' '}
            <select value={by} onChange={(e) => navigate(withQuery(loc, { by: e.currentTarget.value }))}>
              <option value="session">session</option>
              <option value="user">user</option>
            </select>
          </label>
          <label>
            Within{' '}
            <select
              value={String(within)}
              onChange={(e) => navigate(withQuery(loc, { within: e.currentTarget.value }))}
            >
              {[60, 600, 3600, 86400, 7 * 86400].map((s) => (
                <option key={s} value={String(s)}>
                  {formatDuration(s * 1000)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="btn primary" data-testid="funnel-run">
            Run
          </button>
        </div>
      </form>
      {error ? (
        <ErrorView error={error} />
      ) : steps.length < 2 ? (
        <Empty title="Build a funnel">
          Give at least two steps and run it; the URL then holds the funnel.
        </Empty>
      ) : running && !result ? (
        <Loading />
      ) : result ? (
        <div class="card" data-testid="funnel-result">
          <p>
            <strong data-testid="funnel-conversion">{formatPercent(result.conversion, 1)}</strong> of{' '}
            {result.entered} {by === 'session' ? 'sessions' : 'users'} converted ({result.converted})
          </p>
          <table class="table">
            <thead>
              <tr>
                <th>Step</th>
                <th class="num">Reached</th>
                <th />
                <th class="num">From previous</th>
                <th class="num">Dropped</th>
                <th class="num">Time p50</th>
                <th class="num">Time p95</th>
              </tr>
            </thead>
            <tbody>
              {result.steps.map((s, i) => (
                <tr key={s.label + String(i)} data-testid="funnel-step-row">
                  <td class="strong">
                    {i + 1}. {s.label}
                  </td>
                  <td class="num">{s.count}</td>
                  <td class="bar-cell" style={{ width: '30%' }}>
                    <div
                      class="funnel-bar"
                      style={{ width: `${first > 0 ? (s.count / first) * 100 : 0}%` }}
                    />
                  </td>
                  <td class="num">{i === 0 ? '—' : formatPercent(s.conversionFromPrevious, 1)}</td>
                  <td class="num">{i === 0 ? '—' : s.dropOff}</td>
                  <td class="num">
                    {s.p50MsFromPrevious === null ? '—' : formatDuration(s.p50MsFromPrevious)}
                  </td>
                  <td class="num">
                    {s.p95MsFromPrevious === null ? '—' : formatDuration(s.p95MsFromPrevious)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
