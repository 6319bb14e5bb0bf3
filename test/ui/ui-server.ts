/**
 * The server the UI tests drive: a real `witness serve --demo` on a fresh data directory, without the
 * live demo agents (--no-demo-live), so what a test reads from the API stays what the page shows.
 */
import { startWitness } from '../helpers/witness-process.js';

export interface UiServer {
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startDemoServer(): Promise<UiServer> {
  const proc = await startWitness({ args: ['--demo', '--no-demo-live'], startTimeoutMs: 60_000 });
  return { baseUrl: proc.url.replace(/\/$/, ''), stop: () => proc.stop() };
}
