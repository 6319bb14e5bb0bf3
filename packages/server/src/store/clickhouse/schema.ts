/**
 * The ClickHouse schema, as versioned migrations (see docs/storage.md, "ClickHouse", for the why).
 *
 * - `spans`: ReplacingMergeTree ordered by (project, trace_id, span_id), partitioned by day of start.
 *   The sorting key is the span's identity, so a span sent twice (an exporter retry, a spool replay,
 *   two ingest nodes racing) is one row once parts merge, and reads that must not count it twice use
 *   FINAL. Ordered by trace id, one trace is a few granules: "trace by id" reads ~nothing else.
 * - `trace_index` (project, trace_id) → time range, filled by a materialized view from trace_parts:
 *   the OTel Collector exporter's `otel_traces_trace_id_ts` idea. getTrace reads it first, so the spans read touches only the day
 *   partitions of that range.
 * - `trace_parts`: per-batch partial trace summaries ordered by (project, start_ns, …), so "list
 *   traces, newest first, with filters" reads a time range of a table ~20× smaller than spans and
 *   groups it; the same design as the DuckDB engine, so both answer alike. Its part_key is a hash of
 *   the span ids the part summarises: the same batch sent twice yields the same row, which
 *   ReplacingMergeTree keeps once.
 * - `logs`: MergeTree ordered by (project, time_ns, log_id), newest-first pages read one range.
 *
 * With `cluster` set every table is a ReplicatedMergeTree `<name>_local` on each node plus a
 * Distributed `<name>` over them, sharded by (project, trace_id) so a trace (and every copy of a span)
 * lands on one shard, where ReplacingMergeTree can collapse it.
 */

/** The version the newest migration brings a database to (2: the scores table; 3: trace_index by a view). */
export const SCHEMA_VERSION = 5;

