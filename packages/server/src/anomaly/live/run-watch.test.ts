import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from './anomaly-event.js';
import { RunWatch, type RunWatchOptions } from './run-watch.js';
import type { SpanPoint } from './series-watch.js';

let ids = 0;
const options = (over: Partial<RunWatchOptions> = {}): RunWatchOptions => ({
  loopThreshold: 10,
  runRatio: 10,
  minHistory: 20,
  maxOpenRuns: 1000,
  runIdleMs: 300_000,
  maxAgents: 100,
  newId: () => `e${++ids}`,
  ...over,
});
const T0 = 1_750_000_000_000;
const trace = (n: number) => n.toString(16).padStart(32, '0');

function span(over: Partial<SpanPoint>): SpanPoint {
  return {
    project: 'default',
    traceId: trace(1),
    parentSpanId: 'b'.repeat(16),
    service: 'support',
    kind: 'tool',
    agent: null,
    model: null,
    tool: null,
    input: null,
    endMs: T0,
    durationMs: 10,
    error: false,
    tokens: 0,
    cost: 0,
    ...over,
  };
}

/** One run: `tools` tool calls, one LLM call costing `cost`, the agent span as root. */
function run(
  watch: RunWatch,
  n: number,
  out: AnomalyEvent[],
  o: { cost?: number; tools?: [string, string][] } = {},
) {
  const traceId = trace(n);
  for (const [tool, input] of o.tools ?? [['lookup', `{"id":${n}}`]])
    watch.observe(span({ traceId, tool, input }), T0, out);
  watch.observe(span({ traceId, kind: 'llm', model: 'gpt-x', cost: o.cost ?? 0.01, tokens: 100 }), T0, out);
  watch.observe(
    span({ traceId, kind: 'agent', agent: 'helper', parentSpanId: null, endMs: T0 + n }),
    T0,
    out,
  );
  return traceId;
}

describe('RunWatch', () => {
  it('20 identical tool calls in one trace are one tool_loop event with that trace', () => {
    const watch = new RunWatch(options());
    const out: AnomalyEvent[] = [];
    const calls = Array.from({ length: 20 }, (): [string, string] => [
      'fetch_page',
      '{"url":"https://x.test"}',
    ]);
    const traceId = run(watch, 7, out, { tools: calls });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      kind: 'tool_loop',
      metric: 'fetch_page',
      value: 20,
      traceIds: [traceId],
      labels: { service: 'support', agent: 'helper', tool: 'fetch_page', model: null },
    });
    expect(out[0]!.score).toBeCloseTo(20 / 30);
  });

  it('the same tool with different arguments, or fewer calls than the threshold, is no loop', () => {
    const watch = new RunWatch(options());
    const out: AnomalyEvent[] = [];
    run(watch, 1, out, {
      tools: Array.from({ length: 20 }, (_, i): [string, string] => ['fetch_page', `{"page":${i}}`]),
    });
    run(watch, 2, out, { tools: Array.from({ length: 9 }, (): [string, string] => ['fetch_page', '{}']) });
    expect(out).toEqual([]);
  });

  it('a run costing 50× the agent median is a run_cost event; new tools count only after the history', () => {
    const watch = new RunWatch(options());
    const out: AnomalyEvent[] = [];
    for (let n = 1; n <= 25; n++) run(watch, n, out, { cost: 0.01 + (n % 3) * 0.001 });
    expect(out).toEqual([]);
    const costly = run(watch, 100, out, { cost: 0.55, tools: [['refund', '{}']] });
    const cost = out.find((e) => e.kind === 'run_cost');
    expect(cost).toMatchObject({ traceIds: [costly], expected: 0.011, labels: { agent: 'helper' } });
    expect(cost!.value! / cost!.expected!).toBeCloseTo(50);
    expect(out.find((e) => e.kind === 'new_tool')).toMatchObject({ metric: 'refund', traceIds: [costly] });
    expect(out.filter((e) => e.kind === 'run_tokens')).toEqual([]);
  });

  it('finishes a run without a root after runIdleMs, and bounds the open runs', () => {
    const watch = new RunWatch(options({ maxOpenRuns: 2 }));
    const out: AnomalyEvent[] = [];
    const loop = Array.from({ length: 10 }, () => span({ traceId: trace(9), tool: 't', input: 'x' }));
    for (const s of loop) watch.observe(s, T0, out);
    expect(out).toEqual([]);
    watch.tick(T0 + 300_000, out);
    expect(out.map((e) => e.kind)).toEqual(['tool_loop']);
    for (let n = 0; n < 3; n++) watch.observe(span({ traceId: trace(20 + n), tool: 't' }), T0, out);
    expect(watch.stats).toMatchObject({ openRuns: 2, runsCutShort: 1 });
  });
});
