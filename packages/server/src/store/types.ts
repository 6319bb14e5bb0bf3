/**
 * The Store interface: every storage engine (DuckDB now, ClickHouse later) implements it and passes
 * `conformance.ts` unchanged.
 */
import type {
  FunnelResultJson,
  FunnelStep,
  GroupSort,
  LogJson,
  Page,
  PolicyAction,
  PolicySeverity,
  ScoreFilter,
  ScoreJson,
  ScoreSource,
  ScoreSummaryGroupJson,
  SessionDetailJson,
  SessionSummaryJson,
  SpanGroup,
  SpanKind,
  SpanMeasure,
  TraceSummaryJson,
  UsageDimension,
  UsageJson,
  UserSummaryJson,
  ViolationJson,
} from '@witness/protocol';
import type { LogRecord, ScoreRecord, SpanRecord } from '../model/index.js';

export type { ScoreRecord } from '../model/index.js';

/** What a decoder makes of one export request, before the request's project is known. */
export interface DecodedBatch {
  spans: SpanRecord[];
  logs: LogRecord[];
}

/**
 * One export request's records, all of one project (the request's: `projectOf(c)`). Every record is
 * stored, audited and counted in that project only.
 */
export interface IngestBatch extends DecodedBatch {
  project: string;
}

/** What `append` did: the spans it newly stored (duplicates of stored or in-flight spans left out). */
export interface AppendResult {
  spans: SpanRecord[];
}

export interface AppendOptions {
  /**
   * Starts once the batch's spans new to the store are claimed (no other append can store them); gets
   * those spans and every log. It runs while they are written, and the store commits them only after
   * it resolved: if it rejects, nothing of the batch is committed, the claims are released and
   * `append` rejects (other batches of the same group commit may be rolled back with it and reject
   * too). The audit log hangs here: a stored span is always an audited one.
   */
  beforeCommit?: (fresh: IngestBatch) => Promise<void>;
}

export interface TraceQuery {
  /** The project searched: nothing of another project is read. */
  project: string;
  service?: string;
  kind?: SpanKind;
  /** Exact span name; matches when any span of the trace has it. */
  name?: string;
  status?: 'ok' | 'error';
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Bounds on the trace's start time, epoch nanoseconds. */
  fromUnixNano?: bigint;
  toUnixNano?: bigint;
  sessionId?: string;
  userId?: string;
  agent?: string;
  model?: string;
  /** `attr.<key>=<value>`: span or resource attribute, compared as text; at most 10 (MAX_ATTRIBUTE_FILTERS). */
  attributes?: Record<string, string>;
  /** `score=name>0.5`: the trace, one of its spans or its session has such a score; at most 3 (MAX_SCORE_FILTERS). */
  scores?: ScoreFilter[];
  /** 1..1000, default 50. */
  limit?: number;
  cursor?: string;
}

export interface LogQuery {
  /** The project searched: nothing of another project is read. */
  project: string;
  traceId?: string;
  service?: string;
  /** Minimum severity number (1..24) or severity text (INFO, WARN…). */
  severity?: string;
  /** Case-insensitive substring of the body. */
  q?: string;
  fromUnixNano?: bigint;
  toUnixNano?: bigint;
  limit?: number;
  cursor?: string;
}

/** What a span-derived time series measures (per step bucket). */
export type SeriesMeasure = SpanMeasure;

export type SeriesGroupBy = SpanGroup;

export interface SpanSeriesQuery {
  /** The project whose spans are counted. */
  project: string;
  measure: SeriesMeasure;
  /** One series per value; spans without the field (no model on a tool span) belong to no series. */
  groupBy?: SeriesGroupBy;
  fromUnixNano: bigint;
  toUnixNano: bigint;
  stepSeconds: number;
  filter?: { service?: string; kind?: SpanKind; agent?: string; model?: string; tool?: string };
  /** Most series returned (largest first); default 20. */
  limit?: number;
}

export interface Series {
  labels: Record<string, string>;
  /** [bucket start epoch ms, value]; durations in ms, rate per second, cost in USD. */
  points: Array<[number, number | null]>;
}

/** Which spans one SLI counts (the trace-list filters, applied per span) and which of them are bad. */
export interface SpanCountSelector {
  /** The project whose spans are counted. */
  project: string;
  filter: {
    service?: string;
    kind?: SpanKind;
    name?: string;
    agent?: string;
    model?: string;
    tool?: string;
    /** Span or resource attribute compared as text; at most 10. */
    attributes?: Record<string, string>;
  };
  /** A bad event: an errored span, or one that took longer than `slowerThanMs`. */
  bad: { status: 'error' } | { slowerThanMs: number };
}

