/**
 * Trace comparison: two runs (a good and a bad one of the same agent) aligned step by step. A step is a
 * span that does something an agent developer reasons about (agent, LLM call, tool call, retrieval,
 * decision); its signature is its path of steps from the root (`agent:planner/tool:search`), so the
 * same tool called from two different agents is two different steps. Steps are aligned by the longest
 * common subsequence of signatures; what lies between two matches on both sides is paired by kind as
 * "changed" (a different tool or model at the same point), the rest is only in A or only in B.
 */
import { graphNodeOf } from './agent-graph.js';
import type { SpanKind } from './constants.js';

/** What the alignment needs of a span (the UI maps its SpanJson onto this). */
export interface CompareSpan {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKind;
  agentName: string | null;
  toolName: string | null;
  model: string | null;
  startMs: number;
  durationMs: number;
  error: boolean;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  input: string | null;
  output: string | null;
}

export interface Step {
  span: CompareSpan;
  /** `kind:label` of the step itself. */
  label: string;
  /** The labels of the steps above it and its own, joined with `/`. */
  signature: string;
  depth: number;
}

export type DiffField = 'tool' | 'model' | 'input' | 'output' | 'tokens' | 'latency' | 'status' | 'name';

export interface AlignedRow {
  /**
   * `match`: the same step (signature) in both, `diffs` says what differs in it; `changed`: a different
   * step of the same kind at the same place (another tool, another model); `onlyA`/`onlyB`: the step
   * is missing on the other side.
   */
  type: 'match' | 'changed' | 'onlyA' | 'onlyB';
  a: Step | null;
  b: Step | null;
  /** Fields that differ between a and b (empty when one is missing). */
  diffs: DiffField[];
}

export interface Alignment {
  rows: AlignedRow[];
  /** Steps read from each trace (up to `maxSteps`). */
  stepsA: number;
  stepsB: number;
  /** Set when a trace had more steps than `maxSteps`: the tail is left out. */
  truncated: boolean;
}

const STEP_KINDS = new Set<SpanKind>(['agent', 'llm', 'tool', 'retrieval', 'embedding', 'decision']);

/** Latency differences below both of these are noise, not a difference worth highlighting. */
const LATENCY_RATIO = 1.5;
const LATENCY_MIN_MS = 50;

/** Steps LCS compares at most per side: 2,000 × 2,000 cells is ~16 MB and well under a second. */
export const MAX_COMPARE_STEPS = 2000;

function stepLabel(s: CompareSpan): string {
  const node = graphNodeOf(s);
  if (node) return `${node.type}:${node.label}`;
  return `${s.kind}:${s.name}`;
}

/** The steps of one trace in execution order (depth-first, children by start time). */
export function traceSteps(
  spans: readonly CompareSpan[],
  maxSteps = MAX_COMPARE_STEPS,
): { steps: Step[]; truncated: boolean } {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, CompareSpan[]>();
  for (const s of spans) {
    // a parent that never arrived makes the span a root: it is still shown
    const parent = s.parentSpanId !== null && ids.has(s.parentSpanId) ? s.parentSpanId : null;
    const list = children.get(parent);
    if (list) list.push(s);
    else children.set(parent, [s]);
  }
  for (const list of children.values())
    list.sort((a, b) => a.startMs - b.startMs || a.spanId.localeCompare(b.spanId));
  const steps: Step[] = [];
  let truncated = false;
  const seen = new Set<string>();
  // iterative DFS: deep traces must not overflow the stack
  const stack: Array<{ span: CompareSpan; path: string; depth: number }> = [];
  const roots = children.get(null) ?? [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ span: roots[i], path: '', depth: 0 });
  while (stack.length > 0) {
    const { span, path, depth } = stack.pop() as { span: CompareSpan; path: string; depth: number };
    if (seen.has(span.spanId)) continue;
    seen.add(span.spanId);
    let childPath = path;
    let childDepth = depth;
    if (STEP_KINDS.has(span.kind)) {
      const label = stepLabel(span);
      const signature = path ? `${path}/${label}` : label;
      if (steps.length >= maxSteps) {
        truncated = true;
        break;
      }
      steps.push({ span, label, signature, depth });
      childPath = signature;
      childDepth = depth + 1;
    }
    const kids = children.get(span.spanId) ?? [];
    for (let i = kids.length - 1; i >= 0; i--)
      stack.push({ span: kids[i], path: childPath, depth: childDepth });
  }
  return { steps, truncated };
}

