/**
 * The built-in demo workload, sent over real OTLP/HTTP protobuf with the official OpenTelemetry SDK and
 * exporters, exactly as an instrumented application would.
 */
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SingleBar } from 'cli-progress';
import { createDemoPipelines } from './pipelines.js';
import { Random } from './random.js';
import { runScenario } from './scenario.js';

export { type Incident, type IncidentKind, incidentAt } from './incidents.js';
export { type LiveDemo, type LiveDemoOptions, type LiveDemoStats, startLiveDemo } from './live.js';
export interface DemoOptions {
  /** Base URL of the OTLP/HTTP receiver, e.g. http://127.0.0.1:4318. */
  endpoint: string;
  /** Agent runs (traces) to send. @default 40 */
  traces?: number;
  /** @default 42 */
  seed?: number;
  /** Show a progress bar on stderr. @default false */
  progress?: boolean;
  /** Runs are spread over this many minutes before now. @default 180 */
  spreadMinutes?: number;
  /** Sent with every export (an ingest credential when the server has auth on). */
  headers?: Record<string, string>;
}

export interface DemoResult {
  traces: number;
  spans: number;
  logs: number;
  sessions: number;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const base = options.endpoint.replace(/\/+$/, '');
  const total = options.traces ?? 40;
  const rng = new Random(options.seed ?? 42);
  const spreadMs = (options.spreadMinutes ?? 180) * 60_000;

  const pipelines = createDemoPipelines(base, { maxQueueSize: 100_000, headers: options.headers });

  const bar = options.progress
    ? new SingleBar({ format: 'demo [{bar}] {value}/{total} runs', hideCursor: true })
    : null;
  bar?.start(total, 0);
  let spans = 0;
  let logs = 0;
  let sessions = 0;
  const now = Date.now();
  let sent = 0;
  while (sent < total) {
    // A session is a few runs by one user, minutes apart.
    sessions++;
    const sessionId = `sess-${sessions.toString().padStart(4, '0')}-${rng.int(1000, 9999)}`;
    let startMs = now - 60_000 - rng.next() * spreadMs;
    const runs = Math.min(rng.int(1, 4), total - sent);
    const p = rng.pick(pipelines);
    for (let i = 0; i < runs; i++) {
      const r = runScenario({
        rng,
        tracer: p.tracer,
        logger: p.logger,
        root: ROOT_CONTEXT,
        startMs,
        sessionId,
      });
      spans += r.spans;
      logs += r.logs;
      startMs += rng.int(30_000, 300_000);
      sent++;
      bar?.update(sent);
      // Let the batch processors export as we go instead of holding every span in memory.
      if (sent % 50 === 0) await Promise.all(pipelines.map((q) => q.flush()));
    }
  }
  await Promise.all(pipelines.map((q) => q.flush()));
  await Promise.all(pipelines.map((q) => q.shutdown()));
  bar?.stop();
  return { traces: total, spans, logs, sessions };
}
/** The building blocks `witness load` reuses for its traffic. */
export { DEMO_SERVICES } from './pipelines.js';
export { Random } from './random.js';
export { DEMO_USERS, runScenario } from './scenario.js';