/**
 * Many selectors counted in one scan: per step bucket of [from, to), each selector's spans and bad
 * spans (by start time). What SLO evaluation reads each tick, for every SLO at once.
 */
export interface SpanCountQuery {
  fromUnixNano: bigint;
  toUnixNano: bigint;
  stepSeconds: number;
  selectors: SpanCountSelector[];
}

/** Buckets that hold spans: `counts[2i]` = spans of selector i, `counts[2i + 1]` = its bad spans. */
export interface SpanCountBucket {
  /** Index of the bucket from `fromUnixNano`. */
  bucket: number;
  counts: Float64Array;
}

/**
 * Many aggregates over one time range in one scan, optionally per value of a group column: what the
 * threshold and absence rules read each tick. Each item has its own filter and start.
 */
export interface SpanAggregateQuery {
  groupBy?: SeriesGroupBy;
  toUnixNano: bigint;
  items: Array<{
    /** The project whose spans the item reads. */
    project: string;
    measure: SeriesMeasure;
    fromUnixNano: bigint;
    filter: SpanCountSelector['filter'];
  }>;
}

/** One row per group value (`''` ungrouped): the items' values, null where the measure has none. */
export interface SpanAggregateRow {
  group: string;
  values: Array<number | null>;
}

/**
 * Sessions or users (`GET /api/sessions`, `/api/users`): one row per session (user) id of the
 * project, aggregated over its traces that started in [from, to]. A trace belongs to the session
 * (user) its spans name.
 */
export interface GroupListQuery {
  project: string;
  /** Groups where some counted trace has this service / agent / model. */
  service?: string;
  agent?: string;
  model?: string;
  fromUnixNano?: bigint;
  toUnixNano?: bigint;
  /** Sessions of this user; for users, only this user. */
  userId?: string;
  minCostUsd?: number;
  /** 'error': groups with at least one errored span. */
  status?: 'error';
  /** `sessions` is for users only. @default 'lastSeen' */
  sort?: GroupSort;
  /** @default 'desc' */
  order?: 'asc' | 'desc';
  /** 1..500, default 50. */
  limit?: number;
  cursor?: string;
}

/** One session's traces as a conversation (`GET /api/sessions/{id}`), oldest first. */
export interface SessionQuery {
  project: string;
  sessionId: string;
  /** 1..500, default 200. */
  limit?: number;
  cursor?: string;
}

/**
 * Feature usage and cost attribution (`GET /api/usage`): the project's spans in [from, to) that
 * carry the dimension, per value and per bucket. What counts as a call: a span with the tool (tool),
 * an agent-kind span of the agent (agent), a span with the model (model), a trace (user, session,
 * service, project).
 */
export interface UsageQuery {
  project: string;
  by: UsageDimension;
  fromUnixNano: bigint;
  toUnixNano: bigint;
  stepSeconds: number;
  filter?: { service?: string; agent?: string; model?: string; tool?: string; userId?: string };
  /** @default 'cost' */
  sort?: 'cost' | 'calls' | 'users' | 'errors' | 'tokens';
  /** Values returned, 1..100, default 20. */
  limit?: number;
}

/** `POST /api/funnels/query`, validated (steps 2..10, range ≤ 92 days). */
export interface FunnelQuery {
  project: string;
  steps: FunnelStep[];
  by: 'session' | 'user';
  withinSeconds: number;
  fromUnixNano: bigint;
  toUnixNano: bigint;
}

export interface RetentionResult {
  deletedSpans: number;
  deletedLogs: number;
}

export interface StoreStats {
  spans: number;
  logs: number;
  /** Bytes on disk, when the engine knows. */
  bytes: number | null;
  /**
   * Memory the engine holds inside this process and its configured limit (DuckDB's buffer manager:
   * cached blocks, rows appended since the last checkpoint, query state); absent when the engine runs
   * in another process (ClickHouse).
   */
  memory?: { bytes: number; limitBytes: number | null };
  /** Background WAL checkpoints so far (DuckDB): finished, failed, and how long the last one held the writer. */
  checkpoints?: { done: number; failed: number; lastSeconds: number };
}

export interface ScoreQuery {
  project: string;
  traceId?: string;
  spanId?: string;
  /** Scores about the session or any of its traces. */
  sessionId?: string;
  name?: string;
  source?: ScoreSource;
  fromUnixNano?: bigint;
  toUnixNano?: bigint;
  /** 1..1000, default 100. */
  limit?: number;
  cursor?: string;
}

