/**
 * Keeps every SLO's rolling counts up to date from the store and answers its status at `now`.
 * Each tick reads only the recent spans (one batched scan for all SLOs, see Store.spanCounts); at the
 * first tick (and after a long pause) it backfills every window from the store, level by level.
 */
import { formatDuration, pairsOf, type SloSpec, type SloStatusJson } from '@witness/protocol';
import type { ReadOptions, SpanCountSelector, Store } from '../store/types.js';
import {
  budgetRemaining,
  burnRate,
  errorBudget,
  errorRatio,
  exhaustionTime,
  pairFiring,
} from './burn-rate.js';
import { RESOLUTIONS_MS, resolutionFor, WindowCounter } from './window-counter.js';

/** Burn-rate points kept per SLO for the UI's chart (one per evaluation). */
const HISTORY_POINTS = 240;
/** Selectors per spanCounts call during backfill, and the longest time range of one call. */
const BACKFILL_SELECTORS = 200;
const BACKFILL_RANGE_MS = 6 * 3_600_000;
/** More fine buckets than this since the last tick: start over with a backfill. */
const MAX_RECENT_BUCKETS = 5000;

export function selectorOf(slo: SloSpec): SpanCountSelector | null {
  const sli = slo.sli;
  if (sli.kind === 'metric_ratio') return null;
  const { attributes, ...rest } = sli.spans;
  const filter = { ...rest, ...(attributes && Object.keys(attributes).length > 0 ? { attributes } : {}) };
  return {
    project: slo.project,
    filter,
    bad: sli.kind === 'latency' ? { slowerThanMs: sli.thresholdMs } : { status: 'error' },
  };
}

/** Every window an SLO is asked about: its own and each pair's two. */
export function windowsOf(slo: SloSpec): number[] {
  return [...new Set([slo.window, ...pairsOf(slo).flatMap((p) => [p.long, p.short])])];
}

/** Counts per window read whole each tick (metric-ratio SLIs: increases of two ingested counters). */
class FixedCounts {
  readonly byWindow = new Map<number, { total: number; bad: number }>();
  over(windowMs: number): { total: number; bad: number } {
    return this.byWindow.get(windowMs) ?? { total: 0, bad: 0 };
  }
}

/** `GET /api/metrics/query` in-process (the server passes it), for metric-ratio SLIs. */
export type SloMetricQuery = (
  params: Record<string, string>,
  project: string,
) => Promise<{ series: Array<{ points: Array<[number, number | null]> }> }>;

interface Tracked {
  slo: SloSpec;
  /** Null for a metric-ratio SLI (read through `metricQuery`, not the span scan). */
  selector: SpanCountSelector | null;
  counter: WindowCounter | FixedCounts;
  history: Array<[number, number | null]>;
  status: SloStatusJson | null;
}

export interface SloEvaluatorOptions {
  store: () => Store | null;
  /** Spans starting within this much of now are re-read each tick. */
  graceMs: number;
  /** Bounds each store read (the store adds its own deadline). */
  readOptions?: () => ReadOptions;
  /** Reads ingested metrics for metric-ratio SLIs; without it they show no data. */
  metricQuery?: SloMetricQuery;
}

export class SloEvaluator {
  private tracked: Tracked[] = [];
  /** The tracked SLOs counted from spans (the batched scan), in a fixed order. */
  private spanTracked: Array<Tracked & { selector: SpanCountSelector; counter: WindowCounter }> = [];
  private fineMs: number = RESOLUTIONS_MS[0];
  /** Start of the range re-read each tick (everything before is final); 0 before the first backfill. */
  private finalizedUpTo = 0;
  /** SLOs whose SLI this evaluator cannot read (metric ratios), by name. */
  readonly skipped: string[] = [];

  constructor(
    slos: SloSpec[],
    private readonly options: SloEvaluatorOptions,
  ) {
    this.configure(slos);
  }

  /** New specs (SIGHUP): counts are rebuilt from the store at the next tick. */
  configure(slos: SloSpec[]): void {
    const tracked: Tracked[] = [];
    this.skipped.length = 0;
    let fine = RESOLUTIONS_MS[RESOLUTIONS_MS.length - 1] as number;
    for (const slo of slos) {
      for (const w of windowsOf(slo)) fine = Math.min(fine, resolutionFor(w));
    }
    this.fineMs = fine;
    for (const slo of slos) {
      const selector = selectorOf(slo);
      if (!selector && !this.options.metricQuery) this.skipped.push(slo.name);
      const previous = this.tracked.find((t) => t.slo.name === slo.name && t.slo.project === slo.project);
      tracked.push({
        slo,
        selector,
        counter: selector
          ? new WindowCounter({ fineMs: fine, windowsMs: windowsOf(slo) })
          : new FixedCounts(),
        history: previous?.history ?? [],
        status: null,
      });
    }
    this.tracked = tracked;
    this.spanTracked = tracked.filter(
      (t): t is Tracked & { selector: SpanCountSelector; counter: WindowCounter } => t.selector !== null,
    );
    this.finalizedUpTo = 0;
  }

