/**
 * What `witness serve --demo` runs once the server listens: the one-shot workload (a few hours of
 * history), then, unless `--no-demo-live`, the live demo agents with their incidents until shutdown.
 */
import { type DemoResult, runDemo } from './index.js';
import { type LiveDemo, startLiveDemo } from './live.js';

export interface ServeDemoOptions {
  /** The server's own base URL: the demo goes over real OTLP to it. */
  endpoint: string;
  /** Agent runs of the one-shot workload. */
  traces: number;
  live: boolean;
  /** Demo minutes per wall-clock minute for the live agents. @default 1 */
  speed?: number;
  logger: { info(obj: object, msg: string): void };
  /** Sent with every export (an ingest credential when the server has auth on). */
  headers?: Record<string, string>;
}

export interface ServeDemo {
  /** What the one-shot history sent. */
  history: DemoResult;
  /** Stops the live agents (sending what they queued); call before closing the server. */
  stop(): Promise<void>;
}

export async function startServeDemo(options: ServeDemoOptions): Promise<ServeDemo> {
  if (!Number.isInteger(options.traces) || options.traces < 1)
    throw new Error(`--demo-traces must be a positive integer, got ${options.traces}`);
  const speed = options.speed ?? 1;
  // checked before anything is sent, so a bad flag stops the start instead of half a demo
  if (!(speed > 0 && speed <= 1000)) throw new Error(`--demo-speed must be in (0, 1000], got ${speed}`);
  let live: LiveDemo | null = null;
  let stopped = false;
  const result = await runDemo({
    endpoint: options.endpoint,
    traces: options.traces,
    seed: 42,
    progress: process.stderr.isTTY === true,
    headers: options.headers,
  });
  options.logger.info(result, 'demo workload sent');
  if (options.live && !stopped) {
    live = startLiveDemo({
      endpoint: options.endpoint,
      speed,
      logger: options.logger,
      headers: options.headers,
    });
    const backfill = await live.ready;
    options.logger.info(
      { runs: backfill.runs, spans: backfill.spans, speed },
      'demo: the last hour backfilled, live agents running',
    );
  }
  return {
    history: result,
    async stop() {
      stopped = true;
      await live?.stop();
    },
  };
}
