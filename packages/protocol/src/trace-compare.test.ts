import { describe, expect, it } from 'vitest';
import { alignTraces, type CompareSpan, lcsPairs, traceSteps } from './trace-compare.js';

let n = 0;
function s(
  parent: CompareSpan | null,
  kind: CompareSpan['kind'],
  label: string,
  startMs: number,
  durationMs: number,
  extra: Partial<CompareSpan> = {},
): CompareSpan {
  n++;
  return {
    spanId: `c${n}`,
    parentSpanId: parent?.spanId ?? null,
    name: label,
    kind,
    agentName: kind === 'agent' ? label : null,
    toolName: kind === 'tool' ? label : null,
    model: kind === 'llm' ? label : null,
    startMs,
    durationMs,
    error: false,
    inputTokens: kind === 'llm' ? 100 : null,
    outputTokens: kind === 'llm' ? 20 : null,
    costUsd: null,
    input: null,
    output: null,
    ...extra,
  };
}

/** One readable line per row: `type a-signature | b-signature [diffs]`. */
function lines(rows: ReturnType<typeof alignTraces>['rows']): string[] {
  return rows.map(
    (r) =>
      `${r.type} ${r.a?.signature ?? '-'} | ${r.b?.signature ?? '-'}${r.diffs.length ? ` [${r.diffs.join(',')}]` : ''}`,
  );
}

/** A good run: plan, search, fetch, answer. */
function goodRun(): CompareSpan[] {
  const root = s(null, 'agent', 'assistant', 0, 1000);
  return [
    root,
    s(root, 'llm', 'gpt-4o', 0, 200, { output: 'search for flights' }),
    s(root, 'tool', 'search', 210, 100, { input: '{"q":"LIS"}', output: '3 results' }),
    s(root, 'tool', 'fetch', 320, 100),
    s(root, 'llm', 'gpt-4o', 430, 300, { output: 'Here are 3 flights' }),
  ];
}

describe('traceSteps', () => {
  it('lists steps depth-first by start time with their path; plumbing spans are looked through', () => {
    const root = s(null, 'workflow', 'run', 0, 10);
    const agent = s(root, 'agent', 'a', 1, 8);
    const http = s(agent, 'http', 'POST', 2, 3);
    const late = s(agent, 'tool', 'late', 6, 1);
    const early = s(http, 'llm', 'm', 2, 1);
    const { steps } = traceSteps([late, root, http, agent, early]);
    expect(steps.map((x) => x.signature)).toEqual(['agent:a', 'agent:a/llm:m', 'agent:a/tool:late']);
    expect(steps.map((x) => x.depth)).toEqual([0, 1, 1]);
  });

  it('stops at maxSteps and says so', () => {
    const root = s(null, 'agent', 'a', 0, 10);
    const spans = [root, ...Array.from({ length: 10 }, (_, i) => s(root, 'tool', 't', i, 1))];
    const r = traceSteps(spans, 4);
    expect(r.steps).toHaveLength(4);
    expect(r.truncated).toBe(true);
  });
});

describe('lcsPairs', () => {
  it('finds the longest common subsequence', () => {
    expect(lcsPairs(['a', 'b', 'c', 'd'], ['a', 'c', 'x', 'd'])).toEqual([
      [0, 0],
      [2, 1],
      [3, 3],
    ]);
    expect(lcsPairs([], ['a'])).toEqual([]);
  });
});

describe('alignTraces', () => {
  it('identical runs align one to one with no differences', () => {
    const a = alignTraces(goodRun(), goodRun());
    expect(a.rows.every((r) => r.type === 'match' && r.diffs.length === 0)).toBe(true);
    expect(a.rows).toHaveLength(5);
  });

  it('a bad run: a different tool, a different model, a retry loop, slower and more tokens are all highlighted', () => {
    const root = s(null, 'agent', 'assistant', 0, 3000);
    const bad = [
      root,
      s(root, 'llm', 'gpt-4o', 0, 200, { output: 'search for flights' }),
      // the same search, but it failed and was retried twice
      s(root, 'tool', 'search', 210, 900, { input: '{"q":"LIS"}', output: 'timeout', error: true }),
      s(root, 'tool', 'search', 1200, 100, { input: '{"q":"LIS"}', output: '3 results' }),
      // scrape instead of fetch
      s(root, 'tool', 'scrape', 1310, 100),
      // a smaller model answered, with more tokens
      s(root, 'llm', 'gpt-4o-mini', 1420, 300, { output: 'Sorry, no flights', outputTokens: 90 }),
    ];
    const a = alignTraces(goodRun(), bad);
    expect(lines(a.rows)).toEqual([
      'match agent:assistant | agent:assistant [latency]',
      'match agent:assistant/llm:gpt-4o | agent:assistant/llm:gpt-4o',
      'match agent:assistant/tool:search | agent:assistant/tool:search [output,latency,status]',
      'onlyB - | agent:assistant/tool:search',
      'changed agent:assistant/tool:fetch | agent:assistant/tool:scrape [name,tool]',
      'changed agent:assistant/llm:gpt-4o | agent:assistant/llm:gpt-4o-mini [name,model,output,tokens]',
    ]);
    expect(a.stepsA).toBe(5);
    expect(a.stepsB).toBe(6);
  });

  it('steps only in one run, of a kind the other lacks there, stay one-sided', () => {
    const ra = s(null, 'agent', 'x', 0, 10);
    const rb = s(null, 'agent', 'x', 0, 10);
    const a = alignTraces(
      [ra, s(ra, 'retrieval', 'vector search', 1, 1), s(ra, 'llm', 'm', 2, 1)],
      [rb, s(rb, 'llm', 'm', 1, 1), s(rb, 'decision', 'route', 3, 1)],
    );
    expect(lines(a.rows)).toEqual([
      'match agent:x | agent:x',
      'onlyA agent:x/retrieval:vector search | -',
      'match agent:x/llm:m | agent:x/llm:m',
      'onlyB - | agent:x/decision:route',
    ]);
  });
});
