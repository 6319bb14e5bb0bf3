/**
 * What every engine's governance violations must do (the DuckDB file of one node, the ClickHouse
 * database several nodes share): newest first, scoped by project, filtered, paged without gaps or
 * repeats, summarised, and cut by retention. Kept beside conformance.ts like lease-conformance.ts.
 */
import { expect, it } from 'vitest';
import type { ViolationRow, Violations } from './types.js';

export interface OpenedViolations {
  violations: Violations;
  close(): Promise<void>;
}

// a multiple of the 3 s buckets below, so bucket boundaries fall on whole rows
const T0 = 1_700_000_001_000n * 1_000_000n; // ns

function row(i: number, over: Partial<ViolationRow> = {}): ViolationRow {
  return {
    project: 'p1',
    timeNs: T0 + BigInt(i) * 1_000_000_000n,
    policy: i % 2 === 0 ? 'no-pii' : 'cost-cap',
    severity: i % 3 === 0 ? 'critical' : 'warning',
    action: 'log',
    traceId: `trace-${i}`,
    spanId: `span-${i}`,
    spanName: 'llm.call',
    service: 'svc',
    kind: 'llm',
    agent: i % 2 === 0 ? 'planner' : null,
    tool: null,
    mode: i === 0 ? 'shadow' : null,
    matched: { i, path: 'attributes.x' },
    ...over,
  };
}

export function violationsConformance(open: () => Promise<OpenedViolations>): void {
  it('lists violations newest first, in their project only, with every field back', async () => {
    const { violations, close } = await open();
    try {
      await violations.append([row(0), row(1)]);
      await violations.append([row(2), row(3, { project: 'p2' })]);
      const page = await violations.search({ project: 'p1', limit: 10 });
      expect(page.items.map((v) => v.spanId)).toEqual(['span-2', 'span-1', 'span-0']);
      expect(page.nextCursor).toBeNull();
      expect(page.items[2]).toMatchObject({
        time: new Date(Number((T0 + 0n) / 1_000_000n)).toISOString(),
        policy: 'no-pii',
        severity: 'critical',
        action: 'log',
        traceId: 'trace-0',
        spanName: 'llm.call',
        service: 'svc',
        kind: 'llm',
        agent: 'planner',
        tool: null,
        mode: 'shadow',
        matched: { i: 0, path: 'attributes.x' },
      });
      const other = await violations.search({ project: 'p2', limit: 10 });
      expect(other.items.map((v) => v.spanId)).toEqual(['span-3']);
      expect((await violations.search({ project: 'p3', limit: 10 })).items).toEqual([]);
    } finally {
      await close();
    }
  });

  it('filters by policy, severity, agent, mode, trace and time, and pages without gaps or repeats', async () => {
    const { violations, close } = await open();
    try {
      for (let i = 0; i < 7; i++) await violations.append([row(i)]);
      const ids = async (q: Partial<Parameters<Violations['search']>[0]>) =>
        (await violations.search({ project: 'p1', limit: 100, ...q })).items.map((v) => v.spanId).sort();
      expect(await ids({ policy: 'no-pii' })).toEqual(['span-0', 'span-2', 'span-4', 'span-6']);
      expect(await ids({ severity: 'critical' })).toEqual(['span-0', 'span-3', 'span-6']);
      expect(await ids({ agent: 'planner' })).toEqual(['span-0', 'span-2', 'span-4', 'span-6']);
      expect(await ids({ mode: 'shadow' })).toEqual(['span-0']);
      expect(await ids({ traceId: 'trace-5' })).toEqual(['span-5']);
      expect(await ids({ fromNs: T0 + 2_000_000_000n, toNs: T0 + 4_000_000_000n })).toEqual([
        'span-2',
        'span-3',
      ]);
      const seen: string[] = [];
      let cursor: number | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await violations.search({ project: 'p1', limit: 3, cursor });
        seen.push(...page.items.map((v) => v.spanId));
        if (page.nextCursor === null) break;
        cursor = Number(page.nextCursor);
      }
      expect(seen).toEqual(['span-6', 'span-5', 'span-4', 'span-3', 'span-2', 'span-1', 'span-0']);
    } finally {
      await close();
    }
  });

  it('summarises counts over time and by policy, severity, agent and mode in one project', async () => {
    const { violations, close } = await open();
    try {
      await violations.append([0, 1, 2, 3, 4, 5].map((i) => row(i)));
      await violations.append([row(9, { project: 'p2' })]);
      const s = await violations.summary({
        project: 'p1',
        fromNs: T0,
        toNs: T0 + 6_000_000_000n,
        bucketNs: 3_000_000_000n,
      });
      expect(s.total).toBe(6);
      expect(s.overTime).toEqual([
        { time: new Date(Number(T0 / 1_000_000n)).toISOString(), count: 3 },
        { time: new Date(Number(T0 / 1_000_000n) + 3000).toISOString(), count: 3 },
      ]);
      expect(s.byPolicy).toEqual([
        { key: 'cost-cap', count: 3 },
        { key: 'no-pii', count: 3 },
      ]);
      expect(s.bySeverity).toEqual([
        { key: 'warning', count: 4 },
        { key: 'critical', count: 2 },
      ]);
      expect(s.byAgent).toEqual([
        { key: '(none)', count: 3 },
        { key: 'planner', count: 3 },
      ]);
      expect(s.byMode).toEqual([
        { key: '(none)', count: 5 },
        { key: 'shadow', count: 1 },
      ]);
    } finally {
      await close();
    }
  });

  it('retention deletes violations older than the cut-off in every project', async () => {
    const { violations, close } = await open();
    try {
      await violations.append([row(0), row(1), row(2, { project: 'p2' }), row(3, { project: 'p2' })]);
      await violations.deleteOlderThan(T0 + 2_500_000_000n);
      expect((await violations.search({ project: 'p1', limit: 10 })).items).toEqual([]);
      expect((await violations.search({ project: 'p2', limit: 10 })).items.map((v) => v.spanId)).toEqual([
        'span-3',
      ]);
    } finally {
      await close();
    }
  });
}
