/**
 * The live demo (`witness serve --demo`): demo agents keep running while the server is up, sending
 * over real OTLP/HTTP to the server itself, with a scripted incident every few minutes
 * (demo/incidents.ts). It first backfills the last hour at the same rate, so the overview's default
 * range has data the moment the UI opens, then adds runs as they "finish" in real time.
 *
 * The schedule lives on a demo clock: run k ends at demo time t_k (gaps drawn from the seeded
 * generator), and `speed` maps demo time onto wall time for the live part (tests run it faster). Span
 * timestamps are always wall-clock: a run is generated once on a throwaway tracer to learn its
 * duration, then for real so that it ends at its scheduled instant, never in the future.
 */
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { createNoopLogger } from '@opentelemetry/api-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { type Incident, type IncidentKind, type IncidentSchedule, incidentAt } from './incidents.js';
import { createDemoPipelines, type DemoPipeline } from './pipelines.js';
import { Random } from './random.js';
import { DEMO_USERS, runScenario } from './scenario.js';

export interface LiveDemoOptions {
  /** Base URL of the server's OTLP/HTTP receiver. */
  endpoint: string;
  /** @default 7 */
  seed?: number;
  /** Agent runs per minute of demo time. @default 12 */
  runsPerMinute?: number;
  /** History sent at start, at the same rate and with the same incident cycle. @default 60 */
  backfillMinutes?: number;
  /** Demo minutes per wall-clock minute in the live part (1 = real time; tests use more). @default 1 */
  speed?: number;
  incidents?: IncidentSchedule;
  /** Where incident announcements go. */
  /** Sent with every export (an ingest credential when the server has auth on). */
  headers?: Record<string, string>;
  logger?: { info(obj: object, msg: string): void };
  /** How often the live part sends the runs that are due. @default 1000 */
  tickMs?: number;
  /** @default Date.now */
  now?: () => number;
}

export interface LiveDemoStats {
  runs: number;
  spans: number;
  logs: number;
  /** Incidents that have begun, in order (backfilled ones included). */
  incidents: Array<{ index: number; kind: IncidentKind; atMs: number }>;
  /** Runs skipped because the clock jumped further than one tick can send (an overloaded host). */
  skipped: number;
}

export interface LiveDemo {
  /** Resolves once the backfilled hour has been sent (the live part runs from then on). */
  ready: Promise<LiveDemoStats>;
  stats(): LiveDemoStats;
  /** Stops the clock, sends what is queued and shuts the exporters down (bounded by 5 s). */
  stop(): Promise<void>;
}

/** At most this many runs per tick: a stalled event loop must not turn into a burst. */
const MAX_RUNS_PER_TICK = 200;
/** Sessions in flight at once; each run belongs to one of them. */
const ACTIVE_SESSIONS = 4;

interface Session {
  id: string;
  userId: string;
  pipeline: DemoPipeline;
  runsLeft: number;
}

export function startLiveDemo(options: LiveDemoOptions): LiveDemo {
  const speed = options.speed ?? 1;
  const perMinute = options.runsPerMinute ?? 12;
  if (!(speed > 0 && speed <= 1000)) throw new Error(`demo speed must be in (0, 1000], got ${speed}`);
  if (!(perMinute > 0 && perMinute <= 600))
    throw new Error(`demo runs per minute must be in (0, 600], got ${perMinute}`);
  const now = options.now ?? Date.now;
  const rng = new Random(options.seed ?? 7);
  const meanGapMs = 60_000 / perMinute;
  const pipelines = createDemoPipelines(options.endpoint, { maxQueueSize: 20_000, headers: options.headers });
  const dryRun = new BasicTracerProvider().getTracer('witness-demo-dry-run');
  const noopLogger = createNoopLogger();
  const t0 = now();
  const wallAt = (demoMs: number) => (demoMs < 0 ? t0 + demoMs : t0 + demoMs / speed);

  const stats: LiveDemoStats = { runs: 0, spans: 0, logs: 0, incidents: [], skipped: 0 };
  const sessions: Session[] = [];
  let sessionCount = 0;
  const usedOnce = new Set<number>();
  let nextDemoMs = -(options.backfillMinutes ?? 60) * 60_000;

  function newSession(): Session {
    sessionCount++;
    return {
      id: `live-${sessionCount.toString().padStart(5, '0')}-${rng.int(1000, 9999)}`,
      userId: rng.pick(DEMO_USERS),
      pipeline: rng.pick(pipelines),
      runsLeft: rng.int(1, 5),
    };
  }

  function effectsAt(demoMs: number): Incident | null {
    const incident = incidentAt(demoMs, options.incidents);
    if (!incident) return null;
    if (stats.incidents.at(-1)?.index !== incident.index) {
      stats.incidents.push({ index: incident.index, kind: incident.kind, atMs: wallAt(demoMs) });
      if (demoMs >= 0)
        options.logger?.info({ incident: incident.kind }, `demo incident: ${incident.summary}`);
    }
    if (incident.once) {
      if (usedOnce.has(incident.index)) return null;
      usedOnce.add(incident.index);
    }
    return incident;
  }

  /** One run that ends at demo time `demoMs`. */
  function sendRun(demoMs: number): void {
    while (sessions.length < ACTIVE_SESSIONS) sessions.push(newSession());
    const at = rng.int(0, sessions.length - 1);
    const session = sessions[at]!;
    const effects = effectsAt(demoMs)?.effects ?? {};
    const run = { sessionId: session.id, userId: session.userId, effects, root: ROOT_CONTEXT };
    // the same draws on a copy of the generator tell how long the run takes
    const { endMs: duration } = runScenario({
      ...run,
      rng: rng.clone(),
      tracer: dryRun,
      logger: noopLogger,
      startMs: 0,
    });
    const r = runScenario({
      ...run,
      rng,
      tracer: session.pipeline.tracer,
      logger: session.pipeline.logger,
      startMs: wallAt(demoMs) - duration,
    });
    stats.runs++;
    stats.spans += r.spans;
    stats.logs += r.logs;
    if (--session.runsLeft === 0) sessions.splice(at, 1);
  }

  /** Sends every run due by demo time `untilMs`, at most `max` of them. */
  function sendDue(untilMs: number, max: number): number {
    let sent = 0;
    while (nextDemoMs <= untilMs && sent < max) {
      sendRun(nextDemoMs);
      sent++;
      nextDemoMs += meanGapMs * (0.5 + rng.next());
    }
    return sent;
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const ready = (async () => {
    // the backfill: in chunks, flushing between them, so the exporters' queues stay bounded
    while (!stopped && sendDue(0, 50) === 50) await Promise.all(pipelines.map((p) => p.flush()));
    await Promise.all(pipelines.map((p) => p.flush()));
    if (!stopped)
      timer = setInterval(() => {
        const demoNow = (now() - t0) * speed;
        sendDue(demoNow, MAX_RUNS_PER_TICK);
        if (nextDemoMs <= demoNow) {
          // more were due than one tick may send: skip ahead instead of bursting
          while (nextDemoMs <= demoNow) {
            nextDemoMs += meanGapMs * (0.5 + rng.next());
            stats.skipped++;
          }
        }
      }, options.tickMs ?? 1000);
    return { ...stats };
  })();

  return {
    ready,
    stats: () => ({ ...stats, incidents: [...stats.incidents] }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await ready.catch(() => undefined);
      const flushed = Promise.all(pipelines.map((p) => p.shutdown())).catch(() => undefined);
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([flushed, new Promise((r) => (deadline = setTimeout(r, 5_000)))]);
      clearTimeout(deadline);
    },
  };
}
