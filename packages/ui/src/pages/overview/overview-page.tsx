/** Overview: rate, errors, latency percentiles, tokens and cost over time, top failing tools. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type MetricQuery, type MetricSeries, queryMetric } from '../../api/metrics.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { seriesLabel, TimeChart } from '../../components/time-chart.js';
import { TimeRangeSelect } from '../../components/time-range-select.js';
import { formatCost, formatDuration, formatPercent, formatTokens } from '../../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../../lib/router.js';
import { resolveRange } from '../../lib/time-range.js';

const DEFAULT_RANGE = '1h';

interface ChartSpec {
  id: string;
  title: string;
  queries: Array<Omit<MetricQuery, 'fromMs' | 'toMs' | 'stepSeconds'> & { label?: string }>;
  format: (v: number) => string;
}

const fmtRate = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(2)) + '/s';
const fmtPct = (v: number) => formatPercent(v, v < 0.1 ? 1 : 0);
const fmtMs = (v: number) => formatDuration(v);
const fmtTok = (v: number) => formatTokens(Math.round(v));
const fmtUsd = (v: number) => formatCost(v);

const CHARTS: ChartSpec[] = [
  {
    id: 'rate',
    title: 'Agent runs per second',
    queries: [{ metric: 'rate', groupBy: 'agent', kind: 'agent' }],
    format: fmtRate,
  },
  {
    id: 'errors',
    title: 'Error ratio by agent',
    queries: [{ metric: 'error_ratio', groupBy: 'agent', kind: 'agent' }],
    format: fmtPct,
  },
  {
    id: 'latency',
    title: 'Agent latency p50 / p95 / p99',
    queries: [
      { metric: 'p50', kind: 'agent', label: 'p50' },
      { metric: 'p95', kind: 'agent', label: 'p95' },
      { metric: 'p99', kind: 'agent', label: 'p99' },
    ],
    format: fmtMs,
  },
  {
    id: 'llm-latency',
    title: 'LLM call latency p95 by model',
    queries: [{ metric: 'p95', groupBy: 'model', kind: 'llm' }],
    format: fmtMs,
  },
  {
    id: 'tokens-agent',
    title: 'Tokens by agent',
    queries: [{ metric: 'tokens', groupBy: 'agent', kind: 'llm' }],
    format: fmtTok,
  },
  {
    id: 'tokens-model',
    title: 'Tokens by model',
    queries: [{ metric: 'tokens', groupBy: 'model', kind: 'llm' }],
    format: fmtTok,
  },
  {
    id: 'cost-agent',
    title: 'Cost by agent (USD)',
    queries: [{ metric: 'cost', groupBy: 'agent', kind: 'llm' }],
    format: fmtUsd,
  },
  {
    id: 'cost-model',
    title: 'Cost by model (USD)',
    queries: [{ metric: 'cost', groupBy: 'model', kind: 'llm' }],
    format: fmtUsd,
  },
];

interface Loaded {
  series: MetricSeries[] | null;
  error: Error | null;
}

function useChart(spec: ChartSpec, fromMs: number, toMs: number, stepSeconds: number): Loaded {
  const [state, setState] = useState<Loaded>({ series: null, error: null });
  useEffect(() => {
    const ctrl = new AbortController();
    setState({ series: null, error: null });
    Promise.all(
      spec.queries.map(async ({ label, ...q }) => {
        const series = await queryMetric({ ...q, fromMs, toMs, stepSeconds }, ctrl.signal);
        return label ? series.map((s) => ({ ...s, labels: { q: label } })) : series;
      }),
    ).then(
      (lists) => setState({ series: lists.flat(), error: null }),
      (error: Error) => error.name !== 'AbortError' && setState({ series: null, error }),
    );
    return () => ctrl.abort();
  }, [spec, fromMs, toMs, stepSeconds]);
  return state;
}

const hasData = (series: MetricSeries[]) =>
  series.some((s) => s.points.some(([, v]) => v !== null && v !== 0));

function ChartCard({
  spec,
  fromMs,
  toMs,
  stepSeconds,
}: {
  spec: ChartSpec;
  fromMs: number;
  toMs: number;
  stepSeconds: number;
}) {
  const { series, error } = useChart(spec, fromMs, toMs, stepSeconds);
  return (
    <section class="card chart-card" data-testid={`chart-${spec.id}`}>
      <h3>{spec.title}</h3>
      {error ? (
        <ErrorView error={error} />
      ) : !series ? (
        <Loading />
      ) : !hasData(series) ? (
        <Empty title="No data in this range" />
      ) : (
        <TimeChart series={series} format={spec.format} />
      )}
    </section>
  );
}

function sum(series: MetricSeries): number {
  return series.points.reduce((acc, [, v]) => acc + (v ?? 0), 0);
}

function TopFailingTools({
  fromMs,
  toMs,
  stepSeconds,
}: {
  fromMs: number;
  toMs: number;
  stepSeconds: number;
}) {
  const spec = useMemo<ChartSpec>(
    () => ({
      id: 'tools',
      title: '',
      queries: [{ metric: 'errors', groupBy: 'tool', kind: 'tool', limit: 10 }],
      format: String,
    }),
    [],
  );
  const { series, error } = useChart(spec, fromMs, toMs, stepSeconds);
  const rows = (series ?? [])
    .map((s) => ({ tool: seriesLabel(s), errors: sum(s) }))
    .filter((r) => r.errors > 0)
    .sort((a, b) => b.errors - a.errors)
    .slice(0, 10);
  const max = rows[0]?.errors ?? 1;
  return (
    <section class="card" data-testid="top-failing-tools">
      <h3>Top failing tools</h3>
      {error ? (
        <ErrorView error={error} />
      ) : !series ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty title="No tool errors in this range" />
      ) : (
        <table class="table compact">
          <tbody>
            {rows.map((r) => (
              <tr key={r.tool}>
                <td>
                  <Link href={`/traces?kind=tool&status=error&name=${encodeURIComponent(r.tool)}&range=all`}>
                    {r.tool}
                  </Link>
                </td>
                <td class="bar-td">
                  <div class="hbar" style={{ width: `${(r.errors / max) * 100}%` }} />
                </td>
                <td class="num">{Math.round(r.errors)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function OverviewPage() {
  const loc = useLocation();
  const q = loc.query;
  const now = useMemo(() => Date.now(), [loc.href]);
  const range = resolveRange(q, DEFAULT_RANGE, now);
  const fromMs = range.fromMs ?? now - 30 * 86_400_000;
  const toMs = range.toMs ?? now;
  return (
    <div class="page">
      <header class="page-header">
        <h1>Overview</h1>
        <form class="filters inline" onSubmit={(e) => e.preventDefault()}>
          <TimeRangeSelect
            value={q.get('range') ?? DEFAULT_RANGE}
            custom={q.has('from') || q.has('to')}
            allowAll={false}
            onChange={(r) => navigate(withQuery(loc, { range: r, from: undefined, to: undefined }))}
          />
        </form>
      </header>
      <div class="chart-grid">
        {CHARTS.map((spec) => (
          <ChartCard key={spec.id} spec={spec} fromMs={fromMs} toMs={toMs} stepSeconds={range.stepSeconds} />
        ))}
        <TopFailingTools fromMs={fromMs} toMs={toMs} stepSeconds={range.stepSeconds} />
      </div>
    </div>
  );
}
