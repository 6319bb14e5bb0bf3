/**
 * What every engine's leases and shared checkpoints must do (kept apart from conformance.ts while
 * engines are optional about them): one holder at a time, renewal by the holder, take-over only after
 * expiry or release, checkpoints listed largest first and idempotent per (log, size).
 */
import { expect, it } from 'vitest';
import type { Store } from './types.js';

export function leaseConformance(open: () => Promise<Store>): void {
  it('a lease has one holder until it expires or is released', async () => {
    const store = await open();
    try {
      const leases = await store.leases!();
      const t = 1_000_000;
      expect(await leases.acquire('alerts', 'a', 10_000, t)).toBe(true);
      expect(await leases.acquire('alerts', 'b', 10_000, t + 1)).toBe(false);
      expect(await leases.holder('alerts', t + 2)).toEqual({ owner: 'a', expiresAtMs: t + 10_000 });
      // the holder renews; the other still cannot take it before the renewed expiry
      expect(await leases.acquire('alerts', 'a', 10_000, t + 5_000)).toBe(true);
      expect(await leases.acquire('alerts', 'b', 10_000, t + 12_000)).toBe(false);
      // expired: the other takes it, and the old holder has lost it
      expect(await leases.acquire('alerts', 'b', 10_000, t + 15_001)).toBe(true);
      expect(await leases.acquire('alerts', 'a', 10_000, t + 15_002)).toBe(false);
      // release hands it over at once; releasing what one does not hold changes nothing
      await leases.release('alerts', 'a');
      expect((await leases.holder('alerts', t + 15_003))?.owner).toBe('b');
      await leases.release('alerts', 'b');
      expect(await leases.holder('alerts', t + 15_004)).toBeNull();
      expect(await leases.acquire('alerts', 'a', 10_000, t + 15_005)).toBe(true);
      // names are independent
      expect(await leases.acquire('retention', 'b', 10_000, t + 15_006)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('concurrent acquisitions elect exactly one holder', async () => {
    const store = await open();
    try {
      const leases = await store.leases!();
      const owners = Array.from({ length: 8 }, (_, i) => `node-${i}`);
      const won = await Promise.all(owners.map((o) => leases.acquire('evaluator', o, 30_000, 5_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect((await leases.holder('evaluator', 5_001))?.owner).toBe(owners[won.indexOf(true)]);
    } finally {
      await store.close();
    }
  });

  it('published checkpoints are listed largest first, once per (log, size)', async () => {
    const store = await open();
    try {
      const shared = await store.sharedCheckpoints!();
      const cp = (size: number, node = 'ingest-1', logId = 'log-a') => ({
        node,
        logId,
        size,
        rootHash: `root-${size}`,
        timestamp: 1000 + size,
        keyId: 'k1',
        signature: `sig-${size}`,
      });
      for (const size of [3, 10, 7, 10]) await shared.publish(cp(size));
      await shared.publish(cp(4, 'ingest-2', 'log-b'));
      expect((await shared.list('log-a')).map((c) => c.size)).toEqual([10, 7, 3]);
      expect((await shared.list('log-a', 1))[0]).toEqual(cp(10));
      expect(await shared.logs()).toEqual([
        { node: 'ingest-1', logId: 'log-a', size: 10 },
        { node: 'ingest-2', logId: 'log-b', size: 4 },
      ]);
      expect(await shared.list('log-none')).toEqual([]);
    } finally {
      await store.close();
    }
  });
}
