/**
 * The DuckDB schema, designed for the Appender: every column is a scalar the Appender writes with one
 * call (attributes, resource, events, links, decision and governance as JSON text — a MAP column
 * appends ~10× slower), times as BIGINT nanoseconds (exact, no conversion), derived agent fields as
 * their own columns so filters and series read only what they need.
 *
 * `trace_parts` holds one row per (appended batch, trace): partial aggregates that the trace list
 * combines with GROUP BY. It has ~20× fewer rows than `spans`, so listing traces never scans spans
 * except for the rarer filters (span name, attributes). Its `*_set` columns hold the distinct
 * services/kinds/agents/models of the part as `\x01a\x01b\x01`, so "any span of the trace has
 * agent X" is a substring test on the part, not a semi-join on spans.
 *
 * The column order here is the Appender's order: `span-rows.ts` and `log-rows.ts` follow it.
 *
 * Every data table ends with `project`: the project the row belongs to. It is the last column
 * because a file from schema version 1 gains it through `ALTER TABLE … ADD COLUMN`, which appends
 * it there, and the Appender writes columns in table order: fresh and migrated files must agree.
 */
import { BUILD_DAY_ROLLUPS, CREATE_ROLLUPS, REBUILD_ROLLUPS } from './rollups.js';

export const SET_SEPARATOR = '\u0001';

/**
 * 2: `project` on spans, trace_parts and logs; 3: the `scores` table; 4: `input_tokens`,
 * `output_tokens` and `llm_calls` on trace_parts, which session and user analytics sum; 5: `seq` on
 * trace_parts and the rollup tables (rollups.ts) that sessions and users read; 6: the per-day group
 * rollups that lists over a time range read (see MIGRATIONS).
 */
export const SCHEMA_VERSION = 6;

/** The project column as both fresh tables and migrated ones have it. */
const PROJECT_COLUMN = `project VARCHAR NOT NULL DEFAULT 'default'`;

/**
 * Added in version 4, after `project` (migrated files gain them at the end, like `project`): what
 * sessions and users sum besides the total `tokens`. Zero in a part with no LLM span.
 */
const PART_ANALYTICS_COLUMNS = [
  'input_tokens DOUBLE NOT NULL DEFAULT 0',
  'output_tokens DOUBLE NOT NULL DEFAULT 0',
  'llm_calls INTEGER NOT NULL DEFAULT 0',
  // version 5: the commit group that wrote the part (rollups.ts folds the parts above its watermark)
  'seq BIGINT NOT NULL DEFAULT 0',
];

const TRACE_PARTS_DDL = `CREATE TABLE IF NOT EXISTS trace_parts (
    trace_id VARCHAR NOT NULL,
    start_ns BIGINT NOT NULL,
    end_ns BIGINT NOT NULL,
    span_count INTEGER NOT NULL,
    error_count INTEGER NOT NULL,
    tokens DOUBLE NOT NULL,
    cost_usd DOUBLE,
    root_name VARCHAR,
    root_service VARCHAR,
    first_name VARCHAR NOT NULL,
    first_service VARCHAR NOT NULL,
    session_id VARCHAR,
    user_id VARCHAR,
    service_set VARCHAR NOT NULL,
    kind_set VARCHAR NOT NULL,
    agent_set VARCHAR NOT NULL,
    model_set VARCHAR NOT NULL,
    ${PROJECT_COLUMN},
    ${PART_ANALYTICS_COLUMNS.join(',\n    ')}
  )`;

