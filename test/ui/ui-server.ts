/**
 * The server the UI tests drive: a real `witness serve --demo` on a fresh data directory, without the
 * live demo agents (--no-demo-live), so what a test reads from the API stays what the page shows.
 * It returns once the demo history is all sent (the server listens before that): a test that compares
 * an API answer with the page while the history still arrives would race it.
 */
import { startWitness } from '../helpers/witness-process.js';

/** The line `witness serve --demo` prints once its history is acknowledged. */
export const DEMO_SENT = /^Demo: \d+ agent runs sent\./m;

export interface UiServer {
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startDemoServer(): Promise<UiServer> {
  const proc = await startWitness({ args: ['--demo', '--no-demo-live'], startTimeoutMs: 60_000 });
  await proc.waitForStdout(DEMO_SENT, 120_000);
  return { baseUrl: proc.url.replace(/\/$/, ''), stop: () => proc.stop() };
}