function tokens(s: CompareSpan): number | null {
  if (s.inputTokens === null && s.outputTokens === null) return null;
  return (s.inputTokens ?? 0) + (s.outputTokens ?? 0);
}

/** What differs between two steps at the same place. */
export function diffSteps(a: CompareSpan, b: CompareSpan): DiffField[] {
  const out: DiffField[] = [];
  if (a.name !== b.name) out.push('name');
  if ((a.toolName ?? null) !== (b.toolName ?? null)) out.push('tool');
  if ((a.model ?? null) !== (b.model ?? null)) out.push('model');
  if ((a.input ?? null) !== (b.input ?? null)) out.push('input');
  if ((a.output ?? null) !== (b.output ?? null)) out.push('output');
  if (tokens(a) !== tokens(b)) out.push('tokens');
  const hi = Math.max(a.durationMs, b.durationMs);
  const lo = Math.min(a.durationMs, b.durationMs);
  if (hi - lo >= LATENCY_MIN_MS && hi >= lo * LATENCY_RATIO) out.push('latency');
  if (a.error !== b.error) out.push('status');
  return out;
}

/** Pairs of indices of the longest common subsequence of two signature lists. */
export function lcsPairs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  // suffix lengths: table[i*(m+1)+j] = LCS of a[i..] and b[j..]
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i * (m + 1) + j] =
        a[i] === b[j]
          ? table[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return pairs;
}

/**
 * The unmatched steps between two matches: paired by kind and depth in order as `changed`, the rest
 * one-sided. A step of B whose signature A also has elsewhere (a retry of the search just matched) is
 * an extra repeat, not a replacement: it is paired only when no step new to A is there to pair.
 */
function gapRows(a: Step[], b: Step[], signaturesA: ReadonlySet<string>): AlignedRow[] {
  const rows: AlignedRow[] = [];
  let j = 0;
  const usedB = new Set<number>();
  const pairable = (k: number, sa: Step) =>
    !usedB.has(k) && b[k].span.kind === sa.span.kind && b[k].depth === sa.depth;
  for (const sa of a) {
    let match = -1;
    for (let k = j; k < b.length && match < 0; k++)
      if (pairable(k, sa) && !signaturesA.has(b[k].signature)) match = k;
    for (let k = j; k < b.length && match < 0; k++) if (pairable(k, sa)) match = k;
    if (match < 0) {
      rows.push({ type: 'onlyA', a: sa, b: null, diffs: [] });
      continue;
    }
    for (let k = j; k < match; k++)
      if (!usedB.has(k)) {
        rows.push({ type: 'onlyB', a: null, b: b[k], diffs: [] });
        usedB.add(k);
      }
    usedB.add(match);
    j = match + 1;
    rows.push({ type: 'changed', a: sa, b: b[match], diffs: diffSteps(sa.span, b[match].span) });
  }
  for (let k = 0; k < b.length; k++)
    if (!usedB.has(k)) rows.push({ type: 'onlyB', a: null, b: b[k], diffs: [] });
  return rows;
}

/** Aligns trace A with trace B step by step (see the module comment). */
export function alignTraces(
  spansA: readonly CompareSpan[],
  spansB: readonly CompareSpan[],
  maxSteps = MAX_COMPARE_STEPS,
): Alignment {
  const A = traceSteps(spansA, maxSteps);
  const B = traceSteps(spansB, maxSteps);
  const pairs = lcsPairs(
    A.steps.map((s) => s.signature),
    B.steps.map((s) => s.signature),
  );
  const signaturesA = new Set(A.steps.map((s) => s.signature));
  const rows: AlignedRow[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [A.steps.length, B.steps.length] as [number, number]]) {
    rows.push(...gapRows(A.steps.slice(i, pi), B.steps.slice(j, pj), signaturesA));
    if (pi < A.steps.length && pj < B.steps.length) {
      rows.push({
        type: 'match',
        a: A.steps[pi],
        b: B.steps[pj],
        diffs: diffSteps(A.steps[pi].span, B.steps[pj].span),
      });
    }
    i = pi + 1;
    j = pj + 1;
  }
  return { rows, stepsA: A.steps.length, stepsB: B.steps.length, truncated: A.truncated || B.truncated };
}
