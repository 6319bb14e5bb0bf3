/**
 * Realistic agent spans for bench:ingest, encoded once as OTLP protobuf: one batch is 512 spans in
 * 16 agent runs (agent → reasoning → LLM calls of three providers → tool calls, some failing). Each
 * request gets fresh trace ids by patching the id bytes in a copy of the template (no re-encoding, so
 * the load process measures the server, not itself).
 */
import { encodeTraces, type SpanInput } from '../test/helpers/otlp-proto.js';

export const BATCH_SPANS = 512;
const SPANS_PER_TRACE = 32;
const TRACES = BATCH_SPANS / SPANS_PER_TRACE;

const MODELS = [
  ['openai', 'gpt-4o', 'gpt-4o-2024-08-06'],
  ['anthropic', 'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
  ['gcp.gemini', 'gemini-2.5-flash', 'gemini-2.5-flash'],
] as const;

/** A marker trace id: bytes 0..3 are the marker, 4..7 the trace index; patched per request. */
const MARKER = 'feedc0de';
const traceIdOf = (t: number) => `${MARKER}${t.toString(16).padStart(8, '0')}${'ab'.repeat(8)}`;

function spanOf(t: number, i: number, base: bigint): SpanInput {
  const traceId = traceIdOf(t);
  const spanId = (t * 256 + i + 1).toString(16).padStart(16, '0');
  const rootId = (t * 256 + 1).toString(16).padStart(16, '0');
  const start = base + BigInt(i) * 10_000_000n;
  const common = { traceId, spanId, parentSpanId: i === 0 ? undefined : rootId, startNs: start };
  const session = { 'witness.session.id': `sess-${t % 7}`, 'witness.user.id': `user-${t % 5}@example.com` };
  if (i === 0) {
    return {
      ...common,
      name: 'invoke_agent planner',
      endNs: start + 8_000_000_000n,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'planner',
        'witness.kind': 'agent',
        ...session,
        'witness.input': `Plan task ${t}: fix the flaky checkout test and open a pull request`,
      },
    };
  }
  switch (i % 4) {
    case 0: {
      const [provider, req, res] = MODELS[i % 3];
      return {
        ...common,
        name: `chat ${req}`,
        kind: 3,
        endNs: start + 900_000_000n,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': provider,
          'gen_ai.request.model': req,
          'gen_ai.response.model': res,
          'gen_ai.request.temperature': 0.2,
          'gen_ai.usage.input_tokens': 1200 + i,
          'gen_ai.usage.output_tokens': 150 + i,
          'gen_ai.agent.name': 'coder',
          'witness.input': `Write a patch for step ${i}; the test fails with a timeout in the payment mock.`,
          'witness.output': 'Here is the patch: increase the mock timeout and await the settle promise.',
          'server.address': 'api.example.com',
          ...session,
        },
      };
    }
    case 1:
      return {
        ...common,
        name: 'execute_tool run_tests',
        kind: 3,
        endNs: start + 2_500_000_000n,
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'run_tests',
          'gen_ai.tool.call.arguments': '{"suite":"integration","filter":"checkout"}',
          'gen_ai.tool.call.result': '{"passed":41,"failed":1}',
          'witness.tool.side_effect': false,
          ...session,
        },
        status: i % 8 === 5 ? { code: 2, message: 'exit code 1' } : undefined,
      };
    case 2:
      return {
        ...common,
        name: 'reasoning',
        endNs: start + 20_000_000n,
        attributes: {
          'witness.kind': 'step',
          'witness.agent.name': 'coder',
          'witness.step.text': 'The failure is a race between the mock and the assertion.',
          ...session,
        },
      };
    default:
      return {
        ...common,
        name: 'decide next_action',
        endNs: start + 5_000_000n,
        attributes: {
          'witness.kind': 'decision',
          'witness.decision.choice': 'open_pull_request',
          'witness.decision.alternatives': '["open_pull_request","ask_user","retry"]',
          'witness.decision.confidence': 0.82,
          'witness.governance.mode': 'human_in_the_loop',
          'witness.governance.actor': 'alice@example.com',
          ...session,
        },
      };
  }
}

export interface PayloadTemplate {
  bytes: Uint8Array;
  /** Offsets of byte 4 of every trace id in `bytes` (where the per-request number goes). */
  idOffsets: number[];
}

export function buildTemplate(): PayloadTemplate {
  const base = BigInt(Date.now() - 3_600_000) * 1_000_000n;
  const spans: SpanInput[] = [];
  for (let t = 0; t < TRACES; t++) for (let i = 0; i < SPANS_PER_TRACE; i++) spans.push(spanOf(t, i, base));
  const bytes = encodeTraces('bench-agents', spans);
  const marker = Buffer.from(MARKER, 'hex');
  const idOffsets: number[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = buf.indexOf(marker); at >= 0; at = buf.indexOf(marker, at + 1)) idOffsets.push(at);
  if (idOffsets.length !== BATCH_SPANS)
    throw new Error(`expected ${BATCH_SPANS} trace ids in the template, found ${idOffsets.length}`);
  return { bytes, idOffsets };
}

/** A copy of the template whose trace ids carry `requestNo` (unique per request and load process). */
export function payloadFor(template: PayloadTemplate, requestNo: number, processTag: number): Uint8Array {
  const out = Buffer.from(template.bytes);
  for (const at of template.idOffsets) {
    out.writeUInt32BE(requestNo >>> 0, at);
    out.writeUInt32BE(processTag >>> 0, at + 8);
  }
  return out;
}
