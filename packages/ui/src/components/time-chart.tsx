/** A uPlot line chart of metric series; redraws on data change and follows the container width. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricSeries } from '../api/metrics.js';

const PALETTE = [
  '#6366f1',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#06b6d4',
  '#a855f7',
  '#84cc16',
  '#ec4899',
  '#64748b',
];

export function seriesLabel(s: MetricSeries): string {
  const values = Object.values(s.labels);
  return values.length ? values.join(' · ') : 'all';
}

/** Merge series (each with its own bucket times) into uPlot's aligned columns. */
export function alignSeries(series: MetricSeries[]): uPlot.AlignedData {
  const times = new Set<number>();
  for (const s of series) for (const [t] of s.points) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const cols = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) col[index.get(t)!] = v;
    return col;
  });
  return [xs.map((t) => t / 1000), ...cols] as uPlot.AlignedData;
}

export function TimeChart({
  series,
  format,
  height = 200,
}: {
  series: MetricSeries[];
  format: (v: number) => string;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const styles = getComputedStyle(document.documentElement);
    const axisColor = styles.getPropertyValue('--muted').trim() || '#888';
    const gridColor = styles.getPropertyValue('--grid').trim() || '#eee';
    const axis: uPlot.Axis = {
      stroke: axisColor,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor },
    };
    const opts: uPlot.Options = {
      width: el.clientWidth || 400,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 64, values: (_u, ticks) => ticks.map((t) => format(t)) }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: seriesLabel(s),
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
        })),
      ],
    };
    const plot = new uPlot(opts, alignSeries(series), el);
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [series, height, format]);
  return <div class="chart" ref={ref} />;
}
