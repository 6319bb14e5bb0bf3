import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLlmServer } from '../../test/fake-llm-server.js';
import type { ReadableSpanLike, WitnessSpanProcessor } from '../trace/types.js';
import { Witness } from '../witness.js';
import { wrapAnthropic } from './anthropic.js';

const spans: ReadableSpanLike[] = [];
const mem: WitnessSpanProcessor = {
  onEnd: (s) => spans.push(s),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const witness = new Witness({ spanProcessors: [mem] });
const server = new FakeLlmServer();
let client: Anthropic;

beforeAll(async () => {
  await server.start();
  client = wrapAnthropic(
    new Anthropic({ apiKey: 'test-key', baseURL: server.anthropicBaseUrl, maxRetries: 0 }),
    { witness },
  );
});
afterAll(() => server.stop());

const json = (v: unknown) => JSON.parse(String(v));
const tools = [{ name: 'get_weather', description: 'weather', input_schema: { type: 'object' as const } }];

describe('wrapAnthropic with the real @anthropic-ai/sdk client', () => {
  it('records a message: usage with cache reads and writes folded into input tokens, system + messages', async () => {
    spans.length = 0;
    const msg = await witness.agent('claude-agent', () =>
      client.messages.create({
        model: 'claude-sonnet-5',
        max_tokens: 256,
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'Hello' }],
      }),
    );
    expect(msg.content[0]).toEqual({ type: 'text', text: 'Hello from fake Claude' });
    const llm = spans.find((s) => s.name === 'chat claude-sonnet-5');
    expect(llm?.parentSpanContext?.spanId).toBe(
      spans.find((s) => s.name === 'invoke_agent claude-agent')?.spanContext().spanId,
    );
    expect(llm?.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.response.model': 'claude-sonnet-5-20250101',
      'gen_ai.response.id': 'msg_fake_1',
      'gen_ai.usage.input_tokens': 145,
      'gen_ai.usage.output_tokens': 15,
      'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.usage.cache_creation.input_tokens': 5,
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
    expect(json(llm?.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Hello' }] },
    ]);
  });

  it('records tool_use blocks as tool calls', async () => {
    spans.length = 0;
    await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const out = json(spans[0].attributes['gen_ai.output.messages']);
    expect(out[0].parts).toEqual([
      { type: 'text', content: 'Let me check.' },
      { type: 'tool_call', id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } },
    ]);
    expect(spans[0].attributes['gen_ai.response.finish_reasons']).toEqual(['tool_use']);
  });

  it('streams (stream: true): text, tool input JSON and usage from message_start + message_delta', async () => {
    spans.length = 0;
    const stream = await client.messages.create({
      model: 'claude-sonnet-5',
      max_tokens: 100,
      stream: true,
      tools,
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
    });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(spans).toHaveLength(1);
    expect(spans[0].attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 33,
      'gen_ai.usage.output_tokens': 17,
      'gen_ai.usage.cache_read.input_tokens': 8,
      'gen_ai.response.id': 'msg_fake_2',
      'gen_ai.response.finish_reasons': ['tool_use'],
    });
    expect(json(spans[0].attributes['gen_ai.output.messages'])[0].parts).toEqual([
      { type: 'text', content: 'Hi there' },
      { type: 'tool_call', id: 'toolu_9', name: 'get_weather', arguments: { city: 'Rome' } },
    ]);
  });

  it('traces the messages.stream() helper too', async () => {
    spans.length = 0;
    const final = await client.messages
      .stream({ model: 'claude-sonnet-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hi there' });
    await new Promise((r) => setImmediate(r));
    expect(spans).toHaveLength(1);
    expect(spans[0].attributes['gen_ai.usage.output_tokens']).toBe(17);
  });

  it('records API errors and passes the client’s error through', async () => {
    spans.length = 0;
    const err = await client.messages
      .create({ model: 'broken', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    await new Promise((r) => setImmediate(r));
    expect(spans[0].status.code).toBe(2);
    expect(spans[0].attributes['error.type']).toBe('BadRequestError');
  });
});
