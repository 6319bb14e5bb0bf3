/**
 * The Vercel AI SDK (the `ai` npm package) as a user runs it: its own telemetry
 * (`experimental_telemetry`) on the official OpenTelemetry SDK, exported over OTLP/protobuf to a real
 * `witness serve`, read back through the query API. The model is the `ai` package's own
 * MockLanguageModelV3 (from `ai/test`), given the provider id the real OpenAI chat model reports
 * (`openai.chat`), so every span and attribute is the SDK's own.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Page, SpanJson, TraceJson, TraceSummaryJson } from '@witness/protocol';
import { embed, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { MockEmbeddingModelV3, MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, tracerProvider } from './helpers/otel.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

/** The first call asks for the weather tool, the second answers with text (a two-step agent loop). */
function chatModel() {
  let calls = 0;
  return new MockLanguageModelV3({
    provider: 'openai.chat',
    modelId: 'gpt-4o-mini',
    doGenerate: async () =>
      calls++ === 0
        ? {
            content: [
              { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: '{"city":"Paris"}' },
            ],
            finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
            usage: usage(120, 15),
            warnings: [],
          }
        : {
            content: [{ type: 'text', text: 'Sunny in Paris.' }],
            finishReason: { unified: 'stop', raw: 'stop' },
            usage: usage(180, 9),
            warnings: [],
          },
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [
          { type: 'text-start', id: 't1' },
          { type: 'text-delta', id: 't1', delta: 'Hello' },
          { type: 'text-delta', id: 't1', delta: ' world' },
          { type: 'text-end', id: 't1' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(30, 2) },
        ],
      }),
    }),
  });
}

const weather = tool({
  description: 'Current weather of a city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  }),
  execute: async ({ city }) => ({ city, sky: 'sunny' }),
});

let w: WitnessProcess;
let spans: SpanJson[] = [];
const byOp = (op: string) => spans.filter((s) => s.attributes['ai.operationId'] === op);

beforeAll(async () => {
  w = await startWitness();
  // The AI SDK nests its spans through the active context, as in any Node app with the OTel SDK.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = tracerProvider(w.url, 'vercel-ai-app');
  const tracer = provider.getTracer('app');
  const telemetry = {
    isEnabled: true,
    tracer,
    functionId: 'trip-planner',
    metadata: { sessionId: 'sess-ai-1', userId: 'user-ai-1' },
  };
  const traceId = await tracer.startActiveSpan('request', async (root) => {
    const model = chatModel();
    await generateText({
      model,
      prompt: 'Weather in Paris?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      experimental_telemetry: telemetry,
    });
    const streamed = streamText({
      model,
      system: 'Be brief.',
      prompt: 'Say hello',
      experimental_telemetry: telemetry,
    });
    await streamed.consumeStream();
    await embed({
      model: new MockEmbeddingModelV3({
        provider: 'openai.embedding',
        modelId: 'text-embedding-3-small',
        doEmbed: async () => ({ embeddings: [[0.1, 0.2, 0.3]], usage: { tokens: 4 }, warnings: [] }),
      }),
      value: 'sunny Paris',
      experimental_telemetry: telemetry,
    });
    root.end();
    return root.spanContext().traceId;
  });
  await provider.forceFlush();
  await provider.shutdown();
  context.disable();
  trace.disable();
  const { status, body } = await getJson<TraceJson>(`${w.url}/api/traces/${traceId}`);
  expect(status).toBe(200);
  spans = body.spans;
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

describe('Vercel AI SDK spans, through a real witness serve', () => {
  it('arrive as one trace with the SDK operation ids', () => {
    const ops = spans.map((s) => s.attributes['ai.operationId']).filter(Boolean);
    for (const op of [
      'ai.generateText',
      'ai.generateText.doGenerate',
      'ai.toolCall',
      'ai.streamText',
      'ai.streamText.doStream',
      'ai.embed',
      'ai.embed.doEmbed',
    ])
      expect(ops).toContain(op);
  });

  it('maps the model calls (doGenerate, doStream) to llm spans: provider openai, model, tokens, cost, messages', () => {
    const calls = [...byOp('ai.generateText.doGenerate'), ...byOp('ai.streamText.doStream')];
    expect(calls).toHaveLength(3);
    for (const s of calls) {
      expect(s.kind).toBe('llm');
      expect(s.provider).toBe('openai'); // not the SDK's provider id "openai.chat"
      expect(s.attributes['gen_ai.system']).toBe('openai.chat'); // kept as sent
      expect(s.model).toBe('gpt-4o-mini');
      expect(s.costUsd).toBeGreaterThan(0); // gpt-4o-mini is in the price table
      expect(s.sessionId).toBe('sess-ai-1');
      expect(s.userId).toBe('user-ai-1');
      expect(JSON.parse(s.input!)[0].role).toMatch(/user|system/);
    }
    const [first, second] = byOp('ai.generateText.doGenerate');
    expect([first!.inputTokens, first!.outputTokens]).toEqual([120, 15]);
    expect([second!.inputTokens, second!.outputTokens]).toEqual([180, 9]);
    expect(JSON.parse(first!.output!)[0]).toMatchObject({ toolName: 'weather', toolCallId: 'call_1' });
    expect(second!.output).toBe('Sunny in Paris.');
    const stream = byOp('ai.streamText.doStream')[0]!;
    expect(stream.output).toBe('Hello world');
    expect(JSON.parse(stream.input!)[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('maps ai.toolCall to a tool span with name, arguments and result', () => {
    const [call] = byOp('ai.toolCall');
    expect(call!.kind).toBe('tool');
    expect(call!.toolName).toBe('weather');
    expect(JSON.parse(call!.input!)).toEqual({ city: 'Paris' });
    expect(JSON.parse(call!.output!)).toEqual({ city: 'Paris', sky: 'sunny' });
    expect(call!.inputTokens).toBeNull();
  });

  it('maps generateText/streamText/embed to workflow spans that do not count their children’s tokens again', () => {
    for (const op of ['ai.generateText', 'ai.streamText', 'ai.embed']) {
      const [outer] = byOp(op);
      expect(outer!.kind, op).toBe('workflow');
      expect(outer!.inputTokens, op).toBeNull();
      expect(outer!.outputTokens, op).toBeNull();
      expect(outer!.costUsd, op).toBeNull();
      expect(outer!.provider, op).toBe('openai');
    }
    const [gen] = byOp('ai.generateText');
    expect(gen!.model).toBe('gpt-4o-mini');
    expect(gen!.output).toBe('Sunny in Paris.');
    expect(JSON.parse(gen!.input!)).toEqual({ prompt: 'Weather in Paris?' });
    // The SDK's own sum is still there, as sent.
    expect(gen!.attributes['ai.usage.inputTokens']).toBe(300);
  });

  it('maps ai.embed.doEmbed to an embedding span with its input tokens and value', () => {
    const [e] = byOp('ai.embed.doEmbed');
    expect(e!.kind).toBe('embedding');
    expect(e!.model).toBe('text-embedding-3-small');
    expect(e!.inputTokens).toBe(4);
    expect(e!.input).toContain('sunny Paris');
  });

  it('counts each token once in the trace summary', async () => {
    const root = spans.find((s) => s.name === 'request')!;
    const { body } = await getJson<Page<TraceSummaryJson>>(`${w.url}/api/traces?limit=5`);
    const item = body.items.find((i) => i.traceId === root.traceId)!;
    expect(item).toBeDefined();
    // 120+15 + 180+9 (generateText's two steps) + 30+2 (streamText) + 4 (embed)
    expect(item.totalTokens).toBe(360);
  });
});
