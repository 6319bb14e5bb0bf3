import { describe, expect, it } from 'vitest';
import { type AgentGraphJson, buildAgentGraph, type GraphSpan } from './agent-graph.js';

let next = 0;
/** A span of trace `t`; ids are unique across the file so parents are given by the returned object. */
function span(
  t: string,
  parent: GraphSpan | null,
  kind: GraphSpan['kind'],
  label: string,
  startMs: number,
  durationMs: number,
  error = false,
): GraphSpan {
  next++;
  return {
    traceId: t,
    spanId: `s${next}`,
    parentSpanId: parent?.spanId ?? null,
    name: label,
    kind,
    agentName: kind === 'agent' ? label : null,
    toolName: kind === 'tool' ? label : null,
    model: kind === 'llm' ? label : null,
    startMs,
    durationMs,
    error,
  };
}

/** `from -> to (type) xcount` for every edge: what a person reads off the picture. */
function edgeList(g: AgentGraphJson): string[] {
  return g.edges.map((e) => `${e.from} -> ${e.to} (${e.type}) x${e.count}`).sort();
}

describe('buildAgentGraph', () => {
  it('a supervisor with three workers: one node each, supervisor → worker calls', () => {
    const spans: GraphSpan[] = [];
    const sup = span('t1', null, 'agent', 'supervisor', 0, 100);
    spans.push(sup, span('t1', sup, 'llm', 'gpt-4o', 1, 5));
    let at = 10;
    for (const w of ['researcher', 'coder', 'writer']) {
      const worker = span('t1', sup, 'agent', w, at, 20, w === 'coder');
      spans.push(worker, span('t1', worker, 'llm', 'gpt-4o-mini', at + 1, 5));
      at += 25;
    }
    spans.push(span('t1', sup, 'llm', 'gpt-4o', 90, 5));
    const g = buildAgentGraph(spans);
    expect(g.nodes.map((n) => n.id)).toEqual([
      'start',
      'agent:coder',
      'agent:researcher',
      'agent:supervisor',
      'agent:writer',
      'llm:gpt-4o',
      'llm:gpt-4o-mini',
    ]);
    expect(edgeList(g)).toEqual([
      'agent:coder -> llm:gpt-4o-mini (call) x1',
      'agent:researcher -> llm:gpt-4o-mini (call) x1',
      'agent:supervisor -> agent:coder (call) x1',
      'agent:supervisor -> agent:researcher (call) x1',
      'agent:supervisor -> agent:writer (call) x1',
      'agent:supervisor -> llm:gpt-4o (call) x2',
      'agent:writer -> llm:gpt-4o-mini (call) x1',
      'start -> agent:supervisor (call) x1',
    ]);
    const coder = g.edges.find((e) => e.to === 'agent:coder');
    expect(coder?.errors).toBe(1);
    expect(coder?.errorRate).toBe(1);
    expect(g.nodes.find((n) => n.id === 'llm:gpt-4o-mini')?.calls).toBe(3);
    expect(g.traces).toBe(1);
  });

  it('nested sub-agents through plumbing spans: each agent calls the next, steps are looked through', () => {
    const root = span('t2', null, 'workflow', 'handle request', 0, 100);
    const planner = span('t2', root, 'agent', 'planner', 1, 98);
    const step = span('t2', planner, 'step', 'delegate', 2, 90);
    const research = span('t2', step, 'agent', 'research', 3, 80);
    const http = span('t2', research, 'http', 'GET /search', 4, 10);
    const fetcher = span('t2', http, 'agent', 'fetcher', 5, 8);
    const tool = span('t2', fetcher, 'tool', 'web_fetch', 6, 5);
    const g = buildAgentGraph([root, planner, step, research, http, fetcher, tool]);
    expect(g.nodes.map((n) => n.id)).toEqual([
      'start',
      'agent:fetcher',
      'agent:planner',
      'agent:research',
      'tool:web_fetch',
    ]);
    expect(edgeList(g)).toEqual([
      'agent:fetcher -> tool:web_fetch (call) x1',
      'agent:planner -> agent:research (call) x1',
      'agent:research -> agent:fetcher (call) x1',
      'start -> agent:planner (call) x1',
    ]);
  });

  it('a parallel fan-out: one edge per target with its concurrency, latency percentiles over the calls', () => {
    const agent = span('t3', null, 'agent', 'orchestrator', 0, 100);
    const spans = [agent];
    // five searches at once, then two lookups one after the other
    for (let i = 0; i < 5; i++) spans.push(span('t3', agent, 'tool', 'search', 10, 10 * (i + 1)));
    spans.push(span('t3', agent, 'tool', 'lookup', 70, 5), span('t3', agent, 'tool', 'lookup', 75, 5));
    const g = buildAgentGraph(spans);
    expect(edgeList(g)).toEqual([
      'agent:orchestrator -> tool:lookup (call) x2',
      'agent:orchestrator -> tool:search (call) x5',
      'start -> agent:orchestrator (call) x1',
    ]);
    const search = g.edges.find((e) => e.to === 'tool:search');
    expect(search?.maxParallel).toBe(5);
    expect(search?.latencyMs).toEqual({ p50: 30, p95: 50 });
    // back-to-back calls are sequential, not parallel
    expect(g.edges.find((e) => e.to === 'tool:lookup')?.maxParallel).toBe(1);
  });

  it('a tool loop: 12 calls of one tool are one node and one edge with count 12, errors counted', () => {
    const agent = span('t4', null, 'agent', 'coder', 0, 1000);
    const spans = [agent];
    for (let i = 0; i < 12; i++) {
      spans.push(span('t4', agent, 'llm', 'claude', i * 80, 30));
      spans.push(span('t4', agent, 'tool', 'run_tests', i * 80 + 40, 30, i < 9));
    }
    const g = buildAgentGraph(spans);
    expect(g.nodes).toHaveLength(4);
    expect(edgeList(g)).toEqual([
      'agent:coder -> llm:claude (call) x12',
      'agent:coder -> tool:run_tests (call) x12',
      'start -> agent:coder (call) x1',
    ]);
    const loop = g.edges.find((e) => e.to === 'tool:run_tests');
    expect(loop?.errors).toBe(9);
    expect(loop?.errorRate).toBe(0.75);
    expect(loop?.maxParallel).toBe(1);
  });

  it('hand-offs: sequential agents under a workflow hand over; the same agent re-entered is a cycle, not a new node', () => {
    const wf = span('t5', null, 'workflow', 'Agent workflow', 0, 100);
    const triage = span('t5', wf, 'agent', 'triage', 0, 20);
    const billing = span('t5', wf, 'agent', 'billing', 25, 30);
    const refund = span('t5', billing, 'tool', 'refund', 30, 5);
    const triage2 = span('t5', wf, 'agent', 'triage', 60, 20);
    const g = buildAgentGraph([wf, triage, billing, refund, triage2]);
    expect(edgeList(g)).toEqual([
      'agent:billing -> agent:triage (handoff) x1',
      'agent:billing -> tool:refund (call) x1',
      'agent:triage -> agent:billing (handoff) x1',
      'start -> agent:triage (call) x1',
    ]);
    expect(g.nodes.find((n) => n.id === 'agent:triage')?.calls).toBe(2);
  });

  it('aggregates many traces: counts add up, traces are counted per node and edge, parents stay within their trace', () => {
    const spans: GraphSpan[] = [];
    for (let t = 0; t < 10; t++) {
      const a = span(`agg${t}`, null, 'agent', 'support', 0, 50, t === 0);
      spans.push(a);
      // 3 of 10 runs escalate to a human-handoff tool, each run calls search twice
      spans.push(span(`agg${t}`, a, 'tool', 'search', 1, 5), span(`agg${t}`, a, 'tool', 'search', 10, 5));
      if (t % 3 === 0) spans.push(span(`agg${t}`, a, 'tool', 'escalate', 20, 5));
    }
    // a span whose parent id exists only in another trace is an entry of its own trace
    spans.push({ ...span('other', null, 'tool', 'search', 0, 1), parentSpanId: spans[0].spanId });
    const g = buildAgentGraph(spans);
    expect(g.traces).toBe(11);
    expect(edgeList(g)).toEqual([
      'agent:support -> tool:escalate (call) x4',
      'agent:support -> tool:search (call) x20',
      'start -> agent:support (call) x10',
      'start -> tool:search (call) x1',
    ]);
    const search = g.edges.find((e) => e.id === 'agent:support->tool:search:call');
    expect(search?.traces).toBe(10);
    expect(g.nodes.find((n) => n.id === 'agent:support')?.errorRate).toBe(0.1);
  });

  it('a trace of plumbing only has no nodes; a parent cycle does not hang', () => {
    expect(buildAgentGraph([span('t6', null, 'http', 'GET /', 0, 1)]).nodes).toEqual([]);
    const a = span('t7', null, 'step', 'a', 0, 1);
    const b = span('t7', a, 'step', 'b', 0, 1);
    a.parentSpanId = b.spanId;
    const tool = span('t7', b, 'tool', 'x', 0, 1);
    expect(edgeList(buildAgentGraph([a, b, tool]))).toEqual(['start -> tool:x (call) x1']);
  });
});
