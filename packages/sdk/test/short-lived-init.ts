/**
 * A CLI-like program that uses the module-level API and simply ends: no flush, no shutdown. The
 * `beforeExit` hook that `init()` installs must deliver its spans before the process exits.
 */
import { agent, init, tool } from '../src/index.js';

init({
  serviceName: 'short-cli',
  exporter: { url: process.argv[2] },
  batch: { scheduledDelayMillis: 60_000 },
});
await agent('cli-agent', () => tool('compute', () => 6 * 7));