export interface SchemaTarget {
  /** Database name (validated as an identifier). */
  database: string;
  /** Cluster name for ON CLUSTER / Replicated / Distributed; null for one server. */
  cluster: string | null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Database and cluster names are identifiers, not values: checked, then quoted. */
export function checkIdentifier(kind: string, name: string): string {
  if (!IDENTIFIER.test(name))
    throw new Error(
      `store.clickhouse.${kind} "${name}" must be letters, digits and _ (not starting with a digit)`,
    );
  return name;
}

interface TableSpec {
  name: string;
  columns: string;
  engine: 'ReplacingMergeTree' | 'MergeTree';
  partitionBy: string;
  orderBy: string;
  /** Sharding key of the Distributed table. */
  shardBy: string;
  settings?: string;
  /** ReplacingMergeTree's version column: of rows with one key, the highest version is kept. */
  version?: string;
}

const TRACE_SHARD = 'cityHash64(project, trace_id)';

const SPANS: TableSpec = {
  name: 'spans',
  columns: `project LowCardinality(String),
    trace_id String,
    span_id String,
    parent_span_id Nullable(String),
    name String,
    service_name LowCardinality(String),
    span_kind Int32,
    kind LowCardinality(String),
    start_ns Int64,
    end_ns Int64,
    status_code LowCardinality(String),
    status_message String,
    attributes String CODEC(ZSTD(1)),
    resource String CODEC(ZSTD(1)),
    scope_name LowCardinality(String),
    scope_version LowCardinality(String),
    events String CODEC(ZSTD(1)),
    links String CODEC(ZSTD(1)),
    model Nullable(String),
    provider Nullable(String),
    input_tokens Nullable(Float64),
    output_tokens Nullable(Float64),
    cache_read_tokens Nullable(Float64),
    reasoning_tokens Nullable(Float64),
    cost_usd Nullable(Float64),
    session_id Nullable(String),
    user_id Nullable(String),
    agent_name Nullable(String),
    tool_name Nullable(String),
    side_effect Nullable(Bool),
    input Nullable(String) CODEC(ZSTD(1)),
    output Nullable(String) CODEC(ZSTD(1)),
    decision Nullable(String),
    governance Nullable(String),
    INDEX idx_start start_ns TYPE minmax GRANULARITY 1,
    INDEX idx_name name TYPE bloom_filter(0.01) GRANULARITY 4`,
  engine: 'ReplacingMergeTree',
  partitionBy: 'toDate(fromUnixTimestamp64Nano(start_ns))',
  orderBy: '(project, trace_id, span_id)',
  shardBy: TRACE_SHARD,
};

const TRACE_INDEX: TableSpec = {
  name: 'trace_index',
  columns: `project LowCardinality(String),
    trace_id String,
    part_key String,
    start_ns Int64,
    end_ns Int64`,
  engine: 'ReplacingMergeTree',
  partitionBy: 'toYYYYMM(fromUnixTimestamp64Nano(start_ns))',
  orderBy: '(project, trace_id, part_key)',
  shardBy: TRACE_SHARD,
};

const TRACE_PARTS: TableSpec = {
  name: 'trace_parts',
  columns: `project LowCardinality(String),
    trace_id String,
    part_key String,
    start_ns Int64,
    end_ns Int64,
    span_count UInt32,
    error_count UInt32,
    tokens Float64,
    cost_usd Nullable(Float64),
    root_name Nullable(String),
    root_service Nullable(String),
    first_name String,
    first_service String,
    session_id Nullable(String),
    user_id Nullable(String),
    service_set String,
    kind_set String,
    agent_set String,
    model_set String,
    INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_user user_id TYPE bloom_filter(0.01) GRANULARITY 4`,
  engine: 'ReplacingMergeTree',
  partitionBy: 'toDate(fromUnixTimestamp64Nano(start_ns))',
  orderBy: '(project, start_ns, trace_id, part_key)',
  shardBy: TRACE_SHARD,
};

const LOGS: TableSpec = {
  name: 'logs',
  columns: `project LowCardinality(String),
    log_id Int64,
    time_ns Int64,
    observed_ns Int64,
    severity_number Int32,
    severity_text LowCardinality(String),
    body String CODEC(ZSTD(1)),
    trace_id Nullable(String),
    span_id Nullable(String),
    service_name LowCardinality(String),
    attributes String CODEC(ZSTD(1)),
    resource String CODEC(ZSTD(1)),
    scope_name LowCardinality(String),
    INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 4`,
  engine: 'MergeTree',
  partitionBy: 'toDate(fromUnixTimestamp64Nano(time_ns))',
  orderBy: '(project, time_ns, log_id)',
  shardBy: 'rand()',
};

export const TABLES = [SPANS, TRACE_INDEX, TRACE_PARTS, LOGS] as const;

/**
 * Evaluation scores (version 2). Keyed by (project, id) with the write time as version: a score
 * written again with its id (an edit, a replayed ingest) replaces the older row once parts merge,
 * and reads use FINAL. Sharded by id, so every version of a score meets on one shard.
 */
const SCORES: TableSpec = {
  name: 'scores',
  columns: `project LowCardinality(String),
    id String,
    name LowCardinality(String),
    value Nullable(Float64),
    label Nullable(String),
    trace_id Nullable(String),
    span_id Nullable(String),
    session_id Nullable(String),
    source LowCardinality(String),
    comment Nullable(String) CODEC(ZSTD(1)),
    author Nullable(String),
    agent Nullable(String),
    model Nullable(String),
    time_ns Int64,
    written_ns Int64,
    INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 4`,
  engine: 'ReplacingMergeTree',
  version: 'written_ns',
  partitionBy: 'toYYYYMM(fromUnixTimestamp64Nano(time_ns))',
  orderBy: '(project, id)',
  shardBy: 'cityHash64(project, id)',
};

/**
 * Governance policy violations (version 4), shared by every node: one row per (span, policy), so a
 * replayed or re-sent batch is stored once (ReplacingMergeTree by that identity, reads use FINAL; the
 * later write wins). `id` orders the newest-first list and is its cursor (see violations.ts).
 */
const VIOLATIONS: TableSpec = {
  name: 'governance_violations',
  columns: `project LowCardinality(String),
    id Int64,
    time_ns Int64,
    policy LowCardinality(String),
    severity LowCardinality(String),
    action LowCardinality(String),
    trace_id String,
    span_id String,
    span_name String,
    service LowCardinality(String),
    kind LowCardinality(String),
    agent Nullable(String),
    tool Nullable(String),
    mode Nullable(String),
    matched String CODEC(ZSTD(1))`,
  engine: 'ReplacingMergeTree',
  partitionBy: 'toYYYYMM(fromUnixTimestamp64Nano(time_ns))',
  orderBy: '(project, trace_id, span_id, policy)',
  shardBy: TRACE_SHARD,
};

/**
 * Ingested OTLP metric points (version 5), shared by every node (metrics/otlp/clickhouse-metric-store.ts).
 * One row per point identity — project, metric, service, a hash of the series (attributes, resource,
 * scope), start and time — so a replayed batch is stored once (ReplacingMergeTree, reads use FINAL).
 */
const METRIC_POINTS: TableSpec = {
  name: 'metric_points',
  columns: `project LowCardinality(String),
    metric LowCardinality(String),
    type LowCardinality(String),
    unit LowCardinality(String),
    description String,
    temporality LowCardinality(Nullable(String)),
    monotonic Nullable(Bool),
    service_name LowCardinality(String),
    scope_name LowCardinality(String),
    start_ns Int64,
    time_ns Int64,
    attributes String,
    resource String CODEC(ZSTD(1)),
    series UInt64 MATERIALIZED cityHash64(attributes, resource, scope_name),
    value Nullable(Float64),
    count Nullable(Float64),
    sum Nullable(Float64),
    min Nullable(Float64),
    max Nullable(Float64),
    detail Nullable(String) CODEC(ZSTD(1))`,
  engine: 'ReplacingMergeTree',
  partitionBy: 'toDate(fromUnixTimestamp64Nano(time_ns))',
  orderBy: '(project, metric, time_ns, service_name, series, start_ns)',
  shardBy: 'cityHash64(project, metric, service_name)',
};

/** Time column of each table, for TTL. Parts and the index expire by their end: never before their spans. */
const TTL_COLUMN: Record<string, string> = {
  spans: 'start_ns',
  trace_index: 'end_ns',
  trace_parts: 'end_ns',
  logs: 'time_ns',
  scores: 'time_ns',
  governance_violations: 'time_ns',
  metric_points: 'time_ns',
};

const q = (name: string) => `\`${name}\``;

/** `db`.`table` as queries name it (the Distributed table on a cluster). */
export function tableName(t: SchemaTarget, table: string): string {
  return `${q(t.database)}.${q(table)}`;
}

/** The table that holds the rows (mutations such as DELETE run there: not on a Distributed table). */
export function localTableName(t: SchemaTarget, table: string): string {
  return `${q(t.database)}.${q(t.cluster === null ? table : `${table}_local`)}`;
}

export function onCluster(t: SchemaTarget): string {
  return t.cluster === null ? '' : ` ON CLUSTER ${q(t.cluster)}`;
}

function engineOf(t: SchemaTarget, spec: TableSpec): string {
  if (t.cluster === null) return `${spec.engine}(${spec.version ?? ''})`;
  // The macros {shard}/{replica} come from each server's config; the path names the database and table.
  return `Replicated${spec.engine}('/clickhouse/tables/{shard}/${t.database}/${spec.name}_local', '{replica}'${spec.version ? `, ${spec.version}` : ''})`;
}

/**
 * fsync every inserted part (data and directory) before the insert is acknowledged: an OTLP 200 must
 * survive a power cut of a single server. Replicated setups add insert_quorum instead (ChClient).
 */
const DURABLE_SETTINGS = 'fsync_after_insert = 1, fsync_part_directory = 1';

export function createTable(t: SchemaTarget, spec: TableSpec): string[] {
  const local = localTableName(t, spec.name);
  const out = [
    `CREATE TABLE IF NOT EXISTS ${local}${onCluster(t)} (
    ${spec.columns}
  ) ENGINE = ${engineOf(t, spec)}
  PARTITION BY ${spec.partitionBy}
  ORDER BY ${spec.orderBy}
  SETTINGS ${DURABLE_SETTINGS}${spec.settings ? `, ${spec.settings}` : ''}`,
  ];
  if (t.cluster !== null)
    out.push(
      `CREATE TABLE IF NOT EXISTS ${tableName(t, spec.name)}${onCluster(t)} AS ${local}
  ENGINE = Distributed(${q(t.cluster)}, ${q(t.database)}, ${q(`${spec.name}_local`)}, ${spec.shardBy})`,
    );
  return out;
}

/** Statements that create the database and the migrations ledger (idempotent: run at every open). */
export function bootstrap(t: SchemaTarget): string[] {
  const ledger = localTableName(t, 'witness_migrations');
  const out = [
    `CREATE DATABASE IF NOT EXISTS ${q(t.database)}${onCluster(t)}`,
    `CREATE TABLE IF NOT EXISTS ${ledger}${onCluster(t)} (version UInt32, applied_at DateTime DEFAULT now())
  ENGINE = ${t.cluster === null ? 'ReplacingMergeTree()' : `ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${t.database}/witness_migrations_local', '{replica}')`}
  ORDER BY version`,
  ];
  if (t.cluster !== null)
    out.push(
      `CREATE TABLE IF NOT EXISTS ${tableName(t, 'witness_migrations')}${onCluster(t)} AS ${ledger}
  ENGINE = Distributed(${q(t.cluster)}, ${q(t.database)}, \`witness_migrations_local\`, version)`,
    );
  return out;
}

/**
 * Migration `v` brings a database from version v-1 to v. Every statement is idempotent (IF NOT
 * EXISTS), so a migration interrupted half-way is simply run again at the next open; the version is
 * recorded only after all its statements ran.
 */
export function migrations(t: SchemaTarget): Record<number, string[]> {
  return {
    1: TABLES.flatMap((spec) => createTable(t, spec)),
    2: createTable(t, SCORES),
    // trace_index is filled by ClickHouse from every part inserted (one insert less per append; on a
    // cluster each shard fills its own, as both tables shard alike). Version 1 databases had it
    // written by the client: their rows stay valid, new ones come through the view.
    3: [
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${q(t.database)}.\`trace_index_mv\`${onCluster(t)}
  TO ${localTableName(t, 'trace_index')}
  AS SELECT project, trace_id, part_key, start_ns, end_ns FROM ${localTableName(t, 'trace_parts')}`,
    ],
    4: createTable(t, VIOLATIONS),
    5: createTable(t, METRIC_POINTS),
  };
}

/**
 * TTL for retention: ClickHouse drops whole expired parts in the background. The retention sweep
 * (`deleteOlderThan`) stays the exact mechanism (it rebuilds trace summaries that straddle the
 * cut-off); TTL is the backstop that bounds the disk even when no Witness node runs the sweep.
 */
export function ttlStatements(t: SchemaTarget, days: number | null): string[] {
  // Unset leaves whatever TTL an operator set by hand (no statement).
  if (days === null || days <= 0) return [];
  return [...TABLES, SCORES, VIOLATIONS, METRIC_POINTS].map((spec) => {
    const table = `${localTableName(t, spec.name)}${onCluster(t)}`;
    return `ALTER TABLE ${table} MODIFY TTL toDateTime(fromUnixTimestamp64Nano(${TTL_COLUMN[spec.name]})) + INTERVAL ${Math.trunc(days)} DAY`;
  });
}
