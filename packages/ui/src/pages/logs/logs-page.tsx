/** Logs: full-text search with severity, service and time; each line links to its trace and span. */
import type { LogJson, Page, ServicesJson } from '@witness/protocol';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatTime, nsToMs, shortId } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';
import { CursorPager } from '../../components/cursor-pager.js';
import { DraftInput } from '../../components/draft-input.js';

const DEFAULT_RANGE = '1h';
const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function severityClass(n: number): string {
  if (n >= 17) return 'sev-error';
  if (n >= 13) return 'sev-warn';
  if (n >= 9) return 'sev-info';
  return 'sev-debug';
}

export function LogsPage() {
  const loc = useLocation();
  const q = loc.query;
  const [reload, setReload] = useState(0);
  const now = useMemo(() => Date.now(), [loc.href, reload]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const url = apiUrl('/api/logs', {
    q: q.get('q'),
    severity: q.get('severity'),
    service: q.get('service'),
    traceId: q.get('traceId'),
    from: range.fromMs,
    to: range.toMs,
    cursor: q.get('cursor'),
    limit: 200,
  });
  const { data, error } = useApi<Page<LogJson>>(url, reload);
  const services = useApi<ServicesJson>(apiUrl('/api/services'));
  const serviceList = services.data?.services ?? [];
  const spanId = q.get('spanId');
  // the API filters by trace; narrowing to one span happens here
  const items = (data?.items ?? []).filter((l) => !spanId || l.spanId === spanId);
  const [selected, setSelected] = useState(0);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  useEffect(() => setSelected(0), [data]);
  useEffect(() => {
    (bodyRef.current?.children[selected] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const set = (changes: Record<string, string | undefined>) =>
    navigate(withQuery(loc, { ...changes, cursor: undefined }));
  const traceHref = (l: LogJson) => `/traces/${l.traceId}${l.spanId ? `?span=${l.spanId}` : ''}`;

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'j') setSelected((i) => Math.min(items.length - 1, i + 1));
    else if (e.key === 'ArrowUp' || e.key === 'k') setSelected((i) => Math.max(0, i - 1));
    else if (e.key === 'Enter' && items[selected]?.traceId) navigate(traceHref(items[selected]));
    else return;
    e.preventDefault();
  };

  return (
    <div class="page">
      <header class="page-header">
        <h1>Logs</h1>
      </header>
      <form
        class="filters"
        data-testid="log-filters"
        onSubmit={(e) => {
          e.preventDefault();
          const input = (e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement;
          set({ q: input.value.trim() });
        }}
      >
        <label class="field grow">
          <span>Search</span>
          <DraftInput
            name="q"
            type="search"
            data-testid="log-search"
            placeholder="Text in the log body…"
            value={q.get('q') ?? ''}
          />
        </label>
        <TimeRangeSelect
          value={q.get('range') ?? DEFAULT_RANGE}
          custom={q.has('from') || q.has('to')}
          onChange={(r) => set({ range: r, from: undefined, to: undefined })}
        />
        <label class="field">
          <span>Min severity</span>
          <select
            data-testid="log-severity"
            value={q.get('severity') ?? ''}
            onChange={(e) => set({ severity: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Service</span>
          <select
            value={q.get('service') ?? ''}
            onChange={(e) => set({ service: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="">Any</option>
            {serviceList.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="btn btn-primary">
          Search
        </button>
        {(q.get('traceId') || spanId) && (
          <span class="chip">
            {spanId ? `span ${shortId(spanId)}` : `trace ${shortId(q.get('traceId'))}`}
            <button
              type="button"
              aria-label="Remove trace filter"
              onClick={() => set({ traceId: undefined, spanId: undefined })}
            >
              ✕
            </button>
          </span>
        )}
      </form>
      {error ? (
        <ErrorView error={error} onRetry={() => setReload((n) => n + 1)} />
      ) : !data ? (
        <Loading label="Loading logs…" />
      ) : items.length === 0 ? (
        <Empty title="No log lines match">Widen the time range or clear the search.</Empty>
      ) : (
        <>
          <div class="table-wrap">
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: rows are navigated with arrow keys or j/k, Enter opens */}
            <table class="table logs-table" data-testid="logs-table" tabIndex={0} onKeyDown={onKeyDown}>
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Severity</th>
                  <th>Service</th>
                  <th>Message</th>
                  <th>Trace</th>
                </tr>
              </thead>
              <tbody ref={bodyRef}>
                {items.map((l, i) => (
                  <tr
                    key={`${l.timeUnixNano}-${i}`}
                    data-testid="log-row"
                    class={i === selected ? 'selected' : undefined}
                  >
                    <td class="nowrap">{formatTime(nsToMs(l.timeUnixNano), true)}</td>
                    <td>
                      <span class={`sev ${severityClass(l.severityNumber)}`}>
                        {l.severityText || l.severityNumber}
                      </span>
                    </td>
                    <td class="nowrap">{l.serviceName}</td>
                    <td class="log-body">{l.body}</td>
                    <td class="nowrap">
                      {l.traceId ? (
                        <Link href={traceHref(l)} data-testid="log-trace-link" data-trace-id={l.traceId}>
                          {shortId(l.traceId)} →
                        </Link>
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
