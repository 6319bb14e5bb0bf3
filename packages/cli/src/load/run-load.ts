/**
 * One load run: preload a little data, measure the readers' latency with nothing else running (idle),
 * then drive the profile's open arrival rate of agent requests while the readers keep querying, sample
 * the server's RSS throughout, and summarise. Open model, as k6's ramping-arrival-rate: iterations are
 * started by the clock, not when the previous one finishes; when `maxInFlight` are already running the
 * iteration is counted as dropped instead of queued (a closed loop would slow down with the server and
 * hide its latency).
 */
import { randomBytes } from 'node:crypto';
import { type Answer, HttpClient, rejectedItems } from './http-client.js';
import { Latency, type LatencySummary } from './histogram.js';
import { PayloadPool, RUN_ATTRIBUTE } from './payloads.js';
import { PROFILE_DEFAULTS, type ProfileName, Schedule, stagesOf } from './profiles.js';
import { QUERY_KINDS, type QueryKind, Readers, RecentTraces } from './readers.js';
import { type RssSample, rssGrowth, scrapeRss } from './server-rss.js';
import { evaluate, parseThreshold, type ThresholdMetric, type ThresholdResult } from './thresholds.js';

export interface LoadOptions {
  /** The server's base URL (OTLP and API on the same port). */
  target: string;
  profile: ProfileName;
  /** Length of the load phase; the profile's default when unset. */
  durationMs?: number;
  /** The profile's reference rate in iterations (agent requests) per minute. */
  rate?: number;
  /** API key sent as a bearer token on every request (ingest, read and /metrics need their access). */
  key?: string;
  /** e.g. 'query_p95<300ms' (see thresholds.ts). */
  thresholds?: string[];
  /** Reader queries per second, idle and under load. @default 2 */
  readRate?: number;
  /** How long the readers run alone before the load. @default 5 s for smoke, 20 s otherwise */
  idleMs?: number;
  /** Iterations sent before the idle phase, so the readers query some data. @default 30 s of the rate, ≤ 1000 */
  preload?: number;
  /** Iterations running at once before new ones are dropped (k6's maxVUs). @default 256 */
  maxInFlight?: number;
  /** Retries of a 429/502/503/504 answer per export, as the OTel exporters do (0: none). @default 5 */
  retries?: number;
  /** Count the spans the store holds for this run afterwards (through the API). @default false */
  verify?: boolean;
  seed?: number;
  /** Tags every span (resource attribute witness.load.run); random when unset. */
  runTag?: string;
  onProgress?: (p: LoadProgress) => void;
  /** @default 1000 */
  progressEveryMs?: number;
  /** RSS sampling period. @default 2 s, 5 s for runs over 5 minutes */
  rssEveryMs?: number;
  signal?: AbortSignal;
}

export interface LoadProgress {
  phase: 'preload' | 'idle' | 'load' | 'drain' | 'verify';
  elapsedMs: number;
  totalMs: number;
  ratePerMin: number;
  iterations: number;
  inFlight: number;
  dropped: number;
  ingestP95: number;
  queryP95: number;
  rejected: number;
  failed: number;
  rssMb: number | null;
}

export interface BreakpointStep {
  ratePerMin: number;
  iterations: number;
  dropped: number;
  ingest: LatencySummary;
  rejected: number;
  failed: number;
  ok: boolean;
  /** Why the step failed. */
  reason?: string;
}

export interface LoadResult {
  profile: ProfileName;
  target: string;
  runTag: string;
  startedAt: string;
  /** Length of the load phase as run (a breakpoint stops at its first failing step). */
  durationMs: number;
  ratePerMin: number;
  achievedPerMin: number;
  spansPerIteration: number;
  iterations: { scheduled: number; started: number; dropped: number; completed: number; failed: number };
  ingest: {
    requests: number;
    ok: number;
    rejected: number;
    failed: number;
    /** Requests sent again after a retryable answer (429/502/503/504), as an exporter would. */
    retried: number;
    statuses: Record<string, number>;
    latency: LatencySummary;
    spansSent: number;
    spansAcknowledged: number;
    logsSent: number;
    logsAcknowledged: number;
    spansPerSecond: number;
  };
  query: {
    requests: number;
    ok: number;
    rejected: number;
    failed: number;
    dropped: number;
    idle: LatencySummary;
    load: LatencySummary;
    /** load p95 ÷ idle p95. */
    ratio: number | null;
    byKind: Record<QueryKind, LatencySummary>;
  };
  server: {
    rssStartMb: number | null;
    rssMaxMb: number | null;
    rssEndMb: number | null;
    rssGrowth: number | null;
    samples: RssSample[];
  };
  breakpoint?: { steps: BreakpointStep[]; sustainablePerMin: number | null; reachedLimit: boolean };
  verify?: { spansStored: number; spansLost: number };
  /** A few failure messages (status and body or network error), for diagnosis. */
  errors: string[];
  thresholds: ThresholdResult[];
  passed: boolean;
}

