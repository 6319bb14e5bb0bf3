/**
 * One byte budget for the whole derived-metrics exposition. The per-metric series limit bounds each
 * vector, not their sum: 20,000 distinct `service.name` values filled the span and operation
 * histograms (17 lines a series, with exemplars) to a 10.7 MB exposition. Every derived series is
 * charged, when it is created, the most bytes it can ever take in either format (`seriesBytes`); once
 * the budget is spent, new label sets fold into their metric's `__overflow__` series, whose own bytes
 * are reserved up front. So the derived part of a scrape never exceeds `limitBytes`, whatever clients
 * send. Series are never uncharged: counters must not vanish and come back (Prometheus reads that as a
 * reset), so the budget fills once and stays full until restart, like the per-metric limit.
 */

/** Widest sample value we print: `-1.7976931348623157e+308` is 24 characters. */
const VALUE_CHARS = 24;
/** ` # {trace_id="<32 hex>"} <value> <seconds.millis>` on an OpenMetrics bucket line. */
const EXEMPLAR_CHARS = ' # {trace_id=""} '.length + 32 + VALUE_CHARS + 1 + 24;
/** Widest `le` text: the longest `String(bound)` of a double. */
const LE_CHARS = VALUE_CHARS;

/** Default budget: a few thousand histogram series, far more than a dashboard can show. */
export const DEFAULT_MAX_EXPOSITION_BYTES = 4 * 1024 * 1024;

export class ExpositionBudget {
  /** Bytes charged to series created so far (overflow series included). */
  used = 0;
  /** Label sets refused because the budget was spent (each folded into its metric's overflow series). */
  refused = 0;

  constructor(readonly limitBytes: number = DEFAULT_MAX_EXPOSITION_BYTES) {}

  /** Charges `bytes` if they fit; false (and counted) when they do not. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) {
      this.refused++;
      return false;
    }
    this.used += bytes;
    return true;
  }

  /** Charges `bytes` unconditionally: the overflow series, reserved when a metric is created. */
  reserve(bytes: number): void {
    this.used += bytes;
  }
}

/** Upper bound of one counter sample line (`name_total{labels} value\n`, the `_total` added in OpenMetrics). */
export function counterLineBytes(name: string, labelBytes: number): number {
  return name.length + '_total{} \n'.length + labelBytes + VALUE_CHARS;
}

/**
 * Upper bound of one histogram series: a bucket line per bound plus +Inf (each with an exemplar when
 * the metric records them), `_sum` and `_count`.
 */
export function histogramSeriesBytes(
  name: string,
  labels: number,
  bucketCount: number,
  exemplars: boolean,
): number {
  const bucket =
    name.length +
    '_bucket{,le=""} \n'.length +
    labels +
    LE_CHARS +
    VALUE_CHARS +
    (exemplars ? EXEMPLAR_CHARS : 0);
  const tail = 2 * (name.length + '_count{} \n'.length + labels + VALUE_CHARS);
  return (bucketCount + 1) * bucket + tail;
}

/**
 * UTF-8 length of `a="x",b="y"` once escaped, computed without building it: a refused label set is
 * checked again on every update, so this must not allocate.
 */
export function labelTextBytes(names: readonly string[], values: readonly string[]): number {
  let n = names.length > 0 ? names.length - 1 : 0; // commas
  for (let k = 0; k < names.length; k++) {
    const v = values[k];
    n += names[k].length + 3 + v.length; // name="v"
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x80) {
        if (c === 0x22 || c === 0x5c || c === 0x0a) n++; // escaped: \" \\ \n
      } else n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
    }
  }
  return n;
}
