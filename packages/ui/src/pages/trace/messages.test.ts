import type { SpanJson } from '@witness/protocol';
import { describe, expect, it } from 'vitest';
import { conversationOf } from './messages.js';

const llm = (attributes: Record<string, unknown>, io: { input?: string; output?: string } = {}) =>
  ({ kind: 'llm', attributes, input: io.input ?? null, output: io.output ?? null }) as unknown as SpanJson;

describe('conversationOf', () => {
  it('reads GenAI parts, system instructions and tool calls', () => {
    const c = conversationOf(
      llm({
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be brief.' }]),
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          {
            role: 'assistant',
            parts: [{ type: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } }],
            finish_reason: 'tool_call',
          },
        ]),
      }),
    )!;
    expect(c.input.map((m) => m.role)).toEqual(['system', 'user']);
    expect(c.input[0]!.parts[0]).toEqual({ type: 'text', text: 'Be brief.' });
    expect(c.input[1]!.parts[0]).toEqual({ type: 'text', text: 'Weather in Paris?' });
    expect(c.output[0]!.finishReason).toBe('tool_call');
    expect(c.output[0]!.parts[0]).toMatchObject({ type: 'tool_call', name: 'get_weather' });
  });

  it('reads OpenInference and legacy indexed keys in index order', () => {
    const oi = conversationOf(
      llm({
        'llm.input_messages.1.message.role': 'user',
        'llm.input_messages.1.message.content': 'second',
        'llm.input_messages.0.message.role': 'system',
        'llm.input_messages.0.message.content': 'first',
        'llm.output_messages.0.message.content': 'answer',
      }),
    )!;
    expect(oi.input.map((m) => m.parts[0])).toEqual([
      { type: 'text', text: 'first' },
      { type: 'text', text: 'second' },
    ]);
    expect(oi.output[0]).toMatchObject({ role: 'assistant', parts: [{ type: 'text', text: 'answer' }] });
    const legacy = conversationOf(llm({ 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'hi' }))!;
    expect(legacy.input[0]).toMatchObject({ role: 'user', parts: [{ type: 'text', text: 'hi' }] });
  });

  it('falls back to input/output text, OpenAI messages included', () => {
    const c = conversationOf(
      llm({}, { input: JSON.stringify([{ role: 'user', content: 'hello' }]), output: 'plain answer' }),
    )!;
    expect(c.input[0]).toMatchObject({ role: 'user', parts: [{ type: 'text', text: 'hello' }] });
    expect(c.output[0]).toMatchObject({ role: 'assistant', parts: [{ type: 'text', text: 'plain answer' }] });
    expect(conversationOf(llm({}))).toBeNull();
  });
});
