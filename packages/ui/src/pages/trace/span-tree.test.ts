import type { SpanJson } from '@witness/protocol';
import { describe, expect, it } from 'vitest';
import { buildTree, visibleRows } from './span-tree.js';

const base = 1_700_000_000_000_000_000n;
function span(spanId: string, parentSpanId: string | null, startMs: number, endMs: number): SpanJson {
  return {
    spanId,
    parentSpanId,
    startTimeUnixNano: String(base + BigInt(startMs * 1e6)),
    endTimeUnixNano: String(base + BigInt(endMs * 1e6)),
  } as SpanJson;
}

describe('buildTree', () => {
  const spans = [
    span('c2', 'a', 30, 40),
    span('a', null, 0, 100),
    span('c1', 'a', 10, 20),
    span('g', 'c1', 12, 13),
  ];

  it('nests children under parents in start order with exact offsets', () => {
    const tree = buildTree(spans);
    expect(tree.roots.map((n) => n.span.spanId)).toEqual(['a']);
    expect(tree.roots[0]!.children.map((n) => n.span.spanId)).toEqual(['c1', 'c2']);
    expect(tree.byId.get('g')!.depth).toBe(2);
    expect(tree.byId.get('c2')!.offsetMs).toBe(30);
    expect(tree.byId.get('c2')!.durationMs).toBe(10);
    expect(tree.totalMs).toBe(100);
  });

  it('keeps spans whose parent never arrived as roots', () => {
    const tree = buildTree([...spans, span('orphan', 'missing', 50, 60)]);
    expect(tree.roots.map((n) => n.span.spanId)).toEqual(['a', 'orphan']);
  });

  it('opens the root and its children by default and follows open/closed overrides', () => {
    const tree = buildTree([...spans, span('gg', 'g', 12, 12.5)]);
    expect(visibleRows(tree, new Map()).map((n) => n.span.spanId)).toEqual(['a', 'c1', 'g', 'c2']);
    expect(visibleRows(tree, new Map([['g', true]])).map((n) => n.span.spanId)).toEqual([
      'a',
      'c1',
      'g',
      'gg',
      'c2',
    ]);
    expect(visibleRows(tree, new Map([['c1', false]])).map((n) => n.span.spanId)).toEqual(['a', 'c1', 'c2']);
    expect(visibleRows(tree, new Map([['a', false]])).map((n) => n.span.spanId)).toEqual(['a']);
  });

  it('handles a 5,000-deep chain without recursion', () => {
    const chain = [span('s0', null, 0, 5000)];
    for (let i = 1; i < 5000; i++) chain.push(span(`s${i}`, `s${i - 1}`, i, 5000));
    const tree = buildTree(chain);
    expect(tree.byId.get('s4999')!.depth).toBe(4999);
    const all = new Map(chain.map((s) => [s.spanId, true]));
    expect(visibleRows(tree, all)).toHaveLength(5000);
  });
});
