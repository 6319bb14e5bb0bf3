/**
 * The ClickHouse engine behind `Store`: stateless apart from a bounded in-memory identity cache, so
 * any number of nodes can share one ClickHouse (cluster). Appends are group-committed: batches that
 * queue while an insert is in flight go into the next one (one insert per table per group), and each
 * append resolves only after ClickHouse acknowledged every insert of its group (fsynced parts, see
 * schema.ts) — the OTLP 200 waits on it.
 */
import {
  buildChFunnel,
  buildChGroupList,
  buildChSessionTurns,
  buildChTurnSpans,
  buildChUsageBuckets,
  buildChUsageTotals,
  chFunnelResult,
  duckShapedGroupRow,
  duckShapedTurnRow,
} from './analytics.js';
import { groupCursor, sessionFromRow, userFromRow } from '../duckdb/group-list.js';
import { turnCursor, turnsOf } from '../duckdb/session-turns.js';
import { usageRows } from '../duckdb/usage.js';
import type {
  FunnelResultJson,
  LogJson,
  Page,
  ScoreJson,
  ScoreSummaryGroupJson,
  SessionDetailJson,
  SessionSummaryJson,
  TraceSummaryJson,
  UsageJson,
  UserSummaryJson,
} from '@witness/protocol';
import type { SpanRecord } from '../../model/index.js';
import { cutString, itemsWithinBudget } from '../answer-bounds.js';
import { logFromRow } from '../duckdb/log-search.js';
import { assembleScoreSummary, scoreFromRow } from '../duckdb/score-queries.js';
import { assembleSeries } from '../duckdb/span-series.js';
import { SpanIdentities, traceKey } from '../duckdb/span-identities.js';
import { traceCursor, traceSummaryFromRow } from '../duckdb/trace-search.js';
import type {
  AppendOptions,
  AppendResult,
  FunnelQuery,
  GroupListQuery,
  IngestBatch,
  Leases,
  LogQuery,
  ReadOptions,
  RetentionResult,
  ScoreQuery,
  ScoreRecord,
  ScoreSummaryQuery,
  Series,
  SessionQuery,
  SpanAggregateQuery,
  SpanAggregateRow,
  SpanCountBucket,
  SpanCountQuery,
  SpanSeriesQuery,
  SharedCheckpoints,
  Violations,
  Store,
  StoreStats,
  TraceQuery,
  UsageQuery,
} from '../types.js';
import { ChClient, type ChRow } from './ch-client.js';
import { ClickHouseViolations } from './violations.js';
import { ClickHouseCoordination } from './coordination.js';
import {
  buildLogSearch,
  buildSpanAggregates,
  buildSpanCounts,
  buildSpanSeries,
  buildTraceSearch,
  CHUNK,
  ChParams,
  type Tables,
} from './queries.js';
import { buildScoreSearch, buildScoreSummary, scoreRow } from './score-queries.js';
import { LogIds, logRow, SPAN_COLUMNS, spanFromRow, spanRow, traceParts } from './rows.js';
import {
  bootstrap,
  checkIdentifier,
  localTableName,
  migrations,
  onCluster,
  SCHEMA_VERSION,
  type SchemaTarget,
  tableName,
  ttlStatements,
} from './schema.js';

export interface ClickHouseStoreOptions {
  /** HTTP(S) URL of ClickHouse (or a load balancer in front of a cluster). */
  url: string;
  database: string;
  username: string;
  /** From env or a file only (config). */
  password: string;
  /** Cluster name: ReplicatedMergeTree + Distributed tables, DDL ON CLUSTER. */
  cluster?: string | null;
  /** Deadline of every read, ms. @default 10000 */
  queryTimeoutMs?: number;
  /** Retention in days for the tables' TTL (the backstop of the retention sweep); unset = no TTL. */
  ttlDays?: number | null;
  /** Span ids the idempotence check keeps in memory. @default 500000 */
  recentSpanIds?: number;
  /** Groups of appends inserted at once (each one insert per table). @default 2 */
  insertConcurrency?: number;
  /** Most rows (spans + logs) in one group. @default 50000 */
  maxGroupRows?: number;
}

