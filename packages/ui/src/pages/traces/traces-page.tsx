import type { Page, ServicesJson, SpanKind, TraceSummaryJson } from '@witness/protocol';
import { SPAN_KINDS } from '@witness/protocol';
import { useMemo, useState } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { navigate, useLocation, withQuery } from '../../lib/router.js';
import { DEFAULT_RANGE, tracesApiUrl } from './trace-filters.js';
import { TracesTable } from './traces-table.js';
import { CursorPager } from '../../components/cursor-pager.js';
import { DraftInput } from '../../components/draft-input.js';

/** A text filter that commits on Enter or blur (the `change` event), not on every keystroke. */
function TextFilter({
  name,
  label,
  value,
  placeholder,
  width,
}: {
  name: string;
  label: string;
  value: string;
  placeholder?: string;
  width?: string;
}) {
  const loc = useLocation();
  return (
    <label class="field">
      <span>{label}</span>
      <DraftInput
        name={name}
        data-testid={`filter-${name}`}
        value={value}
        placeholder={placeholder}
        style={width ? { width } : undefined}
        onChange={(e) =>
          navigate(
            withQuery(loc, { [name]: (e.currentTarget as HTMLInputElement).value.trim(), cursor: undefined }),
          )
        }
      />
    </label>
  );
}

export function TracesPage() {
  const loc = useLocation();
  const q = loc.query;
  // resolve relative ranges once per URL, so re-renders do not refetch with a moving "now"
  const [reload, setReload] = useState(0);
  const now = useMemo(() => Date.now(), [loc.href, reload]);
  const url = tracesApiUrl(q, now);
  const { data, error, loading, dataUrl } = useApi<Page<TraceSummaryJson>>(url, reload);
  // "yes" once what is shown answers the current URL: tests (and screen readers, via aria-busy) wait on it
  // instead of racing a re-render that still shows the previous answer.
  const settled = !loading && dataUrl === url;
  const services = useApi<ServicesJson>(apiUrl('/api/services'));
  const serviceList = services.data?.services ?? [];
  const set = (changes: Record<string, string | undefined>) =>
    navigate(withQuery(loc, { ...changes, cursor: undefined }));
  const hasFilters = [...q.keys()].some((k) => k !== 'range' && k !== 'cursor');
  // two ticked traces open side by side on /compare (the newest two ticks are kept)
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));

  return (
    <div class="page">
      <header class="page-header">
        <h1>Traces</h1>
        <span class="muted">
          {data ? `${data.items.length} shown${data.nextCursor ? ', more available' : ''}` : ''}
        </span>
        <button
          type="button"
          class="btn btn-small"
          data-testid="compare-picked"
          disabled={picked.length !== 2}
          title="Tick two traces in the Cmp column"
          onClick={() => navigate(`/compare?a=${picked[0]}&b=${picked[1]}`)}
        >
          Compare {picked.length}/2
        </button>
      </header>
      <form class="filters" data-testid="trace-filters" onSubmit={(e) => e.preventDefault()}>
        <TimeRangeSelect
          value={q.get('range') ?? DEFAULT_RANGE}
          custom={q.has('from') || q.has('to')}
          onChange={(range) => set({ range, from: undefined, to: undefined })}
        />
        <label class="field">
          <span>Service</span>
          <select
            data-testid="filter-service"
            value={q.get('service') ?? ''}
            onChange={(e) => set({ service: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="">Any</option>
            {serviceList.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            {q.get('service') && !serviceList.includes(q.get('service')!) && (
              <option value={q.get('service')!}>{q.get('service')}</option>
            )}
          </select>
        </label>
        <label class="field">
          <span>Kind</span>
          <select
            data-testid="filter-kind"
            value={q.get('kind') ?? ''}
            onChange={(e) => set({ kind: (e.currentTarget as HTMLSelectElement).value as SpanKind })}
          >
            <option value="">Any</option>
            {SPAN_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Status</span>
          <select
            data-testid="filter-status"
            value={q.get('status') ?? ''}
            onChange={(e) => set({ status: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="">Any</option>
            <option value="ok">OK</option>
            <option value="error">Error</option>
          </select>
        </label>
        <TextFilter name="agent" label="Agent" value={q.get('agent') ?? ''} width="8rem" />
        <TextFilter name="model" label="Model" value={q.get('model') ?? ''} width="8rem" />
        <TextFilter name="name" label="Span name" value={q.get('name') ?? ''} width="8rem" />
        <TextFilter name="minDurationMs" label="Min ms" value={q.get('minDurationMs') ?? ''} width="5rem" />
        <TextFilter name="maxDurationMs" label="Max ms" value={q.get('maxDurationMs') ?? ''} width="5rem" />
        <TextFilter name="sessionId" label="Session" value={q.get('sessionId') ?? ''} width="8rem" />
        <TextFilter name="userId" label="User" value={q.get('userId') ?? ''} width="7rem" />
        <TextFilter
          name="score"
          label="Score"
          value={q.get('score') ?? ''}
          placeholder="name>0.5"
          width="8rem"
        />
        <TextFilter
          name="attr"
          label="Attribute"
          value={q.get('attr') ?? ''}
          placeholder="key=value"
          width="9rem"
        />
        {hasFilters && (
          <button
            type="button"
            class="btn btn-ghost"
            data-testid="clear-filters"
            onClick={() =>
              navigate(
                withQuery(
                  loc,
                  Object.fromEntries([...q.keys()].filter((k) => k !== 'range').map((k) => [k, undefined])),
                ),
              )
            }
          >
            Clear filters
          </button>
        )}
      </form>
      <div data-testid="trace-results" data-settled={settled ? 'yes' : 'no'} aria-busy={!settled}>
        {error ? (
          <ErrorView error={error} onRetry={() => setReload((n) => n + 1)} />
        ) : !data ? (
          <Loading label="Loading traces…" />
        ) : data.items.length === 0 && data.nextCursor ? (
          // A filtered search reads a bounded slice of the store per request: none of the newest matched,
          // but older traces may, so offer to go on rather than say that nothing matches.
          <Empty title="No match among the newest traces">
            <button
              type="button"
              class="btn"
              data-testid="search-older"
              onClick={() => navigate(withQuery(loc, { cursor: data.nextCursor }))}
            >
              Search older traces →
            </button>
          </Empty>
        ) : data.items.length === 0 ? (
          <Empty title="No traces match">
            {hasFilters
              ? 'Try removing a filter or widening the time range.'
              : 'Point an OpenTelemetry exporter at this server, or start it with --demo.'}
          </Empty>
        ) : (
          <div class={loading ? 'stale' : undefined}>
            <TracesTable items={data.items} now={now} picked={new Set(picked)} onPick={pick} />
            <CursorPager nextCursor={data.nextCursor} nextTestId="next-page">
              <span class="muted small">↑↓ or j/k to move, Enter to open</span>
            </CursorPager>
          </div>
        )}
      </div>
    </div>
  );
}
