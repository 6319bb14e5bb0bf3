/**
 * Hooks that feed Witness's own metrics from the composition root without touching the HTTP or ingest
 * code: a middleware on the OTLP routes (latency, refusals by reason), a sink counting what was
 * accepted, a wrapper timing the durable store sink, and scrape-time collectors for queue and store.
 */
import type { MiddlewareHandler } from 'hono';
import type { IngestSink } from '../ingest/types.js';
import type { Store } from '../store/types.js';
import type { SelfMetrics, Signal } from './self-metrics.js';

const REASONS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'saturated',
  503: 'unavailable',
};

function signalOf(path: string): Signal | null {
  if (path.endsWith('/v1/traces')) return 'traces';
  if (path.endsWith('/v1/logs')) return 'logs';
  if (path.endsWith('/v1/metrics')) return 'metrics';
  return null;
}

/** Mount on the OTLP paths: request latency per signal, and refusals by signal and reason. */
export function otlpObserver(self: SelfMetrics): MiddlewareHandler {
  return async (c, next) => {
    const signal = signalOf(c.req.path);
    if (signal === null || c.req.method !== 'POST') return next();
    const end = self.batchDuration.startTimer({ signal });
    try {
      await next();
    } finally {
      end();
      const status = c.res.status;
      if (status >= 400)
        self.rejected.inc({
          signal,
          reason: REASONS[status] ?? (status >= 500 ? 'internal_error' : `http_${status}`),
        });
    }
  };
}

/** A non-durable sink counting accepted spans and logs (told after commit, so only durable data). */
export function receivedCounterSink(self: SelfMetrics): IngestSink {
  return {
    name: 'self-metrics',
    durable: false,
    consume(batch) {
      if (batch.spans.length) self.spansReceived.inc(batch.spans.length);
      if (batch.logs.length) self.logsReceived.inc(batch.logs.length);
    },
  };
}

/** Times each call of a store commit (the append, including the audit gate it waits on). */
export function timedCommit<A extends unknown[], R>(
  self: SelfMetrics,
  commit: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args) => {
    const end = self.commitDuration.startTimer();
    return commit(...args).finally(() => end());
  };
}

export interface WatchOptions {
  /** In-flight requests/bytes now (the ingest admission). */
  inFlight?: () => { batches: number; bytes: number };
  /** The bound on in-flight requests (limits.maxInFlightRequests). */
  capacity?: number;
  store?: () => Store | null;
}

/** Scrape-time gauges: queue depth and capacity, store size and row counts. */
export function watch(self: SelfMetrics, o: WatchOptions): void {
  if (o.capacity !== undefined) self.queueCapacity.set(o.capacity);
  if (o.inFlight) {
    const inFlight = o.inFlight;
    self.addCollector(() => {
      const now = inFlight();
      self.queueDepth.set(now.batches);
      self.queueBytes.set(now.bytes);
    });
  }
  if (o.store) {
    const get = o.store;
    const counted = { done: 0, failed: 0 };
    self.addCollector(async () => {
      const store = get();
      if (!store) return;
      const stats = await store.stats();
      self.storeSpans.set(stats.spans);
      self.storeLogs.set(stats.logs);
      if (stats.bytes !== null) self.storeSizeBytes.set(stats.bytes);
      if (stats.memory) {
        self.storeMemoryBytes.set(stats.memory.bytes);
        if (stats.memory.limitBytes !== null) self.storeMemoryLimitBytes.set(stats.memory.limitBytes);
      }
      if (stats.checkpoints) {
        // the store keeps running totals; the counters take what is new since the last scrape
        const c = stats.checkpoints;
        self.storeCheckpoints.inc({ result: 'ok' }, Math.max(0, c.done - counted.done));
        self.storeCheckpoints.inc({ result: 'failed' }, Math.max(0, c.failed - counted.failed));
        counted.done = c.done;
        counted.failed = c.failed;
        self.storeCheckpointLastSeconds.set(c.lastSeconds);
      }
    });
  }
}
