/**
 * A data directory whose DuckDB file holds generated agent traces (bench:query's: 20 spans each,
 * sessions, users, tokens, cost, errors) spread over the two days before `nowMs`, plus one
 * pathological trace: a parent chain DEEP_DEPTH steps deep with a tool call under every step.
 * Written through the store's Appender path (the same rows and trace parts as ingest).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchTrace } from '../../bench/query-spans.js';
import { emptyAgentFields, type SpanRecord } from '../../packages/server/src/model/index.js';
import { DATABASE_FILE } from '../../packages/server/src/server.js';
import { appendRawForBenchmark, openDuckDbStore } from '../../packages/server/src/store/index.js';

export const DEEP_TRACE = 'dee9dee9dee9dee9dee9dee9dee9dee9';
/** Steps in the deep trace's parent chain, each with a tool call under it. */
export const DEEP_DEPTH = 20_000;

/** A trace whose spans form one DEEP_DEPTH-deep chain of steps, a tool call hanging off every step. */
function deepTrace(nowMs: number): SpanRecord[] {
  const start = BigInt(nowMs - 3_600_000) * 1_000_000n;
  const span = (i: number, parent: number | null, kind: 'step' | 'tool' | 'agent'): SpanRecord =>
    Object.assign(emptyAgentFields(), {
      traceId: DEEP_TRACE,
      spanId: i.toString(16).padStart(16, '0'),
      parentSpanId: parent === null ? null : parent.toString(16).padStart(16, '0'),
      name: kind === 'tool' ? 'lookup' : `${kind} ${i}`,
      serviceName: 'deep-svc',
      spanKind: 1,
      kind,
      startTimeUnixNano: start + BigInt(i),
      endTimeUnixNano: start + BigInt(i) + 1000n,
      statusCode: 'unset',
      statusMessage: '',
      attributes: {},
      resource: { 'service.name': 'deep-svc' },
      scopeName: 'hostile',
      scopeVersion: '1',
      events: [],
      links: [],
      agentName: kind === 'agent' ? 'deep' : null,
      toolName: kind === 'tool' ? 'lookup' : null,
    }) as SpanRecord;
  const spans = [span(1, null, 'agent')];
  for (let i = 0; i < DEEP_DEPTH; i++) {
    const step = 2 + 2 * i;
    spans.push(span(step, step === 2 ? 1 : step - 2, 'step'), span(step + 1, step, 'tool'));
  }
  return spans;
}

export async function seededDataDir(nowMs: number, traces = 10_000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'witness-seeded-'));
  const store = await openDuckDbStore({ path: join(dir, DATABASE_FILE) });
  // one trace every 15 s, the newest two days old at most: inside the default 30-day retention
  const baseNs = BigInt(nowMs - 2 * 86_400_000) * 1_000_000n;
  function* batches(): Generator<SpanRecord[]> {
    for (let t = 0; t < traces; t += 25) {
      const batch: SpanRecord[] = [];
      for (let u = t; u < Math.min(traces, t + 25); u++) batch.push(...benchTrace(u, baseNs, 15_000));
      yield batch;
    }
    yield deepTrace(nowMs);
  }
  await appendRawForBenchmark(store, batches());
  await store.close();
  return dir;
}
