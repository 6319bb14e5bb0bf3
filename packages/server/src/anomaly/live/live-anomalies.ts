/**
 * Live anomaly detection in the server: an ingest sink that feeds every stored span to the series and
 * run watches, a timer that closes buckets and finishes quiet runs, the events written to DuckDB
 * (restart-safe) and counted on /metrics, and the reads the API and (later) alert rules use.
 *
 * The sink is derived (told after the store committed, only spans new to the store), so a retried or
 * replayed batch is watched once, and a failure here never reaches the client. Detector state lives in
 * memory: after a restart the series learn again (warm-up) while the events already found stay listed.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ANOMALY_KINDS, type AnomalyKind } from '@witness/protocol';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { IngestSink } from '../../ingest/index.js';
import type { SpanRecord } from '../../model/index.js';
import { ConnectionPool, type IngestBatch, type ReadOptions } from '../../store/index.js';
import type { AnomalyEvent } from './anomaly-event.js';
import { type AnomalyQuery, AnomalyEventStore } from './anomaly-event-store.js';
import { RunWatch, type RunWatchStats } from './run-watch.js';
import { type SeriesWatchStats, SeriesWatch, type SpanPoint } from './series-watch.js';

export interface LiveAnomaliesOptions {
  /** Bucket width of live series, seconds. @default 60 */
  resolutionSeconds?: number;
  /** @default 1000 */
  maxSeries?: number;
  /** @default 1440 (a day) */
  seriesIdleMinutes?: number;
  /** @default 0.5 */
  scoreThreshold?: number;
  /** @default 150 */
  warmupBuckets?: number;
  /** @default 3 */
  minCalls?: number;
  /** @default 10 */
  loopThreshold?: number;
  /** @default 10 */
  runRatio?: number;
  /** @default 20 */
  minHistory?: number;
  /** @default 10000 */
  maxOpenRuns?: number;
  /** @default 300 */
  runIdleSeconds?: number;
  /** @default 1000 */
  maxAgents?: number;
  /** Events waiting to be written; beyond it new events are dropped and counted. @default 1000 */
  maxPendingEvents?: number;
  /** Where witness_anomalies_total and friends are registered (the /metrics registry). */
  registry?: Registry;
  onError?: (err: unknown) => void;
  /** The clock (tests pass their own). @default Date.now */
  now?: () => number;
}

/** What an alert rule of kind `anomaly` asks: the project's events since a time, at or above a score. */
export interface ActiveAnomalyQuery {
  /** Events at or after this epoch ms. */
  sinceMs: number;
  /** @default 0.5 */
  minScore?: number;
  kind?: AnomalyKind;
  /** @default 100 */
  limit?: number;
}

export interface LiveAnomaliesStats {
  series: SeriesWatchStats;
  runs: RunWatchStats;
  /** Events dropped because `maxPendingEvents` were waiting for the database. */
  eventsDropped: number;
}

export function spanPoint(project: string, s: SpanRecord): SpanPoint {
  const metered = s.kind === 'llm' || s.kind === 'embedding';
  return {
    project,
    traceId: s.traceId,
    parentSpanId: s.parentSpanId,
    service: s.serviceName,
    kind: s.kind,
    agent: s.agentName,
    model: s.model,
    tool: s.toolName,
    input: s.input,
    endMs: Number(s.endTimeUnixNano / 1_000_000n),
    durationMs: Math.max(0, Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6),
    error: s.statusCode === 'error',
    tokens: metered ? (s.inputTokens ?? 0) + (s.outputTokens ?? 0) : 0,
    cost: metered ? (s.costUsd ?? 0) : 0,
  };
}

export class LiveAnomalies {
  readonly sink: IngestSink;
  private readonly series: SeriesWatch;
  private readonly runs: RunWatch;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly maxPending: number;
  private store: AnomalyEventStore | null = null;
  private pool: ConnectionPool | null = null;
  private pending: AnomalyEvent[] = [];
  private writing: Promise<void> = Promise.resolve();
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly found: Counter<'kind'> | null;
  private readonly seriesGauge: Gauge | null;
  private readonly refused: Counter | null;
  private lastRefused = 0;

