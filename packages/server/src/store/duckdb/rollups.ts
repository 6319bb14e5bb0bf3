/**
 * Rollups that sessions and users (`/api/sessions`, `/api/users`, a session's timeline) read instead of
 * grouping every trace part of the project at each request:
 *
 * - `trace_rollup`: one row per (project, trace) with everything a group sums (the parts of the trace
 *   merged: min start, max end, sums, its session and user — the greatest one its spans name —, the
 *   sets of services, agents and models);
 * - `session_rollup` and `user_rollup`: one row per (project, session) and (project, user), computed
 *   from the trace rows of the group exactly as the list query grouped them.
 *
 * They are derived from `trace_parts` only, never from the request: every part carries the `seq` of
 * the commit group that wrote it, and `witness_meta.rollup_seq` says up to which seq the rollups hold
 * the parts. Folding (`FOLD_ROLLUPS`) runs on the writer connection between commit groups (the
 * store's exclusive slot, like retention), so it never races a group and never conflicts with one: it
 * merges the parts above the watermark into their trace rows, recomputes every session and user those
 * traces belonged to before and belong to now, and moves the watermark — in one transaction. The store
 * folds before each analytics read when parts were committed since (so answers are exact, always), and
 * in the background every ROLLUP_AFTER_PARTS parts (so that fold stays small).
 *
 * Why not upserts at ingest: the store commits group N+1 on a second connection while group N's COMMIT
 * is in flight; both would update the same session rows (a session's traces arrive in consecutive
 * groups), and DuckDB fails the second transaction on that write-write conflict. Parts stay
 * append-only; the fold is the only writer of the rollups.
 *
 * Exact and idempotent: parts are written from the spans the identity check let through (a replayed
 * span writes no part), and the rollups are pure functions of the parts: a crash before the fold's
 * COMMIT leaves the old watermark, and the next fold merges the same parts again from the same rows.
 */

/** The part columns as trace_rollup columns (a part is a partial trace row). */
const PART_AS_TRACE = `project, trace_id, start_ns AS s, end_ns AS e, span_count::BIGINT AS span_count,
  error_count::BIGINT AS errors, input_tokens AS tin, output_tokens AS tout, cost_usd AS cost,
  llm_calls::BIGINT AS llm, session_id, user_id, root_name, root_service, first_name, first_service,
  service_set, agent_set, model_set`;

/**
 * The union of `\x01a\x01b\x01` sets as one such set, each name once (empty sets give ''), so a group's
 * set stays as short as its distinct names however many traces it has.
 */
const setUnion = (col: string): string =>
  `coalesce(chr(1) || nullif(array_to_string(list_sort(list_distinct(list_filter(
    flatten(list(string_split(${col}, chr(1)))), lambda x: x <> ''))), chr(1)), '') || chr(1), '')`;

/** Trace rows (or parts as trace rows) merged per trace: every aggregate is associative. */
const MERGE_TRACES = `SELECT project, trace_id, min(s) AS s, max(e) AS e, sum(span_count)::BIGINT AS span_count,
    sum(errors)::BIGINT AS errors, sum(tin) AS tin, sum(tout) AS tout, sum(cost) AS cost,
    sum(llm)::BIGINT AS llm, max(session_id) AS session_id, max(user_id) AS user_id,
    max(root_name) AS root_name, max(root_service) AS root_service,
    arg_min(first_name, s) AS first_name, arg_min(first_service, s) AS first_service,
    ${setUnion('service_set')} AS service_set, ${setUnion('agent_set')} AS agent_set,
    ${setUnion('model_set')} AS model_set`;

