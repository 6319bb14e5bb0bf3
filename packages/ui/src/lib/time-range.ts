/** Time-range presets. The URL keeps the preset (`range=1h`), so a shared link stays "the last hour". */

export interface Preset {
  id: string;
  label: string;
  ms: number;
  /** Chart bucket width that gives ~60-100 points. */
  stepSeconds: number;
}

export const PRESETS: Preset[] = [
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000, stepSeconds: 15 },
  { id: '1h', label: 'Last hour', ms: 3_600_000, stepSeconds: 60 },
  { id: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000, stepSeconds: 300 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000, stepSeconds: 900 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, stepSeconds: 3600 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000, stepSeconds: 6 * 3600 },
];

export const ALL_TIME = 'all';

export interface ResolvedRange {
  fromMs: number | undefined;
  toMs: number | undefined;
  stepSeconds: number;
}

/**
 * `range` (a preset id or `all`) or explicit `from`/`to` (epoch ms or ISO) → absolute bounds.
 * `now` is passed in so a page resolves once per navigation, not on every render.
 */
export function resolveRange(query: URLSearchParams, defaultRange: string, now: number): ResolvedRange {
  const from = parseTime(query.get('from'));
  const to = parseTime(query.get('to'));
  if (from !== undefined || to !== undefined) {
    const span = (to ?? now) - (from ?? (to ?? now) - 3_600_000);
    return { fromMs: from, toMs: to, stepSeconds: stepFor(span) };
  }
  const id = query.get('range') ?? defaultRange;
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) return { fromMs: undefined, toMs: undefined, stepSeconds: 3600 };
  return { fromMs: now - preset.ms, toMs: undefined, stepSeconds: preset.stepSeconds };
}

export function parseTime(v: string | null): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function stepFor(spanMs: number): number {
  const target = spanMs / 80 / 1000;
  const steps = [15, 60, 300, 900, 3600, 6 * 3600, 86_400];
  return steps.find((s) => s >= target) ?? 86_400;
}
