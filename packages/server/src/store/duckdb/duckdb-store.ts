/**
 * The DuckDB engine behind `Store`: one database file, one writer connection that group-commits
 * every queued append in one transaction through Appenders, and a small pool of read connections.
 */
import { stat } from 'node:fs/promises';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  listValue,
  type DuckDBValue,
} from '@duckdb/node-api';
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
  Store,
  StoreStats,
  TraceQuery,
  UsageQuery,
} from '../types.js';
import { buildFunnel, funnelFromRows } from './funnel.js';
import {
  type GroupBy,
  buildGroupList,
  buildGroupSets,
  groupCursor,
  rollupBounds,
  sessionFromRow,
  userFromRow,
  withoutCoveringRange,
} from './group-list.js';
import { buildSessionTurns, buildTurnSpans, turnCursor, turnsOf } from './session-turns.js';
import { buildUsage, usageRows } from './usage.js';
import { cutString, itemsWithinBudget } from '../answer-bounds.js';
import { cursorBigInt, decodeCursor, encodeCursor } from '../cursor.js';
import { ConnectionPool, type ReadConnection, type Row } from './connection-pool.js';
import { BackgroundCheckpoint, DEFAULT_CHECKPOINT_WAL_BYTES } from './background-checkpoint.js';
import { DuckDbCoordination } from './coordination.js';
import { defaultMemoryLimit, duckDbSizeBytes } from './memory-limit.js';
import { buildLogSearch, logFromRow } from './log-search.js';
import { appendLogRow } from './log-rows.js';
import { RETENTION_STEPS } from './retention.js';
import {
  FOLD_ROLLUPS,
  READ_ROLLUP_STATE,
  REBUILD_ROLLUPS,
  ROLLUP_AFTER_PARTS,
  SET_ROLLUP_WATERMARK,
} from './rollups.js';
import { CREATE_SCHEMA, MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { SPAN_COLUMNS, spanFromRow } from './span-from-row.js';
import {
  type ResourceTexts,
  type TracePart,
  addToParts,
  appendPartRows,
  appendSpanRow,
} from './span-rows.js';
import { SpanIdentities, traceKey } from './span-identities.js';
import { buildSpanAggregates, buildSpanCounts, CHUNK } from './span-counts.js';
import { assembleSeries, buildSpanSeries } from './span-series.js';
import {
  assembleScoreSummary,
  buildScoreInsert,
  buildScoreSearch,
  buildScoreSummary,
  SCORE_INSERT_CHUNK,
  scoreFromRow,
} from './score-queries.js';
import { SqlParams } from './sql-params.js';
import { buildTraceSearch, type TraceWindow, traceCursor, traceSummaryFromRow } from './trace-search.js';

export interface DuckDbStoreOptions {
  /** Database file; `:memory:` for a throw-away store (no durability). */
  path: string;
  /**
   * Read connections (concurrent queries).
   * @default 2
   */
  readConnections?: number;
  /** DuckDB `threads` setting; DuckDB's default (all cores) when unset. */
  threads?: number;
  /**
   * DuckDB `memory_limit`, e.g. '2GB' (DuckDB's own default, 80% of RAM, is not bounded enough for a
   * process that shares its machine).
   * @default a quarter of the memory available to the process, between 256 MB and 2 GB (`defaultMemoryLimit()`)
   */
  memoryLimit?: string;
  /**
   * Deadline of every read (trace list, trace, logs, series, stats), ms: past it DuckDB is interrupted
   * and the read rejects with `StoreQueryInterrupted`.
   * @default 10000
   */
  queryTimeoutMs?: number;
  /**
   * Trace parts the first windowed trace-list query covers (the second try is sized from the first one's match rate). A tuning knob; tests set
   * it tiny so every search goes through the windowed path.
   * @default max(4000, 50 × (limit + 1))
   */
  traceWindowParts?: number;
  /**
   * Most spans one trace search with a span name or attribute filter reads (their JSON included):
   * such a search covers the newest ~this many spans, and continues older through nextCursor.
   * @default 500,000
   */
  spanScanBudget?: number;
  /**
   * Most trace parts (~20 spans each) one filtered trace search groups when it has no span name or
   * attribute filter (service, kind, agent, model, session, user, status, durations): such a search
   * covers the newest ~this many parts, and continues older through nextCursor, so a filter that
   * matches nothing does not group every trace of the store in one request.
   * @default 50,000
   */
  partScanBudget?: number;
  /**
   * Span ids of committed spans the idempotence check keeps in memory (least recently used traces
   * are dropped beyond it and read back from the database if they get more spans).
   * @default 500_000
   */
  recentSpanIds?: number;
  /**
   * Trace parts committed since the last rollup fold past which a fold runs in the background (between
   * commit groups), so the fold before an analytics read stays small (rollups.ts). A tuning knob.
   * @default 50,000 (ROLLUP_AFTER_PARTS)
   */
  rollupAfterParts?: number;
  /**
   * WAL bytes past which the store checkpoints in the background, between commit groups
   * (background-checkpoint.ts); 0 leaves it to DuckDB's checkpoint_threshold (256 MB, inside a commit).
   * @default 32 MiB
   */
  checkpointWalBytes?: number;
  /** How often the WAL size is looked at (after a commit), ms. A test knob. @default 1000 */
  checkpointCheckMs?: number;
}

/** Up to this many traces, `spanIdsOf` looks each up by the trace_parts index; beyond, in one scan. */
const SPAN_ID_LOOKUPS_ONE_BY_ONE = 8;

/** Rows (spans + logs) above which queued batches wait for the next transaction (~0.2 s of appends). */
const MAX_GROUP_ROWS = 20_000;

/** Deadline of one read unless configured: far above any healthy query, short enough to free the connection. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/** Service names listServices returns at most (the first, alphabetically): a bounded answer. */
const MAX_SERVICES = 1000;

/** Projects listProjects returns at most: a bounded answer. */
const MAX_PROJECTS = 1000;

/** Spans a trace search with span-level filters reads per request (see spanScanBudget). */
const SPAN_SCAN_BUDGET = 500_000;

/** Trace parts a filtered trace search without span-level filters groups per request (see partScanBudget). */
const PART_SCAN_BUDGET = 50_000;

/** Trace parts the first windowed trace search covers (~20 spans each). */
const WINDOW_PARTS = 4000;

interface Pending {
  batch: IngestBatch;
  /** Must resolve before the group holding this batch commits (the audit of its spans). */
  gate?: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Writer work that must run alone (retention): between groups, with no COMMIT in flight. */
interface ExclusiveTask {
  run: () => Promise<void>;
}

interface Appenders {
  spans: DuckDBAppender;
  parts: DuckDBAppender;
  logs: DuckDBAppender;
}

/**
 * One writer connection with its Appenders. There are two, used in turn, so the next group is
 * appended (on the event loop) while the previous group's COMMIT writes and fsyncs the WAL (on a
 * DuckDB thread): the two costs overlap instead of adding up.
 */
interface WriterSlot {
  conn: DuckDBConnection;
  appenders: Appenders | null;
  /** The COMMIT in flight on this connection; settles (never rejects) once its group is answered. */
  committing: Promise<void>;
}

/** DuckDB checkpoints (folds the WAL into the table blocks) once the WAL passes this size. */
const CHECKPOINT_THRESHOLD = '256MB';

/** A group's gate failed: the group is rolled back, not committed. */
class GateError extends Error {
  constructor(readonly reason: unknown) {
    super('a batch of the group could not pass its gate');
  }
}

/** What a batch of a rolled-back group is told: its own gate's error, or why it was rolled back. */
function gateFailure(gate: Promise<void>, cause: unknown): Promise<unknown> {
  return gate.then(
    () =>
      new Error(
        `rolled back with another batch of the same commit that failed (${cause instanceof Error ? cause.message : String(cause)}); retry`,
      ),
    (own: unknown) => own,
  );
}

/**
 * Brings a file written by an older Witness to SCHEMA_VERSION (in one transaction: a crash leaves
 * the old version, migrated again next open); refuses a file from a newer Witness.
 */
async function migrate(conn: DuckDBConnection): Promise<void> {
  const hasMeta = (
    await conn.runAndReadAll(
      `SELECT count(*) FROM information_schema.tables WHERE table_name = 'witness_meta' AND table_schema = 'main'`,
    )
  ).getRows()[0][0];
  if (Number(hasMeta) === 0) return; // a new file: CREATE_SCHEMA writes the current version
  const rows = (
    await conn.runAndReadAll(`SELECT value FROM witness_meta WHERE key = 'schema_version'`)
  ).getRows();
  if (rows.length === 0) return;
  let version = Number(rows[0][0]);
  if (version > SCHEMA_VERSION)
    throw new Error(
      `the database was written by a newer Witness (schema version ${version}; this one reads up to ${SCHEMA_VERSION}): upgrade Witness or open another data directory`,
    );
  if (version === SCHEMA_VERSION) return;
  await conn.run('BEGIN TRANSACTION');
  try {
    for (; version < SCHEMA_VERSION; version++)
      for (const sql of MIGRATIONS[version] ?? []) await conn.run(sql);
    await conn.run(`UPDATE witness_meta SET value = $1 WHERE key = 'schema_version'`, [String(version)]);
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export async function openDuckDbStore(options: DuckDbStoreOptions): Promise<DuckDbStore> {
  // DuckDB's default (16 MB) checkpoints inside a COMMIT every ~10k spans, and each checkpoint
  // rewrites the table's open row group: measured 3× the cost of the commits themselves. A larger WAL
  // checkpoints rarely; the price is a longer WAL replay after a crash (seconds, not data).
  const settings: Record<string, string> = { checkpoint_threshold: CHECKPOINT_THRESHOLD };
  if (options.threads !== undefined) settings.threads = String(options.threads);
  settings.memory_limit = options.memoryLimit ?? defaultMemoryLimit();
  const instance = await DuckDBInstance.create(options.path, settings);
  try {
    const writer = await instance.connect();
    await migrate(writer);
    for (const ddl of CREATE_SCHEMA) await writer.run(ddl);
    const secondWriter = await instance.connect();
    await writer.run(`INSERT INTO witness_meta VALUES ('schema_version', $1) ON CONFLICT DO NOTHING`, [
      String(SCHEMA_VERSION),
    ]);
    const readers: DuckDBConnection[] = [];
    for (let i = 0; i < Math.max(1, options.readConnections ?? 2); i++)
      readers.push(await instance.connect());
    const maxLogId = (
      await writer.runAndReadAll('SELECT coalesce(max(log_id), 0) FROM logs')
    ).getRows()[0][0];
    const store = new DuckDbStore(
      options.path,
      instance,
      [writer, secondWriter],
      new ConnectionPool(readers, { timeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS }),
      BigInt(maxLogId as bigint),
      options.traceWindowParts,
      options.spanScanBudget ?? SPAN_SCAN_BUDGET,
      options.partScanBudget ?? PART_SCAN_BUDGET,
      options.recentSpanIds,
      options.rollupAfterParts ?? ROLLUP_AFTER_PARTS,
    );
    store.memoryLimitBytes = duckDbSizeBytes(settings.memory_limit);
    if (options.path !== ':memory:' && options.path !== '')
      store.backgroundCheckpoint = new BackgroundCheckpoint({
        walPath: `${options.path}.wal`,
        walBytes: options.checkpointWalBytes ?? DEFAULT_CHECKPOINT_WAL_BYTES,
        checkEveryMs: options.checkpointCheckMs,
        checkpoint: () => store.checkpointBetweenGroups(),
      });
    await store.openAppenders();
    await store.loadTraceFilter(writer);
    const [state] = await readRows(writer, READ_ROLLUP_STATE);
    store.initRollups(BigInt(state.rolled as bigint), BigInt(state.written as bigint));
    return store;
  } catch (err) {
    instance.closeSync();
    throw err;
  }
}

export class DuckDbStore implements Store {
  private queue: Pending[] = [];
  private exclusiveQueue: ExclusiveTask[] = [];
  private writing = false;
  private readonly slots: WriterSlot[];
  private turn = 0;
  private closed = false;
  private commits = 0;
  /** Score writes, one after another on their own connection (they never wait for span groups). */
  private scoreWriter: Promise<DuckDBConnection> | null = null;
  private scoreWrites: Promise<unknown> = Promise.resolve();
  /** @internal which spans are stored: what makes `append` idempotent */
  readonly identities: SpanIdentities;
  /** The seq of the last commit group that wrote parts (rollups.ts), and the rollups' watermark. */
  private seq = 0n;
  private rolledSeq = 0n;
  /** Parts appended since the last fold: past ROLLUP_AFTER_PARTS a fold starts in the background. */
  private unrolledParts = 0;
  /** A fold queued and not started yet: it will take every group committed before it runs. */
  private foldQueued: Promise<void> | null = null;

  /** DuckDB's memory_limit in bytes (set by openDuckDbStore), for witness_store_memory_limit_bytes. */
  memoryLimitBytes: number | null = null;
  /** Folds the WAL between commit groups once it passes a size (null: in-memory store). */
  backgroundCheckpoint: BackgroundCheckpoint | null = null;

  constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    writers: DuckDBConnection[],
    private readonly readers: ConnectionPool,
    private lastLogId: bigint,
    private readonly windowParts: number | undefined,
    private readonly spanScanBudget: number,
    private readonly partScanBudget: number,
    recentSpanIds?: number,
    private readonly rollupAfterParts: number = ROLLUP_AFTER_PARTS,
  ) {
    this.slots = writers.map((conn) => ({ conn, appenders: null, committing: Promise.resolve() }));
    this.identities = new SpanIdentities({
      maxRecentSpans: recentSpanIds,
      load: (project, traceIds) => this.spanIdsOf(project, traceIds),
    });
  }

  /** @internal every stored trace id into the identity filter (once, at open) */
  async loadTraceFilter(conn: DuckDBConnection): Promise<void> {
    const reader = await conn.stream('SELECT DISTINCT project, trace_id FROM trace_parts');
    for (;;) {
      const chunk = await reader.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const projects = chunk.getColumnValues(0);
      const ids = chunk.getColumnValues(1);
      for (let i = 0; i < ids.length; i++)
        this.identities.filter.add(traceKey(projects[i] as string, ids[i] as string));
    }
  }

  /**
   * The span ids stored for each of these traces of `project` (absent: none). Its parts give each
   * trace's time range, which zone maps on start_ns turn into a short scan.
   */
  spanIdsOf(project: string, traceIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.readers.use(async (c) => {
      const out = new Map<string, string[]>();
      if (traceIds.length > SPAN_ID_LOOKUPS_ONE_BY_ONE) {
        // Many traces (the audit sink's rebuild after a crash): two statements instead of two each.
        const ids = listValue([...traceIds]);
        const [range] = await c.rows(
          'SELECT min(start_ns) AS lo, max(end_ns) AS hi FROM trace_parts WHERE project = $2 AND trace_id IN (SELECT unnest($1::VARCHAR[]))',
          [ids, project],
        );
        if (range.lo === null) return out;
        const rows = await c.rows(
          'SELECT trace_id, span_id FROM spans WHERE project = $4 AND start_ns BETWEEN $2 AND $3 AND trace_id IN (SELECT unnest($1::VARCHAR[]))',
          [ids, range.lo, range.hi, project],
        );
        for (const r of rows) {
          const list = out.get(r.trace_id as string);
          if (list) list.push(r.span_id as string);
          else out.set(r.trace_id as string, [r.span_id as string]);
        }
        return out;
      }
      // A few traces (ingest): one index lookup of the parts each, then a short zone-mapped scan.
      for (const traceId of traceIds) {
        const [range] = await c.rows(
          'SELECT min(start_ns) AS lo, max(end_ns) AS hi FROM trace_parts WHERE trace_id = $1 AND project = $2',
          [traceId, project],
        );
        if (range.lo === null) continue;
        const rows = await c.rows(
          'SELECT span_id FROM spans WHERE trace_id = $1 AND project = $4 AND start_ns BETWEEN $2 AND $3',
          [traceId, range.lo, range.hi, project],
        );
        out.set(
          traceId,
          rows.map((r) => r.span_id as string),
        );
      }
      return out;
    });
  }

  /** @internal the rollups' state read at open */
  initRollups(rolled: bigint, written: bigint): void {
    this.rolledSeq = rolled;
    this.seq = written > rolled ? written : rolled;
  }

  /** @internal the seq of a new commit group (also for appendRawForBenchmark's transactions) */
  takeRollupSeq(): bigint {
    this.seq++;
    return this.seq;
  }

  /**
   * The rollups hold every committed part: folds the parts committed since the last fold, if any
   * (rollups.ts). Runs between commit groups on the writer; callers arriving while a fold is queued
   * share it (it takes every group committed before it starts).
   */
  ensureRollups(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    if (this.seq <= this.rolledSeq) return Promise.resolve();
    if (this.foldQueued) return this.foldQueued;
    const fold = this.exclusive(async (conn) => {
      this.foldQueued = null;
      this.unrolledParts = 0;
      // every group up to this.seq has committed or rolled back: exclusive runs after they settle
      const upTo = this.seq;
      if (upTo <= this.rolledSeq) return;
      await conn.run('BEGIN TRANSACTION');
      try {
        for (const sql of FOLD_ROLLUPS)
          await conn.run(sql, sql.includes('$1') ? [this.rolledSeq, upTo] : undefined);
        await conn.run(SET_ROLLUP_WATERMARK, [upTo]);
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
      this.rolledSeq = upTo;
    });
    this.foldQueued = fold;
    return fold;
  }

  /** @internal */
  async openAppenders(): Promise<void> {
    for (const slot of this.slots) await this.resetAppenders(slot);
  }

  private async resetAppenders(slot: WriterSlot): Promise<void> {
    const old = slot.appenders;
    slot.appenders = null;
    // A failed row leaves the Appenders in an unknown state: drop them and start clean.
    if (old) {
      for (const a of [old.spans, old.parts, old.logs]) {
        try {
          a.clear();
          a.closeSync();
        } catch {
          // already broken; replaced below
        }
      }
    }
    slot.appenders = {
      spans: await slot.conn.createAppender('spans'),
      parts: await slot.conn.createAppender('trace_parts'),
      logs: await slot.conn.createAppender('logs'),
    };
  }

  /** Transactions committed by `append` so far: fewer than appends when group commit merged some. */
  get commitCount(): number {
    return this.commits;
  }

  /**
   * A new connection to the same database, for modules that keep their own tables in this file
   * (ingested OTLP metrics). The caller closes it (`closeSync`) before the store closes.
   */
  private coordination: Promise<DuckDbCoordination> | null = null;

  /** Leases and published audit checkpoints, on a connection of their own (opened on first use). */
  private coordinate(): Promise<DuckDbCoordination> {
    this.coordination ??= this.connect().then((c) => DuckDbCoordination.open(c));
    return this.coordination;
  }

  leases(): Promise<Leases> {
    return this.coordinate();
  }

  sharedCheckpoints(): Promise<SharedCheckpoints> {
    return this.coordinate();
  }

  connect(): Promise<DuckDBConnection> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.instance.connect();
  }

  async append(batch: IngestBatch, options?: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new Error('the store is closed');
    const claim = await this.identities.claim(batch.project, batch.spans);
    const fresh: IngestBatch = { project: batch.project, spans: claim.fresh, logs: batch.logs };
    // Started now and awaited only before COMMIT: the audit's fsync overlaps the row appending.
    let gate: Promise<void> | undefined;
    try {
      gate = options?.beforeCommit?.(fresh);
      if (fresh.spans.length > 0 || fresh.logs.length > 0) await this.enqueue(fresh, gate);
      else await gate;
    } catch (err) {
      // Release the claims only once the gate settled: a retry must find what it audited.
      await gate?.catch(() => undefined);
      this.identities.settle(claim, err);
      throw err;
    }
    this.identities.settle(claim);
    // Spans another append was writing count as ours only once it committed them.
    if (claim.waits.size > 0) {
      await Promise.all(Array.from(claim.waits, (w) => w.outcome)).catch((err: unknown) => {
        throw new Error(
          `a concurrent append of some of the same spans failed, so they are not stored: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    }
    return { spans: claim.fresh };
  }

  private enqueue(batch: IngestBatch, gate?: Promise<void>): Promise<void> {
    if (this.closed) {
      gate?.catch(() => undefined);
      return Promise.reject(new Error('the store is closed'));
    }
    // Its failure is reported through the group's rejection, not as an unhandled one.
    gate?.catch(() => undefined);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, gate, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (!this.writing) {
      this.writing = true;
      void this.drain();
    }
  }

  // Group commit: whatever queued while the previous group was written goes into the next one, so
  // under load many requests share one fsync. Groups alternate between the two writer connections:
  // group N+1 is appended while group N commits. Every promise settles only after its own COMMIT.
  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.exclusiveQueue.length > 0) {
      const task = this.exclusiveQueue.shift();
      if (task) {
        await this.settled();
        await task.run();
        continue;
      }
      // Appender calls run on the event loop: cap a group so one group never stalls it for long.
      let rows = 0;
      let take = 0;
      while (take < this.queue.length && (take === 0 || rows < MAX_GROUP_ROWS)) {
        rows += this.queue[take].batch.spans.length + this.queue[take].batch.logs.length;
        take++;
      }
      const group = this.queue.splice(0, take);
      // a fold in the background keeps the one before the next analytics read small
      if (this.unrolledParts >= this.rollupAfterParts && this.foldQueued === null)
        this.ensureRollups().catch(() => undefined); // a failed fold is retried by the next read, which reports it
      const slot = this.slots[this.turn++ % this.slots.length];
      await slot.committing;
      try {
        await this.appendGroup(
          slot,
          group.map((g) => g.batch),
        );
      } catch (err) {
        await slot.conn.run('ROLLBACK').catch(() => undefined);
        await this.resetAppenders(slot).catch(() => undefined);
        // Answer in arrival order: the group before this one (other connection) settles first.
        await this.settled();
        for (const g of group) g.reject(err);
        continue;
      }
      // Not awaited: the loop appends the next group on the other connection meanwhile.
      // The commit writes and fsyncs DuckDB's WAL: once it returns, a crash cannot lose the group.
      // It waits for the group's gates (audit appends): a batch that could not be audited is never
      // committed, and takes its group down with it (those batches are audited: their retry is not).
      const gates: Promise<void>[] = [];
      for (const g of group) if (g.gate) gates.push(g.gate);
      const commit =
        gates.length === 0
          ? slot.conn.run('COMMIT')
          : Promise.all(gates).then(
              () => slot.conn.run('COMMIT'),
              (err: unknown) => {
                throw new GateError(err);
              },
            );
      slot.committing = commit.then(
        () => {
          this.commits++;
          for (const g of group) g.resolve();
          this.backgroundCheckpoint?.afterCommit();
        },
        async (err: unknown) => {
          await slot.conn.run('ROLLBACK').catch(() => undefined);
          await this.resetAppenders(slot).catch(() => undefined);
          const cause = err instanceof GateError ? err.reason : err;
          const reasons = await Promise.all(
            group.map((g) => (g.gate && err instanceof GateError ? gateFailure(g.gate, cause) : cause)),
          );
          for (let i = 0; i < group.length; i++) group[i].reject(reasons[i]);
        },
      );
    }
    this.writing = false;
  }

  /** Every COMMIT in flight has settled. */
  private async settled(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.committing));
  }

  /** Runs `fn` on the writer connection alone: after queued groups commit, before the next group. */
  private exclusive<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.exclusiveQueue.push({ run: () => fn(this.slots[0].conn).then(resolve, reject) });
      this.kick();
    });
  }

  /** BEGIN and every row of the group, flushed; the caller commits. */
  private async appendGroup(slot: WriterSlot, batches: IngestBatch[]): Promise<void> {
    const ap = slot.appenders;
    if (!ap) throw new Error('the store is closed');
    await slot.conn.run('BEGIN TRANSACTION');
    const parts = new Map<string, TracePart>();
    const resources: ResourceTexts = new Map();
    // Log ids are taken as rows are appended; a failed group leaves a gap, which orders the same.
    let logId = this.lastLogId;
    for (const batch of batches) {
      for (const span of batch.spans) {
        appendSpanRow(ap.spans, span, batch.project, resources);
        addToParts(parts, span, batch.project);
      }
      for (const log of batch.logs) appendLogRow(ap.logs, log, ++logId, batch.project);
    }
    this.lastLogId = logId;
    appendPartRows(ap.parts, parts, this.takeRollupSeq());
    this.unrolledParts += parts.size;
    ap.spans.flushSync();
    ap.parts.flushSync();
    ap.logs.flushSync();
  }

  async getTrace(project: string, traceId: string, options?: ReadOptions): Promise<SpanRecord[] | null> {
    return this.reading(async (c) => {
      // The trace's time range from its parts lets the spans scan skip every row group outside it
      // (zone maps on start_ns), instead of comparing 10M trace ids. The index finds the trace id's
      // parts of every project; the project test then keeps this project's only.
      const range = (
        await c.values(
          'SELECT min(start_ns), max(end_ns) FROM trace_parts WHERE trace_id = $1 AND project = $2',
          [traceId, project],
        )
      )[0];
      if (range[0] === null) return null;
      const rows = await c.rows(
        `SELECT ${SPAN_COLUMNS} FROM spans WHERE trace_id = $1 AND project = $4 AND start_ns BETWEEN $2 AND $3 ORDER BY start_ns, span_id`,
        [traceId, range[0], range[1], project],
      );
      return rows.length === 0 ? null : rows.map(spanFromRow);
    }, options);
  }

  async getTraces(
    project: string,
    traceIds: readonly string[],
    options?: ReadOptions,
  ): Promise<Map<string, SpanRecord[]>> {
    const out = new Map<string, SpanRecord[]>();
    if (traceIds.length === 0) return out;
    return this.reading(async (c) => {
      // Two statements for any number of traces: their parts' overall time range, then one scan of
      // the spans inside it (zone maps on start_ns) keeping the listed trace ids.
      const ids = listValue([...new Set(traceIds)]);
      const [range] = await c.rows(
        'SELECT min(start_ns) AS lo, max(end_ns) AS hi FROM trace_parts WHERE project = $2 AND trace_id IN (SELECT unnest($1::VARCHAR[]))',
        [ids, project],
      );
      if (range.lo === null) return out;
      const rows = await c.rows(
        `SELECT ${SPAN_COLUMNS} FROM spans WHERE project = $4 AND start_ns BETWEEN $2 AND $3 AND trace_id IN (SELECT unnest($1::VARCHAR[])) ORDER BY trace_id, start_ns, span_id`,
        [ids, range.lo, range.hi, project],
      );
      for (const r of rows) {
        const span = spanFromRow(r);
        const list = out.get(span.traceId);
        if (list) list.push(span);
        else out.set(span.traceId, [span]);
      }
      return out;
    }, options);
  }

  async searchTraces(query: TraceQuery, options?: ReadOptions): Promise<Page<TraceSummaryJson>> {
    const limit = buildTraceSearch(query).limit; // also validates the cursor and filters before any I/O
    // Span name and attribute filters read span rows (JSON for attributes): bounded per request.
    const spanLevel = query.name !== undefined || Object.keys(query.attributes ?? {}).length > 0;
    // Any other filter that can drop traces: a value nothing has would group every part of the
    // store (~500k at 10M spans, 0.3-2 s) to find no match, so it is bounded per request too. Not
    // with a session or user: their parts are few (the semi-join bounds the grouping), and whoever
    // opens a session expects all of it on one page, not a cursor to follow.
    const partLevel =
      query.sessionId === undefined &&
      query.userId === undefined &&
      (query.service !== undefined ||
        query.kind !== undefined ||
        query.agent !== undefined ||
        query.model !== undefined ||
        query.status !== undefined ||
        query.minDurationMs !== undefined ||
        query.maxDurationMs !== undefined);
    let resumeBelow: bigint | null = null;
    const rows = await this.reading(async (c) => {
      const run = async (window?: TraceWindow) => {
        const built = buildTraceSearch(query, window);
        return c.rows(built.sql, built.params.values);
      };
      // Windows sized from the average density of parts over time: first about WINDOW_PARTS parts
      // (the second sized from the first's match rate), then no window. See trace-search.ts for why a windowed answer is exact.
      const [n, lo, hi, spans] = (
        await c.values(
          'SELECT count(*), min(start_ns), max(start_ns), sum(span_count) FROM trace_parts WHERE project = $1',
          [query.project],
        )
      )[0] as [bigint, bigint | null, bigint | null, bigint | null];
      if (lo === null || hi === null) return [];
      let upper = hi;
      if (query.cursor !== undefined) upper = cursorBigInt(decodeCursor(query.cursor, 2)[0]);
      if (query.toUnixNano !== undefined && query.toUnixNano < upper) upper = query.toUnixNano;
      const span = Number(hi - lo + 1n);
      const partsPerNs = Number(n) / span;
      // The oldest start a filtered search may read in this request: about `spanScanBudget` spans
      // (span-level filters) or `partScanBudget` parts back from `upper`. Older traces are one
      // nextCursor away (the page may be short, even empty).
      const scanFloor = spanLevel
        ? upper - BigInt(Math.ceil(this.spanScanBudget / (Number(spans ?? 0n) / span)))
        : partLevel
          ? upper - BigInt(Math.ceil(this.partScanBudget / partsPerNs))
          : null;
      let want = this.windowParts ?? Math.max(WINDOW_PARTS, (limit + 1) * 50);
      for (let attempt = 0; attempt < 3; attempt++) {
        let windowStart = upper - BigInt(Math.ceil(want / partsPerNs));
        // Past half the budget, one window at the floor costs less than a window and then the floor.
        if (
          scanFloor !== null &&
          (attempt === 2 || (upper - windowStart) * 2n > upper - scanFloor || windowStart < scanFloor)
        )
          windowStart = scanFloor;
        const bounded = query.fromUnixNano !== undefined && windowStart <= query.fromUnixNano;
        if (bounded) windowStart = query.fromUnixNano as bigint;
        let startTraceId: string | undefined;
        if ((windowStart <= lo || attempt === 1) && !bounded && scanFloor === null) {
          // The time window cannot cut (traces sharing start times, or little data): start the
          // window at the `want`-th part in list order instead, if there are that many.
          const key = await c.values(
            'SELECT start_ns, trace_id FROM trace_parts WHERE project = $3 AND start_ns <= $1 ORDER BY start_ns DESC, trace_id DESC LIMIT 1 OFFSET $2',
            [upper, BigInt(Math.ceil(want)), query.project],
          );
          if (key.length === 0) break;
          windowStart = key[0][0] as bigint;
          startTraceId = key[0][1] as string;
        } else if (windowStart <= lo) break;
        const found = await run({ start: windowStart, upper: upper < hi ? upper : undefined, startTraceId });
        // With `from` as the window's start nothing older can match: the answer is complete.
        if (found.length > limit || bounded) return found;
        if (windowStart === scanFloor) {
          resumeBelow = windowStart;
          return found;
        }
        if (attempt === 1 && scanFloor === null) break;
        // Size the second window from the match rate seen in the first (with 2× margin).
        want *= found.length > 0 ? Math.min(64, (2 * (limit + 1)) / found.length) : 16;
      }
      return run();
    }, options);
    const page = rows.slice(0, limit).map(traceSummaryFromRow);
    // Past the answer budget the page ends early; its cursor resumes right after the last item sent.
    const items = page.slice(0, itemsWithinBudget(page));
    if (rows.length > items.length) return { items, nextCursor: traceCursor(items[items.length - 1]) };
    // Everything at or after resumeBelow was searched: the next page is strictly older than it.
    return { items, nextCursor: resumeBelow === null ? null : encodeCursor([String(resumeBelow), '']) };
  }

  async searchLogs(query: LogQuery, options?: ReadOptions): Promise<Page<LogJson>> {
    const built = buildLogSearch(query);
    const rows = await this.read(built.sql, built.params.values, options);
    const all = rows.slice(0, built.limit).map(logFromRow);
    const page = all.slice(0, itemsWithinBudget(all.map((p) => p.item)));
    const more = rows.length > page.length;
    return { items: page.map((p) => p.item), nextCursor: more ? page[page.length - 1].cursor : null };
  }

  async listServices(project: string, options?: ReadOptions): Promise<string[]> {
    const rows = await this.read(
      `SELECT service_name FROM (SELECT DISTINCT service_name FROM spans WHERE project = $1
         UNION SELECT DISTINCT service_name FROM logs WHERE project = $1)
       ORDER BY service_name LIMIT ${MAX_SERVICES}`,
      [project],
      options,
    );
    return rows.map((r) => cutString(r.service_name as string));
  }

  async listProjects(options?: ReadOptions): Promise<string[]> {
    // trace_parts stands for spans (every stored span has a part): ~20× fewer rows to read.
    const rows = await this.read(
      `SELECT project FROM (SELECT DISTINCT project FROM trace_parts UNION SELECT DISTINCT project FROM logs)
       ORDER BY project LIMIT ${MAX_PROJECTS}`,
      [],
      options,
    );
    return rows.map((r) => r.project as string);
  }

  async spanSeries(query: SpanSeriesQuery, options?: ReadOptions): Promise<Series[]> {
    const built = buildSpanSeries(query);
    const rows = await this.read(built.sql, built.params.values, options);
    return assembleSeries(query, built, rows);
  }

  async spanCounts(query: SpanCountQuery, options?: ReadOptions): Promise<SpanCountBucket[]> {
    const n = query.selectors.length;
    const byBucket = new Map<number, Float64Array>();
    // One statement per CHUNK selectors, on one read connection: all under the read's deadline.
    await this.reading(async (c) => {
      for (let start = 0; start < n; start += CHUNK) {
        const chunk = query.selectors.slice(start, start + CHUNK);
        const p = new SqlParams();
        const rows = await c.rows(buildSpanCounts(query, chunk, p), p.values);
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
    }, options);
    return [...byBucket.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([bucket, counts]) => ({ bucket, counts }));
  }

  async spanAggregates(query: SpanAggregateQuery, options?: ReadOptions): Promise<SpanAggregateRow[]> {
    const n = query.items.length;
    const byGroup = new Map<string, Array<number | null>>();
    const counting = new Set(['count', 'rate', 'errors', 'tokens', 'input_tokens', 'output_tokens', 'cost']);
    const empty = () => query.items.map((i) => (counting.has(i.measure) ? 0 : null));
    await this.reading(async (c) => {
      for (let start = 0; start < n; start += CHUNK) {
        const chunk = query.items.slice(start, start + CHUNK);
        const p = new SqlParams();
        const rows = await c.rows(buildSpanAggregates(query, chunk, p), p.values);
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
    }, options);
    // Ungrouped, no span at all: still one row (an absence rule reads its zero count here).
    if (query.groupBy === undefined && byGroup.size === 0) byGroup.set('', empty());
    return [...byGroup.entries()].map(([group, values]) => ({ group, values }));
  }

  appendScores(project: string, scores: readonly ScoreRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    if (scores.length === 0) return Promise.resolve();
    this.scoreWriter ??= this.instance.connect();
    const writer = this.scoreWriter;
    // one transaction per call: a batch of scores is stored whole or not at all
    const run = this.scoreWrites.then(async () => {
      const conn = await writer;
      await conn.run('BEGIN TRANSACTION');
      try {
        for (let i = 0; i < scores.length; i += SCORE_INSERT_CHUNK) {
          const { sql, params } = buildScoreInsert(project, scores.slice(i, i + SCORE_INSERT_CHUNK));
          await conn.run(sql, params);
        }
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    this.scoreWrites = run.catch(() => undefined);
    return run;
  }

  async searchScores(query: ScoreQuery, options?: ReadOptions): Promise<Page<ScoreJson>> {
    const built = buildScoreSearch(query);
    const rows = await this.read(built.sql, built.params.values, options);
    const all = rows.slice(0, built.limit).map(scoreFromRow);
    const page = all.slice(0, itemsWithinBudget(all.map((p) => p.item)));
    const more = rows.length > page.length;
    return { items: page.map((p) => p.item), nextCursor: more ? page[page.length - 1].cursor : null };
  }

  async scoreSummary(query: ScoreSummaryQuery, options?: ReadOptions): Promise<ScoreSummaryGroupJson[]> {
    const built = buildScoreSummary(query);
    const rows = await this.read(built.sql, built.params, options);
    return assembleScoreSummary(query, built.stepNs, rows);
  }

  deleteOlderThan(cutoffUnixNano: bigint): Promise<RetentionResult> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.exclusive(async (writer) => {
      await writer.run('BEGIN TRANSACTION');
      try {
        const spans = await writer.run(RETENTION_STEPS[0], [cutoffUnixNano]);
        for (const sql of RETENTION_STEPS.slice(1)) {
          await writer.run(sql, sql.includes('$1') ? [cutoffUnixNano] : undefined);
        }
        const logs = await writer.run('DELETE FROM logs WHERE time_ns < $1', [cutoffUnixNano]);
        await writer.run('DELETE FROM scores WHERE time_ns < $1', [cutoffUnixNano]);
        // the rollups from the parts that remain (a full rebuild: retention is rare, a fold per trace
        // touched would be as costly); every group up to this.seq has committed (exclusive)
        const upTo = this.seq;
        for (const sql of REBUILD_ROLLUPS) await writer.run(sql);
        await writer.run('COMMIT');
        this.rolledSeq = upTo;
        this.unrolledParts = 0;
        // Span ids held in memory may be gone now: read them again when their trace comes back.
        this.identities.forgetCommitted();
        return { deletedSpans: spans.rowsChanged, deletedLogs: logs.rowsChanged };
      } catch (err) {
        await writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * CHECKPOINT on the writer between commit groups: no group is being appended or committed, so it
   * neither runs inside a COMMIT nor waits for a writer's transaction. Appends queue meanwhile.
   */
  checkpointBetweenGroups(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.exclusive(async (writer) => {
      await writer.run('CHECKPOINT');
    });
  }

  /**
   * A consistent copy of the whole database into a new DuckDB file at `path` (for `witness backup`):
   * one COPY FROM DATABASE on the writer connection between two commit groups, so it holds every
   * batch acknowledged before it started and none half. Returns the span and log counts it copied.
   */
  /**
   * Copies the database to `path` between commit groups; `thenInside` runs after the copy while no
   * group can commit yet (backup copies the audit log there: see create-backup.ts for the order).
   */
  snapshotTo(
    path: string,
    thenInside: () => Promise<void> = async () => {},
  ): Promise<{ spans: number; logs: number }> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.exclusive(async (writer) => {
      const quoted = `'${path.replaceAll("'", "''")}'`;
      const [{ db }] = (await readRows(writer, 'SELECT current_database() AS db')) as Array<{ db: string }>;
      await writer.run(`ATTACH ${quoted} AS witness_backup`);
      try {
        await writer.run(`COPY FROM DATABASE "${db.replaceAll('"', '""')}" TO witness_backup`);
        const rows = (await readRows(
          writer,
          'SELECT (SELECT count(*) FROM witness_backup.spans) AS spans, (SELECT count(*) FROM witness_backup.logs) AS logs',
        )) as Array<{ spans: bigint | number; logs: bigint | number }>;
        await writer.run('DETACH witness_backup');
        await thenInside();
        return { spans: Number(rows[0].spans), logs: Number(rows[0].logs) };
      } catch (err) {
        await writer.run('DETACH witness_backup').catch(() => undefined);
        throw err;
      }
    });
  }

  async stats(options?: ReadOptions): Promise<StoreStats> {
    const rows = await this.read(
      `SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM logs) AS logs,
        (SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()) AS memory`,
      [],
      options,
    );
    let bytes: number | null = null;
    if (this.path !== ':memory:' && this.path !== '') {
      bytes = 0;
      for (const file of [this.path, `${this.path}.wal`]) {
        bytes += await stat(file).then(
          (s) => s.size,
          () => 0,
        );
      }
    }
    return {
      spans: Number(rows[0].spans),
      logs: Number(rows[0].logs),
      bytes,
      memory: { bytes: Number(rows[0].memory), limitBytes: this.memoryLimitBytes },
      ...(this.backgroundCheckpoint && {
        checkpoints: {
          done: this.backgroundCheckpoint.done,
          failed: this.backgroundCheckpoint.failed,
          lastSeconds: this.backgroundCheckpoint.lastMs / 1000,
        },
      }),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let queued appends commit: their callers are waiting for an answer.
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    await this.settled();
    for (const slot of this.slots) {
      const ap = slot.appenders;
      slot.appenders = null;
      if (ap) for (const a of [ap.spans, ap.parts, ap.logs]) a.closeSync();
    }
    await this.scoreWrites;
    if (this.scoreWriter) (await this.scoreWriter.catch(() => null))?.closeSync();
    this.readers.interruptAll();
    // Fold the WAL into the file so the next open does not replay it.
    await this.slots[0].conn.run('CHECKPOINT').catch(() => undefined);
    await this.readers.closeAll();
    for (const slot of this.slots) slot.conn.closeSync();
    this.instance.closeSync();
  }

  /** Reads running now (each holds one read connection). */
  get runningReads(): number {
    return this.readers.busy;
  }

  /** Reads stopped by their deadline, their caller or shutdown since the store opened. */
  get interruptedReads(): number {
    return this.readers.interruptedCount;
  }

  /**
   * Shutdown, first step: refuse new reads and interrupt the running ones, so requests waiting on
   * them answer 503 at once and the HTTP server can close (appends go on until `close`).
   */
  interruptReads(): void {
    this.readers.interruptAll();
  }

  async listSessions(query: GroupListQuery, options?: ReadOptions): Promise<Page<SessionSummaryJson>> {
    return this.groupPage(query, 'session', sessionFromRow, options);
  }

  async listUsers(query: GroupListQuery, options?: ReadOptions): Promise<Page<UserSummaryJson>> {
    return this.groupPage(query, 'user', userFromRow, options);
  }

  private async groupPage<T>(
    query: GroupListQuery,
    by: GroupBy,
    toJson: (row: Row, sets: Row | undefined) => T,
    options?: ReadOptions,
  ): Promise<Page<T>> {
    buildGroupList(query, by); // validates sort and cursor before any I/O
    await this.ensureRollups();
    return this.reading(async (c) => {
      let q = query;
      if (q.fromUnixNano !== undefined || q.toUnixNano !== undefined) {
        // a range that holds every trace of the groups is no range: the group rollup answers
        const bounds = rollupBounds(q.project, by);
        const [b] = await c.rows(bounds.sql, bounds.params);
        q = withoutCoveringRange(q, b?.lo, b?.hi);
      }
      const built = buildGroupList(q, by);
      const rows = await c.rows(built.sql, built.params);
      const page = rows.slice(0, built.limit);
      const more = rows.length > built.limit;
      const sets = new Map<string, Row>();
      if (built.withSets) for (const r of page) sets.set(r.id as string, r);
      else if (page.length > 0) {
        const setsQuery = buildGroupSets(
          q,
          by,
          page.map((r) => r.id as string),
        );
        for (const r of await c.rows(setsQuery.sql, setsQuery.params)) sets.set(r.id as string, r);
      }
      const items = page.map((r) => toJson(r, sets.get(r.id as string)));
      const fit = itemsWithinBudget(items);
      return {
        items: items.slice(0, fit),
        nextCursor: more || fit < items.length ? groupCursor(query, page[fit - 1]) : null,
      };
    }, options);
  }

  async getSession(query: SessionQuery, options?: ReadOptions): Promise<SessionDetailJson | null> {
    const summaryQuery = buildGroupList({ project: query.project, limit: 1 }, 'session', query.sessionId);
    buildSessionTurns(query); // validates the cursor before any I/O
    await this.ensureRollups();
    return this.reading(async (c) => {
      // the session's rollup row, with its agents, models and users
      const [summary] = await c.rows(summaryQuery.sql, summaryQuery.params);
      if (summary === undefined) return null;
      const setRow = summary;
      const turnsQuery = buildSessionTurns(query, {
        lo: summary.first_ns as bigint,
        hi: summary.last_ns as bigint,
      });
      const traces = await c.rows(turnsQuery.sql, turnsQuery.params);
      const page = traces.slice(0, turnsQuery.limit);
      let spans: Row[] = [];
      if (page.length > 0) {
        let lo = page[0].s as bigint;
        let hi = page[0].e as bigint;
        for (const t of page) {
          if ((t.s as bigint) < lo) lo = t.s as bigint;
          if ((t.e as bigint) > hi) hi = t.e as bigint;
        }
        const q = buildTurnSpans(
          query.project,
          page.map((t) => t.trace_id as string),
          lo,
          hi,
        );
        spans = await c.rows(q.sql, q.params);
      }
      const turns = turnsOf(page, spans);
      const fit = itemsWithinBudget(turns);
      return {
        session: sessionFromRow(summary, setRow),
        turns: turns.slice(0, fit),
        nextCursor: traces.length > turnsQuery.limit || fit < turns.length ? turnCursor(page[fit - 1]) : null,
      };
    }, options);
  }

  async usage(query: UsageQuery, options?: ReadOptions): Promise<UsageJson> {
    const built = buildUsage(query);
    const rows = await this.read(built.sql, built.params, options);
    const totals = rows.filter((r) => r.kind === 't');
    return {
      by: query.by,
      fromMs: Number(query.fromUnixNano / 1_000_000n),
      toMs: Number(query.toUnixNano / 1_000_000n),
      stepSeconds: query.stepSeconds,
      rows: usageRows(
        query,
        totals.slice(0, built.limit),
        rows.filter((r) => r.kind === 'b'),
      ),
      truncated: totals.length > built.limit,
    };
  }

  async funnel(query: FunnelQuery, options?: ReadOptions): Promise<FunnelResultJson> {
    const built = buildFunnel(query);
    return this.reading(async (c) => funnelFromRows(query, await c.rows(built.sql, built.params)), options);
  }

  private reading<T>(fn: (c: ReadConnection) => Promise<T>, options?: ReadOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.readers.use(fn, options);
  }

  private read(sql: string, params: DuckDBValue[], options?: ReadOptions): Promise<Row[]> {
    return this.reading((c) => c.rows(sql, params), options);
  }
}

async function readRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjects() as Record<string, unknown>[];
}
