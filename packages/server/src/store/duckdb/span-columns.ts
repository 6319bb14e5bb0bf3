/** Column expressions the span reads share (series for charts, batched counts for alerting). */
import type { SeriesGroupBy } from '../types.js';

/** The `spans` column behind each group-by label of the metrics API. */
export const GROUP_COLUMN: Record<SeriesGroupBy, string> = {
  service: 'service_name',
  kind: 'kind',
  name: 'name',
  model: 'model',
  provider: 'provider',
  agent: 'agent_name',
  tool: 'tool_name',
  user: 'user_id',
  session: 'session_id',
};

/** A span's duration in milliseconds. */
export const DURATION_MS = '((end_ns - start_ns) / 1e6)';
