/**
 * The readers: what the UI asks while people look at it — the trace list (plain and with each of its
 * filters), a trace's detail, and the overview's charts — in a fixed rotation, so the idle phase and the
 * loaded phase run the same mix. Trace details are of traces this run sent and had acknowledged.
 */
import type { HttpClient } from './http-client.js';

export const QUERY_KINDS = ['list', 'list_filtered', 'detail', 'overview'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

const FILTERS = [
  'service=support-copilot',
  'status=error',
  'model=gpt-4o',
  'agent=researcher',
  'userId=alice%40example.com',
  'minDurationMs=5000',
];

const OVERVIEW = [
  'metric=rate&groupBy=agent&kind=agent',
  'metric=error_ratio&groupBy=agent&kind=agent',
  'metric=p95&kind=agent',
  'metric=p95&groupBy=model&kind=llm',
  'metric=tokens&groupBy=model&kind=llm',
  'metric=cost&groupBy=agent&kind=llm',
  'metric=errors&groupBy=tool&kind=tool&limit=10',
];

/** Recently acknowledged trace ids (a bounded ring): what the detail query opens. */
export class RecentTraces {
  private readonly ids: Array<{ id: string; at: number }> = [];
  private at = 0;

  constructor(private readonly capacity = 256) {}

  add(id: string): void {
    const entry = { id, at: Date.now() };
    if (this.ids.length < this.capacity) this.ids.push(entry);
    else this.ids[this.at++ % this.capacity] = entry;
  }

  /** One acknowledged at least a second ago (the store may still be committing the newest). */
  pick(n: number): string | undefined {
    const settled = this.ids.filter((e) => Date.now() - e.at >= 1000);
    return settled.length ? settled[n % settled.length].id : undefined;
  }
}

export class Readers {
  private n = 0;

  constructor(
    private readonly client: HttpClient,
    private readonly recent: RecentTraces,
  ) {}

  /** The next query of the rotation: its kind and path. */
  next(): { kind: QueryKind; path: string } {
    const n = this.n++;
    const to = Date.now();
    const from = to - 3_600_000;
    const kind = QUERY_KINDS[n % QUERY_KINDS.length];
    const round = Math.floor(n / QUERY_KINDS.length);
    switch (kind) {
      case 'list':
        return { kind, path: '/api/traces?limit=50' };
      case 'list_filtered':
        return { kind, path: `/api/traces?limit=50&from=${from}&${FILTERS[round % FILTERS.length]}` };
      case 'detail': {
        const id = this.recent.pick(round);
        return id ? { kind, path: `/api/traces/${id}` } : { kind: 'list', path: '/api/traces?limit=50' };
      }
      case 'overview':
        return {
          kind,
          path: `/api/metrics/query?${OVERVIEW[round % OVERVIEW.length]}&from=${from}&to=${to}&step=60`,
        };
    }
  }

  run(query: { path: string }) {
    return this.client.send('GET', query.path);
  }
}