/** What a session and a user share: the list query's aggregates over their traces. */
const GROUP_MEASURES = `count(*)::BIGINT AS traces, sum(llm)::BIGINT AS turns, min(s) AS first_ns,
    max(e) AS last_ns, max(s) AS last_start, sum(tin) AS input_tokens, sum(tout) AS output_tokens,
    coalesce(sum(cost), 0) AS cost_usd, sum(errors)::BIGINT AS errors,
    count(*) FILTER (WHERE errors > 0)::BIGINT AS error_traces,
    ${setUnion('service_set')} AS service_set, ${setUnion('agent_set')} AS agent_set,
    ${setUnion('model_set')} AS model_set`;

/** At most this many users are listed per session (as the list query's page sets). */
export const MAX_SESSION_USERS = 20;

const SESSION_ROWS = (source: string) => `SELECT project, session_id, ${GROUP_MEASURES},
    coalesce((list(DISTINCT user_id ORDER BY user_id) FILTER (WHERE user_id IS NOT NULL))[1:${MAX_SESSION_USERS}],
      []::VARCHAR[]) AS users
  FROM ${source} GROUP BY project, session_id`;

const USER_ROWS = (source: string) => `SELECT project, user_id, ${GROUP_MEASURES},
    count(DISTINCT session_id)::BIGINT AS sessions
  FROM ${source} GROUP BY project, user_id`;

/** A UTC day in nanoseconds: the slot of the per-day group rows. */
export const DAY_NS = 86_400_000_000_000n;

/**
 * Per (group, UTC day of trace start) rows, for lists over a time range: the range's whole days are
 * read from them, its partial edge days from trace rows (group-list.ts). Every column merges across
 * days: sums, min/max, set unions, a session's first 20 users (the first 20 of a union are among the
 * first 20 of its parts), a user's sessions as the day's distinct ids (counted after the union).
 */
const SESSION_DAY_ROWS = (
  source: string,
) => `SELECT project, session_id, s // ${DAY_NS} AS day, ${GROUP_MEASURES},
    coalesce((list(DISTINCT user_id ORDER BY user_id) FILTER (WHERE user_id IS NOT NULL))[1:${MAX_SESSION_USERS}],
      []::VARCHAR[]) AS users
  FROM ${source} GROUP BY project, session_id, day`;

const USER_DAY_ROWS = (source: string) => `SELECT project, user_id, s // ${DAY_NS} AS day, ${GROUP_MEASURES},
    coalesce(list(DISTINCT session_id) FILTER (WHERE session_id IS NOT NULL), []::VARCHAR[]) AS session_ids
  FROM ${source} GROUP BY project, user_id, day`;

const GROUP_COLUMNS = `traces BIGINT NOT NULL,
    turns BIGINT NOT NULL,
    first_ns BIGINT NOT NULL,
    last_ns BIGINT NOT NULL,
    last_start BIGINT NOT NULL,
    input_tokens DOUBLE NOT NULL,
    output_tokens DOUBLE NOT NULL,
    cost_usd DOUBLE NOT NULL,
    errors BIGINT NOT NULL,
    error_traces BIGINT NOT NULL,
    service_set VARCHAR NOT NULL,
    agent_set VARCHAR NOT NULL,
    model_set VARCHAR NOT NULL`;

export const CREATE_ROLLUPS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS trace_rollup (
    project VARCHAR NOT NULL,
    trace_id VARCHAR NOT NULL,
    s BIGINT NOT NULL,
    e BIGINT NOT NULL,
    span_count BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    tin DOUBLE NOT NULL,
    tout DOUBLE NOT NULL,
    cost DOUBLE,
    llm BIGINT NOT NULL,
    session_id VARCHAR,
    user_id VARCHAR,
    root_name VARCHAR,
    root_service VARCHAR,
    first_name VARCHAR NOT NULL,
    first_service VARCHAR NOT NULL,
    service_set VARCHAR NOT NULL,
    agent_set VARCHAR NOT NULL,
    model_set VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS session_rollup (
    project VARCHAR NOT NULL,
    session_id VARCHAR NOT NULL,
    ${GROUP_COLUMNS},
    users VARCHAR[] NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS user_rollup (
    project VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    ${GROUP_COLUMNS},
    sessions BIGINT NOT NULL
  )`,
  ...dayRollupsDdl(),
];

function dayRollupsDdl(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS session_day_rollup (
    project VARCHAR NOT NULL,
    session_id VARCHAR NOT NULL,
    day BIGINT NOT NULL,
    ${GROUP_COLUMNS},
    users VARCHAR[] NOT NULL
  )`,
    `CREATE TABLE IF NOT EXISTS user_day_rollup (
    project VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    day BIGINT NOT NULL,
    ${GROUP_COLUMNS},
    session_ids VARCHAR[] NOT NULL
  )`,
  ];
}

