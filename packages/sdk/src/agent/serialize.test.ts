import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_CHARS, toGenAiMessages, toPayload } from './serialize.js';

describe('payload serialisation', () => {
  it('never throws: BigInt, cycles, undefined; truncates huge values', () => {
    expect(toPayload({ n: 10n })).toBe('{"n":"10"}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(toPayload(cyclic)).toBe('[object Object]');
    expect(toPayload(undefined)).toBeUndefined();
    expect(toPayload('plain text')).toBe('plain text');
    const big = toPayload('x'.repeat(MAX_PAYLOAD_CHARS + 10));
    expect(big?.length).toBe(MAX_PAYLOAD_CHARS + '…[truncated]'.length);
  });

  it('converts provider message shapes to GenAI role + parts', () => {
    expect(
      toGenAiMessages([
        { role: 'system', content: 'be nice' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: '42' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'g', input: { a: 1 } }] },
        { role: 'user', parts: [{ type: 'text', content: 'already GenAI' }] },
        'bare string',
      ]),
    ).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'be nice' }] },
      { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: '42' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 't1', name: 'g', arguments: { a: 1 } }] },
      { role: 'user', parts: [{ type: 'text', content: 'already GenAI' }] },
      { role: 'user', parts: [{ type: 'text', content: 'bare string' }] },
    ]);
  });
});