  get slos(): readonly SloSpec[] {
    return this.tracked.map((t) => t.slo);
  }

  /** Reads the store and recomputes every SLO's status at `now`. */
  async evaluate(now: number): Promise<void> {
    await this.evaluateMetricRatios(now);
    const store = this.options.store();
    if (!store || this.spanTracked.length === 0) {
      for (const t of this.tracked) if (!t.selector) t.status = statusOf(t, now);
      return;
    }
    const settled = Math.floor((now - this.options.graceMs) / this.fineMs) * this.fineMs;
    if (this.finalizedUpTo === 0 || (now - this.finalizedUpTo) / this.fineMs > MAX_RECENT_BUCKETS) {
      await this.backfill(store, settled);
    }
    const from = this.finalizedUpTo;
    const rows = await store.spanCounts(
      {
        fromUnixNano: BigInt(from) * 1_000_000n,
        toUnixNano: BigInt(Math.max(now, from + 1)) * 1_000_000n,
        stepSeconds: this.fineMs / 1000,
        selectors: this.spanTracked.map((t) => t.selector),
      },
      this.options.readOptions?.(),
    );
    this.spanTracked.forEach((t, i) => {
      const buckets: Array<[number, number, number]> = [];
      for (const r of rows) {
        const total = r.counts[2 * i] as number;
        if (total > 0) buckets.push([from + r.bucket * this.fineMs, total, r.counts[2 * i + 1] as number]);
      }
      t.counter.replaceRecent(from, buckets);
      t.counter.finalize(Math.max(settled, from));
    });
    this.finalizedUpTo = Math.max(settled, from);
    for (const t of this.tracked) t.status = statusOf(t, now);
  }

  /** Each window's increase of the two counters, read whole (they are few: one query per window each). */
  private async evaluateMetricRatios(now: number): Promise<void> {
    const query = this.options.metricQuery;
    if (!query) return;
    for (const t of this.tracked) {
      if (t.slo.sli.kind !== 'metric_ratio' || !(t.counter instanceof FixedCounts)) continue;
      const sli = t.slo.sli;
      for (const w of windowsOf(t.slo)) {
        const increase = async (ref: typeof sli.total) => {
          const params: Record<string, string> = {
            metric: ref.metric,
            agg: 'increase',
            from: String(now - w),
            to: String(now),
            step: String(Math.max(1, Math.ceil(w / 1000))),
          };
          if (ref.service) params.service = ref.service;
          for (const [k, v] of Object.entries(ref.attributes ?? {})) params[`attr.${k}`] = v;
          let answer: Awaited<ReturnType<SloMetricQuery>>;
          try {
            answer = await query(params, t.slo.project);
          } catch (err) {
            // never received (404): an OpenTelemetry SDK exports no counter that was never incremented,
            // so a service with no failures yet has no `errors` metric at all; that is 0, not no data
            if ((err as { status?: number }).status === 404) return 0;
            throw err;
          }
          let sum = 0;
          for (const s of answer.series) for (const p of s.points) sum += p[1] ?? 0;
          return sum;
        };
        try {
          t.counter.byWindow.set(w, { total: await increase(sli.total), bad: await increase(sli.errors) });
        } catch {
          t.counter.byWindow.delete(w); // the query failed (deadline, too many points): no data
        }
      }
    }
  }

