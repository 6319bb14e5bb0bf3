/**
 * bench:normalize — spans/s of normalizeSpans over a realistic agent mix (GenAI, OpenInference,
 * OpenLLMetry, Langfuse, HTTP, plain spans), against a baseline measured in the same run: a plain loop
 * that only reads every attribute of the same spans. The ratio is the figure to watch (machines are
 * noisy); the absolute rate shows the headroom against the ≥100k spans/s ingest target.
 *
 *   npm run bench:normalize [-- --spans 51200 --rounds 15]
 */
import {
  type Attributes,
  emptyAgentFields,
  newSpanRecord,
  type SpanRecord,
} from '../packages/server/src/model/index.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const BATCH = 512;
const SPANS = Math.ceil(arg('spans', 51_200) / BATCH) * BATCH;
const ROUNDS = arg('rounds', 15);

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function attributesFor(i: number): { name: string; spanKind: number; attributes: Attributes } {
  const session = `sess-${i % 97}`;
  switch (i % 8) {
    case 0:
      return {
        name: 'chat gpt-4o',
        spanKind: 3,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.response.id': `chatcmpl-${i}`,
          'gen_ai.request.temperature': 0.2,
          'gen_ai.request.max_tokens': 1024,
          'gen_ai.usage.input_tokens': 1200 + (i % 300),
          'gen_ai.usage.output_tokens': 200 + (i % 50),
          'gen_ai.usage.cache_read.input_tokens': 1024,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.conversation.id': session,
          'gen_ai.input.messages': `[{"role":"user","parts":[{"type":"text","content":"question ${i}"}]}]`,
          'gen_ai.output.messages': `[{"role":"assistant","parts":[{"type":"text","content":"answer ${i}"}]}]`,
          'server.address': 'api.openai.com',
          'server.port': 443,
        },
      };
    case 1:
      return {
        name: 'execute_tool search_flights',
        spanKind: 1,
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'search_flights',
          'gen_ai.tool.call.id': `call_${i}`,
          'gen_ai.tool.type': 'function',
          'gen_ai.tool.call.arguments': '{"from":"CDG","to":"FCO"}',
          'gen_ai.tool.call.result': '{"flights":3}',
          'witness.tool.side_effect': false,
        },
      };
    case 2:
      return {
        name: 'invoke_agent planner',
        spanKind: 1,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': 'planner',
          'gen_ai.agent.id': 'asst_1',
          'witness.session.id': session,
          'witness.user.id': `user-${i % 13}`,
        },
      };
    case 3:
      return {
        name: 'ChatOpenAI',
        spanKind: 1,
        attributes: {
          'openinference.span.kind': 'LLM',
          'llm.model_name': 'gpt-4o-mini-2024-07-18',
          'llm.provider': 'openai',
          'llm.system': 'openai',
          'llm.token_count.prompt': 900,
          'llm.token_count.completion': 120,
          'llm.token_count.total': 1020,
          'llm.invocation_parameters': '{"temperature":0}',
          'llm.input_messages.0.message.role': 'user',
          'llm.input_messages.0.message.content': `q ${i}`,
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.content': `a ${i}`,
          'input.value': `{"q":"${i}"}`,
          'input.mime_type': 'application/json',
          'output.value': `a ${i}`,
          'session.id': session,
        },
      };
    case 4:
      return {
        name: 'anthropic.chat',
        spanKind: 3,
        attributes: {
          'llm.request.type': 'chat',
          'gen_ai.system': 'Anthropic',
          'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
          'gen_ai.usage.prompt_tokens': 3000,
          'gen_ai.usage.completion_tokens': 400,
          'llm.usage.total_tokens': 3400,
          'gen_ai.prompt.0.role': 'user',
          'gen_ai.prompt.0.content': `plan ${i}`,
          'gen_ai.completion.0.role': 'assistant',
          'gen_ai.completion.0.content': `plan for ${i}`,
          'traceloop.workflow.name': 'trip',
          'traceloop.association.properties.user_id': `user-${i % 13}`,
        },
      };
    case 5:
      return {
        name: 'llm-call',
        spanKind: 1,
        attributes: {
          'langfuse.observation.type': 'generation',
          'langfuse.observation.model.name': 'claude-sonnet-4-5-20250929',
          'langfuse.observation.usage_details': '{"input":2000,"input_cached_tokens":6000,"output":400}',
          'langfuse.observation.input': `[{"role":"user","content":"${i}"}]`,
          'langfuse.observation.output': '{"role":"assistant","content":"ok"}',
          'langfuse.session.id': session,
          'langfuse.trace.name': 'bot',
        },
      };
    case 6:
      return {
        name: 'GET /api/items',
        spanKind: 2,
        attributes: {
          'http.request.method': 'GET',
          'url.path': '/api/items',
          'url.scheme': 'https',
          'http.response.status_code': 200,
          'http.route': '/api/items',
          'network.protocol.version': '1.1',
          'user_agent.original': 'curl/8',
        },
      };
    default:
      return {
        name: 'think',
        spanKind: 1,
        attributes: {
          'witness.kind': 'step',
          'witness.step.text': `thinking about ${i}`,
          'app.iteration': i,
        },
      };
  }
}

