/**
 * The Prometheus text format (0.0.4) and OpenMetrics 1.0 writers for one scrape, over both our hot-path
 * vectors and prom-client's self/runtime metrics. We format prom-client's metrics ourselves (from
 * `getMetricsAsJSON`) because its OpenMetrics mode renames counters in place, which breaks the next
 * text-format scrape of the same registry.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { type AnyVec, escapeLabelValue } from './series-vec.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Where the writers put lines: a plain array in tests, `ChunkedText` for a scrape. */
export interface LineSink {
  push(...lines: string[]): unknown;
}

const CHUNK_CHARS = 64 * 1024;

/**
 * Lines gathered into ~64 KiB UTF-8 chunks: the scrape never builds one multi-megabyte string (nor an
 * array of a hundred thousand line strings), and the chunks stream to each scraper with backpressure.
 */
export class ChunkedText implements LineSink {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  private parts: string[] = [];
  private chars = 0;

  push(...lines: string[]): void {
    for (const line of lines) {
      this.parts.push(line, '\n');
      this.chars += line.length + 1;
    }
    if (this.chars >= CHUNK_CHARS) this.flush();
  }

  /** The chunks, once every line is in. */
  end(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.parts = [];
    this.chars = 0;
  }
}

/**
 * Content negotiation on Accept: OpenMetrics when the client ranks it above text/plain (Prometheus
 * asks for it first by default), the classic text format otherwise.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  let om = -1;
  let text = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    let q = 1;
    for (const p of params) if (p.startsWith('q=')) q = Number(p.slice(2)) || 0;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain' || type === '*/*' || type === 'text/*') text = Math.max(text, q);
  }
  return om > 0 && om >= text ? 'openmetrics' : 'prometheus';
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * `le` values: the same text in both formats (`1`, not OpenMetrics's canonical `1.0`). Prometheus 2.x
 * stores `le` as written, so `1` and `1.0` would be two series and `le="1"` in a dashboard or alert
 * would match only one scrape format. Prometheus's OpenMetrics parser accepts `1`.
 */
function leText(bound: number, _om: boolean): string {
  return bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound);
}

/** Family name in the header: OpenMetrics names a counter without its `_total` suffix. */
function familyName(name: string, type: string, om: boolean): string {
  return om && type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name;
}

function header(out: LineSink, name: string, help: string, type: string, om: boolean): void {
  const fam = familyName(name, type, om);
  out.push(`# HELP ${fam} ${escapeHelp(help)}`);
  out.push(`# TYPE ${fam} ${om && type === 'untyped' ? 'unknown' : type}`);
}

function withLe(labelText: string, le: string): string {
  return labelText ? `{${labelText},le="${le}"}` : `{le="${le}"}`;
}

/**
 * Appends one of our vectors. `prefix` (e.g. `project="a"`) goes before every series' own labels;
 * `withHeader: false` appends only samples, for the same family's series of another project.
 */
export function writeVec(out: LineSink, vec: AnyVec, om: boolean, prefix = '', withHeader = true): void {
  // A family without samples keeps its header, so dashboards can discover the metric early.
  if (withHeader) header(out, vec.name, vec.help, vec.type, om);
  const labels = (own: string) => (prefix === '' ? own : own === '' ? prefix : `${prefix},${own}`);
  if (vec.type === 'counter') {
    const sample = om && !vec.name.endsWith('_total') ? `${vec.name}_total` : vec.name;
    for (const s of vec.series) {
      const l = labels(s.labelText);
      out.push(`${sample}${l ? `{${l}}` : ''} ${num(s.value)}`);
    }
    return;
  }
  const bounds = vec.buckets;
  const les = Array.from(bounds, (b) => leText(b, om));
  les.push('+Inf');
  for (const s of vec.series) {
    let cum = 0;
    const ex = om ? s.exemplarTrace : null;
    const own = labels(s.labelText);
    for (let i = 0; i < les.length; i++) {
      cum += s.counts[i];
      const line = `${vec.name}_bucket${withLe(own, les[i])} ${num(cum)}`;
      const trace = ex?.[i];
      // OpenMetrics exemplar: `# {trace_id="…"} value timestamp` (the text format has no exemplars).
      if (trace !== undefined && /^[0-9a-f]{1,64}$/.test(trace)) {
        out.push(
          `${line} # {trace_id="${trace}"} ${num((s.exemplarValue as Float64Array)[i])} ${(s.exemplarTime as Float64Array)[i].toFixed(3)}`,
        );
      } else out.push(line);
    }
    const l = own ? `{${own}}` : '';
    out.push(`${vec.name}_sum${l} ${num(s.sum)}`);
    out.push(`${vec.name}_count${l} ${num(s.count)}`);
  }
}

function labelsOf(labels: Record<string, string | number | undefined>, om: boolean): string[] {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (v === undefined) continue;
    const text = k === 'le' && typeof v === 'number' ? leText(v, om) : String(v);
    parts.push(`${k}="${escapeLabelValue(text)}"`);
  }
  return parts;
}

/** Appends one prom-client metric (from `registry.getMetricsAsJSON()`). */
export function writePromClient(
  out: LineSink,
  m: MetricObjectWithValues<MetricValue<string>>,
  om: boolean,
): void {
  const type = String(m.type);
  header(out, m.name, m.help, type, om);
  for (const v of m.values) {
    let sample = (v as { metricName?: string }).metricName ?? m.name;
    if (om && type === 'counter' && !sample.endsWith('_total')) sample = `${sample}_total`;
    const parts = labelsOf(v.labels as Record<string, string | number>, om);
    out.push(`${sample}${parts.length ? `{${parts.join(',')}}` : ''} ${num(v.value)}`);
  }
}

export function finish(out: ChunkedText, om: boolean): Buffer[] {
  if (om) out.push('# EOF');
  return out.end();
}
