import { describe, expect, it } from 'vitest';
import { WitnessError } from '../http/index.js';
import { QueryGate } from './query-gate.js';

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (e instanceof WitnessError ? { status: e.status, retryAfter: e.retryAfterSeconds } : e),
  );

describe('QueryGate', () => {
  it('runs maxRunning at once, queues maxWaiting, refuses the rest with 429 + Retry-After', async () => {
    const gate = new QueryGate({ maxRunning: 1, maxWaiting: 1, maxWaitMs: 10_000 });
    const first = await gate.acquire();
    const second = gate.acquire();
    expect(await refusal(gate.acquire())).toEqual({ status: 429, retryAfter: 1 });
    expect(gate.stats).toEqual({ running: 1, waiting: 1, refused: 1 });
    first();
    first(); // a second release is a no-op
    const secondRelease = await second;
    expect(gate.stats).toEqual({ running: 1, waiting: 0, refused: 1 });
    secondRelease();
    expect(gate.stats.running).toBe(0);
  });

  it('a waiter is refused after maxWaitMs, and one whose client left is dropped from the queue', async () => {
    const gate = new QueryGate({ maxRunning: 1, maxWaiting: 5, maxWaitMs: 50 });
    const held = await gate.acquire();
    expect(await refusal(gate.acquire())).toEqual({ status: 429, retryAfter: 1 });
    const abort = new AbortController();
    const gone = refusal(gate.acquire(abort.signal));
    abort.abort();
    expect(await gone).toEqual({ status: 503, retryAfter: undefined });
    expect(gate.stats.waiting).toBe(0);
    held();
    expect(gate.stats.running).toBe(0);
  });
});
