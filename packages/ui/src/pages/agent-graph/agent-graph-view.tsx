/**
 * The agent graph as SVG: nodes coloured by type (agent, tool, model, retrieval), edges with their
 * call count, p95 latency and error rate; hand-offs dashed, parallel fan-out marked ∥n, edges and
 * nodes with errors in red. Hover any of them for the full figures.
 */
import type { AgentGraphJson, GraphNode } from '@witness/protocol';
import { useMemo } from 'preact/hooks';
import { Empty } from '../../components/states.js';
import { formatDuration } from '../../lib/format.js';
import { type Layout, layoutGraph, NODE_HEIGHT, NODE_WIDTH } from './graph-layout.js';

const TYPE_COLOR: Record<GraphNode['type'], string> = {
  start: 'var(--muted)',
  agent: 'var(--k-agent)',
  tool: 'var(--k-tool)',
  llm: 'var(--k-llm)',
  retrieval: 'var(--k-retrieval)',
};

const pct = (r: number) => `${(r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0)}%`;

function path(points: Array<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function cut(text: string, max = 22): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function AgentGraphView({
  graph,
  testId = 'agent-graph',
}: {
  graph: AgentGraphJson;
  testId?: string;
}) {
  const layout: Layout | null = useMemo(() => (graph.nodes.length ? layoutGraph(graph) : null), [graph]);
  if (!layout)
    return (
      <Empty title="No agents, tools or models here">
        The graph is built from spans of kind agent, tool, llm and retrieval.
      </Empty>
    );
  return (
    <div class="agent-graph" data-testid={testId}>
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`Agent graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges`}
      >
        <defs>
          <marker
            id="ag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="var(--muted)" />
          </marker>
          <marker
            id="ag-arrow-error"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="var(--error)" />
          </marker>
        </defs>
        {layout.edges.map((e) => {
          const bad = e.errors > 0;
          return (
            <g
              key={e.id}
              class={`ag-edge ag-edge-${e.type}${bad ? ' ag-error' : ''}`}
              data-testid="graph-edge"
              data-from={e.from}
              data-to={e.to}
              data-type={e.type}
              data-count={e.count}
              data-errors={e.errors}
              data-parallel={e.maxParallel}
            >
              <title>
                {`${e.from} → ${e.to} (${e.type})\n${e.count} calls in ${e.traces} trace(s), ${e.errors} errors (${pct(e.errorRate)})\np50 ${formatDuration(e.latencyMs.p50)}, p95 ${formatDuration(e.latencyMs.p95)}${e.maxParallel > 1 ? `\nup to ${e.maxParallel} at once` : ''}`}
              </title>
              <path
                d={path(e.points)}
                fill="none"
                stroke={bad ? 'var(--error)' : 'var(--muted)'}
                stroke-width={Math.min(4, 1.2 + Math.log10(e.count))}
                stroke-dasharray={e.type === 'handoff' ? '6 4' : undefined}
                marker-end={bad ? 'url(#ag-arrow-error)' : 'url(#ag-arrow)'}
              />
              <text x={e.labelX} y={e.labelY + 4} text-anchor="middle" class="ag-edge-label">
                {`×${e.count}`}
                {e.maxParallel > 1 ? ` ∥${e.maxParallel}` : ''}
                {e.latencyMs.p95 > 0 ? ` · ${formatDuration(e.latencyMs.p95)}` : ''}
                {bad ? ` · ${pct(e.errorRate)} err` : ''}
              </text>
            </g>
          );
        })}
        {layout.nodes.map((n) => {
          const bad = n.errors > 0;
          const x = n.x - NODE_WIDTH / 2;
          const y = n.y - NODE_HEIGHT / 2;
          return (
            <g
              key={n.id}
              class={`ag-node ag-node-${n.type}${bad ? ' ag-error' : ''}`}
              data-testid="graph-node"
              data-node-id={n.id}
              data-calls={n.calls}
            >
              <title>
                {n.type === 'start'
                  ? `where ${n.traces} trace(s) enter`
                  : `${n.type} ${n.label}\n${n.calls} calls in ${n.traces} trace(s), ${n.errors} errors (${pct(n.errorRate)})\np50 ${formatDuration(n.latencyMs.p50)}, p95 ${formatDuration(n.latencyMs.p95)}`}
              </title>
              <rect
                x={x}
                y={y}
                width={NODE_WIDTH}
                height={NODE_HEIGHT}
                rx={n.type === 'start' ? NODE_HEIGHT / 2 : 8}
                fill="var(--surface)"
                stroke={bad ? 'var(--error)' : TYPE_COLOR[n.type]}
                stroke-width={n.type === 'agent' ? 2.5 : 1.5}
              />
              <rect x={x} y={y} width={6} height={NODE_HEIGHT} rx={3} fill={TYPE_COLOR[n.type]} />
              <text x={x + 14} y={y + 19} class="ag-node-label">
                {cut(n.label)}
              </text>
              <text x={x + 14} y={y + 36} class="ag-node-sub">
                {n.type === 'start'
                  ? `${n.calls} entr${n.calls === 1 ? 'y' : 'ies'}`
                  : `${n.type} · ${n.calls}× · p50 ${formatDuration(n.latencyMs.p50)}${bad ? ` · ${n.errors} err` : ''}`}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
