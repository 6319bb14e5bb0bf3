/**
 * SLOs: each SLO of the project with its budget left, its burn rate over time with every pair's
 * threshold drawn, which pairs fire, and when the budget runs out at the current burn (`GET /api/slos`).
 */
import type { SloStatusJson } from '@witness/protocol';
import { useEffect, useState } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, Loading } from '../../components/states.js';
import { formatPercent, formatTime } from '../../lib/format.js';

const fmtRate = (r: number | null) => (r === null ? '–' : `${r.toFixed(r < 10 ? 2 : 1)}×`);

/** Burn rate (log-ish scale: clipped at 2× the highest threshold) with a dashed line per pair factor. */
function BurnChart({ slo }: { slo: SloStatusJson }) {
  const w = 420;
  const h = 90;
  const points = slo.history.filter((p): p is [number, number] => p[1] !== null);
  const factors = [...new Set(slo.pairs.map((p) => p.factor))];
  const top = Math.max(...factors, ...points.map((p) => p[1]), 1) * 1.1;
  const t0 = slo.history[0]?.[0] ?? 0;
  const t1 = slo.history[slo.history.length - 1]?.[0] ?? 1;
  const x = (t: number) => (t1 === t0 ? w : ((t - t0) / (t1 - t0)) * w);
  const y = (v: number) => h - (Math.min(v, top) / top) * h;
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      width={w}
      height={h}
      class="burn-chart"
      data-testid="burn-chart"
      role="img"
      aria-label={`burn rate of ${slo.name}`}
    >
      <rect x="0" y="0" width={w} height={h} fill="none" stroke="currentColor" stroke-opacity="0.15" />
      {factors.map((f) => (
        <g key={f} data-testid="burn-threshold">
          <line x1="0" x2={w} y1={y(f)} y2={y(f)} stroke="#d33" stroke-dasharray="4 3" stroke-opacity="0.8" />
          <text x={w - 4} y={y(f) - 3} text-anchor="end" font-size="10" fill="#d33">
            {f}×
          </text>
        </g>
      ))}
      {path && <path d={path} fill="none" stroke="#36c" stroke-width="1.5" />}
    </svg>
  );
}

export function SlosPage() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  const { data, error } = useApi<{ slos: SloStatusJson[] }>(apiUrl('/api/slos'), tick);
  return (
    <div class="page">
      <header class="page-header">
        <h1>SLOs</h1>
        <span class="muted">
          error budgets and multiwindow burn rates, evaluated by Witness (docs/slo.md)
        </span>
      </header>
      {error ? (
        <Empty title="SLOs are not available">{error.message}</Empty>
      ) : !data ? (
        <Loading />
      ) : data.slos.length === 0 ? (
        <Empty title="No SLOs in this project">Add them under slos: in the config file (docs/slo.md).</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="slo-table">
            <thead>
              <tr>
                <th>SLO</th>
                <th>Objective</th>
                <th>SLI now</th>
                <th>Budget left</th>
                <th>Burn rate</th>
                <th>Pairs</th>
                <th>Budget runs out</th>
              </tr>
            </thead>
            <tbody>
              {data.slos.map((s) => {
                const firing = s.pairs.some((p) => p.firing);
                return (
                  <tr key={s.name} data-testid="slo-row" data-slo={s.name} data-firing={String(firing)}>
                    <td>
                      <strong>{s.name}</strong>
                      <div class="muted">
                        {s.sliKind.replace('_', ' ')} · {s.window}
                        {s.description ? ` · ${s.description}` : ''}
                      </div>
                    </td>
                    <td>{formatPercent(s.objective, 2)}</td>
                    <td>{s.sli === null ? 'no data' : formatPercent(s.sli, 2)}</td>
                    <td data-testid="slo-budget">
                      {s.budgetRemaining === null ? '–' : formatPercent(s.budgetRemaining, 1)}
                      <div class="budget-bar">
                        <div
                          class={`budget-fill${(s.budgetRemaining ?? 1) < 0.25 ? ' low' : ''}`}
                          style={{ width: `${Math.max(0, Math.min(1, s.budgetRemaining ?? 1)) * 100}%` }}
                        />
                      </div>
                    </td>
                    <td>
                      <BurnChart slo={s} />
                      <div class="muted">
                        {s.burnRates.map((b) => `${b.window} ${fmtRate(b.burnRate)}`).join(' · ')}
                      </div>
                    </td>
                    <td>
                      {s.pairs.map((p) => (
                        <div
                          key={`${p.long}-${p.short}`}
                          class={`chip${p.firing ? ' chip-error' : ''}`}
                          data-testid="slo-pair"
                        >
                          {p.severity} {p.long}/{p.short} ≥{p.factor}× {p.firing ? 'FIRING' : 'ok'}
                        </div>
                      ))}
                    </td>
                    <td data-testid="slo-exhaustion">
                      {s.exhaustionAt ? formatTime(Date.parse(s.exhaustionAt)) : 'not burning'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