/**
 * Schema 5 → 6: the per-day rows, from the trace rows (which hold the parts up to the watermark, as
 * the day rows then do). Idempotent: a file coming from version 4 built them in 4 → 5 already.
 */
export const BUILD_DAY_ROLLUPS: readonly string[] = [
  ...dayRollupsDdl(),
  'DELETE FROM session_day_rollup',
  'DELETE FROM user_day_rollup',
  `INSERT INTO session_day_rollup BY NAME ${SESSION_DAY_ROWS('trace_rollup WHERE session_id IS NOT NULL')} ORDER BY day`,
  `INSERT INTO user_day_rollup BY NAME ${USER_DAY_ROWS('trace_rollup WHERE user_id IS NOT NULL')} ORDER BY day`,
];

const SET_WATERMARK = (value: string) =>
  `INSERT INTO witness_meta VALUES ('rollup_seq', ${value})
   ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

/**
 * Every rollup from all parts (schema migration, retention): no parameters. The watermark becomes the
 * greatest seq of the parts, which every later group's seq exceeds.
 */
export const REBUILD_ROLLUPS: readonly string[] = [
  'DELETE FROM trace_rollup',
  'DELETE FROM session_rollup',
  'DELETE FROM user_rollup',
  // in start order, so zone maps on `s` skip most row groups for a time range or one session's traces
  // (folds append later traces after them, in about the same order)
  `INSERT INTO trace_rollup BY NAME ${MERGE_TRACES} FROM (SELECT ${PART_AS_TRACE} FROM trace_parts)
   GROUP BY project, trace_id ORDER BY s`,
  `INSERT INTO session_rollup BY NAME ${SESSION_ROWS('trace_rollup WHERE session_id IS NOT NULL')}`,
  `INSERT INTO user_rollup BY NAME ${USER_ROWS('trace_rollup WHERE user_id IS NOT NULL')}`,
  'DELETE FROM session_day_rollup',
  'DELETE FROM user_day_rollup',
  `INSERT INTO session_day_rollup BY NAME ${SESSION_DAY_ROWS('trace_rollup WHERE session_id IS NOT NULL')} ORDER BY day`,
  `INSERT INTO user_day_rollup BY NAME ${USER_DAY_ROWS('trace_rollup WHERE user_id IS NOT NULL')} ORDER BY day`,
  SET_WATERMARK(`(SELECT coalesce(max(seq), 0)::VARCHAR FROM trace_parts)`),
];

/**
 * One fold, in this order in one transaction: $1 the watermark, $2 the new one (statements without
 * `$` take no parameters), then SET_ROLLUP_WATERMARK. Temp tables live on the writer connection and are dropped at the end.
 */
export const FOLD_ROLLUPS: readonly string[] = [
  `CREATE OR REPLACE TEMP TABLE rollup_fresh AS
   SELECT DISTINCT project, trace_id FROM trace_parts WHERE seq > $1::BIGINT AND seq <= $2::BIGINT`,
  // the fresh traces' rows before the fold: the groups they belonged to are recomputed too (a later
  // part can name a greater session or user, which moves the trace)
  `CREATE OR REPLACE TEMP TABLE rollup_before AS
   SELECT r.* FROM trace_rollup AS r SEMI JOIN rollup_fresh AS f ON r.project = f.project AND r.trace_id = f.trace_id`,
  `CREATE OR REPLACE TEMP TABLE rollup_merged AS ${MERGE_TRACES} FROM (
     SELECT * FROM rollup_before
     UNION ALL BY NAME
     SELECT ${PART_AS_TRACE} FROM trace_parts WHERE seq > $1::BIGINT AND seq <= $2::BIGINT)
   GROUP BY project, trace_id`,
  `DELETE FROM trace_rollup USING rollup_fresh AS f
   WHERE trace_rollup.project = f.project AND trace_rollup.trace_id = f.trace_id`,
  'INSERT INTO trace_rollup BY NAME SELECT * FROM rollup_merged ORDER BY s',
  `CREATE OR REPLACE TEMP TABLE rollup_sessions AS
   SELECT DISTINCT project, session_id FROM (SELECT project, session_id FROM rollup_before
     UNION ALL SELECT project, session_id FROM rollup_merged) WHERE session_id IS NOT NULL`,
  `CREATE OR REPLACE TEMP TABLE rollup_users AS
   SELECT DISTINCT project, user_id FROM (SELECT project, user_id FROM rollup_before
     UNION ALL SELECT project, user_id FROM rollup_merged) WHERE user_id IS NOT NULL`,
  `DELETE FROM session_rollup USING rollup_sessions AS g
   WHERE session_rollup.project = g.project AND session_rollup.session_id = g.session_id`,
  `INSERT INTO session_rollup BY NAME ${SESSION_ROWS(
    `(SELECT r.* FROM trace_rollup AS r SEMI JOIN rollup_sessions AS g
       ON r.project = g.project AND r.session_id = g.session_id)`,
  )}`,
  `DELETE FROM user_rollup USING rollup_users AS g
   WHERE user_rollup.project = g.project AND user_rollup.user_id = g.user_id`,
  `INSERT INTO user_rollup BY NAME ${USER_ROWS(
    `(SELECT r.* FROM trace_rollup AS r SEMI JOIN rollup_users AS g
       ON r.project = g.project AND r.user_id = g.user_id)`,
  )}`,
  `DELETE FROM session_day_rollup USING rollup_sessions AS g
   WHERE session_day_rollup.project = g.project AND session_day_rollup.session_id = g.session_id`,
  `INSERT INTO session_day_rollup BY NAME ${SESSION_DAY_ROWS(
    `(SELECT r.* FROM trace_rollup AS r SEMI JOIN rollup_sessions AS g
       ON r.project = g.project AND r.session_id = g.session_id)`,
  )}`,
  `DELETE FROM user_day_rollup USING rollup_users AS g
   WHERE user_day_rollup.project = g.project AND user_day_rollup.user_id = g.user_id`,
  `INSERT INTO user_day_rollup BY NAME ${USER_DAY_ROWS(
    `(SELECT r.* FROM trace_rollup AS r SEMI JOIN rollup_users AS g
       ON r.project = g.project AND r.user_id = g.user_id)`,
  )}`,
  'DROP TABLE rollup_fresh',
  'DROP TABLE rollup_before',
  'DROP TABLE rollup_merged',
  'DROP TABLE rollup_sessions',
  'DROP TABLE rollup_users',
];

/** The fold's last statement, with the new watermark as $1. */
export const SET_ROLLUP_WATERMARK = SET_WATERMARK('$1::VARCHAR');

/** The watermark and the greatest seq written, read at open (absent watermark: a new file, 0). */
export const READ_ROLLUP_STATE = `SELECT
  (SELECT coalesce(max(value::BIGINT), 0) FROM witness_meta WHERE key = 'rollup_seq') AS rolled,
  (SELECT coalesce(max(seq), 0) FROM trace_parts) AS written`;

/** Parts committed since the last fold above which a fold is started in the background. */
export const ROLLUP_AFTER_PARTS = 50_000;
