/**
 * Crafted agent traffic for the anomaly tests: steady runs then a latency spike, a tool loop, a costly
 * run. Sent as OTLP/protobuf to a real Witness; spans are backdated by bucket (the live series bucket by
 * span end time), so hours of history take a few requests.
 */
import { type AttrInput, encodeTraces, newSpanId, newTraceId, type SpanInput } from './otlp-proto.js';

const ms = (n: number) => BigInt(Math.round(n)) * 1_000_000n;

export async function postSpans(
  url: string,
  service: string,
  spans: SpanInput[],
  project?: string,
): Promise<void> {
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    body: encodeTraces(service, spans),
    headers: {
      'content-type': 'application/x-protobuf',
      ...(project ? { 'x-witness-project': project } : {}),
    },
  });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

export interface RunSpec {
  agent: string;
  endMs: number;
  tools?: Array<{ name: string; args: string; durationMs: number }>;
  llm?: { model: string; costUsd: number; tokens: number };
}

/** One agent run as one trace: the agent span (root, exported last) over its tool and LLM calls. */
export function runSpans(spec: RunSpec): { traceId: string; spans: SpanInput[] } {
  const traceId = newTraceId();
  const rootId = newSpanId();
  const spans: SpanInput[] = [];
  let t = spec.endMs - 20;
  for (const tool of spec.tools ?? []) {
    spans.push({
      traceId,
      spanId: newSpanId(),
      parentSpanId: rootId,
      name: `execute_tool ${tool.name}`,
      startNs: ms(t - tool.durationMs),
      endNs: ms(t),
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool.name,
        'gen_ai.tool.call.arguments': tool.args,
      },
    });
    t -= 0.01;
  }
  if (spec.llm) {
    const attrs: Record<string, AttrInput> = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': spec.llm.model,
      'gen_ai.usage.input_tokens': spec.llm.tokens,
      'gen_ai.usage.output_tokens': 0,
      'witness.cost_usd': spec.llm.costUsd,
    };
    spans.push({
      traceId,
      spanId: newSpanId(),
      parentSpanId: rootId,
      name: 'chat',
      startNs: ms(t - 500),
      endNs: ms(t),
      attributes: attrs,
    });
  }
  spans.push({
    traceId,
    spanId: rootId,
    name: `invoke_agent ${spec.agent}`,
    startNs: ms(spec.endMs - 10_000),
    endNs: ms(spec.endMs),
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': spec.agent },
  });
  return { traceId, spans };
}

/** Deterministic noise in [-1, 1]. */
const noise = (i: number) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 78.233) * 0.5;

/**
 * `buckets` minutes of steady runs of `agent` in `service` (one run a minute, three `search` calls of
 * ~120 ms), ending a few minutes ago, the run of bucket `spikeAt` calling `search` at ~9 s. Returns the
 * spike's trace id and bucket start.
 */
export async function steadyThenSpike(
  url: string,
  o: { service: string; agent: string; buckets?: number; spikeAt?: number; project?: string },
): Promise<{ traceId: string; spikeMs: number }> {
  const buckets = o.buckets ?? 220;
  const spikeAt = o.spikeAt ?? buckets - 10;
  const minute = 60_000;
  const first = (Math.floor(Date.now() / minute) - buckets - 5) * minute;
  let spike = { traceId: '', spikeMs: 0 };
  let pending: SpanInput[] = [];
  for (let b = 0; b < buckets; b++) {
    const slow = b === spikeAt;
    const tools = [0, 1, 2].map((k) => ({
      name: 'search',
      args: `{"q":"order ${b}-${k}"}`,
      durationMs: slow ? 9000 + k * 100 : 120 + 25 * noise(b * 3 + k),
    }));
    const run = runSpans({
      agent: o.agent,
      endMs: first + b * minute + 30_000,
      tools,
      llm: { model: 'gpt-4o-mini', costUsd: 0.002, tokens: 400 },
    });
    if (slow) spike = { traceId: run.traceId, spikeMs: first + b * minute };
    pending.push(...run.spans);
    if (pending.length >= 400) {
      await postSpans(url, o.service, pending, o.project);
      pending = [];
    }
  }
  if (pending.length) await postSpans(url, o.service, pending, o.project);
  return spike;
}
