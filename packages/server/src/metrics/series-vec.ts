/**
 * Labelled counters and histograms for the ingest hot path.
 *
 * prom-client hashes the label set on every `inc()`/`observe()` (even through `labels()` children),
 * which costs more per span than the rest of the metrics stage together. Here a series is resolved
 * once through nested Maps keyed by the raw label values (no string building per span), then updated
 * with a plain field write. Label strings are built once, when a series is created.
 *
 * Cardinality is bounded per metric: at most `limit` series, the last slot reserved for the overflow
 * series (every label `__overflow__`), and `folded` counts the updates that went there. Values longer
 * than `maxValueLength` are truncated; such values are never cached by their raw form, so neither
 * memory nor the series count grows with the number of distinct raw values a client sends.
 */

export const OVERFLOW_VALUE = '__overflow__';

export interface VecOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** Most series, the overflow series included. @default 2000 */
  limit?: number;
  /** Longer label values are cut to this many characters. @default 128 */
  maxValueLength?: number;
}

export const DEFAULT_MAX_VALUE_LENGTH = 128;

/** One series as the exposition formatter sees it. */
export interface SeriesBase {
  /** `name="value",…` with values escaped; empty for a metric without labels. */
  readonly labelText: string;
  readonly labelValues: readonly string[];
  /** The overflow series: callers caching series must not cache this one (folds must stay counted). */
  readonly overflow: boolean;
}

export class CounterSeries implements SeriesBase {
  value = 0;
  constructor(
    readonly labelValues: readonly string[],
    readonly labelText: string,
    readonly overflow = false,
  ) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export class HistogramSeries implements SeriesBase {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Per-operation children hung on a parent series by `DerivedMetrics` (one lookup instead of four). */
  children: Map<string, HistogramSeries> | undefined = undefined;
  constructor(
    readonly labelValues: readonly string[],
    readonly labelText: string,
    private readonly bounds: Float64Array,
    readonly overflow = false,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }

  /** Latest exemplar per bucket (OpenMetrics): the trace behind a latency, for a jump from chart to trace. */
  exemplarTrace: Array<string | undefined> | null = null;
  exemplarValue: Float64Array | null = null;
  exemplarTime: Float64Array | null = null;

  /** `observe` that also keeps this observation as its bucket's exemplar (three field writes). */
  observeWithExemplar(v: number, traceId: string, timeSeconds: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
    if (this.exemplarTrace === null) {
      this.exemplarTrace = new Array(b.length + 1);
      this.exemplarValue = new Float64Array(b.length + 1);
      this.exemplarTime = new Float64Array(b.length + 1);
    }
    this.exemplarTrace[i] = traceId;
    (this.exemplarValue as Float64Array)[i] = v;
    (this.exemplarTime as Float64Array)[i] = timeSeconds;
  }
}

/** Prometheus label value escaping: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

type Node<S> = Map<string, Node<S> | S>;

abstract class Vec<S extends SeriesBase> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly limit: number;
  /** Updates that went to the overflow series because the limit was reached. */
  folded = 0;
  readonly series: S[] = [];
  private readonly root: Node<S> = new Map();
  private readonly byText = new Map<string, S>();
  private overflow: S | null = null;
  readonly maxLen: number;

  constructor(options: VecOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.limit = Math.max(1, options.limit ?? 2000);
    this.maxLen = options.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH;
  }

  protected abstract create(values: readonly string[], text: string, overflow: boolean): S;

  /** The series for these label values (one per label name, in order); cached after the first call. */
  get(v0: string, v1?: string, v2?: string, v3?: string): S {
    // Unrolled by depth: the common case is two Map lookups and no allocation.
    let node: Node<S> | S | undefined = this.root.get(v0);
    const depth = this.labelNames.length;
    if (depth > 1 && node !== undefined) node = (node as Node<S>).get(v1 as string);
    if (depth > 2 && node !== undefined) node = (node as Node<S>).get(v2 as string);
    if (depth > 3 && node !== undefined) node = (node as Node<S>).get(v3 as string);
    if (node !== undefined) return node as S;
    return this.miss([v0, v1 as string, v2 as string, v3 as string].slice(0, depth));
  }

  get seriesCount(): number {
    return this.series.length;
  }

  private miss(raw: string[]): S {
    let cacheable = true;
    const values = raw.map((v) => {
      if (v.length <= this.maxLen) return v;
      cacheable = false;
      return v.slice(0, this.maxLen);
    });
    const text = this.labelText(values);
    let s = this.byText.get(text);
    if (s === undefined) {
      // One slot stays free for the overflow series, so the total never exceeds the limit.
      if (this.series.length >= this.limit - (this.overflow ? 0 : 1)) return this.fold();
      s = this.create(values, text, false);
      this.series.push(s);
      this.byText.set(text, s);
    }
    if (cacheable) this.cache(raw, s);
    return s;
  }

  private fold(): S {
    this.folded++;
    if (!this.overflow) {
      const values = this.labelNames.map(() => OVERFLOW_VALUE);
      this.overflow = this.create(values, this.labelText(values), true);
      this.series.push(this.overflow);
    }
    return this.overflow;
  }

  private cache(raw: string[], s: S): void {
    if (raw.length === 0) return;
    let node = this.root;
    for (let i = 0; i < raw.length - 1; i++) {
      let next = node.get(raw[i]) as Node<S> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(raw[i], next);
      }
      node = next;
    }
    node.set(raw[raw.length - 1], s);
  }

  private labelText(values: readonly string[]): string {
    return this.labelNames.map((n, i) => `${n}="${escapeLabelValue(values[i])}"`).join(',');
  }
}

export class CounterVec extends Vec<CounterSeries> {
  readonly type = 'counter' as const;
  protected create(values: readonly string[], text: string, overflow: boolean): CounterSeries {
    return new CounterSeries(values, text, overflow);
  }
}

export interface HistogramVecOptions extends VecOptions {
  /** Upper bounds, ascending, without +Inf. */
  buckets: readonly number[];
}

export class HistogramVec extends Vec<HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly buckets: Float64Array;
  constructor(options: HistogramVecOptions) {
    super(options);
    this.buckets = Float64Array.from(options.buckets);
  }
  protected create(values: readonly string[], text: string, overflow: boolean): HistogramSeries {
    return new HistogramSeries(values, text, this.buckets, overflow);
  }
}

/**
 * A counter exposed from a histogram's `_count` (witness_spans_total from the span duration histogram):
 * same labels, so the hot path updates one series instead of two.
 */
export class CountOfHistogram {
  readonly type = 'counter' as const;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly of: HistogramVec,
  ) {}
  get labelNames(): readonly string[] {
    return this.of.labelNames;
  }
  get limit(): number {
    return this.of.limit;
  }
  get folded(): number {
    return this.of.folded;
  }
  get seriesCount(): number {
    return this.of.seriesCount;
  }
  get series(): Array<{ labelText: string; labelValues: readonly string[]; value: number }> {
    return this.of.series.map((s) => ({
      labelText: s.labelText,
      labelValues: s.labelValues,
      value: s.count,
    }));
  }
}

export type AnyVec = CounterVec | HistogramVec | CountOfHistogram;
