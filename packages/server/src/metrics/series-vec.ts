/**
 * Labelled counters and histograms for the ingest hot path.
 *
 * prom-client hashes the label set on every `inc()`/`observe()` (even through `labels()` children),
 * which costs more per span than the rest of the metrics stage together. Here a series is resolved
 * once through nested Maps keyed by the raw label values (no string building per span), then updated
 * with a plain field write. Label strings are built once, when a series is created.
 *
 * Cardinality is bounded per metric: at most `limit` series, the last slot reserved for the overflow
 * series (every label `__overflow__`), and `folded` counts the updates that went there. It is also
 * bounded across metrics by an optional shared `ExpositionBudget` (bytes of exposition): a new series
 * that does not fit folds into the overflow series too. Values longer
 * than `maxValueLength` are truncated; such values are never cached by their raw form, so neither
 * memory nor the series count grows with the number of distinct raw values a client sends.
 */

import {
  counterLineBytes,
  type ExpositionBudget,
  histogramSeriesBytes,
  labelTextBytes,
} from './exposition-budget.js';

export const OVERFLOW_VALUE = '__overflow__';

export interface VecOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** Most series, the overflow series included. @default 2000 */
  limit?: number;
  /** Longer label values are cut to this many characters. @default 128 */
  maxValueLength?: number;
  /** Shared with the other derived metrics: bounds the bytes of the whole exposition. @default none */
  budget?: ExpositionBudget;
  /**
   * Bytes of a label text the exposition writes before every series' own labels (`project="p",`),
   * charged to the budget with each series. @default 0
   */
  labelPrefixBytes?: number;
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

const NEEDS_ESCAPE = /[\\"\n]/;

/** Prometheus label value escaping: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  // Three plain passes, not one replace with a callback: a value full of quotes (a hostile client's
  // label) cost ~1 µs a character that way, on the ingest path of every update past a series limit.
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
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
  /** Series by their (cut) label values, length-prefixed: found without escaping anything. */
  private readonly byValues = new Map<string, S>();
  private overflow: S | null = null;
  readonly maxLen: number;
  protected readonly budget: ExpositionBudget | null;
  private readonly prefixBytes: number;

  constructor(options: VecOptions) {
    this.prefixBytes = options.labelPrefixBytes ?? 0;
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.limit = Math.max(1, options.limit ?? 2000);
    this.maxLen = options.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH;
    this.budget = options.budget ?? null;
  }

  protected abstract create(values: readonly string[], text: string, overflow: boolean): S;

  /** Most bytes one series can take in the exposition (either format), from its label text's bytes. */
  protected abstract seriesBytes(labelBytes: number): number;

  /** Bytes of the overflow series' label text (every label `__overflow__`). */
  protected get overflowLabelBytes(): number {
    return (
      this.prefixBytes +
      labelTextBytes(
        this.labelNames,
        this.labelNames.map(() => OVERFLOW_VALUE),
      )
    );
  }

  /**
   * Charges the overflow series to the budget up front, so folding never needs budget. Called by
   * subclass constructors once `seriesBytes` can run.
   */
  protected reserveOverflow(): void {
    this.budget?.reserve(this.seriesBytes(this.overflowLabelBytes));
  }

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
    // length-prefixed, so no two label sets share a key whatever characters the values hold
    let key = '';
    for (const v of values) key += `${v.length}:${v}`;
    let s = this.byValues.get(key);
    if (s === undefined) {
      // One slot stays free for the overflow series, so the total never exceeds the limit.
      if (this.series.length >= this.limit - (this.overflow ? 0 : 1)) return this.fold();
      if (
        this.budget !== null &&
        !this.budget.take(this.seriesBytes(this.prefixBytes + labelTextBytes(this.labelNames, values)))
      )
        return this.fold();
      s = this.create(values, this.labelText(values), false);
      this.series.push(s);
      this.byValues.set(key, s);
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
  constructor(options: VecOptions) {
    super(options);
    this.reserveOverflow();
  }
  protected seriesBytes(labelBytes: number): number {
    return counterLineBytes(this.name, labelBytes);
  }
  protected create(values: readonly string[], text: string, overflow: boolean): CounterSeries {
    return new CounterSeries(values, text, overflow);
  }
}

export interface HistogramVecOptions extends VecOptions {
  /** Upper bounds, ascending, without +Inf. */
  buckets: readonly number[];
  /** Whether series carry OpenMetrics exemplars (charged to the budget per bucket line). @default false */
  exemplars?: boolean;
}

export class HistogramVec extends Vec<HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly buckets: Float64Array;
  private readonly exemplars: boolean;
  /** Name of a counter exposed from this histogram's `_count` (one more line per series). */
  private countAlias: string | null = null;
  constructor(options: HistogramVecOptions) {
    super(options);
    this.buckets = Float64Array.from(options.buckets);
    this.exemplars = options.exemplars ?? false;
    this.reserveOverflow();
  }
  protected seriesBytes(labelBytes: number): number {
    const alias = this.countAlias === null ? 0 : counterLineBytes(this.countAlias, labelBytes);
    return histogramSeriesBytes(this.name, labelBytes, this.buckets.length, this.exemplars) + alias;
  }
  /** Charges every series (the overflow one now, later ones as created) for a `_count` counter alias. */
  addCountAlias(name: string): void {
    if (this.series.length > 0) throw new Error('add the count alias before the first series');
    this.countAlias = name;
    this.budget?.reserve(counterLineBytes(name, this.overflowLabelBytes));
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
  ) {
    of.addCountAlias(name);
  }
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
