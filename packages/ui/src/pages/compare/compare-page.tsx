/**
 * Two traces side by side (`/compare?a=<traceId>&b=<traceId>`), aligned step by step by
 * `alignTraces` (@witness/protocol): matched steps on one row, what changed highlighted per field
 * (tool, model, input, output, tokens, latency, status), steps only one run took marked as such.
 */
import {
  type AlignedRow,
  alignTraces,
  type CompareSpan,
  type DiffField,
  type Step,
  type TraceJson,
} from '@witness/protocol';
import { useMemo } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { KindBadge } from '../../components/badges.js';
import { DraftInput } from '../../components/draft-input.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { formatCost, formatDuration, formatTokens, shortId } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { toCompareSpan } from './compare-spans.js';

const TRACE_ID = /^[0-9a-f]{32}$/i;

function tokens(s: CompareSpan): number | null {
  return s.inputTokens === null && s.outputTokens === null
    ? null
    : (s.inputTokens ?? 0) + (s.outputTokens ?? 0);
}

function preview(text: string | null): string {
  if (text === null) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 90 ? `${one.slice(0, 89)}…` : one;
}

/** One side of a row: the step, with the fields that differ marked. */
function StepCell({ step, diffs, side }: { step: Step | null; diffs: DiffField[]; side: 'a' | 'b' }) {
  if (!step) return <td class="cmp-cell cmp-missing">—</td>;
  const s = step.span;
  const d = new Set(diffs);
  const mark = (f: DiffField) => (d.has(f) ? ' cmp-diff' : '');
  return (
    <td class={`cmp-cell${s.error ? ' is-error' : ''}`} data-testid={`cmp-${side}`} data-span-id={s.spanId}>
      <div class="cmp-title" style={{ paddingLeft: `${step.depth * 14}px` }}>
        <KindBadge kind={s.kind} />
        <span class={`strong${mark('name')}${mark('tool')}${mark('model')}`}>
          {step.label.replace(/^[a-z]+:/, '')}
        </span>
        {s.error && <span class={`status status-error${mark('status')}`}>error</span>}
      </div>
      <div class="cmp-facts small" style={{ paddingLeft: `${step.depth * 14}px` }}>
        <span class={`cmp-fact${mark('latency')}`} data-field="latency">
          {formatDuration(s.durationMs)}
        </span>
        {tokens(s) !== null && (
          <span class={`cmp-fact${mark('tokens')}`} data-field="tokens">
            {formatTokens(tokens(s))} tok
          </span>
        )}
        {s.costUsd !== null && <span class="cmp-fact">{formatCost(s.costUsd)}</span>}
      </div>
      {(s.input || s.output) && (
        <div class="cmp-io small muted" style={{ paddingLeft: `${step.depth * 14}px` }}>
          {s.input && (
            <div class={mark('input')} title={s.input}>
              in: {preview(s.input)}
            </div>
          )}
          {s.output && (
            <div class={mark('output')} title={s.output}>
              out: {preview(s.output)}
            </div>
          )}
        </div>
      )}
    </td>
  );
}

const ROW_LABEL: Record<AlignedRow['type'], string> = {
  match: '=',
  changed: '≠',
  onlyA: 'A only',
  onlyB: 'B only',
};

function TracePicker({ side, value }: { side: 'a' | 'b'; value: string }) {
  const loc = useLocation();
  return (
    <label class="field">
      <span>Trace {side.toUpperCase()}</span>
      <DraftInput
        data-testid={`compare-${side}`}
        value={value}
        placeholder="32 hex characters"
        style={{ width: '20rem' }}
        onChange={(e) =>
          navigate(withQuery(loc, { [side]: (e.currentTarget as HTMLInputElement).value.trim() }))
        }
      />
    </label>
  );
}