const mb = (b: number | null | undefined) => (b == null ? null : Math.round((b / 1048576) * 10) / 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface StepStats {
  latency: Latency;
  iterations: number;
  dropped: number;
  rejected: number;
  failed: number;
  inFlight: number;
}

const newStep = (): StepStats => ({
  latency: new Latency(),
  iterations: 0,
  dropped: 0,
  rejected: 0,
  failed: 0,
  inFlight: 0,
});

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const thresholds = (options.thresholds ?? []).map(parseThreshold);
  const defaults = PROFILE_DEFAULTS[options.profile];
  if (!defaults) throw new Error(`unknown profile "${options.profile}"`);
  const durationMs = options.durationMs ?? defaults.durationMs;
  const rate = options.rate ?? defaults.rate;
  if (!(rate > 0)) throw new Error(`rate must be positive, got ${rate}`);
  if (!(durationMs >= 1000)) throw new Error(`duration must be at least 1 s, got ${durationMs} ms`);
  const readRate = options.readRate ?? 2;
  const maxInFlight = options.maxInFlight ?? 256;
  const idleMs = options.idleMs ?? (options.profile === 'smoke' ? 5_000 : 20_000);
  const { start, stages } = stagesOf(options.profile, rate, durationMs);
  const breakpoint = options.profile === 'breakpoint';
  const schedule = new Schedule(start, stages, breakpoint);
  const preloadCount = options.preload ?? Math.min(1000, Math.ceil(start > 0 ? start / 2 : rate / 2));
  const runTag = options.runTag ?? randomBytes(6).toString('hex');
  const startedAt = new Date().toISOString();

  const client = new HttpClient({ base: options.target, key: options.key, maxSockets: maxInFlight * 2 + 32 });
  const ready = await client.send('GET', '/readyz');
  if (ready.status !== 200) {
    client.close();
    throw new Error(
      `${options.target}/readyz answered ${ready.status || ready.error}: is a Witness server running there?`,
    );
  }

  const pool = new PayloadPool(runTag, options.seed ?? 1);
  const recent = new RecentTraces();
  const readers = new Readers(client, recent);
  const errors: string[] = [];
  const noteError = (what: string, a: Answer) => {
    if (errors.length < 20)
      errors.push(
        `${what}: ${a.status || a.error} ${a.body.toString('utf8', 0, Math.min(200, a.body.length))}`,
      );
  };

  // --- counters -----------------------------------------------------------------------------------
  const ingest = {
    requests: 0,
    ok: 0,
    rejected: 0,
    failed: 0,
    retried: 0,
    statuses: {} as Record<string, number>,
  };
  const retries = options.retries ?? 5;
  const aborted = () => options.signal?.aborted === true;
  const sent = { spans: 0, logs: 0, spansAcked: 0, logsAcked: 0 };
  const ingestLatency = new Latency();
  const queryIdle = new Latency();
  const queryLoad = new Latency();
  const byKind = Object.fromEntries(QUERY_KINDS.map((k) => [k, new Latency()])) as Record<QueryKind, Latency>;
  const query = { requests: 0, ok: 0, rejected: 0, failed: 0, dropped: 0, inFlight: 0 };
  const iterations = { scheduled: 0, started: 0, dropped: 0, completed: 0, failed: 0 };
  let inFlight = 0;
  let phase: LoadProgress['phase'] = 'preload';
  let loadStart = Number.POSITIVE_INFINITY;

  // --- RSS sampling ---------------------------------------------------------------------------------
  const samples: RssSample[] = [];
  const rssEveryMs = options.rssEveryMs ?? (durationMs > 5 * 60_000 ? 5_000 : 2_000);
  const phaseClock = () => (Number.isFinite(loadStart) ? performance.now() - loadStart : -1);
  const sampleRss = async () => {
    const bytes = await scrapeRss(client).catch(() => null);
    if (bytes !== null && samples.length < 100_000) samples.push({ t: Math.round(phaseClock()), bytes });
  };
  await sampleRss();
  let rssTimer: NodeJS.Timeout | undefined = setInterval(() => void sampleRss(), rssEveryMs);
  rssTimer.unref();

  // --- one iteration: the run's traces and logs, as an SDK sends them -------------------------------
  const recordIngest = (
    a: Answer,
    items: number,
    kind: 'spans' | 'logs',
    step: StepStats | null,
    measured: boolean,
  ) => {
    ingest.requests++;
    ingest.statuses[a.status] = (ingest.statuses[a.status] ?? 0) + 1;
    if (measured) ingestLatency.record(a.ms);
    step?.latency.record(a.ms);
    if (a.status === 200) {
      ingest.ok++;
      const acked = items - rejectedItems(a.body);
      if (kind === 'spans') sent.spansAcked += acked;
      else sent.logsAcked += acked;
    } else if (a.status === 429 || a.status === 503) {
      ingest.rejected++;
      if (step) step.rejected++;
      noteError(`POST /v1/${kind === 'spans' ? 'traces' : 'logs'}`, a);
    } else {
      ingest.failed++;
      if (step) step.failed++;
      noteError(`POST /v1/${kind === 'spans' ? 'traces' : 'logs'}`, a);
    }
  };

  /**
   * As the OpenTelemetry exporters do: 429, 502, 503 and 504 are retried (after Retry-After, else an
   * exponential backoff from 1 s), at most `retries` times; every attempt is counted, so rejections
   * show in the summary even when a retry then got the data in.
   */
  const exportWithRetry = async (
    path: string,
    body: Uint8Array,
    items: number,
    kind: 'spans' | 'logs',
    step: StepStats | null,
    measured: boolean,
  ): Promise<Answer> => {
    for (let attempt = 0; ; attempt++) {
      const a = await client.send('POST', path, body);
      recordIngest(a, items, kind, step, measured);
      if (![429, 502, 503, 504].includes(a.status) || attempt >= retries || aborted()) return a;
      ingest.retried++;
      await sleep(
        Math.min(5_000, a.retryAfterSeconds !== undefined ? a.retryAfterSeconds * 1000 : 1000 * 2 ** attempt),
      );
    }
  };

  const iterate = async (step: StepStats | null, measured: boolean) => {
    const it = pool.take();
    sent.spans += it.spans;
    sent.logs += it.logRecords;
    inFlight++;
    if (step) step.inFlight++;
    try {
      const [t, l] = await Promise.all([
        exportWithRetry('/v1/traces', it.traces, it.spans, 'spans', step, measured),
        exportWithRetry('/v1/logs', it.logs, it.logRecords, 'logs', step, measured),
      ]);
      if (t.status === 200) recent.add(it.traceId);
      if (!measured) return;
      if (t.status === 200 && l.status === 200) iterations.completed++;
      else iterations.failed++;
    } finally {
      inFlight--;
      if (step) step.inFlight--;
    }
  };

  const read = async (idle: boolean) => {
    const q = readers.next();
    query.inFlight++;
    try {
      const a = await readers.run(q);
      query.requests++;
      if (a.status === 200) {
        query.ok++;
        (idle ? queryIdle : queryLoad).record(a.ms);
        if (!idle) byKind[q.kind].record(a.ms);
      } else if (a.status === 429 || a.status === 503) {
        query.rejected++;
        noteError(`GET ${q.path}`, a);
      } else {
        query.failed++;
        noteError(`GET ${q.path}`, a);
      }
    } finally {
      query.inFlight--;
    }
  };

  // --- progress -------------------------------------------------------------------------------------
  const t0 = performance.now();
  const progress = (): LoadProgress => ({
    phase,
    elapsedMs: Math.max(0, phaseClock()),
    totalMs: schedule.totalMs,
    ratePerMin: Number.isFinite(loadStart) ? Math.round(schedule.rateAt(phaseClock())) : 0,
    iterations: iterations.started,
    inFlight,
    dropped: iterations.dropped,
    ingestP95: ingestLatency.percentile(95),
    queryP95: (phase === 'idle' ? queryIdle : queryLoad).percentile(95),
    rejected: ingest.rejected + query.rejected,
    failed: ingest.failed + query.failed,
    rssMb: mb(samples.at(-1)?.bytes),
  });
  const progressTimer = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), options.progressEveryMs ?? 1000)
    : undefined;

  try {
    // --- preload: a little data for the idle readers (closed loop, not measured) ---------------------
    const preloadWorkers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < preloadCount && !aborted(); i += 8) await iterate(null, false);
    });
    await Promise.all(preloadWorkers);
    await sleep(1000);

    // --- idle: the readers alone ------------------------------------------------------------------
    phase = 'idle';
    const idleEnd = performance.now() + idleMs;
    const idleReads: Promise<void>[] = [];
    while (performance.now() < idleEnd && !aborted()) {
      idleReads.push(read(true));
      await sleep(1000 / readRate);
    }
    await Promise.all(idleReads);

    // --- load: the open arrival rate, readers alongside ---------------------------------------------
    phase = 'load';
    const steps: StepStats[] = [];
    const stepResults: BreakpointStep[] = [];
    let sustainable: number | null = null;
    let stop = false;
    const pending = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      pending.add(p);
      void p.finally(() => pending.delete(p));
    };
    loadStart = performance.now();
    let readsDue = 0;
    let evaluated = 0;
    for (;;) {
      const t = performance.now() - loadStart;
      if (t >= schedule.totalMs || stop || aborted()) break;
      const stageIndex = schedule.stageAt(t);
      while (steps.length <= stageIndex) steps.push(newStep());
      const step = steps[stageIndex];
      const due = Math.floor(schedule.due(t));
      while (iterations.scheduled < due) {
        iterations.scheduled++;
        if (inFlight >= maxInFlight) {
          iterations.dropped++;
          step.dropped++;
          continue;
        }
        iterations.started++;
        step.iterations++;
        track(iterate(step, true));
      }
      const readsNow = Math.floor((t / 1000) * readRate);
      while (readsDue < readsNow) {
        readsDue++;
        if (query.inFlight >= 16) query.dropped++;
        else track(read(false));
      }
      if (breakpoint) {
        // a step is judged once its requests have answered (or 5 s after it ended: they are late)
        while (evaluated < steps.length - 1 || (evaluated < steps.length && t >= schedule.totalMs)) {
          const s = steps[evaluated];
          const end = schedule.stageBounds(evaluated).t1;
          if (s.inFlight > 0 && t < end + 5_000) break;
          const result = judgeStep(schedule.stageBounds(evaluated).rate, s);
          stepResults.push(result);
          evaluated++;
          if (result.ok) sustainable = result.ratePerMin;
          else {
            stop = true;
            break;
          }
        }
      }
      await sleep(10);
    }
    const loadMs = Math.min(schedule.totalMs, performance.now() - loadStart);

    // --- drain --------------------------------------------------------------------------------------
    phase = 'drain';
    const drainDeadline = performance.now() + 60_000;
    while (pending.size > 0 && performance.now() < drainDeadline)
      await Promise.race([...pending, sleep(500)]);
    // steps not judged yet: those that ran to the end (no step failed); after a failure the next
    // step barely began and says nothing
    if (breakpoint && !stop) {
      for (; evaluated < steps.length && !stop; evaluated++) {
        const result = judgeStep(schedule.stageBounds(evaluated).rate, steps[evaluated]);
        stepResults.push(result);
        if (result.ok) sustainable = result.ratePerMin;
        else stop = true;
      }
    }
    clearInterval(rssTimer);
    rssTimer = undefined;
    await sampleRss();

    // --- verify: every acknowledged span is in the store --------------------------------------------
    let verify: LoadResult['verify'];
    if (options.verify) {
      phase = 'verify';
      const fromMs = Date.parse(startedAt) - 3_600_000;
      let stored = 0;
      const deadline = performance.now() + 60_000;
      for (;;) {
        stored = await countStoredSpans(client, runTag, fromMs);
        if (stored >= sent.spans || performance.now() > deadline) break;
        await sleep(2000);
      }
      verify = { spansStored: stored, spansLost: sent.spans - stored };
    }

    const idle = queryIdle.summary();
    const load = queryLoad.summary();
    const ratio = idle.p95 > 0 && load.count > 0 ? Math.round((load.p95 / idle.p95) * 100) / 100 : null;
    const rssBytes = samples.map((s) => s.bytes);
    const growth = rssGrowth(samples, loadMs);
    const lat = ingestLatency.summary();
    const measuredRequests = ingest.requests + query.requests;
    const metrics: Partial<Record<ThresholdMetric, number | null>> = {
      ingest_p50: lat.p50,
      ingest_p95: lat.p95,
      ingest_p99: lat.p99,
      query_p50: load.p50,
      query_p95: load.p95,
      query_p99: load.p99,
      query_idle_p95: idle.p95,
      query_p95_ratio: ratio,
      error_rate: measuredRequests ? (ingest.failed + query.failed) / measuredRequests : 0,
      rejection_rate: measuredRequests ? (ingest.rejected + query.rejected) / measuredRequests : 0,
      failed_requests: ingest.failed + query.failed,
      dropped_iterations: iterations.dropped,
      spans_unacknowledged: sent.spans - sent.spansAcked,
      spans_lost: verify ? verify.spansLost : null,
      rss_max_mb: rssBytes.length ? mb(Math.max(...rssBytes)) : null,
      rss_growth: growth,
      sustainable_rate: breakpoint ? sustainable : null,
    };
    const results = evaluate(thresholds, metrics);
    const seconds = loadMs / 1000;
    return {
      profile: options.profile,
      target: options.target,
      runTag,
      startedAt,
      durationMs: Math.round(loadMs),
      ratePerMin: rate,
      achievedPerMin: seconds > 0 ? Math.round((iterations.started / seconds) * 60) : 0,
      spansPerIteration: Math.round(pool.meanSpans * 10) / 10,
      iterations,
      ingest: {
        ...ingest,
        latency: lat,
        spansSent: sent.spans,
        spansAcknowledged: sent.spansAcked,
        logsSent: sent.logs,
        logsAcknowledged: sent.logsAcked,
        spansPerSecond: seconds > 0 ? Math.round(sent.spansAcked / ((performance.now() - t0) / 1000)) : 0,
      },
      query: {
        requests: query.requests,
        ok: query.ok,
        rejected: query.rejected,
        failed: query.failed,
        dropped: query.dropped,
        idle,
        load,
        ratio,
        byKind: Object.fromEntries(QUERY_KINDS.map((k) => [k, byKind[k].summary()])) as Record<
          QueryKind,
          LatencySummary
        >,
      },
      server: {
        rssStartMb: mb(rssBytes[0]),
        rssMaxMb: rssBytes.length ? mb(Math.max(...rssBytes)) : null,
        rssEndMb: mb(rssBytes.at(-1)),
        rssGrowth: growth === null ? null : Math.round(growth * 1000) / 1000,
        samples,
      },
      breakpoint: breakpoint
        ? { steps: stepResults, sustainablePerMin: sustainable, reachedLimit: stop }
        : undefined,
      verify,
      errors,
      thresholds: results,
      passed: results.every((r) => r.ok),
    };
  } finally {
    clearInterval(progressTimer);
    if (rssTimer) clearInterval(rssTimer);
    client.close();
  }
}

