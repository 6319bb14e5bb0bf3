/**
 * Retention SQL. Spans and logs that started before the cut-off go; trace parts wholly before it go
 * too, and parts that straddle it are rebuilt from the spans that remain, so the trace list keeps
 * counting exactly what getTrace returns. A trace is (project, trace id) throughout: the same trace
 * id in two projects is two traces, rebuilt apart.
 */
export const REBUILD_STRADDLING_PARTS = `CREATE TEMP TABLE rebuilt_parts AS
  SELECT trace_id,
    min(start_ns),
    max(greatest(end_ns, start_ns)),
    count(*)::INTEGER,
    (count(*) FILTER (WHERE status_code = 'error'))::INTEGER,
    coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0),
    sum(cost_usd),
    max(name) FILTER (WHERE parent_span_id IS NULL),
    max(service_name) FILTER (WHERE parent_span_id IS NULL),
    arg_min(name, start_ns),
    arg_min(service_name, start_ns),
    max(session_id),
    max(user_id),
    chr(1) || string_agg(DISTINCT service_name, chr(1)) || chr(1),
    chr(1) || string_agg(DISTINCT kind, chr(1)) || chr(1),
    coalesce(chr(1) || string_agg(DISTINCT agent_name, chr(1)) || chr(1), ''),
    coalesce(chr(1) || string_agg(DISTINCT model, chr(1)) || chr(1), ''),
    project,
    coalesce(sum(input_tokens), 0),
    coalesce(sum(output_tokens), 0),
    (count(*) FILTER (WHERE kind = 'llm'))::INTEGER,
    0::BIGINT -- seq: retention rebuilds the rollups from all parts after this (REBUILD_ROLLUPS)
  FROM spans
  WHERE (project, trace_id) IN (SELECT (project, trace_id) FROM trace_parts WHERE start_ns < $1 AND end_ns >= $1)
  GROUP BY project, trace_id`;

/** Run in this order, in one transaction (each takes the cut-off as $1 except the last three). */
export const RETENTION_STEPS: readonly string[] = [
  'DELETE FROM spans WHERE start_ns < $1',
  REBUILD_STRADDLING_PARTS,
  // every part of a rebuilt trace goes: the rebuilt row counts all its remaining spans
  'DELETE FROM trace_parts WHERE start_ns < $1 OR (project, trace_id) IN (SELECT (project, trace_id) FROM rebuilt_parts)',
  'INSERT INTO trace_parts SELECT * FROM rebuilt_parts',
  'DROP TABLE rebuilt_parts',
];
export const DELETE_OLD_LOGS = 'DELETE FROM logs WHERE time_ns < $1';