const MAX_SERVICES = 1000;
const MAX_PROJECTS = 1000;
/** Trace parts the first windowed trace list covers. */
const WINDOW_PARTS = 4000;

interface Pending {
  batch: IngestBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export async function openClickHouseStore(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
  const target: SchemaTarget = {
    database: checkIdentifier('database', options.database),
    cluster: options.cluster ? checkIdentifier('cluster', options.cluster) : null,
  };
  const client = new ChClient({
    url: options.url,
    username: options.username,
    password: options.password,
    queryTimeoutMs: options.queryTimeoutMs ?? 10_000,
    // On a cluster an acknowledged insert must be on a majority of replicas, and a Distributed insert
    // must have reached its shard before the answer (not sit in a local queue).
    insertSettings:
      target.cluster === null ? undefined : { insert_quorum: 'auto', insert_distributed_sync: 1 },
  });
  try {
    await migrate(client, target);
    for (const sql of ttlStatements(target, options.ttlDays ?? null)) await client.command(sql);
    const store = new ClickHouseStore(client, target, options);
    await store.loadTraceFilter();
    return store;
  } catch (err) {
    await client.close();
    throw err;
  }
}

/** Brings the database to SCHEMA_VERSION; refuses one written by a newer Witness. */
async function migrate(client: ChClient, t: SchemaTarget): Promise<void> {
  for (const sql of bootstrap(t)) await client.command(sql);
  const [row] = await client.query(`SELECT max(version) AS v FROM ${tableName(t, 'witness_migrations')}`, {});
  let version = Number(row?.v ?? 0);
  if (version > SCHEMA_VERSION)
    throw new Error(
      `the ClickHouse database ${t.database} was written by a newer Witness (schema version ${version}; this one reads up to ${SCHEMA_VERSION}): upgrade Witness or use another database`,
    );
  const steps = migrations(t);
  for (; version < SCHEMA_VERSION; version++) {
    for (const sql of steps[version + 1] ?? []) await client.command(sql);
    await client.insert(tableName(t, 'witness_migrations'), [{ version: version + 1 }]);
  }
}

export class ClickHouseStore implements Store {
  readonly identities: SpanIdentities;
  private readonly tables: Tables;
  private readonly logIds = new LogIds();
  private queue: Pending[] = [];
  private inFlight = 0;
  private closed = false;
  private inserts = 0;
  private scoreWrites = 0;
  private readonly insertConcurrency: number;
  private readonly maxGroupRows: number;
  /** Retention runs alone: appends wait for it, it waits for appends in flight. */
  private exclusive: Promise<unknown> | null = null;
  private drained: Array<() => void> = [];

  constructor(
    readonly client: ChClient,
    readonly target: SchemaTarget,
    options: ClickHouseStoreOptions,
  ) {
    this.tables = {
      spans: tableName(target, 'spans'),
      traceIndex: tableName(target, 'trace_index'),
      scores: tableName(target, 'scores'),
      traceParts: tableName(target, 'trace_parts'),
      logs: tableName(target, 'logs'),
    };
    this.insertConcurrency = Math.max(1, options.insertConcurrency ?? 2);
    this.maxGroupRows = Math.max(1, options.maxGroupRows ?? 50_000);
    this.identities = new SpanIdentities({
      maxRecentSpans: options.recentSpanIds,
      load: (project, traceIds) => this.spanIdsOf(project, traceIds),
    });
  }

  /** Every stored trace id into the identity filter (once, at open). */
  async loadTraceFilter(): Promise<void> {
    const rows = await this.client.query(
      `SELECT DISTINCT project, trace_id FROM ${this.tables.traceIndex}`,
      {},
      {
        timeoutMs: 600_000,
      },
    );
    for (const r of rows) this.identities.filter.add(traceKey(r.project as string, r.trace_id as string));
  }

