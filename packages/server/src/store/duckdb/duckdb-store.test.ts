import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreQueryError, StoreQueryInterrupted } from '../query-error.js';
import { makeLog, makeSpan, traceIdOf } from '../test-records.js';
import type { TraceQuery } from '../types.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { type DuckDbStore, openDuckDbStore } from './duckdb-store.js';
import { CREATE_SCHEMA, SCHEMA_VERSION } from './schema.js';

const T0 = 1_750_000_000_000_000_000n;
const P = 'default';
const spanOf = (trace: number) => makeSpan({ trace, n: 1, start: T0 + BigInt(trace), durationMs: 1 });

describe('DuckDbStore (engine specifics)', () => {
  let dir: string;
  let path: string;
  let store: DuckDbStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'witness-duckdb-'));
    path = join(dir, 'w.duckdb');
    store = await openDuckDbStore({ path, threads: 1 });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('group-commits concurrent appends into fewer transactions', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.append({ project: P, spans: [spanOf(i + 1)], logs: [] })),
    );
    expect((await store.stats()).spans).toBe(50);
    expect(store.commitCount).toBeLessThan(50);
    expect(store.commitCount).toBeGreaterThan(0);
  });

  it('splits a large backlog into several transactions', async () => {
    const batch = (k: number) =>
      Array.from({ length: 5000 }, (_, i) =>
        makeSpan({ trace: k, n: i + 1, start: T0 + BigInt(i), durationMs: 1 }),
      );
    await Promise.all(
      Array.from({ length: 10 }, (_, k) => store.append({ project: P, spans: batch(k + 1), logs: [] })),
    );
    expect((await store.stats()).spans).toBe(50_000);
    // the first batch commits alone; the 9 queued behind it exceed one group's 20,000 rows
    expect(store.commitCount).toBeGreaterThanOrEqual(3);
  });

  it('rejects every append of a failed group, commits none of it, and keeps serving', async () => {
    const broken = spanOf(2);
    (broken as { name: unknown }).name = null; // NOT NULL column: the row cannot be appended
    const first = store.append({ project: P, spans: [spanOf(1)], logs: [] });
    // these two queue while the first commits, so they share the next transaction
    const bad = store.append({ project: P, spans: [broken], logs: [] });
    const sameGroup = store.append({ project: P, spans: [spanOf(3)], logs: [] });
    expect((await first).spans).toHaveLength(1);
    await expect(bad).rejects.toThrow();
    await expect(sameGroup).rejects.toThrow();
    await store.append({ project: P, spans: [spanOf(4)], logs: [] });
    expect(await store.getTrace(P, traceIdOf(3))).toBeNull();
    expect((await store.searchTraces({ project: P })).items.map((i) => i.traceId)).toEqual([
      traceIdOf(4),
      traceIdOf(1),
    ]);
  });

  it('commits a group only after its gates, rolling back batches that shared it with a failed one', async () => {
    const first = store.append({ project: P, spans: [spanOf(1)], logs: [] });
    // these two queue while the first is written, so they most likely share the next group
    let failGate: (err: Error) => void = () => {};
    const a = store.append(
      { project: P, spans: [spanOf(2)], logs: [] },
      { beforeCommit: () => new Promise<void>((_, reject) => (failGate = reject)) },
    );
    const b = store.append({ project: P, spans: [spanOf(3)], logs: [] }, { beforeCommit: async () => {} });
    await first;
    setTimeout(() => failGate(new Error('audit append failed')), 50);
    await expect(a).rejects.toThrow('audit append failed');
    const bOutcome = await b.then(
      () => 'stored',
      (err: Error) => err.message,
    );
    if (bOutcome !== 'stored')
      expect(bOutcome).toMatch(/rolled back with another batch .*audit append failed/);
    expect(await store.getTrace(P, traceIdOf(2))).toBeNull();
    expect((await store.getTrace(P, traceIdOf(3))) !== null).toBe(bOutcome === 'stored');
    // the retries store each once
    expect((await store.append({ project: P, spans: [spanOf(2), spanOf(3)], logs: [] })).spans).toHaveLength(
      bOutcome === 'stored' ? 1 : 2,
    );
    expect((await store.stats()).spans).toBe(3);
  });

  it('runs retention between pipelined groups without losing or double-counting a row', async () => {
    const old = (k: number) =>
      Array.from({ length: 100 }, (_, i) =>
        makeSpan({ trace: k, n: i + 1, start: T0 + BigInt(i), durationMs: 1 }),
      );
    const fresh = (k: number) => [makeSpan({ trace: k, n: 1, start: T0 + 10_000_000_000n, durationMs: 1 })];
    const appends = Array.from({ length: 10 }, (_, k) =>
      store.append({
        project: P,
        spans: [...old(k + 1), ...fresh(k + 100)],
        logs: [makeLog({ timeUnixNano: T0 + BigInt(k), body: `log-${k}` })],
      }),
    );
    // queued while groups are appending and committing on both writer connections
    const retention = store.deleteOlderThan(T0 + 1_000_000_000n);
    appends.push(store.append({ project: P, spans: old(50), logs: [] }));
    await Promise.all(appends);
    const { deletedSpans, deletedLogs } = await retention;
    const conn = await store.connect();
    const [[oldLeft, freshLeft, logsLeft, logIds]] = (
      await conn.runAndReadAll(
        `SELECT (SELECT count(*) FROM spans WHERE start_ns < $1), (SELECT count(*) FROM spans WHERE start_ns >= $1),
                (SELECT count(*) FROM logs), (SELECT count(DISTINCT log_id) FROM logs)`,
        [T0 + 1_000_000_000n],
      )
    ).getRows();
    conn.closeSync();
    expect(deletedSpans + Number(oldLeft)).toBe(1100);
    expect(Number(freshLeft)).toBe(10);
    expect(deletedLogs + Number(logsLeft)).toBe(10);
    expect(Number(logIds)).toBe(Number(logsLeft));
    // the group queued after the retention call was not deleted by it
    expect(await store.getTrace(P, traceIdOf(50))).toHaveLength(100);
  });

  it('answers reads while another connection holds an open write transaction, showing only committed data', async () => {
    await store.append({ project: P, spans: [spanOf(1)], logs: [] });
    const writer = await store.connect();
    await writer.run('BEGIN TRANSACTION');
    await writer.run(
      `INSERT INTO logs VALUES (999, 1, 1, 9, 'INFO', 'uncommitted', NULL, NULL, 'svc', '{}', '{}', '', 'default')`,
    );
    // if reads waited for the writer, these would never resolve (the commit comes after them)
    expect(await store.getTrace(P, traceIdOf(1))).toHaveLength(1);
    expect((await store.searchTraces({ project: P })).items).toHaveLength(1);
    expect((await store.searchLogs({ project: P })).items).toEqual([]);
    await writer.run('COMMIT');
    writer.closeSync();
    expect((await store.searchLogs({ project: P })).items.map((l) => l.body)).toEqual(['uncommitted']);
  });

  it('close stops reads in flight (each finishes or rejects as shutdown, none hangs) and refuses reads after', async () => {
    await store.append({ project: P, spans: [spanOf(1)], logs: [] });
    const inFlight = [
      store.searchTraces({ project: P }),
      store.getTrace(P, traceIdOf(1)),
      store.listServices(P),
      store.stats(),
    ].map((p) =>
      p.then(
        () => 'answered',
        (e: unknown) => (e instanceof StoreQueryInterrupted ? e.reason : String(e)),
      ),
    );
    await store.close();
    for (const outcome of await Promise.all(inFlight)) expect(['answered', 'shutdown']).toContain(outcome);
    expect(store.runningReads).toBe(0);
    await expect(store.getTrace(P, traceIdOf(1))).rejects.toThrow(/closed/);
    store = await openDuckDbStore({ path, threads: 1 }); // for afterEach
  });

  it('lets other modules keep their own tables in the same file', async () => {
    const conn = await store.connect();
    await conn.run('CREATE TABLE metric_points (name VARCHAR, value DOUBLE)');
    await conn.run('INSERT INTO metric_points VALUES ($1, $2)', ['up', 1]);
    conn.closeSync();
    await store.close();
    store = await openDuckDbStore({ path, threads: 1 });
    const again = await store.connect();
    expect((await again.runAndReadAll('SELECT name, value FROM metric_points')).getRows()).toEqual([
      ['up', 1],
    ]);
    again.closeSync();
  });

  it('keeps every acknowledged append when the process is killed with SIGKILL', async () => {
    await store.close();
    const fixture = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
    // node itself runs the fixture (tsx as a loader), so SIGKILL hits the process holding the database
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: number[] = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) acked.push(Number(line));
        // kill while appends are still in flight
        if (acked.length >= 40 && child.exitCode === null) child.kill('SIGKILL');
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(40);
    store = await openDuckDbStore({ path, threads: 1 });
    for (const trace of acked) expect((await store.getTrace(P, traceIdOf(trace)))?.length).toBe(200);
    const listed = new Set(
      (await store.searchTraces({ project: P, limit: 1000 })).items.map((i) => i.traceId),
    );
    for (const trace of acked) expect(listed.has(traceIdOf(trace))).toBe(true);
  });

  it('refuses 300 attr.* filters (the hostile search) before running anything, naming the limit', async () => {
    await store.append({ project: P, spans: [spanOf(1)], logs: [] });
    const attributes = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, `v${i}`]));
    await expect(store.searchTraces({ project: P, attributes })).rejects.toThrow(
      /300 attr\.\* filters given; at most 10/,
    );
    await expect(store.searchTraces({ project: P, attributes })).rejects.toBeInstanceOf(StoreQueryError);
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, `v${i}`]));
    expect((await store.searchTraces({ project: P, attributes: ten })).items).toEqual([]);
    expect(store.runningReads).toBe(0);
  });

  it('bounds DuckDB memory by default and takes a configured limit', async () => {
    const setting = async (s: DuckDbStore) => {
      const c = await s.connect();
      const v = (await c.runAndReadAll(`SELECT current_setting('memory_limit')`)).getRows()[0][0];
      c.closeSync();
      return String(v);
    };
    // DuckDB prints the limit in its own units (e.g. 1.9 GiB for 2048MB); never 80% of RAM here
    const bytes = (text: string) => {
      const m = /^([\d.]+) (KiB|MiB|GiB|TiB)$/.exec(text);
      if (!m) throw new Error(`unexpected memory_limit ${text}`);
      return Number(m[1]) * 1024 ** (['KiB', 'MiB', 'GiB', 'TiB'].indexOf(m[2]) + 1);
    };
    expect(bytes(await setting(store))).toBeLessThanOrEqual(2 * 1024 ** 3);
    await store.close();
    store = await openDuckDbStore({ path, threads: 1, memoryLimit: '300MB' });
    expect(bytes(await setting(store))).toBeCloseTo(300e6, -6);
  });

  it('answers a read past its deadline with StoreQueryInterrupted and keeps serving', async () => {
    await store.close();
    store = await openDuckDbStore({ path, threads: 1, queryTimeoutMs: 1 });
    // 20k traces: no trace list over them finishes within 1 ms
    const spans = Array.from({ length: 20_000 }, (_, i) => spanOf(i + 1));
    await store.append({ project: P, spans, logs: [] });
    const err = await store.searchTraces({ project: P, minDurationMs: 1e6 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreQueryInterrupted);
    expect((err as StoreQueryInterrupted).reason).toBe('deadline');
    expect(store.interruptedReads).toBeGreaterThanOrEqual(1);
    await store.close();
    store = await openDuckDbStore({ path, threads: 1 });
    expect((await store.searchTraces({ project: P, limit: 1 })).items).toHaveLength(1);
  });

  it('reads at most spanScanBudget spans per attribute/name search, continuing older through nextCursor', async () => {
    await store.close();
    store = await openDuckDbStore({ path, threads: 1, spanScanBudget: 200 });
    // 1,000 one-span traces a second apart; only trace 3 (among the oldest) has tier=gold
    const spans = Array.from({ length: 1000 }, (_, i) =>
      makeSpan({
        trace: i + 1,
        n: 1,
        start: T0 + BigInt(i) * 1_000_000_000n,
        durationMs: 1,
        attributes: i + 1 === 3 ? { tier: 'gold' } : { tier: 'free' },
        name: i + 1 === 3 ? 'rare' : 'common',
      }),
    );
    await store.append({ project: P, spans, logs: [] });
    for (const query of [
      { attributes: { tier: 'gold' } },
      { name: 'rare' },
      { attributes: { tier: 'none' } },
    ]) {
      const found: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.searchTraces({ project: P, ...query, cursor });
        found.push(...page.items.map((i) => i.traceId));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined && pages < 100);
      // the first page covered only the newest ~200 spans: the match was further back
      expect(pages).toBeGreaterThanOrEqual(4);
      expect(pages).toBeLessThan(100);
      expect(found).toEqual(query.attributes?.tier === 'none' ? [] : [traceIdOf(3)]);
    }
    // a full page inside the budget is an ordinary page
    const free = await store.searchTraces({ project: P, attributes: { tier: 'free' }, limit: 10 });
    expect(free.items.map((i) => i.traceId)).toEqual(
      Array.from({ length: 10 }, (_, i) => traceIdOf(1000 - i)),
    );
  });

  it('groups at most partScanBudget parts per trace-level filtered search; pages still walk every match once', async () => {
    await store.close();
    store = await openDuckDbStore({ path, threads: 1, partScanBudget: 100 });
    // 1,000 one-span traces a second apart (one part each); every 7th is an error in service "pay",
    // trace 3 alone runs 5 s; session "s" holds traces 2 and 998
    const spans = Array.from({ length: 1000 }, (_, i) =>
      makeSpan({
        trace: i + 1,
        n: 1,
        start: T0 + BigInt(i) * 1_000_000_000n,
        durationMs: i + 1 === 3 ? 5000 : 1,
        service: (i + 1) % 7 === 0 ? 'pay' : 'web',
        status: (i + 1) % 7 === 0 ? 'error' : 'ok',
        fields: i + 1 === 2 || i + 1 === 998 ? { sessionId: 's' } : {},
      }),
    );
    await store.append({ project: P, spans, logs: [] });
    const walk = async (query: Omit<TraceQuery, 'project'>) => {
      const found: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.searchTraces({ project: P, ...query, cursor });
        found.push(...page.items.map((i) => i.traceId));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined && pages < 200);
      return { found, pages };
    };
    const every7th = Array.from({ length: 142 }, (_, i) => traceIdOf(994 - 7 * i));
    for (const query of [{ service: 'pay' }, { status: 'error' as const }]) {
      const { found, pages } = await walk({ ...query, limit: 20 });
      expect(found).toEqual(every7th); // newest first, each exactly once
      expect(pages).toBeGreaterThanOrEqual(8); // ~100 parts (~14 matches) per page
    }
    for (const query of [{ service: 'nope' }, { minDurationMs: 4000 }, { agent: 'nobody' }]) {
      const { found, pages } = await walk(query);
      // nothing in the newest ~100 parts: the first page is empty but not the end
      expect(pages).toBeGreaterThanOrEqual(4);
      expect(pages).toBeLessThan(200);
      expect(found).toEqual('minDurationMs' in query ? [traceIdOf(3)] : []);
    }
    const first = await store.searchTraces({ project: P, service: 'nope' });
    expect(first.items).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    // all of "ok" is every trace but the errors, once each, across budgeted pages
    const ok = await walk({ status: 'ok', limit: 50 });
    expect(ok.found).toHaveLength(1000 - 142);
    expect(new Set(ok.found).size).toBe(1000 - 142);
    // a session is not budgeted: both of its traces, 996 traces apart, on one page
    expect(await store.searchTraces({ project: P, sessionId: 's' })).toEqual({
      items: [
        expect.objectContaining({ traceId: traceIdOf(998) }),
        expect.objectContaining({ traceId: traceIdOf(2) }),
      ],
      nextCursor: null,
    });
    // neither is the unfiltered list: a full page, then older pages to the end
    const all = await walk({ limit: 200 });
    expect(all.found).toHaveLength(1000);
    expect(all.pages).toBe(5);
  });

  it('bounds list answers: 42 traces with 1,000,000-character names list in kilobytes, not 43 MB', async () => {
    const huge = (c: string) => c.repeat(c === 'n' ? 1_000_000 : 20_000);
    const spans = Array.from({ length: 42 }, (_, i) =>
      makeSpan({
        trace: i + 1,
        n: 1,
        start: T0 + BigInt(i),
        durationMs: 1,
        name: huge('n'),
        service: huge('s'),
        fields: { sessionId: huge('x'), userId: huge('u'), agentName: huge('a') },
      }),
    );
    await store.append({ project: P, spans, logs: [] });
    const page = await store.searchTraces({ project: P, limit: 1000 });
    expect(page.items).toHaveLength(42);
    expect(JSON.stringify(page).length).toBeLessThan(42 * 6 * 1024);
    expect(page.items[0].rootName).toHaveLength(1000);
    expect(page.items[0].rootName.endsWith('…')).toBe(true);
    expect(page.items[0].agents[0]).toHaveLength(1000);
    expect((await store.listServices(P))[0]).toHaveLength(1000);
    expect(page.items[0].sessionId).toHaveLength(1000);
    // the trace itself keeps what was stored
    expect((await store.getTrace(P, traceIdOf(1)))?.[0].name).toHaveLength(1_000_000);
  });

  it('ends a log page at the byte budget and resumes after its last item, losing none', async () => {
    const logs = Array.from({ length: 400 }, (_, i) =>
      makeLog({
        timeUnixNano: T0 + BigInt(i),
        body: `${i} ${'b'.repeat(100_000)}`,
        attributes: { big: 'v'.repeat(50_000) },
      }),
    );
    await store.append({ project: P, spans: [], logs });
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.searchLogs({ project: P, limit: 1000, cursor });
      expect(JSON.stringify(page).length).toBeLessThan(4.5 * 1024 * 1024);
      for (const item of page.items) {
        expect(item.body.length).toBeLessThanOrEqual(16_384);
        expect((item.attributes.big as string).length).toBe(1000);
        seen.add(item.body.split(' ')[0]);
      }
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBeGreaterThan(1);
    expect(seen.size).toBe(400);
  });

  it('pages exactly through traces that all start in the same nanosecond (a burst), with windows cut by trace id', async () => {
    await store.close();
    store = await openDuckDbStore({ path, threads: 1, traceWindowParts: 10 });
    await store.append({
      project: P,
      spans: Array.from({ length: 300 }, (_, i) =>
        makeSpan({ trace: i + 1, n: 1, start: T0, durationMs: 1 }),
      ),
      logs: [],
    });
    // trace 150 gets a later part: its summary must combine both, never show half of it
    await store.append({
      project: P,
      spans: [makeSpan({ trace: 150, n: 2, start: T0 + 5_000_000_000n, durationMs: 1 })],
      logs: [],
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.searchTraces({ project: P, limit: 20, cursor });
      for (const item of page.items) {
        seen.push(item.traceId);
        expect(item.spanCount).toBe(item.traceId === traceIdOf(150) ? 2 : 1);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const expected = Array.from({ length: 300 }, (_, i) => traceIdOf(i + 1))
      .sort()
      .reverse();
    expect(seen).toEqual(expected);
  });
});

describe('DuckDbStore.spanIdsOf', () => {
  it('gives the same span ids looked up one trace at a time and many at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-spanids-'));
    const store = await openDuckDbStore({ path: join(dir, 'w.duckdb'), threads: 1 });
    try {
      const spans = [];
      for (let t = 1; t <= 20; t++)
        for (let n = 1; n <= (t % 4) + 1; n++)
          spans.push(
            makeSpan({ trace: t, n, start: T0 + BigInt(t) * 1_000_000_000n + BigInt(n), durationMs: 1 }),
          );
      await store.append({ project: P, spans: spans.slice(0, 30), logs: [] });
      await store.append({ project: P, spans: spans.slice(30), logs: [] });
      const wanted = [...Array.from({ length: 20 }, (_, i) => traceIdOf(i + 1)), traceIdOf(99)];
      const sorted = (m: Map<string, string[]>) =>
        [...m]
          .map(([t, ids]) => [t, [...ids].sort()])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      const many = await store.spanIdsOf(P, wanted);
      const oneByOne = new Map<string, string[]>();
      for (const t of wanted) for (const [k, v] of await store.spanIdsOf(P, [t])) oneByOne.set(k, v);
      expect(many.size).toBe(20);
      expect(sorted(many)).toEqual(sorted(oneByOne));
      expect([...many.values()].flat()).toHaveLength(spans.length);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DuckDbStore idempotence beyond the in-memory span ids', () => {
  it('reads an evicted trace back from the database and still stores its spans once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-idem-evict-'));
    const store = await openDuckDbStore({ path: join(dir, 'w.duckdb'), threads: 1, recentSpanIds: 10 });
    try {
      const trace = (t: number) =>
        Array.from({ length: 5 }, (_, i) =>
          makeSpan({ trace: t, n: i + 1, start: T0 + BigInt(i), durationMs: 1 }),
        );
      await store.append({ project: P, spans: trace(1), logs: [] });
      for (let t = 2; t < 10; t++) await store.append({ project: P, spans: trace(t), logs: [] });
      expect(store.identities.recentTraces).toBeLessThan(4); // trace 1 was evicted
      const loadedBefore = store.identities.loadedTraces;
      const again = await store.append({
        project: P,
        spans: [...trace(1), makeSpan({ trace: 1, n: 6, start: T0 + 6n, durationMs: 1 })],
        logs: [],
      });
      expect(store.identities.loadedTraces).toBe(loadedBefore + 1);
      expect(again.spans.map((s) => s.spanId)).toEqual([
        makeSpan({ trace: 1, n: 6, start: T0, durationMs: 1 }).spanId,
      ]);
      expect(await store.getTrace(P, traceIdOf(1))).toHaveLength(6);
      expect((await store.stats()).spans).toBe(46);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DuckDbStore schema migration', () => {
  it('opens a file of schema version 1 (before projects): its rows belong to default, and it gains the scores table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-migrate-'));
    const oldPath = join(dir, 'old.duckdb');
    try {
      // Rows written by today's store into a scratch file, copied into a file made with the version 1
      // DDL (today's minus the project column), marked version 1: what an older Witness left behind.
      const scratch = await openDuckDbStore({ path: join(dir, 'scratch.duckdb'), threads: 1 });
      await scratch.append({
        project: 'default',
        spans: [
          spanOf(1),
          makeSpan({
            trace: 1,
            n: 2,
            parent: 1,
            start: T0 + 5n,
            durationMs: 1,
            fields: { kind: 'llm', sessionId: 'old-session', inputTokens: 42, outputTokens: 7 },
          }),
        ],
        logs: [makeLog({ timeUnixNano: T0, body: 'old log' })],
      });
      await scratch.close();
      const instance = await DuckDBInstance.create(oldPath);
      const conn = await instance.connect();
      // version 1 had neither project, nor the scores table (version 3), nor the part columns of
      // version 4 and 5 (which follow project), nor the rollups (version 5)
      for (const ddl of CREATE_SCHEMA.filter((d) => !d.includes('EXISTS scores') && !d.includes('_rollup')))
        await conn.run(ddl.replace(/,\s*project VARCHAR NOT NULL DEFAULT 'default'[^)]*\)$/, '\n)'));
      await conn.run(`INSERT INTO witness_meta VALUES ('schema_version', '1')`);
      await conn.run(`ATTACH '${join(dir, 'scratch.duckdb')}' AS scratch (READ_ONLY)`);
      for (const table of ['spans', 'trace_parts', 'logs'])
        await conn.run(
          `INSERT INTO ${table} SELECT * EXCLUDE (project${table === 'trace_parts' ? ', input_tokens, output_tokens, llm_calls, seq' : ''}) FROM scratch.${table}`,
        );
      const columns = await conn.runAndReadAll(
        `SELECT count(*) FROM information_schema.columns WHERE column_name = 'project' AND table_catalog = current_database()`,
      );
      expect(Number(columns.getRows()[0][0])).toBe(0);
      conn.closeSync();
      instance.closeSync();

      const store = await openDuckDbStore({ path: oldPath, threads: 1 });
      try {
        expect(await store.getTrace('default', traceIdOf(1))).toHaveLength(2);
        expect((await store.searchTraces({ project: 'default' })).items.map((i) => i.spanCount)).toEqual([2]);
        expect((await store.searchLogs({ project: 'default' })).items.map((l) => l.body)).toEqual([
          'old log',
        ]);
        expect(await store.getTrace('other', traceIdOf(1))).toBeNull();
        // identities read from the migrated rows: a retry into default is a duplicate, into another project new
        expect((await store.append({ project: 'default', spans: [spanOf(1)], logs: [] })).spans).toEqual([]);
        expect((await store.append({ project: 'other', spans: [spanOf(1)], logs: [] })).spans).toHaveLength(
          1,
        );
        expect(await store.listProjects()).toEqual(['default', 'other']);
        // version 3's scores table exists on the migrated file
        await store.appendScores('default', [
          {
            id: 's',
            name: 'q',
            value: 1,
            label: null,
            traceId: traceIdOf(1),
            spanId: null,
            sessionId: null,
            source: 'code',
            comment: null,
            author: null,
            agent: null,
            model: null,
            timeUnixNano: T0,
          },
        ]);
        expect((await store.searchScores({ project: 'default' })).items.map((x) => x.id)).toEqual(['s']);
        // version 4 filled the parts' token columns from the spans: sessions sum them exactly
        const [session] = (await store.listSessions({ project: 'default' })).items;
        expect(session).toMatchObject({
          sessionId: 'old-session',
          inputTokens: 42,
          outputTokens: 7,
          turns: 1,
        });
      } finally {
        await store.close();
      }
      // the version is bumped, so the next open does not migrate again, and the data stays
      const again = await openDuckDbStore({ path: oldPath, threads: 1 });
      try {
        expect(await again.getTrace('default', traceIdOf(1))).toHaveLength(2);
        expect(await again.getTrace('other', traceIdOf(1))).toHaveLength(1);
      } finally {
        await again.close();
      }
      const check = await DuckDBInstance.create(oldPath);
      const c = await check.connect();
      const version = await c.runAndReadAll(`SELECT value FROM witness_meta WHERE key = 'schema_version'`);
      expect(version.getRows()[0][0]).toBe(String(SCHEMA_VERSION));
      // a file from a newer Witness is refused, naming the versions
      await c.run(`UPDATE witness_meta SET value = '99' WHERE key = 'schema_version'`);
      c.closeSync();
      check.closeSync();
      await expect(openDuckDbStore({ path: oldPath, threads: 1 })).rejects.toThrow(/newer Witness.*99/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