/** A breakpoint step holds when ingest p95 ≤ 1 s, nothing was rejected or failed and ≤ 1% was dropped. */
function judgeStep(ratePerMin: number, s: StepStats): BreakpointStep {
  const ingest = s.latency.summary();
  const reasons: string[] = [];
  if (ingest.p95 > 1000) reasons.push(`ingest p95 ${ingest.p95} ms > 1000 ms`);
  if (s.inFlight > 0) reasons.push(`${s.inFlight} iterations still running 5 s after the step`);
  if (s.rejected > 0) reasons.push(`${s.rejected} rejected (429/503)`);
  if (s.failed > 0) reasons.push(`${s.failed} failed`);
  if (s.dropped > 0.01 * (s.iterations + s.dropped))
    reasons.push(`${s.dropped} iterations dropped (the generator could not keep up)`);
  return {
    ratePerMin,
    iterations: s.iterations,
    dropped: s.dropped,
    ingest,
    rejected: s.rejected,
    failed: s.failed,
    ok: reasons.length === 0,
    reason: reasons.length ? reasons.join('; ') : undefined,
  };
}

/** Spans the store holds for a load run, summed over its traces through the API (paged). */
export async function countStoredSpans(client: HttpClient, runTag: string, fromMs: number): Promise<number> {
  let total = 0;
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const q = new URLSearchParams({ limit: '1000', from: String(fromMs), [`attr.${RUN_ATTRIBUTE}`]: runTag });
    if (cursor) q.set('cursor', cursor);
    const a = await client.send('GET', `/api/traces?${q}`);
    if (a.status !== 200)
      throw new Error(`counting stored spans: GET /api/traces answered ${a.status || a.error}`);
    const body = JSON.parse(a.body.toString('utf8')) as {
      items: Array<{ spanCount: number }>;
      nextCursor: string | null;
    };
    for (const t of body.items) total += t.spanCount;
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return total;
}
