/**
 * The agent graph: agents, tools, models and retrievers as nodes; calls and hand-offs as edges, built
 * from span trees. One pure function serves a single trace (`GET /api/traces/{id}/graph`) and many
 * traces of an agent (`GET /api/agent-graph`): nodes are keyed by what they are (agent name, tool name,
 * model), never by span, so a tool called 40 times in a loop is one node and one edge with count 40.
 */
import { z } from 'zod';
import type { SpanKind } from './constants.js';
import { instantNs, pageLimit, text, withOrderedRange } from './query-values.js';

/** Most traces one aggregated graph reads (the newest of the range). */
export const MAX_GRAPH_TRACES = 500;

/** `GET /api/agent-graph`: which traces the aggregated graph is built from. */
export const agentGraphParams = withOrderedRange(
  z.strictObject({
    service: text.optional().meta({ description: 'traces with a span of this service' }),
    agent: text.optional().meta({ description: 'traces in which this agent ran' }),
    from: instantNs
      .optional()
      .meta({ description: 'trace start at or after: ISO-8601 or epoch milliseconds' }),
    to: instantNs
      .optional()
      .meta({ description: 'trace start at or before: ISO-8601 or epoch milliseconds' }),
    limit: pageLimit(MAX_GRAPH_TRACES, 100).meta({
      description: `the newest this many matching traces are read, 1..${MAX_GRAPH_TRACES} (default 100)`,
    }),
  }),
);

/** What the builder needs of a span (the server maps its records, the UI its JSON, onto this). */
export interface GraphSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKind;
  agentName: string | null;
  toolName: string | null;
  model: string | null;
  /** Epoch ms (fractions allowed). */
  startMs: number;
  durationMs: number;
  error: boolean;
}

export const GRAPH_NODE_TYPES = ['start', 'agent', 'tool', 'llm', 'retrieval'] as const;
export type GraphNodeType = (typeof GRAPH_NODE_TYPES)[number];

const latency = z.object({
  p50: z.number().meta({ description: 'median duration of the calls, ms' }),
  p95: z.number().meta({ description: '95th percentile duration of the calls, ms' }),
});

export const graphNodeSchema = z.object({
  id: z.string().meta({ description: '`<type>:<label>`; `start` is where a trace enters' }),
  type: z.enum(GRAPH_NODE_TYPES),
  label: z.string(),
  /** Spans that ran as this node. */
  calls: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number(),
  /** Traces the node appears in. */
  traces: z.number().int(),
  latencyMs: latency,
});
export type GraphNode = z.infer<typeof graphNodeSchema>;

export const graphEdgeSchema = z.object({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  /** `call`: the target ran inside the source; `handoff`: the target took over after the source ended. */
  type: z.enum(['call', 'handoff']),
  count: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number(),
  traces: z.number().int(),
  latencyMs: latency,
  /** Most calls of this edge running at once under one parent span (2+ is a parallel fan-out). */
  maxParallel: z.number().int(),
});
export type GraphEdge = z.infer<typeof graphEdgeSchema>;

export const agentGraphSchema = z
  .object({
    nodes: z.array(graphNodeSchema),
    edges: z.array(graphEdgeSchema),
    /** Traces the graph was built from. */
    traces: z.number().int(),
    /** Set when the aggregate stopped early (trace or time budget): the graph covers `traces` of them. */
    truncated: z.boolean(),
  })
  .meta({ id: 'AgentGraph' });
export type AgentGraphJson = z.infer<typeof agentGraphSchema>;