export interface ScoreSummaryQuery {
  project: string;
  name?: string;
  source?: ScoreSource;
  groupBy: 'agent' | 'model' | 'none';
  fromUnixNano: bigint;
  toUnixNano: bigint;
  stepSeconds: number;
}

/** How a caller bounds one read. */
export interface ReadOptions {
  /**
   * Aborting it stops the query (the HTTP layer passes the request's signal, which aborts when the
   * client disconnects); the read then rejects with `StoreQueryInterrupted`.
   */
  signal?: AbortSignal;
}

/**
 * Named leases in the store every node shares: at most one owner holds a lease until it expires. What
 * elects the single alert evaluator among query nodes (cluster/lease-elector.ts). The store's clock is
 * not used: callers pass their own `nowMs`, so owners must keep their clocks roughly in step (NTP), and
 * a TTL of several evaluation intervals absorbs the rest.
 */
export interface Leases {
  /**
   * Takes or renews `name` for `owner` until `nowMs + ttlMs` when it is free, expired, or `owner`'s
   * already; resolves whether `owner` holds it afterwards.
   */
  acquire(name: string, owner: string, ttlMs: number, nowMs?: number): Promise<boolean>;
  /** Gives the lease up if `owner` holds it (a clean shutdown hands over without waiting for expiry). */
  release(name: string, owner: string): Promise<void>;
  /** Who holds it now (null when nobody does, or the holder's lease expired). */
  holder(name: string, nowMs?: number): Promise<{ owner: string; expiresAtMs: number } | null>;
}

/**
 * A node's signed audit checkpoint as published to the shared store: another node (or `witness audit
 * verify --store`) compares a node's log on disk against what it had published, so rolling that node's
 * disk back to an older copy is detectable from elsewhere (docs/scale-out.md).
 */
export interface PublishedCheckpoint {
  node: string;
  logId: string;
  size: number;
  rootHash: string;
  timestamp: number;
  keyId: string;
  signature: string;
}

export interface SharedCheckpoints {
  /** Records one checkpoint (idempotent per node, log id and size). */
  publish(checkpoint: PublishedCheckpoint): Promise<void>;
  /** A log's published checkpoints, largest size first (at most `limit`, default 1000). */
  list(logId: string, limit?: number): Promise<PublishedCheckpoint[]>;
  /** Every log id published, with its node and largest size. */
  logs(): Promise<Array<{ node: string; logId: string; size: number }>>;
}

/**
 * Every read method takes `ReadOptions` and runs under the engine's deadline; a read stopped by the
 * deadline, its signal or shutdown rejects with `StoreQueryInterrupted` (HTTP 503).
 */
