import { type Context, Hono } from 'hono';
import { requestedProject } from '../auth/principal.js';
import type { DerivedMetrics, ProjectDerivedMetrics } from './derived-metrics.js';
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
  /**
   * Which project's derived series a scrape gets (null: every project's, each labelled). The auth
   * layer may pass its own; the default is `scrapeProject`.
   */
  projectOf?: (c: Context) => string | null;
}

/**
 * The default scope of a scrape: a key or a signed-in person sees their project's series only; the
 * scrape token sees every project; with auth off, the project the request names (header or
 * `?project=`), else every project.
 */
export function scrapeProject(c: Context): string | null {
  const principal = c.get('principal');
  if (principal === undefined || principal.kind === 'scrape') return null;
  if (principal.kind === 'anonymous') return requestedProject(c);
  return principal.project;
}

interface Rendering {
  chunks: Promise<Buffer[]>;
  /** When the render finished; null while it runs. */
  doneAt: number | null;
}

/** Renderings kept at most (format × project scopes): past it, the oldest is dropped. */
const MAX_RENDERINGS = 64;

/**
 * Single flight plus a short cache, per format and project scope: 200 scrapers at once cost one
 * render and one copy of the exposition, not 200 (each rendered a 10.7 MB string before, and the
 * heap ran out). A scrape scoped to one project never gets a rendering of another scope.
 */
export class ScrapeCache {
  private readonly renderings = new Map<string, Rendering>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly render: (format: ExpositionFormat, project: string | null) => Promise<Buffer[]>,
    options: MetricsEndpointOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get(format: ExpositionFormat, project: string | null = null): Promise<Buffer[]> {
    // '/' never occurs in a project id, and `*` is no project id: the keys cannot collide
    const key = `${format}/${project ?? '*'}`;
    const r = this.renderings.get(key);
    if (r && (r.doneAt === null || this.now() - r.doneAt < this.cacheMs)) return r.chunks;
    const rendering: Rendering = { chunks: this.render(format, project), doneAt: null };
    this.renderings.delete(key);
    this.renderings.set(key, rendering);
    if (this.renderings.size > MAX_RENDERINGS) {
      const oldest = this.renderings.keys().next().value as string;
      this.renderings.delete(oldest);
    }
    rendering.chunks.then(
      () => {
        rendering.doneAt = this.now();
      },
      () => {
        // a failed render is not cached: the next scrape tries again
        if (this.renderings.get(key) === rendering) this.renderings.delete(key);
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
  derived: DerivedMetrics | ProjectDerivedMetrics | null,
  self: SelfMetrics,
  options: MetricsEndpointOptions = {},
): Hono {
  const cache = new ScrapeCache(
    (format, project) => scrapeChunks(derived, self, format, Date.now(), project),
    options,
  );
  const projectOf = options.projectOf ?? scrapeProject;
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const format = negotiateFormat(c.req.header('accept'));
    const chunks = await cache.get(format, projectOf(c));
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
