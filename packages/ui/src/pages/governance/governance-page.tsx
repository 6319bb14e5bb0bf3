/**
 * Governance: policy violations found at ingest (`GET /api/governance/violations`) with their counts
 * over time and by policy, severity, agent and mode (`GET /api/governance/summary`), and the policies
 * in force. Clicking a count filters the list; every violation links to its trace.
 */
import { POLICY_SEVERITIES, type ViolationJson, type ViolationSummaryJson } from '@witness/protocol';
import { useMemo, useState } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatTime, shortId } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';
import { CursorPager } from '../../components/cursor-pager.js';
import { DraftInput } from '../../components/draft-input.js';

const DEFAULT_RANGE = '24h';

function Bars({ points }: { points: ViolationSummaryJson['overTime'] }) {
  const max = Math.max(1, ...points.map((p) => p.count));
  const w = 600;
  const h = 80;
  const bw = points.length > 0 ? w / points.length : w;
  return (
    <svg
      class="gov-bars"
      viewBox={`0 0 ${w} ${h}`}
      preserveAspectRatio="none"
      data-testid="violations-over-time"
      role="img"
    >
      <title>Violations over time</title>
      {points.map((p, i) => {
        const bh = Math.max(1, (p.count / max) * (h - 4));
        return (
          <rect key={p.time} x={i * bw + 1} y={h - bh} width={Math.max(1, bw - 2)} height={bh}>
            <title>{`${formatTime(Date.parse(p.time))}: ${p.count}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function CountList({
  title,
  testId,
  items,
  onPick,
}: {
  title: string;
  testId: string;
  items: Array<{ key: string; count: number }>;
  onPick: (key: string) => void;
}) {
  return (
    <div class="card gov-counts" data-testid={testId}>
      <h3>{title}</h3>
      {items.length === 0 ? (
        <span class="muted">—</span>
      ) : (
        <ul>
          {items.slice(0, 8).map((i) => (
            <li key={i.key}>
              <button type="button" class="link-button" onClick={() => onPick(i.key)}>
                {i.key}
              </button>
              <span class="num">{i.count}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Matched({ v }: { v: ViolationJson }) {
  const entries = Object.entries(v.matched);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <code class="gov-matched">{entries.map(([k, val]) => `${k} = ${JSON.stringify(val)}`).join(', ')}</code>
  );
}

export function GovernancePage() {
  const loc = useLocation();
  const q = loc.query;
  const [reload, setReload] = useState(0);
  const now = useMemo(() => Date.now(), [loc.href, reload]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const summary = useApi<ViolationSummaryJson>(
    apiUrl('/api/governance/summary', { from: range.fromMs, to: range.toMs ?? now }),
    reload,
  );
  const list = useApi<{ items: ViolationJson[]; nextCursor: string | null }>(
    apiUrl('/api/governance/violations', {
      from: range.fromMs,
      to: range.toMs,
      policy: q.get('policy'),
      severity: q.get('severity'),
      agent: q.get('agent'),
      mode: q.get('mode'),
      cursor: q.get('cursor'),
      limit: 100,
    }),
    reload,
  );
  const set = (changes: Record<string, string | undefined>) =>
    navigate(withQuery(loc, { ...changes, cursor: undefined }));
  const s = summary.data;

  return (
    <div class="page">
      <header class="page-header">
        <h1>Governance</h1>
        <span class="muted">
          Violations of the CEL policies in governance.policies, found as spans arrive.
        </span>
      </header>
      <form
        class="filters"
        data-testid="governance-filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget as HTMLFormElement;
          const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
          set({ agent: value('agent') || undefined, mode: value('mode') || undefined });
        }}
      >
        <label class="field">
          <span>Policy</span>
          <select
            data-testid="governance-policy"
            value={q.get('policy') ?? ''}
            onChange={(e) => set({ policy: (e.currentTarget as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any</option>
            {(s?.policies ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Severity</span>
          <select
            value={q.get('severity') ?? ''}
            onChange={(e) => set({ severity: (e.currentTarget as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any</option>
            {POLICY_SEVERITIES.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Agent</span>
          <DraftInput name="agent" placeholder="any" value={q.get('agent') ?? ''} />
        </label>
        <label class="field">
          <span>Mode</span>
          <DraftInput name="mode" placeholder="any" value={q.get('mode') ?? ''} />
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

      {summary.error ? (
        <ErrorView error={summary.error} onRetry={() => setReload((n) => n + 1)} />
      ) : !s ? (
        <Loading label="Loading the summary…" />
      ) : (
        <section class="gov-summary" data-testid="governance-summary">
          <div class="card gov-over-time">
            <h3>
              Violations over time{' '}
              <span class="muted" data-testid="violations-total">
                {s.total} in range
              </span>
            </h3>
            <Bars points={s.overTime} />
          </div>
          <div class="gov-grid">
            <CountList
              title="By policy"
              testId="by-policy"
              items={s.byPolicy}
              onPick={(k) => set({ policy: k })}
            />
            <CountList
              title="By severity"
              testId="by-severity"
              items={s.bySeverity}
              onPick={(k) => set({ severity: k })}
            />
            <CountList
              title="By agent"
              testId="by-agent"
              items={s.byAgent}
              onPick={(k) => set({ agent: k })}
            />
            <CountList title="By mode" testId="by-mode" items={s.byMode} onPick={(k) => set({ mode: k })} />
          </div>
        </section>
      )}

      {list.error ? (
        <ErrorView error={list.error} onRetry={() => setReload((n) => n + 1)} />
      ) : !list.data ? (
        <Loading label="Loading violations…" />
      ) : list.data.items.length === 0 ? (
        <Empty title="No violations in this range">
          {s && s.policies.length === 0
            ? 'No policies are configured: add them under governance.policies (docs/governance.md).'
            : 'Widen the time range or clear the filters.'}
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="violations-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Policy</th>
                <th>Severity</th>
                <th>Span</th>
                <th>Agent</th>
                <th>Mode</th>
                <th>Values that matched</th>
                <th>Trace</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((v) => (
                <tr key={v.id} data-testid="violation-row" data-policy={v.policy}>
                  <td class="nowrap">{formatTime(Date.parse(v.time))}</td>
                  <td>{v.policy}</td>
                  <td>
                    <span class={`gov-severity gov-${v.severity}`}>{v.severity}</span>
                  </td>
                  <td>
                    {v.spanName} <span class="muted">{v.kind}</span>
                  </td>
                  <td>{v.agent ?? <span class="muted">—</span>}</td>
                  <td>{v.mode ?? <span class="muted">—</span>}</td>
                  <td>
                    <Matched v={v} />
                  </td>
                  <td class="nowrap">
                    <Link
                      href={`/traces/${v.traceId}`}
                      data-testid="violation-trace-link"
                      data-trace-id={v.traceId}
                    >
                      {shortId(v.traceId)} →
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <CursorPager nextCursor={list.data.nextCursor} />
        </div>
      )}

      {s && s.policies.length > 0 && (
        <section class="card gov-policies" data-testid="policies-in-force">
          <h3>Policies in force</h3>
          <table class="table">
            <tbody>
              {s.policies.map((p) => (
                <tr key={p.name}>
                  <td class="nowrap">{p.name}</td>
                  <td>
                    <span class={`gov-severity gov-${p.severity}`}>{p.severity}</span>{' '}
                    <span class="muted">{p.action}</span>
                  </td>
                  <td>
                    <code>{p.expression}</code>
                    {p.description && <div class="muted">{p.description}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
