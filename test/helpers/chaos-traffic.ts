/**
 * Traffic and checks shared by the chaos tests (test/chaos/): whole-trace OTLP batches whose
 * acknowledgement is recorded, the check that every acknowledged batch is stored whole and once, and
 * `witness audit verify` on a data directory.
 */
import { spawnSync } from 'node:child_process';
import type { TraceJson } from '@witness/protocol';
import { encodeTraces, newSpanId, newTraceId, type SpanInput } from './otlp-proto.js';
import { CLI_MAIN } from './witness-process.js';

export const SPANS_PER_BATCH = 20;

/** One trace of SPANS_PER_BATCH spans (a planner and its tool calls), padded to roughly `padBytes`. */
export function traceBatch(service = 'chaos-e2e', padBytes = 0): { traceId: string; body: Uint8Array } {
  const traceId = newTraceId();
  const top = newSpanId();
  const now = BigInt(Date.now()) * 1_000_000n;
  const pad = padBytes > 0 ? 'x'.repeat(Math.ceil(padBytes / SPANS_PER_BATCH)) : undefined;
  const spans: SpanInput[] = [];
  for (let i = 0; i < SPANS_PER_BATCH; i++)
    spans.push({
      traceId,
      spanId: i === 0 ? top : newSpanId(),
      parentSpanId: i === 0 ? undefined : top,
      name: i === 0 ? 'invoke_agent planner' : `execute_tool search #${i}`,
      startNs: now + BigInt(i) * 1000n,
      endNs: now + BigInt(i) * 1000n + 5_000_000n,
      // tool calls: each one is also an audit entry, so the audit log is written on every batch
      attributes: {
        ...(i === 0 ? {} : { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' }),
        ...(pad ? { 'chaos.pad': pad } : {}),
      },
    });
  return { traceId, body: encodeTraces(service, spans) };
}

export interface Answer {
  status: number;
  retryAfter: string | null;
  /** The OTLP status message (JSON) or the raw body as text. */
  text: string;
  ms: number;
}

/** POSTs one batch; `null` when the connection failed. */
export async function send(url: string, body: Uint8Array): Promise<Answer | null> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      text,
      ms: performance.now() - t0,
    };
  } catch {
    return null;
  }
}

/** Every acknowledged trace is stored with exactly SPANS_PER_BATCH distinct spans; returns what is wrong. */
export async function missingOrBroken(url: string, traceIds: Iterable<string>): Promise<string[]> {
  const wrong: string[] = [];
  for (const traceId of traceIds) {
    const res = await fetch(`${url}/api/traces/${traceId}`);
    if (res.status !== 200) {
      wrong.push(`${traceId} missing (${res.status})`);
      await res.arrayBuffer();
      continue;
    }
    const spans = ((await res.json()) as TraceJson).spans;
    const ids = new Set(spans.map((s) => s.spanId));
    if (spans.length !== SPANS_PER_BATCH || ids.size !== SPANS_PER_BATCH)
      wrong.push(`${traceId}: ${spans.length} spans, ${ids.size} distinct`);
  }
  return wrong;
}

/** `witness audit verify -d <dir>` (optionally under a prefix such as nsenter). */
export function auditVerify(dataDir: string, prefix: string[] = []): { ok: boolean; out: string } {
  const [command, ...args] = [...prefix, process.execPath, CLI_MAIN, 'audit', 'verify', '-d', dataDir] as [
    string,
    ...string[],
  ];
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return { ok: r.status === 0 && /^OK: /.test(r.stdout), out: `${r.stdout}${r.stderr}` };
}

/** The sum of a metric's series in a Prometheus exposition whose labels contain each of `labels`; null when none. */
export function metricValue(exposition: string, name: string, ...labels: string[]): number | null {
  let sum: number | null = null;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (!labels.every((l) => (m[2] ?? '').includes(l))) continue;
    sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  return res.text();
}