export interface Store {
  /**
   * Append one batch. Resolves only once the batch is durable (committed): the OTLP response waits
   * on it. Concurrent calls may be group-committed into one transaction.
   *
   * Idempotent per span: a span's identity is (project, trace id, span id): the same ids sent to two
   * projects are two spans, neither shadowing the other. A span the store already holds,
   * or that appears twice in the batch, is stored once; one that a concurrent append is writing is
   * left to it, and this call then resolves only once that one did (it rejects if that one failed).
   * Logs have no identity and are always appended. Resolves with the spans newly stored.
   */
  append(batch: IngestBatch, options?: AppendOptions): Promise<AppendResult>;
  /** All spans of the project's trace, ordered by start time; null when none. */
  getTrace(project: string, traceId: string, options?: ReadOptions): Promise<SpanRecord[] | null>;
  /**
   * The spans of many traces of the project at once (the agent graph's aggregate), each list ordered
   * by start time; a trace with no stored span is absent. Callers bound the number of ids.
   */
  getTraces(
    project: string,
    traceIds: readonly string[],
    options?: ReadOptions,
  ): Promise<Map<string, SpanRecord[]>>;
  /** Traces newest first (by start time), filtered, with cursor pagination. */
  searchTraces(query: TraceQuery, options?: ReadOptions): Promise<Page<TraceSummaryJson>>;
  searchLogs(query: LogQuery, options?: ReadOptions): Promise<Page<LogJson>>;
  /** Service names seen on the project's spans and logs. */
  listServices(project: string, options?: ReadOptions): Promise<string[]>;
  /** Projects that hold any span or log (for `GET /api/projects`), sorted. */
  listProjects(options?: ReadOptions): Promise<string[]>;
  /** Time series derived from spans: rate, errors, latency percentiles, tokens, cost per step. */
  spanSeries(query: SpanSeriesQuery, options?: ReadOptions): Promise<Series[]>;
  /** Counts of many span selectors per bucket, in one scan (SLO evaluation). */
  spanCounts(query: SpanCountQuery, options?: ReadOptions): Promise<SpanCountBucket[]>;
  /** Many measures over their last window, per group, in one scan (alert rules). */
  spanAggregates(query: SpanAggregateQuery, options?: ReadOptions): Promise<SpanAggregateRow[]>;
  /**
   * Store scores of the project, durable once resolved. Idempotent per (project, id): a stored id is
   * replaced, so replays never double-count and a person can edit their annotation.
   */
  appendScores(project: string, scores: readonly ScoreRecord[]): Promise<void>;
  /** Scores newest first (by time, then id), filtered, with cursor pagination. */
  searchScores(query: ScoreQuery, options?: ReadOptions): Promise<Page<ScoreJson>>;
  /** Per score name and group (agent, model or none): count, avg/min/max, label counts, and per step bucket. */
  scoreSummary(query: ScoreSummaryQuery, options?: ReadOptions): Promise<ScoreSummaryGroupJson[]>;
  /** Sessions of the project with their aggregates, sorted, filtered, cursor-paged. */
  listSessions(query: GroupListQuery, options?: ReadOptions): Promise<Page<SessionSummaryJson>>;
  /** Users of the project with their aggregates, sorted, filtered, cursor-paged. */
  listUsers(query: GroupListQuery, options?: ReadOptions): Promise<Page<UserSummaryJson>>;
  /** One session: its aggregates and its traces oldest first; null when the project has no such session. */
  getSession(query: SessionQuery, options?: ReadOptions): Promise<SessionDetailJson | null>;
  /** Calls, users, errors, tokens and cost per value of a dimension, per bucket. */
  usage(query: UsageQuery, options?: ReadOptions): Promise<UsageJson>;
  /** An ordered funnel over sessions or users. */
  funnel(query: FunnelQuery, options?: ReadOptions): Promise<FunnelResultJson>;
  /** Delete spans, logs and scores from before the cut-off (every project: retention is global). */
  deleteOlderThan(cutoffUnixNano: bigint): Promise<RetentionResult>;
  stats(options?: ReadOptions): Promise<StoreStats>;
  /**
   * The store's leases (opened on first call). Optional so an engine can land before it has them; an
   * engine shared by several nodes (ClickHouse) needs them for a single alert evaluator.
   */
  leases?(): Promise<Leases>;
  /** Where nodes publish their audit checkpoints (opened on first call); optional likewise. */
  sharedCheckpoints?(): Promise<SharedCheckpoints>;
  /**
   * Governance policy violations kept in the store every node shares (opened on first call). Optional:
   * an engine without it (DuckDB, one node) has the server keep them in the node's own file.
   */
  violations?(): Promise<Violations>;
  close(): Promise<void>;
}

/** One policy violation as recorded (one per span and policy). */
export interface ViolationRow {
  project: string;
  timeNs: bigint;
  policy: string;
  severity: PolicySeverity;
  action: PolicyAction;
  traceId: string;
  spanId: string;
  spanName: string;
  service: string;
  kind: string;
  agent: string | null;
  tool: string | null;
  mode: string | null;
  matched: Record<string, unknown>;
}

export interface ViolationQuery {
  project: string;
  fromNs?: bigint;
  toNs?: bigint;
  policy?: string;
  severity?: string;
  agent?: string;
  mode?: string;
  traceId?: string;
  cursor?: number;
  limit: number;
}

export interface ViolationSummary {
  total: number;
  overTime: Array<{ time: string; count: number }>;
  byPolicy: Array<{ key: string; count: number }>;
  bySeverity: Array<{ key: string; count: number }>;
  byAgent: Array<{ key: string; count: number }>;
  byMode: Array<{ key: string; count: number }>;
}

/**
 * Where policy violations live (DuckDB: the node's file; ClickHouse: the shared store), scoped by
 * project on every read. `search` is newest first; its cursor is the last id shown.
 */
export interface Violations {
  append(rows: readonly ViolationRow[]): Promise<void>;
  search(
    q: ViolationQuery,
    options?: ReadOptions,
  ): Promise<{ items: ViolationJson[]; nextCursor: string | null }>;
  summary(
    q: { project: string; fromNs: bigint; toNs: bigint; bucketNs: bigint },
    options?: ReadOptions,
  ): Promise<ViolationSummary>;
  deleteOlderThan(cutoffNs: bigint): Promise<void>;
}
