/**
 * Positions for the agent graph: dagre's layered (Sugiyama) layout, top to bottom, so callers sit above
 * what they call and a supervisor's workers line up side by side. Pure: the view only draws.
 */
import dagre from '@dagrejs/dagre';
import type { AgentGraphJson, GraphEdge, GraphNode } from '@witness/protocol';

export const NODE_WIDTH = 196;
export const NODE_HEIGHT = 46;

export interface PlacedNode extends GraphNode {
  /** Centre. */
  x: number;
  y: number;
}

export interface PlacedEdge extends GraphEdge {
  points: Array<{ x: number; y: number }>;
  /** Where the label goes (dagre reserves room for it). */
  labelX: number;
  labelY: number;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export function layoutGraph(graph: AgentGraphJson): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 64, edgesep: 16, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  // labels get their own room on the edge, so counts never sit on top of a node
  for (const e of graph.edges) g.setEdge(e.from, e.to, { width: 96, height: 18, labelpos: 'c' }, e.id);
  dagre.layout(g);
  const nodes = graph.nodes.map((n) => {
    const p = g.node(n.id);
    return { ...n, x: p.x, y: p.y };
  });
  const edges = graph.edges.map((e) => {
    const p = g.edge({ v: e.from, w: e.to, name: e.id }) as {
      points: Array<{ x: number; y: number }>;
      x: number;
      y: number;
    };
    return { ...e, points: p.points, labelX: p.x, labelY: p.y };
  });
  const size = g.graph() as { width?: number; height?: number };
  return {
    nodes,
    edges,
    width: Math.max(size.width ?? 0, NODE_WIDTH + 32),
    height: Math.max(size.height ?? 0, NODE_HEIGHT + 32),
  };
}