  /** Span ids stored for these traces of `project` (absent: none), through their time range. */
  async spanIdsOf(project: string, traceIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (traceIds.length === 0) return out;
    const rows = await this.client.query(
      `SELECT DISTINCT trace_id, span_id FROM ${this.tables.spans}
       WHERE project = {project:String} AND trace_id IN {ids:Array(String)}
         AND start_ns >= (SELECT min(start_ns) FROM ${this.tables.traceIndex} WHERE project = {project:String} AND trace_id IN {ids:Array(String)})
         AND start_ns <= (SELECT max(end_ns) FROM ${this.tables.traceIndex} WHERE project = {project:String} AND trace_id IN {ids:Array(String)})`,
      { project, ids: [...traceIds] },
    );
    for (const r of rows) {
      const list = out.get(r.trace_id as string);
      if (list) list.push(r.span_id as string);
      else out.set(r.trace_id as string, [r.span_id as string]);
    }
    return out;
  }

  /** Inserts sent so far (one per group per table with rows). */
  get insertCount(): number {
    return this.inserts;
  }

  async append(batch: IngestBatch, options?: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new Error('the store is closed');
    const claim = await this.identities.claim(batch.project, batch.spans);
    const fresh: IngestBatch = { project: batch.project, spans: claim.fresh, logs: batch.logs };
    try {
      // The audit (beforeCommit) resolves before anything is sent: a span is stored only once audited.
      await options?.beforeCommit?.(fresh);
      if (fresh.spans.length > 0 || fresh.logs.length > 0) await this.enqueue(fresh);
    } catch (err) {
      this.identities.settle(claim, err);
      throw err;
    }
    this.identities.settle(claim);
    if (claim.waits.size > 0) {
      await Promise.all(Array.from(claim.waits, (w) => w.outcome)).catch((err: unknown) => {
        throw new Error(
          `a concurrent append of some of the same spans failed, so they are not stored: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    }
    return { spans: claim.fresh };
  }

  private enqueue(batch: IngestBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.exclusive === null && this.inFlight < this.insertConcurrency && this.queue.length > 0) {
      let rows = 0;
      let take = 0;
      while (take < this.queue.length && (take === 0 || rows < this.maxGroupRows)) {
        rows += this.queue[take].batch.spans.length + this.queue[take].batch.logs.length;
        take++;
      }
      const group = this.queue.splice(0, take);
      this.inFlight++;
      this.insertGroup(group.map((g) => g.batch))
        .then(
          () => {
            for (const g of group) g.resolve();
          },
          (err: unknown) => {
            for (const g of group) g.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === 0) for (const done of this.drained.splice(0)) done();
          this.kick();
        });
    }
  }

  /**
   * One insert per table, concurrently. If one fails the group's appends reject and their spans are
   * claimed again by the retry, whose identical rows ReplacingMergeTree collapses with any that did
   * land (same sorting key, same part_key).
   */
  private async insertGroup(batches: IngestBatch[]): Promise<void> {
    const spans: object[] = [];
    const logs: object[] = [];
    const resources = new Map<object, string>();
    for (const b of batches) {
      for (const s of b.spans) spans.push(spanRow(s, b.project, resources));
      for (const l of b.logs) logs.push(logRow(l, this.logIds.next(), b.project));
    }
    const { partRows } = traceParts(batches);
    const t = this.tables;
    // trace_index follows trace_parts through a materialized view (schema.ts)
    await Promise.all([
      this.client.insert(t.spans, spans),
      this.client.insert(t.traceParts, partRows),
      this.client.insert(t.logs, logs),
    ]);
    this.inserts++;
  }

  private waitForInserts(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  async listSessions(query: GroupListQuery, options?: ReadOptions): Promise<Page<SessionSummaryJson>> {
    return this.groupPage(query, 'session', sessionFromRow, options);
  }

  async listUsers(query: GroupListQuery, options?: ReadOptions): Promise<Page<UserSummaryJson>> {
    return this.groupPage(query, 'user', userFromRow, options);
  }

  private async groupPage<T>(
    query: GroupListQuery,
    by: 'session' | 'user',
    toJson: (row: ChRow, sets: ChRow | undefined) => T,
    options?: ReadOptions,
  ): Promise<Page<T>> {
    const built = buildChGroupList(this.tables, query, by);
    const rows = (await this.read(built.sql, built.params, options)).map(duckShapedGroupRow);
    const page = rows.slice(0, built.limit);
    const items = page.map((r) => toJson(r.row, r.sets));
    const fit = itemsWithinBudget(items);
    return {
      items: items.slice(0, fit),
      nextCursor:
        rows.length > built.limit || fit < items.length ? groupCursor(query, page[fit - 1].row) : null,
    };
  }

  async getSession(query: SessionQuery, options?: ReadOptions): Promise<SessionDetailJson | null> {
    const summary = buildChGroupList(
      this.tables,
      { project: query.project, limit: 1 },
      'session',
      query.sessionId,
    );
    const turnsQuery = buildChSessionTurns(this.tables, query);
    const [row] = await this.read(summary.sql, summary.params, options);
    if (row === undefined) return null;
    const traces = (await this.read(turnsQuery.sql, turnsQuery.params, options)).map(duckShapedTurnRow);
    const page = traces.slice(0, turnsQuery.limit);
    let spans: ChRow[] = [];
    if (page.length > 0) {
      let lo = page[0].s as bigint;
      let hi = page[0].e as bigint;
      for (const t of page) {
        if ((t.s as bigint) < lo) lo = t.s as bigint;
        if ((t.e as bigint) > hi) hi = t.e as bigint;
      }
      const q = buildChTurnSpans(
        this.tables,
        query.project,
        page.map((t) => t.trace_id as string),
        lo,
        hi,
      );
      spans = (await this.read(q.sql, q.params, options)).map((s) => ({ ...s, root: Boolean(s.root) }));
    }
    const turns = turnsOf(page, spans);
    const fit = itemsWithinBudget(turns);
    const shaped = duckShapedGroupRow(row);
    return {
      session: sessionFromRow(shaped.row, shaped.sets),
      turns: turns.slice(0, fit),
      nextCursor: traces.length > turnsQuery.limit || fit < turns.length ? turnCursor(page[fit - 1]) : null,
    };
  }

  async usage(query: UsageQuery, options?: ReadOptions): Promise<UsageJson> {
    const totalsQuery = buildChUsageTotals(this.tables, query);
    const totals = await this.read(totalsQuery.sql, totalsQuery.params, options);
    const top = totals.slice(0, totalsQuery.limit);
    let buckets: ChRow[] = [];
    if (top.length > 0) {
      const q = buildChUsageBuckets(
        this.tables,
        query,
        top.map((r) => r.v as string),
      );
      buckets = await this.read(q.sql, q.params, options);
    }
    return {
      by: query.by,
      fromMs: Number(query.fromUnixNano / 1_000_000n),
      toMs: Number(query.toUnixNano / 1_000_000n),
      stepSeconds: query.stepSeconds,
      rows: usageRows(query, top, buckets),
      truncated: totals.length > totalsQuery.limit,
    };
  }

  async funnel(query: FunnelQuery, options?: ReadOptions): Promise<FunnelResultJson> {
    const built = buildChFunnel(this.tables, query);
    const [row] = await this.read(built.sql, built.params, options);
    return chFunnelResult(query, row);
  }

  private read(sql: string, params: Record<string, unknown>, options?: ReadOptions): Promise<ChRow[]> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.client.query(sql, params, { signal: options?.signal });
  }

  async getTrace(project: string, traceId: string, options?: ReadOptions): Promise<SpanRecord[] | null> {
    const t = this.tables;
    // The index gives the trace's time range: the spans read then touches only its day partitions.
    const rows = await this.read(
      // LIMIT 1 BY span_id instead of FINAL: copies of a span not merged yet are identical rows, and
      // dropping them here costs nothing, where FINAL merges every part the range touches.
      `SELECT ${SPAN_COLUMNS} FROM ${t.spans}
       WHERE project = {project:String} AND trace_id = {trace:String}
         AND start_ns >= (SELECT min(start_ns) FROM ${t.traceIndex} WHERE project = {project:String} AND trace_id = {trace:String})
         AND start_ns <= (SELECT max(end_ns) FROM ${t.traceIndex} WHERE project = {project:String} AND trace_id = {trace:String})
       ORDER BY start_ns, span_id
       LIMIT 1 BY span_id`,
      { project, trace: traceId },
      options,
    );
    return rows.length === 0 ? null : rows.map(spanFromRow);
  }

  async getTraces(
    project: string,
    traceIds: readonly string[],
    options?: ReadOptions,
  ): Promise<Map<string, SpanRecord[]>> {
    const out = new Map<string, SpanRecord[]>();
    if (traceIds.length === 0) return out;
    const t = this.tables;
    // As getTrace, for a list: the index gives the traces' overall time range, one read takes them all.
    const rows = await this.read(
      `SELECT ${SPAN_COLUMNS} FROM ${t.spans}
       WHERE project = {project:String} AND trace_id IN {traces:Array(String)}
         AND start_ns >= (SELECT min(start_ns) FROM ${t.traceIndex} WHERE project = {project:String} AND trace_id IN {traces:Array(String)})
         AND start_ns <= (SELECT max(end_ns) FROM ${t.traceIndex} WHERE project = {project:String} AND trace_id IN {traces:Array(String)})
       ORDER BY trace_id, start_ns, span_id
       LIMIT 1 BY trace_id, span_id`,
      { project, traces: [...new Set(traceIds)] },
      options,
    );
    for (const r of rows) {
      const span = spanFromRow(r);
      const list = out.get(span.traceId);
      if (list) list.push(span);
      else out.set(span.traceId, [span]);
    }
    return out;
  }

  async searchTraces(query: TraceQuery, options?: ReadOptions): Promise<Page<TraceSummaryJson>> {
    const limit = buildTraceSearch(this.tables, query).limit; // validates cursor and filters first
    let rows: ChRow[] | null = null;
    // Newest-first pages rarely need old parts: first a window of about WINDOW_PARTS parts (sized
    // from the project's density), exact whenever it yields a full page (see queries.ts); else all.
    if (query.fromUnixNano === undefined && query.cursor === undefined) {
      const [stats] = await this.read(
        `SELECT count() AS n, min(start_ns) AS lo, max(start_ns) AS hi FROM ${this.tables.traceParts} WHERE project = {project:String}`,
        { project: query.project },
        options,
      );
      const n = Number(stats?.n ?? 0);
      if (n === 0) return { items: [], nextCursor: null };
      const want = Math.max(WINDOW_PARTS, (limit + 1) * 50);
      if (n > want * 2) {
        const lo = BigInt(stats.lo as string);
        const hi = BigInt(stats.hi as string);
        const upper = query.toUnixNano !== undefined && query.toUnixNano < hi ? query.toUnixNano : hi;
        const start = upper - ((hi - lo) * BigInt(want)) / BigInt(n);
        const built = buildTraceSearch(this.tables, query, { start });
        const found = await this.read(built.sql, built.params, options);
        if (found.length > limit) rows = found;
      }
    }
    if (rows === null) {
      const built = buildTraceSearch(this.tables, query);
      rows = await this.read(built.sql, built.params, options);
    }
    const page = rows.slice(0, limit).map((r) =>
      traceSummaryFromRow({
        ...r,
        trace_start: BigInt(r.trace_start as string),
        trace_end: BigInt(r.trace_end as string),
      }),
    );
    const items = page.slice(0, itemsWithinBudget(page));
    if (rows.length > items.length) return { items, nextCursor: traceCursor(items[items.length - 1]) };
    return { items, nextCursor: null };
  }

  async searchLogs(query: LogQuery, options?: ReadOptions): Promise<Page<LogJson>> {
    const built = buildLogSearch(this.tables, query);
    const rows = await this.read(built.sql, built.params, options);
    const all = rows.slice(0, built.limit).map(logFromRow);
    const page = all.slice(0, itemsWithinBudget(all.map((p) => p.item)));
    const more = rows.length > page.length;
    return { items: page.map((p) => p.item), nextCursor: more ? page[page.length - 1].cursor : null };
  }

  async listServices(project: string, options?: ReadOptions): Promise<string[]> {
    const rows = await this.read(
      `SELECT DISTINCT service_name FROM (
         SELECT DISTINCT service_name FROM ${this.tables.spans} WHERE project = {project:String}
         UNION ALL SELECT DISTINCT service_name FROM ${this.tables.logs} WHERE project = {project:String})
       ORDER BY service_name LIMIT ${MAX_SERVICES}`,
      { project },
      options,
    );
    return rows.map((r) => cutString(r.service_name as string));
  }

  async listProjects(options?: ReadOptions): Promise<string[]> {
    const rows = await this.read(
      `SELECT DISTINCT project FROM (
         SELECT DISTINCT project FROM ${this.tables.traceIndex}
         UNION ALL SELECT DISTINCT project FROM ${this.tables.logs})
       ORDER BY project LIMIT ${MAX_PROJECTS}`,
      {},
      options,
    );
    return rows.map((r) => r.project as string);
  }

  async spanSeries(query: SpanSeriesQuery, options?: ReadOptions): Promise<Series[]> {
    const built = buildSpanSeries(this.tables, query);
    const rows = await this.read(built.sql, built.params, options);
    return assembleSeries(query, built as never, rows);
  }

  async spanCounts(query: SpanCountQuery, options?: ReadOptions): Promise<SpanCountBucket[]> {
    const n = query.selectors.length;
    const byBucket = new Map<number, Float64Array>();
    for (let start = 0; start < n; start += CHUNK) {
      const chunk = query.selectors.slice(start, start + CHUNK);
      const built = buildSpanCounts(this.tables, query, chunk);
      const rows = await this.read(built.sql, built.params, options);
      for (const r of rows) {
        const bucket = Number(r.bucket);
        let counts = byBucket.get(bucket);
        if (!counts) {
          counts = new Float64Array(2 * n);
          byBucket.set(bucket, counts);
        }
        for (let i = 0; i < chunk.length; i++) {
          counts[2 * (start + i)] = Number(r[`t${i}`]);
          counts[2 * (start + i) + 1] = Number(r[`b${i}`]);
        }
      }
    }
    return [...byBucket.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([bucket, counts]) => ({ bucket, counts }));
  }

  async spanAggregates(query: SpanAggregateQuery, options?: ReadOptions): Promise<SpanAggregateRow[]> {
    const n = query.items.length;
    const byGroup = new Map<string, Array<number | null>>();
    const counting = new Set(['count', 'rate', 'errors', 'tokens', 'input_tokens', 'output_tokens', 'cost']);
    const empty = () => query.items.map((i) => (counting.has(i.measure) ? 0 : null));
    for (let start = 0; start < n; start += CHUNK) {
      const chunk = query.items.slice(start, start + CHUNK);
      const built = buildSpanAggregates(this.tables, query, chunk);
      const rows = await this.read(built.sql, built.params, options);
      for (const r of rows) {
        const group = cutString(String(r.grp));
        let values = byGroup.get(group);
        if (!values) {
          values = empty();
          byGroup.set(group, values);
        }
        for (let i = 0; i < chunk.length; i++) {
          const v = r[`v${i}`];
          values[start + i] = v === null || v === undefined ? null : Number(v);
        }
      }
    }
    if (query.groupBy === undefined && byGroup.size === 0) byGroup.set('', empty());
    return [...byGroup.entries()].map(([group, values]) => ({ group, values }));
  }

  /**
   * Spans and logs before the cut-off go (lightweight DELETE, or ALTER … DELETE on a cluster's local
   * tables); traces that straddle it get one rebuilt part from their remaining spans, and their older
   * parts go, so the list keeps counting exactly what getTrace returns. Runs alone: appends wait.
   */
  async deleteOlderThan(cutoffUnixNano: bigint): Promise<RetentionResult> {
    if (this.closed) throw new Error('the store is closed');
    while (this.exclusive !== null) await this.exclusive.catch(() => undefined);
    const run = (async () => {
      await this.waitForInserts();
      return this.retention(cutoffUnixNano);
    })();
    this.exclusive = run;
    try {
      return await run;
    } finally {
      this.exclusive = null;
      this.identities.forgetCommitted();
      this.kick();
    }
  }

  private async retention(cutoff: bigint): Promise<RetentionResult> {
    const t = this.tables;
    const c = { cutoff: cutoff.toString(), rebuilt: `rebuilt-${cutoff}` };
    const long = { timeoutMs: 600_000 };
    const [counts] = await this.client.query(
      `SELECT (SELECT count() FROM ${t.spans} FINAL WHERE start_ns < {cutoff:Int64}) AS spans,
              (SELECT count() FROM ${t.logs} WHERE time_ns < {cutoff:Int64}) AS logs`,
      c,
      long,
    );
    const straddling = `(project, trace_id) IN (SELECT project, trace_id FROM ${t.traceParts} WHERE start_ns < {cutoff:Int64} AND end_ns >= {cutoff:Int64})`;
    await this.client.command(
      `INSERT INTO ${t.traceParts} SELECT project, trace_id, {rebuilt:String} AS part_key,
         min(start_ns), max(greatest(end_ns, start_ns)), count(), countIf(status_code = 'error'),
         sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), sum(cost_usd),
         if(countIf(parent_span_id IS NULL) = 0, NULL, maxIf(name, parent_span_id IS NULL)),
         if(countIf(parent_span_id IS NULL) = 0, NULL, maxIf(service_name, parent_span_id IS NULL)),
         argMin(name, start_ns), argMin(service_name, start_ns), max(session_id), max(user_id),
         concat(char(1), arrayStringConcat(groupUniqArray(service_name), char(1)), char(1)),
         concat(char(1), arrayStringConcat(groupUniqArray(kind), char(1)), char(1)),
         if(count(agent_name) = 0, '', concat(char(1), arrayStringConcat(groupUniqArray(assumeNotNull(agent_name)), char(1)), char(1))),
         if(count(model) = 0, '', concat(char(1), arrayStringConcat(groupUniqArray(assumeNotNull(model)), char(1)), char(1)))
       FROM ${t.spans} FINAL WHERE start_ns >= {cutoff:Int64} AND ${straddling}
       GROUP BY project, trace_id`,
      c,
    );
    const del = (table: string, where: string) =>
      this.target.cluster === null
        ? this.client.command(`DELETE FROM ${localTableName(this.target, table)} WHERE ${where}`, c, {
            mutations_sync: 2,
          })
        : this.client.command(
            `ALTER TABLE ${localTableName(this.target, table)}${onCluster(this.target)} DELETE WHERE ${where}`,
            c,
            { mutations_sync: 2 },
          );
    const rebuiltTraces = `(project, trace_id) IN (SELECT project, trace_id FROM ${t.traceParts} WHERE part_key = {rebuilt:String})`;
    for (const table of ['trace_parts', 'trace_index'])
      await del(table, `start_ns < {cutoff:Int64} OR (part_key != {rebuilt:String} AND ${rebuiltTraces})`);
    await del('spans', 'start_ns < {cutoff:Int64}');
    await del('logs', 'time_ns < {cutoff:Int64}');
    await del('scores', 'time_ns < {cutoff:Int64}');
    return { deletedSpans: Number(counts.spans), deletedLogs: Number(counts.logs) };
  }

  private coordination: Promise<ClickHouseCoordination> | null = null;

  /** Leases and published audit checkpoints (their tables are created on first use). */
  private coordinate(): Promise<ClickHouseCoordination> {
    this.coordination ??= ClickHouseCoordination.open(this.client, this.target);
    this.coordination.catch(() => {
      this.coordination = null; // the store was unreachable: try again next time
    });
    return this.coordination;
  }

  leases(): Promise<Leases> {
    return this.coordinate();
  }

  sharedCheckpoints(): Promise<SharedCheckpoints> {
    return this.coordinate();
  }

  /** Policy violations in the shared database (their table comes with migration 4). */
  violations(): Promise<Violations> {
    this.violationTable ??= new ClickHouseViolations(this.client, this.target);
    return Promise.resolve(this.violationTable);
  }

  private violationTable: ClickHouseViolations | null = null;

  /** The client and database, for tables other capabilities keep here (metrics/otlp: metric points). */
  shared(): { client: ChClient; target: SchemaTarget } {
    return { client: this.client, target: this.target };
  }

  async appendScores(project: string, scores: readonly ScoreRecord[]): Promise<void> {
    if (this.closed) throw new Error('the store is closed');
    if (scores.length === 0) return;
    // the version of each row: later writes of an id win (ns of now, plus a counter within this node)
    const base = BigInt(Date.now()) * 1_000_000n;
    const rows = scores.map((s) => scoreRow(project, s, base + BigInt(this.scoreWrites++ % 1_000_000)));
    await this.client.insert(this.tables.scores, rows);
  }

  async searchScores(query: ScoreQuery, options?: ReadOptions): Promise<Page<ScoreJson>> {
    const p = new ChParams();
    const built = buildScoreSearch(this.tables.scores, query, p);
    const rows = await this.read(built.sql, p.values, options);
    const all = rows.slice(0, built.limit).map(scoreFromRow);
    const page = all.slice(0, itemsWithinBudget(all.map((x) => x.item)));
    const more = rows.length > page.length;
    return { items: page.map((x) => x.item), nextCursor: more ? page[page.length - 1].cursor : null };
  }

  async scoreSummary(query: ScoreSummaryQuery, options?: ReadOptions): Promise<ScoreSummaryGroupJson[]> {
    const p = new ChParams();
    const built = buildScoreSummary(this.tables.scores, query, p);
    const rows = await this.read(built.sql, p.values, options);
    return assembleScoreSummary(query, built.stepNs, rows);
  }

  async stats(options?: ReadOptions): Promise<StoreStats> {
    const t = this.tables;
    const [row] = await this.read(
      `SELECT (SELECT count() FROM ${t.spans} FINAL) AS spans, (SELECT count() FROM ${t.logs}) AS logs,
         (SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = {db:String}) AS bytes`,
      { db: this.target.database },
      options,
    );
    return {
      spans: Number(row.spans),
      logs: Number(row.logs),
      bytes: row.bytes === null ? null : Number(row.bytes),
    };
  }

  /** Reads running now. */
  get runningReads(): number {
    return this.client.runningReads;
  }

  /** Reads stopped by their deadline, their caller or shutdown since the store opened. */
  get interruptedReads(): number {
    return this.client.timing.interrupted;
  }

  interruptReads(): void {
    this.client.interruptAll();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Queued appends still go out: their callers wait for an answer.
    while (this.queue.length > 0 || this.inFlight > 0) {
      this.kick();
      await this.waitForInserts();
      if (this.inFlight === 0 && this.queue.length > 0 && this.exclusive !== null)
        await this.exclusive.catch(() => undefined);
    }
    await this.client.close();
  }
}
