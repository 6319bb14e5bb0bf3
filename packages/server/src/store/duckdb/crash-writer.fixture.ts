/**
 * Child process for the crash test: appends one 200-span trace per request, four in flight, and
 * prints each trace number once its append resolved (the moment the server would answer 200).
 */
import { makeSpan } from '../test-records.js';
import { openDuckDbStore } from './duckdb-store.js';

const store = await openDuckDbStore({ path: process.argv[2], threads: 1 });
let next = 0;
async function worker(): Promise<void> {
  for (;;) {
    const trace = next++;
    const spans = Array.from({ length: 200 }, (_, n) =>
      makeSpan({
        trace: trace + 1,
        n: n + 1,
        start: 1_750_000_000_000_000_000n + BigInt(trace),
        durationMs: 1,
        attributes: { pad: 'x'.repeat(200) },
      }),
    );
    await store.append({ project: 'default', spans, logs: [] });
    process.stdout.write(`${trace + 1}\n`);
  }
}
await Promise.all([worker(), worker(), worker(), worker()]);
