/** The alert evaluator election over a real DuckDB leases table, with a clock the test moves. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DuckDbStore, openDuckDbStore } from '../store/duckdb/index.js';
import type { Leases } from '../store/types.js';
import { LeaseElector } from './lease-elector.js';
import { serves } from './targets.js';

describe('LeaseElector', () => {
  let dir: string;
  let store: DuckDbStore;
  let now: number;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'witness-elector-'));
    store = await openDuckDbStore({ path: join(dir, 'witness.duckdb'), threads: 1 });
    now = 1_000_000;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const elector = (owner: string, changes: boolean[] = []) =>
    new LeaseElector({
      leases: () => store.leases(),
      name: 'alert-evaluator',
      owner,
      ttlMs: 45_000,
      now: () => now,
      onChange: (l) => changes.push(l),
    });

  it('one of several nodes evaluates; another takes over once the leader stops renewing', async () => {
    const changesA: boolean[] = [];
    const [a, b, c] = [elector('query-a', changesA), elector('query-b'), elector('query-c')];
    const rounds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const leaders = [];
      for (const [name, e] of [
        ['a', a],
        ['b', b],
        ['c', c],
      ] as const)
        if (await e.isLeader()) leaders.push(name);
      rounds.push(leaders.join());
      now += 15_000;
    }
    expect(rounds).toEqual(['a', 'a', 'a', 'a', 'a']); // exactly one evaluator every round
    // a dies (stops renewing): nobody else evaluates until its lease expires, then exactly one does
    const after: string[] = [];
    for (let i = 0; i < 4; i++) {
      const leaders = [];
      for (const [name, e] of [
        ['b', b],
        ['c', c],
      ] as const)
        if (await e.isLeader()) leaders.push(name);
      after.push(leaders.join());
      now += 15_000;
    }
    expect(after).toEqual(['', '', 'b', 'b']);
    // a comes back: it is no longer the leader
    expect(await a.isLeader()).toBe(false);
    expect(changesA).toEqual([true, false]);
  });

  it('a clean shutdown hands over at once; a restarted node with the same name takes its lease back', async () => {
    const a = elector('query-a');
    const b = elector('query-b');
    expect(await a.isLeader()).toBe(true);
    expect(await b.isLeader()).toBe(false);
    await a.release();
    expect(await b.isLeader()).toBe(true);
    // b restarts (kill -9, no release): its successor has the same node name and leads at once
    expect(await elector('query-b').isLeader()).toBe(true);
  });

  it('does not lead while the store cannot be reached', async () => {
    const errors: unknown[] = [];
    const down = new LeaseElector({
      leases: async () => ({ acquire: () => Promise.reject(new Error('store down')) }) as unknown as Leases,
      name: 'alert-evaluator',
      owner: 'query-a',
      ttlMs: 45_000,
      onError: (e) => errors.push(e),
    });
    expect(await down.isLeader()).toBe(false);
    expect(errors).toHaveLength(1);
  });
});

describe('serves (what each --target answers)', () => {
  it.each([
    ['all', '/api/traces', true],
    ['all', '/v1/traces', true],
    ['ingest', '/v1/traces', true],
    ['ingest', '/v1/logs', true],
    ['ingest', '/api/traces', false],
    ['ingest', '/', false],
    ['ingest', '/metrics', true],
    ['ingest', '/healthz', true],
    ['query', '/v1/traces', false],
    ['query', '/api/traces', true],
    ['query', '/', true],
    ['query', '/metrics', true],
    ['query', '/readyz', true],
  ] as const)('%s serves %s: %s', (target, path, expected) => {
    expect(serves(target, path)).toBe(expected);
  });
});
