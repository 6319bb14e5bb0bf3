/**
 * One OTLP/protobuf batch = one agent trace: an `invoke_agent planner` root and `spans - 1` children
 * under it, all starting now. Crash, kill -9, spool and backup tests send these and read each trace
 * back: a trace with exactly `spans` spans proves its batch arrived whole.
 */
import { type AttrInput, encodeTraces, newSpanId, newTraceId, type SpanInput } from './otlp-proto.js';

export interface AgentBatchOptions {
  /** Spans in the batch, the root included. */
  spans: number;
  /** Name and attributes of child `i` (1-based). @default an LLM call `chat gpt-4o #i` */
  child?: (i: number) => { name: string; attributes?: Record<string, AttrInput> };
  /** Attributes of the root. @default { 'gen_ai.operation.name': 'invoke_agent' } */
  rootAttributes?: Record<string, AttrInput>;
}

const llmCall = (i: number) => ({
  name: `chat gpt-4o #${i}`,
  attributes: { 'gen_ai.request.model': 'gpt-4o' },
});

export function agentBatch(
  service: string,
  options: AgentBatchOptions,
): { traceId: string; body: Uint8Array } {
  const traceId = newTraceId();
  const root = newSpanId();
  const now = BigInt(Date.now()) * 1_000_000n;
  const child = options.child ?? llmCall;
  const spans: SpanInput[] = [];
  for (let i = 0; i < options.spans; i++) {
    const { name, attributes } =
      i === 0
        ? {
            name: 'invoke_agent planner',
            attributes: options.rootAttributes ?? { 'gen_ai.operation.name': 'invoke_agent' },
          }
        : child(i);
    spans.push({
      traceId,
      spanId: i === 0 ? root : newSpanId(),
      parentSpanId: i === 0 ? undefined : root,
      name,
      startNs: now + BigInt(i) * 1000n,
      endNs: now + BigInt(i) * 1000n + 5_000_000n,
      attributes,
    });
  }
  return { traceId, body: encodeTraces(service, spans) };
}
