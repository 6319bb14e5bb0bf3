import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLlmServer } from '../../test/fake-llm-server.js';
import type { ReadableSpanLike, WitnessSpanProcessor } from '../trace/types.js';
import { Witness } from '../witness.js';
import { wrapOpenAI } from './openai.js';

const spans: ReadableSpanLike[] = [];
const mem: WitnessSpanProcessor = {
  onEnd: (s) => spans.push(s),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const witness = new Witness({ spanProcessors: [mem] });
const server = new FakeLlmServer();
let client: OpenAI;

beforeAll(async () => {
  await server.start();
  client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseUrl, maxRetries: 0 }), {
    witness,
  });
});
afterAll(() => server.stop());

const last = () => spans[spans.length - 1];
const json = (v: unknown) => JSON.parse(String(v));

describe('wrapOpenAI with the real openai client', () => {
  it('records a chat completion: model, usage with cache and reasoning, messages, under the agent span', async () => {
    spans.length = 0;
    const res = await witness.agent('assistant', () =>
      client.chat.completions.create({
        model: 'gpt-4o',
        temperature: 0.3,
        messages: [{ role: 'user', content: 'Say hi' }],
      }),
    );
    expect(res.choices[0].message.content).toBe('Hello from fake OpenAI');
    const llm = spans.find((s) => s.name === 'chat gpt-4o');
    const agent = spans.find((s) => s.name === 'invoke_agent assistant');
    expect(llm?.parentSpanContext?.spanId).toBe(agent?.spanContext().spanId);
    expect(llm?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.3,
      'gen_ai.response.model': 'gpt-4o-2025-01-01',
      'gen_ai.response.id': 'chatcmpl-fake-1',
      'gen_ai.usage.input_tokens': 50,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.usage.cache_read.input_tokens': 32,
      'gen_ai.usage.reasoning.output_tokens': 4,
      'gen_ai.response.finish_reasons': ['stop'],
      'witness.kind': 'llm',
    });
    expect(json(llm?.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Say hi' }] },
    ]);
    expect(json(llm?.attributes['gen_ai.output.messages'])[0].parts).toEqual([
      { type: 'text', content: 'Hello from fake OpenAI' },
    ]);
  });

  it('keeps the client API intact (withResponse) and records tool calls', async () => {
    spans.length = 0;
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0].finish_reason).toBe('tool_calls');
    const out = json(last().attributes['gen_ai.output.messages']);
    expect(out[0].parts).toEqual([
      { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(last().attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
  });

  it('streams chat completions and takes usage from the include_usage chunk', async () => {
    spans.length = 0;
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream please' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello stream');
    expect(server.requests.at(-1)?.body.stream_options).toEqual({ include_usage: true });
    expect(spans).toHaveLength(1);
    expect(last().attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.response.id': 'chatcmpl-fake-2',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(json(last().attributes['gen_ai.output.messages'])[0].parts).toEqual([
      { type: 'text', content: 'Hello stream' },
    ]);
  });

  it('reassembles streamed tool-call arguments, and ends the span when the consumer breaks early', async () => {
    spans.length = 0;
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    for await (const _ of stream) {
      // consume all
    }
    const out = json(last().attributes['gen_ai.output.messages']);
    expect(out[0].parts).toEqual([
      { type: 'tool_call', id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' },
    ]);
    expect(last().attributes['gen_ai.usage.input_tokens']).toBeUndefined(); // no include_usage: none in the stream

    spans.length = 0;
    const again = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    for await (const _ of again) break;
    expect(spans).toHaveLength(1);
    expect(spans[0].ended).toBe(true);
  });

  it('traces the chat.completions.stream() helper, which calls create underneath', async () => {
    spans.length = 0;
    const final = await client.chat.completions
      .stream({
        model: 'gpt-4o',
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      })
      .finalChatCompletion();
    expect(final.choices[0].message.content).toBe('Hello stream');
    await new Promise((r) => setImmediate(r));
    expect(spans).toHaveLength(1);
    expect(spans[0].attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 7,
    });
  });

  it('records the Responses API, plain and streamed', async () => {
    spans.length = 0;
    const r = await client.responses.create({ model: 'gpt-5', instructions: 'Be brief', input: 'hello' });
    expect(r.output_text).toBe('Responses says hi');
    const s = await client.responses.create({ model: 'gpt-5', input: 'hello', stream: true });
    const types: string[] = [];
    for await (const e of s) types.push(e.type);
    expect(types.at(-1)).toBe('response.completed');
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.attributes).toMatchObject({
        'gen_ai.request.model': 'gpt-5',
        'gen_ai.response.model': 'gpt-5-2025-01-01',
        'gen_ai.usage.input_tokens': 30,
        'gen_ai.usage.output_tokens': 9,
        'gen_ai.usage.cache_read.input_tokens': 10,
        'gen_ai.usage.reasoning.output_tokens': 3,
      });
      expect(json(span.attributes['gen_ai.output.messages'])[0].parts).toEqual([
        { type: 'text', content: 'Responses says hi' },
      ]);
    }
    expect(json(spans[0].attributes['gen_ai.input.messages'])).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief' }] },
      { role: 'user', parts: [{ type: 'text', content: 'hello' }] },
    ]);
  });

  it('records embeddings as kind embedding with input tokens', async () => {
    spans.length = 0;
    const r = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' });
    expect(r.data[0].embedding).toEqual([0.25, -0.5, 1]);
    expect(spans[0].name).toBe('embeddings text-embedding-3-small');
    expect(spans[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'witness.kind': 'embedding',
      'gen_ai.usage.input_tokens': 6,
      'gen_ai.response.model': 'text-embedding-3-small-v1',
    });
  });

  it('records API errors on the span and lets the client’s own error reach the caller', async () => {
    spans.length = 0;
    const err = await client.chat.completions
      .create({ model: 'broken', messages: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    await new Promise((r) => setImmediate(r));
    expect(last().status.code).toBe(2);
    expect(last().attributes['error.type']).toBe('BadRequestError');
    expect(last().status.message).toContain('does not exist');
  });

  it('can leave prompts and completions out', async () => {
    spans.length = 0;
    const quiet = wrapOpenAI(new OpenAI({ apiKey: 'sk', baseURL: server.openaiBaseUrl, maxRetries: 0 }), {
      witness,
      captureContent: false,
    });
    await quiet.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'secret' }] });
    expect(last().attributes['gen_ai.input.messages']).toBeUndefined();
    expect(last().attributes['gen_ai.output.messages']).toBeUndefined();
    expect(last().attributes['gen_ai.usage.input_tokens']).toBe(50);
  });
});
