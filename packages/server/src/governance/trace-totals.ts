/**
 * Running totals per trace, for policies over a whole run (`trace.costUsd > 5.0`) and over sequences
 * (`trace.lastLlmPrescriptive`: the latest LLM output of the trace held prescriptive language). Kept in
 * memory, in ingest order, for the most recently active traces only (an LRU bounded by count and by
 * idle time): a trace whose spans arrive after it was evicted starts again from zero, which a budget
 * policy tolerates (it can only fire later, never wrongly). The idle bound keeps memory proportional
 * to current activity (~1.2 KB per 15-span trace): with the count bound alone, a steady 1,000 runs a
 * minute grew it for 50 minutes. A span counted once per (trace, span) id, so a retried batch adds nothing.
 */
import type { SpanRecord } from '../model/index.js';

export interface TraceTotals {
  spans: number;
  llmCalls: number;
  toolCalls: number;
  errors: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** The latest LLM span of the trace (in ingest order) had prescriptive language in its output. */
  lastLlmPrescriptive: boolean;
  /** Every prescriptive phrase type seen in the trace's LLM outputs so far. */
  prescriptive: string[];
  /** Span ids counted (bounded per trace; past the bound, repeats may count again). */
  seen: Set<string>;
  /** Last time a span of it arrived (ms): map order is this order. */
  touched: number;
}

const MAX_SPANS_REMEMBERED = 10_000;

export class TraceTotalsCache {
  private readonly traces = new Map<string, TraceTotals>();

  constructor(
    private readonly maxTraces = 50_000,
    private readonly idleMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds the span to its trace's totals (once per span id) and returns them. */
  add(project: string, span: SpanRecord, prescriptive: readonly string[]): TraceTotals {
    const now = this.now();
    this.forgetIdle(now);
    // one project's trace ids say nothing about another's
    const key = `${project}/${span.traceId}`;
    let t = this.traces.get(key);
    if (t === undefined) {
      t = {
        spans: 0,
        llmCalls: 0,
        toolCalls: 0,
        errors: 0,
        costUsd: 0,
        inputTokens: 0,
        outputTokens: 0,
        lastLlmPrescriptive: false,
        prescriptive: [],
        seen: new Set(),
        touched: now,
      };
      if (this.traces.size >= this.maxTraces) this.traces.delete(this.traces.keys().next().value!);
    } else this.traces.delete(key); // re-inserted below: Map order is recency
    t.touched = now;
    this.traces.set(key, t);
    if (t.seen.has(span.spanId)) return t;
    if (t.seen.size < MAX_SPANS_REMEMBERED) t.seen.add(span.spanId);
    t.spans++;
    if (span.kind === 'llm') {
      t.llmCalls++;
      t.lastLlmPrescriptive = prescriptive.length > 0;
      for (const p of prescriptive) if (!t.prescriptive.includes(p)) t.prescriptive.push(p);
    }
    if (span.kind === 'tool') t.toolCalls++;
    if (span.statusCode === 'error') t.errors++;
    t.costUsd += span.costUsd ?? 0;
    t.inputTokens += span.inputTokens ?? 0;
    t.outputTokens += span.outputTokens ?? 0;
    return t;
  }

  /** Drops the traces idle longer than idleMs (the oldest are first in the map). */
  private forgetIdle(now: number): void {
    const before = now - this.idleMs;
    for (const [key, t] of this.traces) {
      if (t.touched >= before) return;
      this.traces.delete(key);
    }
  }

  get size(): number {
    return this.traces.size;
  }
}