export function ComparePage() {
  const loc = useLocation();
  const a = loc.query.get('a') ?? '';
  const b = loc.query.get('b') ?? '';
  const ta = useApi<TraceJson>(TRACE_ID.test(a) ? apiUrl(`/api/traces/${a}`) : null);
  const tb = useApi<TraceJson>(TRACE_ID.test(b) ? apiUrl(`/api/traces/${b}`) : null);
  const alignment = useMemo(
    () =>
      ta.data && tb.data
        ? alignTraces(ta.data.spans.map(toCompareSpan), tb.data.spans.map(toCompareSpan))
        : null,
    [ta.data, tb.data],
  );
  const counts = useMemo(() => {
    const c = { match: 0, changed: 0, onlyA: 0, onlyB: 0, differing: 0 };
    for (const r of alignment?.rows ?? []) {
      c[r.type]++;
      if (r.type === 'match' && r.diffs.length > 0) c.differing++;
    }
    return c;
  }, [alignment]);
  const total = (t: TraceJson | null) => {
    if (!t) return null;
    const root = t.spans.find((s) => s.parentSpanId === null) ?? t.spans[0];
    let tokensSum = 0;
    let errors = 0;
    for (const s of t.spans) {
      tokensSum += (s.inputTokens ?? 0) + (s.outputTokens ?? 0);
      if (s.status.code === 'error') errors++;
    }
    return {
      name: root?.name ?? '',
      duration: root?.durationMs ?? 0,
      tokens: tokensSum,
      errors,
      spans: t.spans.length,
    };
  };
  const sa = total(ta.data);
  const sb = total(tb.data);

  return (
    <div class="page compare-page">
      <header class="page-header">
        <h1>Compare traces</h1>
        {alignment && (
          <span class="muted" data-testid="compare-summary">
            {counts.match} matched ({counts.differing} differ) · {counts.changed} changed · {counts.onlyA}{' '}
            only in A · {counts.onlyB} only in B
            {alignment.truncated ? ' · long traces: the first 2,000 steps are compared' : ''}
          </span>
        )}
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <TracePicker side="a" value={a} />
        <TracePicker side="b" value={b} />
        {a && b && (
          <button
            type="button"
            class="btn btn-ghost"
            data-testid="compare-swap"
            onClick={() => navigate(withQuery(loc, { a: b, b: a }))}
          >
            Swap
          </button>
        )}
      </form>
      {!TRACE_ID.test(a) || !TRACE_ID.test(b) ? (
        <Empty title="Pick two traces">
          Tick two traces in the <Link href="/traces">trace list</Link> and press Compare, or paste their ids
          above (e.g. a good and a bad run of the same agent).
        </Empty>
      ) : ta.error || tb.error ? (
        <ErrorView error={(ta.error ?? tb.error) as Error} />
      ) : !alignment || !sa || !sb ? (
        <Loading label="Loading both traces…" />
      ) : (
        <div class="table-wrap">
          <table class="table compare-table" data-testid="compare-table">
            <thead>
              <tr>
                <th class="cmp-kind" />
                <th>
                  A · <Link href={`/traces/${a}`}>{sa.name}</Link> <code class="muted">{shortId(a)}</code>
                  <div class="muted small">
                    {formatDuration(sa.duration)} · {sa.spans} spans · {formatTokens(sa.tokens)} tok ·{' '}
                    {sa.errors} errors
                  </div>
                </th>
                <th>
                  B · <Link href={`/traces/${b}`}>{sb.name}</Link> <code class="muted">{shortId(b)}</code>
                  <div class="muted small">
                    {formatDuration(sb.duration)} · {sb.spans} spans · {formatTokens(sb.tokens)} tok ·{' '}
                    {sb.errors} errors
                  </div>
                </th>
              </tr>
            </thead>
            <tbody>
              {alignment.rows.map((r, i) => (
                <tr
                  key={i}
                  class={`cmp-row cmp-${r.type}${r.diffs.length ? ' cmp-has-diffs' : ''}`}
                  data-testid="compare-row"
                  data-type={r.type}
                  data-diffs={r.diffs.join(',')}
                >
                  <td
                    class="cmp-kind"
                    title={r.diffs.length ? `differs in: ${r.diffs.join(', ')}` : undefined}
                  >
                    {ROW_LABEL[r.type]}
                  </td>
                  <StepCell step={r.a} diffs={r.diffs} side="a" />
                  <StepCell step={r.b} diffs={r.diffs} side="b" />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
