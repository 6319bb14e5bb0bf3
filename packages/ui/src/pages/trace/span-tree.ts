/** Spans → a tree with offsets from the trace start, and the rows visible for a set of open nodes. */
import type { SpanJson } from '@witness/protocol';
import { offsetMs } from '../../lib/format.js';

export interface TreeNode {
  span: SpanJson;
  depth: number;
  children: TreeNode[];
  parent: TreeNode | null;
  /** ms after the trace's first span started. */
  offsetMs: number;
  durationMs: number;
}

export interface SpanTree {
  roots: TreeNode[];
  byId: Map<string, TreeNode>;
  baseNs: bigint;
  totalMs: number;
}

export function buildTree(spans: SpanJson[]): SpanTree {
  let baseNs: bigint | null = null;
  let endNs: bigint | null = null;
  for (const s of spans) {
    const start = BigInt(s.startTimeUnixNano);
    const end = BigInt(s.endTimeUnixNano);
    if (baseNs === null || start < baseNs) baseNs = start;
    if (endNs === null || end > endNs) endNs = end;
  }
  const base = baseNs ?? 0n;
  const byId = new Map<string, TreeNode>();
  for (const s of spans) {
    const off = offsetMs(s.startTimeUnixNano, base);
    byId.set(s.spanId, {
      span: s,
      depth: 0,
      children: [],
      parent: null,
      offsetMs: off,
      durationMs: Math.max(0, offsetMs(s.endTimeUnixNano, base) - off),
    });
  }
  const roots: TreeNode[] = [];
  for (const node of byId.values()) {
    const parent = node.span.parentSpanId ? byId.get(node.span.parentSpanId) : undefined;
    // a span whose parent never arrived is shown as a root rather than dropped
    if (parent && parent !== node) {
      node.parent = parent;
      parent.children.push(node);
    } else roots.push(node);
  }
  const byStart = (a: TreeNode, b: TreeNode) => a.offsetMs - b.offsetMs;
  roots.sort(byStart);
  // iterative depth assignment: deep agent recursion must not blow the call stack
  const stack = [...roots];
  while (stack.length) {
    const node = stack.pop()!;
    node.children.sort(byStart);
    for (const c of node.children) {
      c.depth = node.depth + 1;
      stack.push(c);
    }
  }
  return { roots, byId, baseNs: base, totalMs: Math.max(0.001, Number((endNs ?? base) - base) / 1e6) };
}

/** Nodes open by default: the root and its children, so agents and their first steps show. */
export const DEFAULT_OPEN_DEPTH = 2;

export function isOpen(node: TreeNode, overrides: Map<string, boolean>): boolean {
  return overrides.get(node.span.spanId) ?? node.depth < DEFAULT_OPEN_DEPTH;
}

export function visibleRows(tree: SpanTree, overrides: Map<string, boolean>): TreeNode[] {
  const out: TreeNode[] = [];
  const stack = [...tree.roots].reverse();
  while (stack.length) {
    const node = stack.pop()!;
    out.push(node);
    if (node.children.length && isOpen(node, overrides)) {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
  }
  return out;
}

export function countDescendants(node: TreeNode): number {
  let n = 0;
  const stack = [...node.children];
  while (stack.length) {
    const c = stack.pop()!;
    n++;
    stack.push(...c.children);
  }
  return n;
}
