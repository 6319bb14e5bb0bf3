import { Hono } from 'hono';
import type { DerivedMetrics } from './derived-metrics.js';
import {
  type ExpositionFormat,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
} from './exposition.js';
import { scrapeChunks } from './scrape.js';
import type { SelfMetrics } from './self-metrics.js';

export interface MetricsEndpointOptions {
  /**
   * A rendered exposition is reused by scrapes arriving within this many ms after it was rendered;
   * scrapes arriving while one renders always share it. @default 1000
   */
  cacheMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

interface Rendering {
  chunks: Promise<Buffer[]>;
  /** When the render finished; null while it runs. */
  doneAt: number | null;
}

/**
 * Single flight plus a short cache, per format: 200 scrapers at once cost one render and one copy of
 * the exposition, not 200 (each rendered a 10.7 MB string before, and the heap ran out).
 */
export class ScrapeCache {
  private readonly renderings = new Map<ExpositionFormat, Rendering>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly render: (format: ExpositionFormat) => Promise<Buffer[]>,
    options: MetricsEndpointOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get(format: ExpositionFormat): Promise<Buffer[]> {
    const r = this.renderings.get(format);
    if (r && (r.doneAt === null || this.now() - r.doneAt < this.cacheMs)) return r.chunks;
    const rendering: Rendering = { chunks: this.render(format), doneAt: null };
    this.renderings.set(format, rendering);
    rendering.chunks.then(
      () => {
        rendering.doneAt = this.now();
      },
      () => {
        // a failed render is not cached: the next scrape tries again
        if (this.renderings.get(format) === rendering) this.renderings.delete(format);
      },
    );
    return rendering.chunks;
  }
}

/** The chunks as a pull stream: each is written when the client's socket has room for it. */
function streamOf(chunks: readonly Buffer[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (i < chunks.length) controller.enqueue(chunks[i++]);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** `GET /metrics`: Prometheus text, or OpenMetrics when the Accept header prefers it. */
export function metricsEndpoint(
  derived: DerivedMetrics | null,
  self: SelfMetrics,
  options: MetricsEndpointOptions = {},
): Hono {
  const cache = new ScrapeCache((format) => scrapeChunks(derived, self, format), options);
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const format = negotiateFormat(c.req.header('accept'));
    const chunks = await cache.get(format);
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    return c.body(streamOf(chunks), 200, {
      'content-type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
      'content-length': String(bytes),
      'cache-control': 'no-store',
    });
  });
  return app;
}
