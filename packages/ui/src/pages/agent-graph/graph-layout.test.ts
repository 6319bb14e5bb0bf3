import { buildAgentGraph, type GraphSpan } from '@witness/protocol';
import { describe, expect, it } from 'vitest';
import { layoutGraph } from './graph-layout.js';

const span = (spanId: string, parent: string | null, kind: GraphSpan['kind'], label: string): GraphSpan => ({
  traceId: 't',
  spanId,
  parentSpanId: parent,
  name: label,
  kind,
  agentName: kind === 'agent' ? label : null,
  toolName: kind === 'tool' ? label : null,
  model: null,
  startMs: 0,
  durationMs: 1,
  error: false,
});

describe('layoutGraph', () => {
  it('layers callers above what they call and gives every edge a path and a label spot', () => {
    const graph = buildAgentGraph([
      span('a', null, 'agent', 'supervisor'),
      span('b', 'a', 'agent', 'w1'),
      span('c', 'a', 'agent', 'w2'),
      span('d', 'b', 'tool', 'search'),
    ]);
    const l = layoutGraph(graph);
    const y = (id: string) => l.nodes.find((n) => n.id === id)?.y ?? Number.NaN;
    expect(y('start')).toBeLessThan(y('agent:supervisor'));
    expect(y('agent:supervisor')).toBeLessThan(y('agent:w1'));
    expect(y('agent:w1')).toBe(y('agent:w2'));
    expect(y('agent:w1')).toBeLessThan(y('tool:search'));
    for (const e of l.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      expect(Number.isFinite(e.labelX) && Number.isFinite(e.labelY)).toBe(true);
    }
    expect(l.width).toBeGreaterThan(0);
  });
});
