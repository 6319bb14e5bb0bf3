/**
 * The load generator behind `witness load`, usable as a library (chaos tests drive traffic with it):
 * realistic multi-agent OTLP traffic at an open arrival rate, readers running the UI's queries, the
 * server's RSS, and a summary with thresholds.
 *
 *   const result = await runLoad({ target: 'http://127.0.0.1:4318', profile: 'smoke', verify: true });
 */
import { HttpClient } from './http-client.js';
import { countStoredSpans as countWith } from './run-load.js';

export type { LatencySummary } from './histogram.js';
export { type Answer, HttpClient, type HttpClientOptions, rejectedItems } from './http-client.js';
export { type Iteration, PayloadPool, RUN_ATTRIBUTE } from './payloads.js';
export {
  BREAKPOINT_FACTOR,
  BREAKPOINT_STEP_MS,
  PROFILE_DEFAULTS,
  PROFILES,
  type ProfileName,
} from './profiles.js';
export {
  type BreakpointStep,
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  runLoad,
} from './run-load.js';
export { rssGrowth, type RssSample } from './server-rss.js';
export { formatProgress, formatSummary } from './summary.js';
export { parseThreshold, THRESHOLD_METRICS, type ThresholdResult } from './thresholds.js';

/** Spans the server holds for the load run tagged `runTag` (resource attribute witness.load.run). */
export async function countStoredSpans(options: {
  target: string;
  runTag: string;
  key?: string;
  /** Traces that started before this are not counted. @default an hour ago */
  fromMs?: number;
}): Promise<number> {
  const client = new HttpClient({ base: options.target, key: options.key, maxSockets: 1 });
  try {
    return await countWith(client, options.runTag, options.fromMs ?? Date.now() - 3_600_000);
  } finally {
    client.close();
  }
}
