/**
 * The live demo's scripted incidents: a fixed cycle, one every few minutes of demo time, so the
 * overview, SLO, alert, anomaly and governance pages have something to show. Pure: the schedule is a
 * function of the demo clock, so a test can ask what is happening at any instant.
 */
import type { ScenarioEffects } from './scenario.js';

export type IncidentKind = 'latency-spike' | 'tool-errors' | 'tool-loop' | 'cost-outlier';

export interface Incident {
  kind: IncidentKind;
  /** Which incident of the cycle (…, -1, 0, 1, …; 0 is the first after the demo starts). */
  index: number;
  /** Demo-clock window, ms since the demo started (negative: in the backfilled history). */
  startMs: number;
  endMs: number;
  /** What a run in the window does differently; one-run incidents apply to the first run only. */
  effects: ScenarioEffects;
  /** One line for the log and the docs. */
  summary: string;
  /** The incident hits one run (the loop, the outlier) rather than every run in its window. */
  once: boolean;
}

export interface IncidentSchedule {
  /** Demo time between the starts of two incidents. @default 180000 (3 minutes) */
  everyMs?: number;
  /** Start of incident 0 after the demo starts. @default 30000 */
  firstAtMs?: number;
  /** How long a latency spike or an error burst lasts. @default 90000 */
  durationMs?: number;
}

const CYCLE: Array<Omit<Incident, 'index' | 'startMs' | 'endMs'>> = [
  {
    kind: 'latency-spike',
    effects: { slowModel: 'claude-sonnet-4-5' },
    summary: 'latency spike: claude-sonnet-4-5 answers 6× slower',
    once: false,
  },
  {
    kind: 'tool-errors',
    effects: { failingTool: 'web_search' },
    summary: 'error burst: web_search fails 85% of calls',
    once: false,
  },
  {
    kind: 'tool-loop',
    effects: { toolLoop: true },
    summary: 'runaway tool loop: the researcher calls read_docs 40–60 times in one run',
    once: true,
  },
  {
    kind: 'cost-outlier',
    effects: { costOutlier: true },
    summary: 'cost outlier: one run sends a ~100× context to claude-sonnet-4-5',
    once: true,
  },
];

/** The incident whose window holds `demoMs`, if any. */
export function incidentAt(demoMs: number, schedule: IncidentSchedule = {}): Incident | null {
  const every = schedule.everyMs ?? 180_000;
  const first = schedule.firstAtMs ?? 30_000;
  const duration = Math.min(schedule.durationMs ?? 90_000, every);
  const index = Math.floor((demoMs - first) / every);
  const startMs = first + index * every;
  if (demoMs >= startMs + duration) return null;
  const spec = CYCLE[((index % CYCLE.length) + CYCLE.length) % CYCLE.length]!;
  return { ...spec, index, startMs, endMs: startMs + duration };
}