type Build = 'literal' | 'spread';

/**
 * A fresh batch of records, as the OTLP decoder hands them over: just built, so they sit in cache. Reusing
 * one large array across rounds would instead measure this machine's memory latency on every store.
 *
 * `literal` builds each record as the decoders do, from the model's `newSpanRecord` (one object literal
 * naming every field, derived fields included);
 * `spread` builds it as `{ ...emptyAgentFields(), … }`. Stores into objects made by object spread are
 * slow in V8 (here the whole normalizer runs ~10× slower on them), so decoders should build records the
 * `literal` way; the last figure shows why.
 */
function makeBatch(first: number, build: Build): SpanRecord[] {
  const batch: SpanRecord[] = [];
  const resource: Attributes = { 'service.name': `svc-${(first / BATCH) % 4}`, 'service.version': '1.2.3' };
  for (let i = first; i < first + BATCH; i++) {
    const { name, spanKind, attributes } = attributesFor(i);
    const traceId = hex(Math.floor(i / 10), 32);
    const spanId = hex(i + 1, 16);
    const parentSpanId = i % 10 === 0 ? null : hex(i, 16);
    const start = 1_700_000_000_000_000_000n + BigInt(i);
    const end = start + 500_000n;
    const serviceName = resource['service.name'] as string;
    batch.push(
      build === 'literal'
        ? Object.assign(newSpanRecord(serviceName, resource, 'bench', '1'), {
            traceId,
            spanId,
            parentSpanId,
            name,
            spanKind,
            startTimeUnixNano: start,
            endTimeUnixNano: end,
            attributes,
          })
        : {
            ...emptyAgentFields(),
            traceId,
            spanId,
            parentSpanId,
            name,
            serviceName,
            spanKind,
            startTimeUnixNano: start,
            endTimeUnixNano: end,
            statusCode: 'unset',
            statusMessage: '',
            attributes,
            resource,
            scopeName: 'bench',
            scopeVersion: '1',
            events: [],
            links: [],
          },
    );
  }
  return batch;
}

let sink = 0;
/** Baseline: the cheapest useful thing — read every attribute of every span once. */
function baseline(batch: SpanRecord[]): void {
  for (let i = 0; i < batch.length; i++) {
    const attrs = batch[i]!.attributes;
    for (const key in attrs) {
      const v = attrs[key];
      sink += key.length + (typeof v === 'number' ? 1 : 0);
    }
  }
}

/** Seconds spent in `fn` over SPANS spans, fed batch by batch; building the batches is not timed. */
function timeRound(fn: (batch: SpanRecord[]) => void, build: Build = 'literal'): number {
  let ns = 0n;
  for (let first = 0; first < SPANS; first += BATCH) {
    const batch = makeBatch(first, build);
    const t0 = process.hrtime.bigint();
    fn(batch);
    ns += process.hrtime.bigint() - t0;
  }
  return Number(ns) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// Warm both paths so the JIT has seen them, then interleave rounds so drift hits both alike.
for (let w = 0; w < 3; w++) {
  timeRound(baseline);
  timeRound(normalizeSpans);
}
const base: number[] = [];
const norm: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  base.push(SPANS / timeRound(baseline));
  norm.push(SPANS / timeRound(normalizeSpans));
}
const spread: number[] = [];
for (let r = 0; r < Math.max(3, ROUNDS >> 2); r++) spread.push(SPANS / timeRound(normalizeSpans, 'spread'));
const b = median(base);
const n = median(norm);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`spans: ${SPANS} (fresh batches of ${BATCH}), rounds: ${ROUNDS}, median of rounds`);
console.log(`baseline (read every attribute):  ${fmt(b)} spans/s`);
console.log(`normalizeSpans:                   ${fmt(n)} spans/s`);
console.log(`ratio normalize/baseline:         ${(n / b).toFixed(3)}`);
console.log(`normalizeSpans, records built with { ...emptyAgentFields() }: ${fmt(median(spread))} spans/s`);
if (sink === 42) console.log('');
