import type { MiddlewareHandler } from 'hono';
import { WitnessError } from '../http/index.js';

/** The routes that pass the gate: each can read every span of a range (a funnel joins them per step). */
export const EXPENSIVE_READS = [
  { method: 'POST', path: '/api/funnels/query' },
  { method: 'GET', path: '/api/usage' },
  { method: 'GET', path: '/api/sessions' },
  { method: 'GET', path: '/api/users' },
  { method: 'GET', path: '/api/agent-graph' },
  { method: 'GET', path: '/api/scores/summary' },
] as const;

export interface QueryGateOptions {
  /** Expensive reads running at once. */
  maxRunning: number;
  /** Reads waiting for a slot at once; one more is refused at once (429). */
  maxWaiting: number;
  /** Longest a read waits for a slot before it is refused (429), ms. */
  maxWaitMs: number;
}

/**
 * Admission for the expensive reads (funnels, usage, session and user lists, the aggregated agent
 * graph, score summaries): a few run at once, a bounded queue waits a bounded time, the rest get 429
 * with Retry-After at once. Without it, 100 concurrent funnels took every read connection of the
 * store and filled its wait queue, so a trace page (a one-row index read) got 503 "too many queries
 * are waiting" behind them: the gate keeps the store's connections free for the cheap reads.
 */
export class QueryGate {
  private running = 0;
  private readonly waiters: Array<() => void> = [];
  private refused = 0;

  constructor(private readonly options: QueryGateOptions) {}

  /** Reads running, waiting, and refused so far (a health figure and a test hook). */
  get stats(): { running: number; waiting: number; refused: number } {
    return { running: this.running, waiting: this.waiters.length, refused: this.refused };
  }

  private busy(why: string): WitnessError {
    this.refused++;
    return new WitnessError(
      'TOO_MANY_REQUESTS',
      `${why}: at most ${this.options.maxRunning} expensive queries (funnels, usage, session and user lists, agent graphs, score summaries) run at once and ${this.options.maxWaiting} wait (limits.maxExpensiveQueries); retry after Retry-After`,
      { retryAfterSeconds: 1 },
    );
  }

  /** A slot, once one is free; the returned function gives it back (call it exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // the slot passes straight to the next waiter: `running` stays as it is
      if (next) next();
      else this.running--;
    };
    if (this.running < this.options.maxRunning) {
      this.running++;
      return release;
    }
    if (this.waiters.length >= this.options.maxWaiting) throw this.busy('too many expensive queries at once');
    return new Promise<() => void>((resolve, reject) => {
      const leave = (err: WitnessError) => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const timer = setTimeout(
        () => leave(this.busy(`waited ${this.options.maxWaitMs} ms for an expensive-query slot`)),
        this.options.maxWaitMs,
      );
      timer.unref();
      const onAbort = () =>
        leave(new WitnessError('SERVICE_UNAVAILABLE', 'the query was cancelled: the client went away'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  /** Hono middleware: the handler runs holding a slot (until its answer is built). */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const release = await this.acquire(c.req.raw.signal);
      try {
        await next();
      } finally {
        release();
      }
    };
  }
}