/** A span's place in the graph, or null when it is plumbing (steps, workflows, HTTP) the graph looks through. */
export function graphNodeOf(span: Pick<GraphSpan, 'kind' | 'name' | 'agentName' | 'toolName' | 'model'>): {
  type: GraphNodeType;
  label: string;
} | null {
  switch (span.kind) {
    case 'agent':
      return { type: 'agent', label: span.agentName ?? span.name };
    case 'tool':
      return { type: 'tool', label: span.toolName ?? span.name };
    case 'llm':
      return { type: 'llm', label: span.model ?? span.name };
    case 'retrieval':
    case 'embedding':
      return { type: 'retrieval', label: span.name };
    default:
      return null;
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

interface Acc {
  calls: number;
  errors: number;
  traces: Set<string>;
  durations: number[];
}

interface EdgeAcc extends Acc {
  from: string;
  to: string;
  type: 'call' | 'handoff';
  maxParallel: number;
}

const START = 'start';

function newAcc(): Acc {
  return { calls: 0, errors: 0, traces: new Set(), durations: [] };
}

function add(acc: Acc, span: GraphSpan): void {
  acc.calls++;
  if (span.error) acc.errors++;
  acc.traces.add(span.traceId);
  acc.durations.push(span.durationMs);
}

function stats(acc: Acc) {
  const sorted = acc.durations.sort((a, b) => a - b);
  return {
    errors: acc.errors,
    errorRate: acc.calls === 0 ? 0 : acc.errors / acc.calls,
    traces: acc.traces.size,
    latencyMs: { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) },
  };
}

/** Most intervals of the list overlapping at one instant (a sweep over starts and ends). */
function maxOverlap(intervals: Array<[number, number]>): number {
  const points: Array<[number, number]> = [];
  for (const [s, e] of intervals) points.push([s, 1], [Math.max(s, e), -1]);
  // an end at the same instant as a start comes first: back-to-back calls are sequential
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let best = 0;
  for (const [, d] of points) {
    cur += d;
    if (cur > best) best = cur;
  }
  return best;
}

/**
 * Builds the graph of the spans of one or many traces (spans are matched to parents within their own
 * trace). Every node span gets one incoming edge from the nearest node span above it (steps,
 * workflows and HTTP spans are looked through), or from `start` when there is none. An agent span
 * whose nearest node ancestor is not an agent (a workflow, or the trace's entry) and that starts after
 * an earlier agent sibling in that context ended is a hand-off from that agent instead (OpenAI Agents
 * style triage → specialist); an agent called inside another agent is a call (supervisor → worker).
 */
export function buildAgentGraph(
  spans: readonly GraphSpan[],
  options: { truncated?: boolean } = {},
): AgentGraphJson {
  const byKey = new Map<string, GraphSpan>();
  for (const s of spans) byKey.set(`${s.traceId}/${s.spanId}`, s);
  const nodes = new Map<string, Acc & { type: GraphNodeType; label: string }>();
  const edges = new Map<string, EdgeAcc>();
  /** Per (edge, parent span): the call intervals, for the fan-out measure. */
  const fanOut = new Map<string, Map<string, Array<[number, number]>>>();
  /** Per context (trace + nearest node ancestor span, or trace + start): agent spans in it. */
  const agentsInContext = new Map<string, GraphSpan[]>();
  const nodeIdOf = new Map<GraphSpan, string>();
  const traces = new Set<string>();

  for (const s of spans) {
    traces.add(s.traceId);
    const node = graphNodeOf(s);
    if (!node) continue;
    const id = `${node.type}:${node.label}`;
    nodeIdOf.set(s, id);
    let acc = nodes.get(id);
    if (!acc) {
      acc = { ...newAcc(), type: node.type, label: node.label };
      nodes.set(id, acc);
    }
    add(acc, s);
  }

  const parentSpan = (s: GraphSpan): GraphSpan | undefined =>
    s.parentSpanId ? byKey.get(`${s.traceId}/${s.parentSpanId}`) : undefined;
  /**
   * The nearest node at or above each span, remembered for every span a walk passes: each span is
   * walked once, so a 20,000-deep chain of steps with a tool under each is linear work, not 200
   * million parent lookups (which once held the event loop for over a minute).
   */
  const nearestNode = new Map<GraphSpan, GraphSpan | null>();
  const nodeAtOrAbove = (start: GraphSpan | undefined): GraphSpan | null => {
    const path: GraphSpan[] = [];
    const onPath = new Set<GraphSpan>();
    let p = start;
    let found: GraphSpan | null = null;
    // a malformed parent chain that loops ends the walk (nothing above it is a node)
    while (p && !onPath.has(p)) {
      const known = nearestNode.get(p);
      if (known !== undefined) {
        found = known;
        break;
      }
      if (nodeIdOf.has(p)) {
        found = p;
        break;
      }
      path.push(p);
      onPath.add(p);
      p = parentSpan(p);
    }
    for (const q of path) nearestNode.set(q, found);
    return found;
  };
  /** The nearest ancestor that is a node (in a parent cycle, never the span itself). */
  const nodeAncestor = (s: GraphSpan): GraphSpan | null => {
    const found = nodeAtOrAbove(parentSpan(s));
    return found === s ? null : found;
  };

  const parentOf = new Map<GraphSpan, GraphSpan | null>();
  for (const s of spans) {
    if (!nodeIdOf.has(s)) continue;
    const parent = nodeAncestor(s);
    parentOf.set(s, parent);
    if (s.kind === 'agent' && (parent === null || parent.kind !== 'agent')) {
      const ctx = `${s.traceId}/${parent?.spanId ?? START}`;
      const list = agentsInContext.get(ctx);
      if (list) list.push(s);
      else agentsInContext.set(ctx, [s]);
    }
  }
  // hand-offs: in a non-agent context, an agent that starts after the previous one ended takes over from it
  const handoffFrom = new Map<GraphSpan, GraphSpan>();
  for (const list of agentsInContext.values()) {
    list.sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      if (list[i].startMs >= prev.startMs + prev.durationMs && nodeIdOf.get(prev) !== nodeIdOf.get(list[i]))
        handoffFrom.set(list[i], prev);
    }
  }

  if (nodes.size > 0) nodes.set(START, { ...newAcc(), type: 'start', label: 'start' });
  for (const s of spans) {
    const to = nodeIdOf.get(s);
    if (!to) continue;
    const parent = parentOf.get(s) ?? null;
    const handoff = handoffFrom.get(s);
    const source = handoff ?? parent;
    const from = source ? (nodeIdOf.get(source) as string) : START;
    if (!source) {
      const start = nodes.get(START) as Acc;
      start.calls++;
      start.traces.add(s.traceId);
    }
    const type = handoff ? 'handoff' : 'call';
    const key = `${from}->${to}:${type}`;
    let edge = edges.get(key);
    if (!edge) {
      edge = { ...newAcc(), from, to, type, maxParallel: 1 };
      edges.set(key, edge);
    }
    add(edge, s);
    const parentKey = `${s.traceId}/${parent?.spanId ?? START}`;
    let perParent = fanOut.get(key);
    if (!perParent) {
      perParent = new Map();
      fanOut.set(key, perParent);
    }
    const intervals = perParent.get(parentKey);
    if (intervals) intervals.push([s.startMs, s.startMs + s.durationMs]);
    else perParent.set(parentKey, [[s.startMs, s.startMs + s.durationMs]]);
  }
  for (const [key, perParent] of fanOut) {
    const edge = edges.get(key) as EdgeAcc;
    for (const intervals of perParent.values())
      if (intervals.length > 1) edge.maxParallel = Math.max(edge.maxParallel, maxOverlap(intervals));
  }

  return {
    nodes: [...nodes.entries()]
      .map(([id, n]) => ({ id, type: n.type, label: n.label, calls: n.calls, ...stats(n) }))
      .sort((a, b) => (a.type === 'start' ? -1 : b.type === 'start' ? 1 : a.id.localeCompare(b.id))),
    edges: [...edges.entries()]
      .map(([id, e]) => ({
        id,
        from: e.from,
        to: e.to,
        type: e.type,
        count: e.calls,
        ...stats(e),
        maxParallel: e.maxParallel,
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    traces: traces.size,
    truncated: options.truncated ?? false,
  };
}