  constructor(options: LiveAnomaliesOptions = {}) {
    const newId = () => randomUUID();
    const resolutionMs = (options.resolutionSeconds ?? 60) * 1000;
    this.series = new SeriesWatch({
      resolutionMs,
      maxSeries: options.maxSeries ?? 1000,
      idleMs: (options.seriesIdleMinutes ?? 1440) * 60_000,
      threshold: options.scoreThreshold ?? 0.5,
      warmup: options.warmupBuckets ?? 150,
      minCalls: options.minCalls ?? 3,
      maxGapBuckets: 60,
      newId,
    });
    this.runs = new RunWatch({
      loopThreshold: options.loopThreshold ?? 10,
      runRatio: options.runRatio ?? 10,
      minHistory: options.minHistory ?? 20,
      maxOpenRuns: options.maxOpenRuns ?? 10_000,
      runIdleMs: (options.runIdleSeconds ?? 300) * 1000,
      maxAgents: options.maxAgents ?? 1000,
      newId,
    });
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
    this.maxPending = options.maxPendingEvents ?? 1000;
    const registers = options.registry ? [options.registry] : [];
    this.found = options.registry
      ? new Counter({
          name: 'witness_anomalies_total',
          help: 'Anomaly events found, by kind (series, tool_loop, run_cost, run_tokens, run_steps, new_tool, new_model).',
          labelNames: ['kind'],
          registers,
        })
      : null;
    // every kind from the start, so a rate() over it has a series before the first anomaly
    for (const kind of ANOMALY_KINDS) this.found?.inc({ kind }, 0);
    this.seriesGauge = options.registry
      ? new Gauge({ name: 'witness_anomaly_series', help: 'Live series watched for anomalies.', registers })
      : null;
    this.refused = options.registry
      ? new Counter({
          name: 'witness_anomaly_series_refused_total',
          help: 'New live series not watched because anomaly.maxSeries were watched and none was idle.',
          registers,
        })
      : null;
    this.sink = { name: 'anomaly', durable: false, consume: (batch) => this.consume(batch) };
    // Buckets close when they can no longer get spans; check a few times per bucket.
    this.timer = setInterval(() => this.tick(), Math.min(5000, Math.max(250, resolutionMs / 4)));
    this.timer.unref();
  }

  /** Call once the database is open: events found before are written then. */
  async open(writer: DuckDBConnection, readers: DuckDBConnection[], queryTimeoutMs: number): Promise<void> {
    this.pool = new ConnectionPool(readers, { timeoutMs: queryTimeoutMs });
    this.store = await AnomalyEventStore.open(writer, this.pool);
    this.write();
  }

  get stats(): LiveAnomaliesStats {
    return { series: this.series.stats, runs: this.runs.stats, eventsDropped: this.dropped };
  }

  consume(batch: IngestBatch): void {
    if (batch.spans.length === 0) return;
    const project = batch.project;
    const now = this.now();
    const points = batch.spans.map((s) => spanPoint(project, s));
    // in time order, so a batch spanning two buckets closes the first before filling the second
    let sorted = true;
    for (let i = 1; i < points.length && sorted; i++) sorted = points[i - 1]!.endMs <= points[i]!.endMs;
    if (!sorted) points.sort((a, b) => a.endMs - b.endMs);
    const out: AnomalyEvent[] = [];
    for (const p of points) {
      this.series.observe(p, now, out);
      this.runs.observe(p, now, out);
    }
    this.record(out);
  }

  /** Closes due buckets and finishes quiet runs (the timer calls it; tests call it with their clock). */
  tick(now = this.now()): void {
    try {
      const out: AnomalyEvent[] = [];
      this.series.tick(now, out);
      this.runs.tick(now, out);
      this.record(out);
      const { series, refused } = this.series.stats;
      this.seriesGauge?.set(series);
      this.refused?.inc(refused - this.lastRefused);
      this.lastRefused = refused;
    } catch (err) {
      this.onError(err);
    }
  }

  /** Events of one project, newest first (GET /api/anomalies). */
  search(
    q: AnomalyQuery,
    options?: ReadOptions,
  ): Promise<{ items: AnomalyEvent[]; nextCursor: string | null }> {
    if (!this.store) throw new Error('anomaly events are not open yet');
    return this.store.search(q, options);
  }

  get ready(): boolean {
    return this.store !== null;
  }

  /**
   * The seam for alert rules of kind `anomaly`: the project's events since `sinceMs` at or above
   * `minScore`, newest first. Read from the database, so it answers the same after a restart.
   */
  async active(project: string, q: ActiveAnomalyQuery, options?: ReadOptions): Promise<AnomalyEvent[]> {
    await this.flush();
    const page = await this.search(
      { project, sinceMs: q.sinceMs, minScore: q.minScore ?? 0.5, kind: q.kind, limit: q.limit ?? 100 },
      options,
    );
    return page.items;
  }

  /** Resolves when every event found so far is written (tests; shutdown). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.writingNow) {
      this.write();
      await this.writing;
      if (!this.store) return;
    }
  }

  /** Retention: events older than `cutoffMs` go with the spans they point at. */
  deleteOlderThan(cutoffMs: number): Promise<number> {
    return this.store ? this.store.deleteOlderThan(cutoffMs) : Promise.resolve(0);
  }

  interruptReads(): void {
    this.pool?.interruptAll();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush().catch((err: unknown) => this.onError(err));
  }

  private writingNow = false;

  private record(events: AnomalyEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.found?.inc({ kind: e.kind });
    const room = this.maxPending - this.pending.length;
    if (room < events.length) this.dropped += events.length - Math.max(0, room);
    if (room > 0) this.pending.push(...events.slice(0, room));
    this.write();
  }

  /** One insert at a time; what arrives meanwhile goes in the next. */
  private write(): void {
    if (!this.store || this.writingNow || this.pending.length === 0) return;
    const store = this.store;
    const batch = this.pending;
    this.pending = [];
    this.writingNow = true;
    this.writing = store
      .insert(batch)
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.writingNow = false;
        this.write();
      });
  }
}