export const CREATE_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS witness_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS spans (
    trace_id VARCHAR NOT NULL,
    span_id VARCHAR NOT NULL,
    parent_span_id VARCHAR,
    name VARCHAR NOT NULL,
    service_name VARCHAR NOT NULL,
    span_kind INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    start_ns BIGINT NOT NULL,
    end_ns BIGINT NOT NULL,
    status_code VARCHAR NOT NULL,
    status_message VARCHAR NOT NULL,
    attributes VARCHAR NOT NULL,
    resource VARCHAR NOT NULL,
    scope_name VARCHAR NOT NULL,
    scope_version VARCHAR NOT NULL,
    events VARCHAR NOT NULL,
    links VARCHAR NOT NULL,
    model VARCHAR,
    provider VARCHAR,
    input_tokens DOUBLE,
    output_tokens DOUBLE,
    cache_read_tokens DOUBLE,
    reasoning_tokens DOUBLE,
    cost_usd DOUBLE,
    session_id VARCHAR,
    user_id VARCHAR,
    agent_name VARCHAR,
    tool_name VARCHAR,
    side_effect BOOLEAN,
    input VARCHAR,
    output VARCHAR,
    decision VARCHAR,
    governance VARCHAR,
    ${PROJECT_COLUMN}
  )`,
  TRACE_PARTS_DDL,
  ...CREATE_ROLLUPS,
  // getTrace's first step: one ART lookup (~1 ms at 500k parts) instead of scanning every trace id
  // (~10–20 ms). Appends into trace_parts are ~1 per 20 spans; measured: no visible ingest cost.
  `CREATE INDEX IF NOT EXISTS trace_parts_trace_id ON trace_parts (trace_id)`,
  `CREATE TABLE IF NOT EXISTS logs (
    log_id BIGINT NOT NULL,
    time_ns BIGINT NOT NULL,
    observed_ns BIGINT NOT NULL,
    severity_number INTEGER NOT NULL,
    severity_text VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    trace_id VARCHAR,
    span_id VARCHAR,
    service_name VARCHAR NOT NULL,
    attributes VARCHAR NOT NULL,
    resource VARCHAR NOT NULL,
    scope_name VARCHAR NOT NULL,
    ${PROJECT_COLUMN}
  )`,
  // Evaluation scores: few rows next to spans (a handful per trace at most), written by INSERT, not
  // the Appender. The key makes a replayed or edited score replace the stored one. session_id, agent
  // and model are copied from the scored span or trace when the score is written.
  `CREATE TABLE IF NOT EXISTS scores (
    project VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    value DOUBLE,
    label VARCHAR,
    trace_id VARCHAR,
    span_id VARCHAR,
    session_id VARCHAR,
    source VARCHAR NOT NULL,
    comment VARCHAR,
    author VARCHAR,
    agent VARCHAR,
    model VARCHAR,
    time_ns BIGINT NOT NULL,
    PRIMARY KEY (project, id)
  )`,
];

/**
 * Steps that bring a file of schema version `from` to `from + 1`, run in one transaction at open.
 * Version 1 → 2: every row written before projects existed belongs to `default`. DuckDB cannot add a
 * column with a constraint in one statement, so NOT NULL is set after the default filled the rows;
 * nor alter a table an index depends on, so the trace_parts index is dropped first (CREATE_SCHEMA,
 * run right after, builds it again).
 */
export const MIGRATIONS: Readonly<Record<number, readonly string[]>> = {
  1: [
    'DROP INDEX IF EXISTS trace_parts_trace_id',
    ...['spans', 'trace_parts', 'logs'].flatMap((table) => [
      `ALTER TABLE ${table} ADD COLUMN project VARCHAR DEFAULT 'default'`,
      `ALTER TABLE ${table} ALTER COLUMN project SET NOT NULL`,
    ]),
  ],
  // 2 → 3: nothing to change in existing tables; CREATE_SCHEMA, run right after, adds `scores`. The
  // version still moves, so an older Witness refuses the file instead of ignoring its scores (and
  // leaving them out of retention).
  2: [],
  // 3 → 4: parts hold no batch id, so old parts cannot be split exactly: each trace's totals, summed from its
  // spans, go on its first part, the others get 0. Sums per trace, session and user are then exact,
  // which is all anything reads. The table is rebuilt rather than UPDATEd: DuckDB refuses to build the
  // trace_id index over a table with outstanding updates.
  3: [
    'DROP INDEX IF EXISTS trace_parts_trace_id',
    'ALTER TABLE trace_parts RENAME TO trace_parts_v2',
    TRACE_PARTS_DDL,
    `INSERT INTO trace_parts
     SELECT p.* EXCLUDE (rn), CASE WHEN rn = 1 THEN coalesce(s.i, 0) ELSE 0 END,
       CASE WHEN rn = 1 THEN coalesce(s.o, 0) ELSE 0 END, CASE WHEN rn = 1 THEN coalesce(s.l, 0) ELSE 0 END,
       0 -- seq (version 5's column, which TRACE_PARTS_DDL has by now)
     FROM (SELECT *, row_number() OVER (PARTITION BY project, trace_id ORDER BY start_ns) AS rn FROM trace_parts_v2) AS p
     LEFT JOIN (SELECT project, trace_id, sum(input_tokens) AS i, sum(output_tokens) AS o,
                  count(*) FILTER (WHERE kind = 'llm')::INTEGER AS l
                FROM spans GROUP BY project, trace_id) AS s
       ON s.project = p.project AND s.trace_id = p.trace_id`,
    'DROP TABLE trace_parts_v2',
  ],
  // 4 → 5: every existing part gets seq 0 (at or below the watermark, which starts at 0), and the
  // rollups are built from all of them in the same transaction, so a migrated file answers sessions
  // and users from its first read. Adding a column needs the index dropped, as in 1 → 2.
  4: [
    'DROP INDEX IF EXISTS trace_parts_trace_id',
    // IF NOT EXISTS: a file coming from version 3 got the column with 3 → 4's rebuild
    'ALTER TABLE trace_parts ADD COLUMN IF NOT EXISTS seq BIGINT DEFAULT 0',
    'ALTER TABLE trace_parts ALTER COLUMN seq SET NOT NULL',
    ...CREATE_ROLLUPS,
    ...REBUILD_ROLLUPS,
  ],
  // 5 → 6: the per-day group rows, from the trace rows
  5: [...BUILD_DAY_ROLLUPS],
};
