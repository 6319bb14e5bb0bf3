/**
 * A series anomaly's recent buckets as a small inline SVG: the values, the level the detector expected
 * (dashed), and the anomalous last bucket marked. SVG, not uPlot: a table of a hundred rows should not
 * start a hundred canvas charts.
 */
const W = 160;
const H = 36;
const PAD = 3;

export function AnomalySparkline({ points }: { points: [number, number, number | null][] }) {
  const values = points.flatMap(([, v, e]) => (e === null ? [v] : [v, e]));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const t0 = points[0]![0];
  const t1 = points[points.length - 1]![0];
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0 || 1)) * (W - 2 * PAD);
  const y = (v: number) => H - PAD - ((v - lo) / (hi - lo || 1)) * (H - 2 * PAD);
  const line = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const expected = points
    .filter(([, , e]) => e !== null)
    .map(([t, , e]) => `${x(t).toFixed(1)},${y(e!).toFixed(1)}`)
    .join(' ');
  const [lt, lv] = points[points.length - 1]!;
  return (
    <svg
      class="sparkline"
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label="recent buckets, the last one anomalous"
      data-testid="anomaly-sparkline"
    >
      {expected && (
        <polyline
          points={expected}
          fill="none"
          stroke="var(--muted)"
          stroke-dasharray="3 2"
          stroke-width="1"
        />
      )}
      <polyline points={line} fill="none" stroke="var(--accent)" stroke-width="1.5" />
      <circle cx={x(lt)} cy={y(lv)} r="3.5" fill="var(--error)" data-testid="anomaly-marker" />
    </svg>
  );
}