  private async backfill(store: Store, settled: number): Promise<void> {
    for (const t of this.spanTracked) t.counter.reset();
    // One pass per resolution, over the longest reach any SLO needs at it.
    const levels = new Map<number, { cover: number; members: number[] }>();
    this.spanTracked.forEach((t, i) => {
      for (const l of t.counter.levels()) {
        const e = levels.get(l.stepMs) ?? { cover: 0, members: [] };
        e.cover = Math.max(e.cover, l.coverMs);
        e.members.push(i);
        levels.set(l.stepMs, e);
      }
    });
    for (const [stepMs, { cover, members }] of levels) {
      const start = Math.floor((settled - cover - stepMs) / stepMs) * stepMs;
      const range = Math.max(stepMs, Math.floor(BACKFILL_RANGE_MS / stepMs) * stepMs);
      for (let from = start; from < settled; from += range) {
        const to = Math.min(settled, from + range);
        for (let s = 0; s < members.length; s += BACKFILL_SELECTORS) {
          const chunk = members.slice(s, s + BACKFILL_SELECTORS);
          const rows = await store.spanCounts(
            {
              fromUnixNano: BigInt(from) * 1_000_000n,
              toUnixNano: BigInt(to) * 1_000_000n,
              stepSeconds: stepMs / 1000,
              selectors: chunk.map(
                (i) => (this.spanTracked[i] as (typeof this.spanTracked)[number]).selector,
              ),
            },
            this.options.readOptions?.(),
          );
          for (const r of rows) {
            chunk.forEach((ti, j) => {
              const total = r.counts[2 * j] as number;
              if (total > 0)
                (this.spanTracked[ti] as (typeof this.spanTracked)[number]).counter.addFinal(
                  stepMs,
                  from + r.bucket * stepMs,
                  total,
                  r.counts[2 * j + 1] as number,
                );
            });
          }
        }
      }
    }
    for (const t of this.spanTracked) t.counter.finalizedUpTo = settled;
    this.finalizedUpTo = settled;
  }

  status(project: string, name: string): SloStatusJson | null {
    const t = this.tracked.find((x) => x.slo.project === project && x.slo.name === name);
    return t ? (t.status ?? statusOf(t, null)) : null;
  }

  list(project: string): SloStatusJson[] {
    return this.tracked.filter((t) => t.slo.project === project).map((t) => t.status ?? statusOf(t, null));
  }

  /** Burn rate over a window of a tracked SLO (burn_rate rules), null without events. */
  burnRate(project: string, name: string, windowMs: number, now: number): number | null | undefined {
    const t = this.tracked.find((x) => x.slo.project === project && x.slo.name === name);
    if (!t) return undefined;
    return burnRate(t.counter.over(windowMs, now), t.slo.objective);
  }
}

/** The status of one SLO from its counts; `now` null: not evaluated yet (zeros, no rates). */
function statusOf(t: Tracked, now: number | null): SloStatusJson {
  const { slo } = t;
  const pairs = pairsOf(slo);
  const at = (w: number) => (now === null ? { total: 0, bad: 0 } : t.counter.over(w, now));
  const windows = [...new Set(pairs.flatMap((p) => [p.long, p.short]))].sort((a, b) => a - b);
  const rates = new Map<number, number | null>();
  const burnRates = windows.map((w) => {
    const c = at(w);
    const rate = burnRate(c, slo.objective);
    rates.set(w, rate);
    return {
      window: formatDuration(w),
      windowMs: w,
      burnRate: rate,
      errorRatio: errorRatio(c),
      events: Math.round(c.total),
    };
  });
  const whole = at(slo.window);
  const remaining = budgetRemaining(whole, slo.objective);
  const ratio = errorRatio(whole);
  const firstLong = (pairs[0] as (typeof pairs)[number]).long;
  const forecastRate = rates.get(firstLong) ?? null;
  if (now !== null) {
    t.history.push([now, forecastRate]);
    if (t.history.length > HISTORY_POINTS) t.history.splice(0, t.history.length - HISTORY_POINTS);
  }
  const exhaustion = now === null ? null : exhaustionTime(remaining, forecastRate, slo.window, now);
  return {
    name: slo.name,
    project: slo.project,
    description: slo.description ?? null,
    sliKind: slo.sli.kind,
    objective: slo.objective,
    window: formatDuration(slo.window),
    windowMs: slo.window,
    evaluatedAt: now === null ? null : new Date(now).toISOString(),
    sli: ratio === null ? null : 1 - ratio,
    events: Math.round(whole.total),
    badEvents: Math.round(whole.bad),
    errorBudget: errorBudget(slo.objective),
    budgetRemaining: remaining,
    burnRates,
    pairs: pairs.map((p) => {
      const longRate = rates.get(p.long) ?? null;
      const shortRate = rates.get(p.short) ?? null;
      return {
        severity: p.severity,
        long: formatDuration(p.long),
        short: formatDuration(p.short),
        factor: p.factor,
        longBurnRate: longRate,
        shortBurnRate: shortRate,
        firing: pairFiring(longRate, shortRate, p.factor),
      };
    }),
    exhaustionAt: exhaustion === null ? null : new Date(exhaustion).toISOString(),
    history: [...t.history],
  };
}
