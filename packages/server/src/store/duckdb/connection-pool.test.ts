import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreQueryInterrupted } from '../query-error.js';
import { ConnectionPool } from './connection-pool.js';

// Runs until interrupted: a count over 10^13 generated rows (hours on any machine).
const ENDLESS = 'SELECT count(*) FROM range(10000000000000)';

describe('ConnectionPool (deadlines, cancellation, shutdown) on a real DuckDB file', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let conns: DuckDBConnection[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'witness-pool-'));
    instance = await DuckDBInstance.create(join(dir, 'p.duckdb'), { threads: '1' });
    conns = [await instance.connect(), await instance.connect()];
  });
  afterEach(async () => {
    for (const c of conns) c.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  const reasonOf = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreQueryInterrupted);
    return (err as StoreQueryInterrupted).reason;
  };

  it('interrupts a query past its deadline, says so, and the connection serves the next read', async () => {
    const pool = new ConnectionPool(conns.slice(0, 1), { timeoutMs: 200 });
    const read = pool.use((c) => c.values(ENDLESS));
    await expect(read).rejects.toThrow(/200 ms deadline/);
    expect(await reasonOf(read)).toBe('deadline');
    expect(pool.interruptedCount).toBe(1);
    expect(await pool.use((c) => c.values('SELECT 42'))).toEqual([[42]]);
  });

  it('stops a query when its signal aborts (the HTTP client went away)', async () => {
    const pool = new ConnectionPool(conns, { timeoutMs: 60_000 });
    const abort = new AbortController();
    const read = pool.use((c) => c.values(ENDLESS), { signal: abort.signal });
    while (pool.busy === 0) await new Promise((r) => setTimeout(r, 2));
    abort.abort();
    expect(await reasonOf(read)).toBe('cancelled');
    expect(pool.busy).toBe(0);
    // an already aborted signal never reaches DuckDB
    await expect(pool.use((c) => c.values('SELECT 1'), { signal: abort.signal })).rejects.toThrow(
      /cancelled/,
    );
  });

  it('refuses the next statement of a read once it was interrupted between statements', async () => {
    const pool = new ConnectionPool(conns, { timeoutMs: 60_000 });
    const abort = new AbortController();
    let second = false;
    const read = pool.use(
      async (c) => {
        await c.values('SELECT 1');
        abort.abort(); // no statement running: DuckDB's interrupt alone would be forgotten
        second = true;
        return c.values(ENDLESS);
      },
      { signal: abort.signal },
    );
    expect(await reasonOf(read)).toBe('cancelled');
    expect(second).toBe(true);
  });

  it('a read cancelled while queued for a connection leaves without taking one', async () => {
    const pool = new ConnectionPool(conns.slice(0, 1), { timeoutMs: 60_000 });
    const blocker = new AbortController();
    const running = pool.use((c) => c.values(ENDLESS), { signal: blocker.signal });
    while (pool.busy === 0) await new Promise((r) => setTimeout(r, 2));
    const queuedAbort = new AbortController();
    const queued = pool.use((c) => c.values('SELECT 1'), { signal: queuedAbort.signal });
    queuedAbort.abort();
    expect(await reasonOf(queued)).toBe('cancelled');
    expect(pool.busy).toBe(1);
    blocker.abort();
    expect(await reasonOf(running)).toBe('cancelled');
    // the one connection went back to the pool, not to the departed waiter
    expect(await pool.use((c) => c.values('SELECT 7'))).toEqual([[7]]);
  });

  it('refuses a read at once (saturated, 503) when maxWaiters reads already wait for a connection', async () => {
    const pool = new ConnectionPool(conns.slice(0, 1), { timeoutMs: 60_000, maxWaiters: 2 });
    const running = pool.use((c) => c.values(ENDLESS));
    while (pool.busy === 0) await new Promise((r) => setTimeout(r, 2));
    // reasons are taken at once: the waiting reads reject when the pool shuts down below
    const waiting = [pool.use((c) => c.values('SELECT 1')), pool.use((c) => c.values('SELECT 2'))].map(
      reasonOf,
    );
    expect(pool.waiting).toBe(2);
    const refused = pool.use((c) => c.values('SELECT 3'));
    await expect(refused).rejects.toThrow(/too many queries are waiting/);
    expect(await reasonOf(refused)).toBe('saturated');
    pool.interruptAll();
    expect(await reasonOf(running)).toBe('shutdown');
    expect(await Promise.all(waiting)).toEqual(['shutdown', 'shutdown']);
    expect(pool.waiting).toBe(0);
    await pool.closeAll();
    conns = [];
  });

  it('shutdown interrupts running and queued reads and refuses new ones', async () => {
    const pool = new ConnectionPool(conns.slice(0, 1), { timeoutMs: 60_000 });
    const running = pool.use((c) => c.values(ENDLESS));
    while (pool.busy === 0) await new Promise((r) => setTimeout(r, 2));
    const queued = pool.use((c) => c.values('SELECT 1'));
    pool.interruptAll();
    const reasons = await Promise.all([reasonOf(running), reasonOf(queued)]);
    expect(reasons).toEqual(['shutdown', 'shutdown']);
    await expect(pool.use((c) => c.values('SELECT 1'))).rejects.toThrow(/shutting down/);
    await pool.closeAll(); // returns: nothing is left running
    conns = [];
  });
});
