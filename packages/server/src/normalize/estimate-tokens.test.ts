import { describe, expect, it } from 'vitest';
import { type Attributes, newSpanRecord, type SpanRecord } from '../model/index.js';
import { recordedTextTokens, TOKENIZE_SAMPLE_CHARS, textTokens } from './estimate-tokens.js';
import { normalizeSpans } from './normalize-spans.js';

function normalized(attributes: Attributes): SpanRecord {
  const span = Object.assign(newSpanRecord('svc', { 'service.name': 'svc' }, 'test', '1'), {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    name: 'llm',
    attributes,
  });
  normalizeSpans([span]);
  return span;
}

/** An OpenInference LLM span as its instrumentations record a streamed call: text, no token counts. */
const streamedOpenInference: Attributes = {
  'openinference.span.kind': 'LLM',
  'llm.model_name': 'gpt-4o-mini',
  'llm.provider': 'openai',
  'input.value':
    '[{"role":"system","content":"Be brief."},{"role":"user","content":"What is the capital of France?"}]',
  'input.mime_type': 'application/json',
  'output.value': 'The capital of France is Paris.',
  'llm.invocation_parameters': '{"stream":true}',
};

describe('token estimates for LLM calls that report no counts', () => {
  it('counts text with the o200k_base tokenizer and messages with OpenAI’s per-message overhead', () => {
    expect(textTokens('Hello world')).toBe(2);
    // OpenAI's formula: 3 per message + role + content, + 3 to prime the reply.
    expect(recordedTextTokens('[{"role":"user","content":"Hello world"}]')).toBe(3 + 1 + 2 + 3);
    // GenAI `parts` and the AI SDK's content arrays are read the same way.
    expect(recordedTextTokens('[{"role":"user","parts":[{"type":"text","content":"Hello world"}]}]')).toBe(9);
    expect(recordedTextTokens('[{"role":"user","content":[{"type":"text","text":"Hello world"}]}]')).toBe(9);
    // A completion is billed for its content only; non-message JSON and bad JSON count as text.
    expect(recordedTextTokens('[{"role":"assistant","content":"Hello world"}]', false)).toBe(1 + 2);
    expect(recordedTextTokens('{not json')).toBe(textTokens('{not json'));
  });

  it('estimates a streamed OpenInference call: tokens, cost from the price table, and the mark', () => {
    const s = normalized({ ...streamedOpenInference });
    expect(s.kind).toBe('llm');
    expect(s.inputTokens).toBe(recordedTextTokens(streamedOpenInference['input.value'] as string));
    expect(s.outputTokens).toBe(textTokens('The capital of France is Paris.'));
    expect(s.inputTokens).toBeGreaterThan(10);
    expect(s.tokensEstimated).toBe(true);
    expect(s.attributes['witness.tokens.estimated']).toBe(true);
    expect(s.costUsd).toBeGreaterThan(0);
  });

  it('estimates a streamed OpenLLMetry call (legacy indexed prompt and completion)', () => {
    const s = normalized({
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-4o',
      'llm.is_streaming': true,
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Hello world',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Hi there',
    });
    expect(s.inputTokens).toBe(9);
    expect(s.outputTokens).toBe(1 + textTokens('Hi there'));
    expect(s.tokensEstimated).toBe(true);
  });

  it('never estimates over reported counts: a reported side stays, only a missing side is estimated', () => {
    const both = normalized({
      ...streamedOpenInference,
      'llm.token_count.prompt': 900,
      'llm.token_count.completion': 7,
    });
    expect([both.inputTokens, both.outputTokens, both.tokensEstimated]).toEqual([900, 7, false]);
    expect(both.attributes['witness.tokens.estimated']).toBeUndefined();
    const half = normalized({ ...streamedOpenInference, 'llm.token_count.prompt': 900 });
    expect(half.inputTokens).toBe(900);
    expect(half.outputTokens).toBe(textTokens('The capital of France is Paris.'));
    expect(half.tokensEstimated).toBe(true);
    // A reported total is a reported count even when it cannot be split.
    const total = normalized({ ...streamedOpenInference, 'llm.token_count.total': 50 });
    expect([total.inputTokens, total.outputTokens, total.tokensEstimated]).toEqual([null, null, false]);
  });

  it('estimates LLM calls only, and does not trust a client’s own mark', () => {
    const tool = normalized({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.call.arguments': '{"a":1}',
    });
    expect(tool.inputTokens).toBeNull();
    expect(tool.tokensEstimated).toBe(false);
    const forged = normalized({
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 5,
      'witness.tokens.estimated': true,
    });
    expect(forged.tokensEstimated).toBe(false);
    expect(forged.attributes['witness.tokens.estimated']).toBeUndefined();
  });

  it('is idempotent: normalizing the same record twice gives the same estimate', () => {
    const s = normalized({ ...streamedOpenInference });
    const first = [s.inputTokens, s.outputTokens, s.costUsd, s.tokensEstimated];
    normalizeSpans([s]);
    expect([s.inputTokens, s.outputTokens, s.costUsd, s.tokensEstimated]).toEqual(first);
  });

  it('bounds the work on huge text: past the sample it extrapolates, close to the exact count', () => {
    const sentence = 'The quick brown fox jumps over the lazy dog. ';
    const huge = sentence.repeat(Math.ceil((4 * 1024 * 1024) / sentence.length)); // 4 MiB
    const exactPerSentence = textTokens(sentence.repeat(10)) / 10;
    const estimate = textTokens(huge);
    const exact = (huge.length / sentence.length) * exactPerSentence;
    expect(huge.length).toBeGreaterThan(100 * TOKENIZE_SAMPLE_CHARS);
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.02);
  });
});
