import type { DuckDBConnection } from '@duckdb/node-api';
import { Hono, type MiddlewareHandler } from 'hono';
import type { OtlpSignal } from '../http/index.js';
import type { IngestSink } from '../ingest/types.js';
import { ConnectionPool, type Store } from '../store/index.js';
import { derivedMetricsSink, ProjectDerivedMetrics } from './derived-metrics.js';
import { metricsEndpoint } from './metrics-route.js';
import type { MetricPoint } from './otlp/metric-point.js';
import { MetricPointStore, type MetricPoints } from './otlp/metric-store.js';
import { otlpMetricsSignal } from './otlp/otlp-metrics-signal.js';
import { metricsQueryRoutes } from './query-route.js';
import { otlpObserver, receivedCounterSink, timedCommit, type WatchOptions, watch } from './self-hooks.js';
import { SelfMetrics } from './self-metrics.js';

export interface MetricsOptions {
  /** Derive metrics from every ingested span (config `metrics.derived`). @default true */
  derived?: boolean;
  /** Most series per derived metric, the overflow series included. @default 2000 */
  seriesLimit?: number;
  /** Most bytes of exposition all derived series together may take. @default 4 MiB */
  maxExpositionBytes?: number;
  /** Scrapes within this many ms of a render reuse it (concurrent scrapes always share one). @default 1000 */
  scrapeCacheMs?: number;
  /** Node runtime metrics (event loop, GC, heap, CPU). @default true */
  runtime?: boolean;
  version?: string;
  /** Adds `node="<name>"` to every derived series (several ingest nodes). @default null */
  node?: string | null;
  /** Allowed governance modes (config governance.modes); others count as `invalid_mode`. @default [] */
  validModes?: readonly string[];
  /** Told every batch of OTLP metric points once stored (the exporters); must not throw or wait. */
  onPointsStored?: (project: string, points: MetricPoint[]) => void;
}

export interface Metrics {
  /** Per project; null when `derived: false`. */
  derived: ProjectDerivedMetrics | null;
  /** Witness's own health: call `self.spansReceived.inc(n)` etc. from the ingest path. */
  self: SelfMetrics;
  /** The ingest sink updating derived metrics (null when `derived: false`): add it to the pipeline. */
  sink: IngestSink | null;
  /** `GET /metrics`, `GET /api/metrics/query`, `GET /api/metrics/names`; mount at the root. */
  routes: Hono;
  /** `POST /v1/metrics`: register with the HTTP layer's `registerOtlpRoute`. */
  otlpSignal: OtlpSignal;
  /**
   * Call once the store is open: span series come from `store.spanSeries`, and ingested OTLP points go
   * to a `metric_points` table on `connection` (a connection to the store's DuckDB database). With
   * `readConnections`, reads of those points run on them under `queryTimeoutMs`, cancellable, as the
   * store's own reads do.
   */
  open(deps: {
    store: Store;
    connection: DuckDBConnection;
    readConnections?: DuckDBConnection[];
    /** Where ingested points go instead of `connection`'s DuckDB file (store.engine clickhouse). */
    points?: MetricPoints;
    /** @default 10000 */
    queryTimeoutMs?: number;
  }): Promise<void>;
  /** Shutdown: stop reads of ingested points now (their requests answer 503). */
  interruptReads(): void;
  /** The point store, once open. */
  points(): MetricPoints | null;
  /** Middleware for the OTLP POST routes: request latency and refusals by reason (`app.use(...)`). */
  otlpObserver: MiddlewareHandler;
  /** A non-durable sink counting accepted spans/logs (always on, unlike `sink`). */
  receivedSink: IngestSink;
  /** Wraps the store's append so each commit is timed on `witness_store_commit_duration_seconds`. */
  timed<A extends unknown[], R>(commit: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  /** Scrape-time gauges for queue depth/capacity and store size. */
  watch(options: WatchOptions): void;
  /** Retention: deletes ingested metric points older than the cut-off (epoch ns); resolves to the count. */
  deleteOlderThan(cutoffUnixNano: bigint): Promise<number>;
}

/** The metrics module's composition: one per server, no global registry (tests run many servers). */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const derived =
    options.derived === false
      ? null
      : new ProjectDerivedMetrics({
          seriesLimit: options.seriesLimit,
          maxExpositionBytes: options.maxExpositionBytes,
          validModes: options.validModes,
          node: options.node ?? null,
        });
  const self = new SelfMetrics({ runtime: options.runtime, version: options.version });
  let store: Store | null = null;
  let points: MetricPoints | null = null;
  let reads: ConnectionPool | null = null;
  const routes = new Hono();
  routes.route('/', metricsEndpoint(derived, self, { cacheMs: options.scrapeCacheMs }));
  routes.route(
    '/',
    metricsQueryRoutes({
      store: () => store,
      points: () => points,
    }),
  );
  return {
    derived,
    self,
    sink: derived ? derivedMetricsSink(derived) : null,
    routes,
    otlpSignal: otlpMetricsSignal({ points: () => points, self, onStored: options.onPointsStored }),
    async open(deps) {
      reads =
        deps.readConnections && deps.readConnections.length > 0
          ? new ConnectionPool(deps.readConnections, { timeoutMs: deps.queryTimeoutMs ?? 10_000 })
          : null;
      // a shared engine's table when the store has one (ClickHouse), else this node's DuckDB file
      points = deps.points ?? (await MetricPointStore.open(deps.connection, reads));
      store = deps.store;
    },
    interruptReads: () => reads?.interruptAll(),
    points: () => points,
    otlpObserver: otlpObserver(self),
    receivedSink: receivedCounterSink(self),
    timed: (commit) => timedCommit(self, commit),
    watch: (o) => watch(self, o),
    deleteOlderThan: async (cutoff) => (points ? points.deleteOlderThan(cutoff) : 0),
  };
}
