import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReadableSpanLike } from '../trace/types.js';
import { Witness } from '../witness.js';

function setup() {
  const spans: ReadableSpanLike[] = [];
  const w = new Witness({
    spanProcessors: [{ onEnd: (s) => spans.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  return { w, spans, warn };
}

describe('helpers with options they do not understand', () => {
  afterEach(() => vi.restoreAllMocks());

  it('warn once per problem, naming the right key, and still run and record the call', () => {
    const { w, spans, warn } = setup();
    for (let i = 0; i < 3; i++) {
      const r = w.tool({ name: 'refund', sideeffect: true, args: { id: i } } as never, () => i * 2);
      expect(r).toBe(i * 2);
    }
    expect(spans.map((s) => s.name)).toEqual(Array(3).fill('execute_tool refund'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      'Witness tool(): unknown option `sideeffect` — did you mean `sideEffect`? (ignored; the call goes on)',
    );
  });

  it('warn once about a wrong type in every helper, without throwing into the caller', async () => {
    const { w, spans, warn } = setup();
    const out = await w.agent({ name: 'a', attributes: 'x' } as never, async () => {
      w.llm({ provider: 'openai', model: 'gpt', temperature: '0.2' } as never, () => 1);
      w.llm({ provider: 'openai', model: 'gpt', usage: { inputToken: 3 } } as never, () => 1);
      w.decision({ choice: 'escalate', confidence: 1.5, reason: 'x' } as never);
      w.governance({ mode: 'autonomous', role: 'bot' } as never, () => undefined);
      w.session(42 as never, () => undefined);
      w.step(undefined as never);
      return 'done';
    });
    expect(out).toBe('done');
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(messages).toEqual([
      expect.stringContaining('agent(): option `attributes` must be an object of attribute values'),
      expect.stringContaining('llm(): option `temperature` must be a finite number, got string "0.2"'),
      expect.stringContaining('llm(): unknown option `usage.inputToken` — did you mean `usage.inputTokens`?'),
      expect.stringContaining('decision(): option `confidence` must be a number from 0 to 1, got number 1.5'),
      expect.stringContaining('decision(): unknown option `reason` — did you mean `rationale`?'),
      expect.stringContaining('governance(): unknown option `role` — did you mean `actorRole`?'),
      expect.stringContaining('session(): `id` must be a string, got number 42'),
      expect.stringContaining('step(): `text` must be a string, got undefined'),
    ]);
    // every span was still recorded
    expect(spans.map((s) => s.name)).toContain('decision escalate');
    expect(spans.filter((s) => s.name === 'chat gpt')).toHaveLength(2);
  });

  it('say nothing about valid options', () => {
    const { w, warn } = setup();
    w.agent({ name: 'a', id: 'a-1', attributes: { k: 1 } }, () =>
      w.llm({ provider: 'p', model: 'm', usage: { inputTokens: 1, outputTokens: 2 } }, () =>
        w.tool({ name: 't', args: [1], sideEffect: false, captureResult: false }, () =>
          w.decision({ choice: 'c', alternatives: ['d'], confidence: 0.5, rationale: 'r' }),
        ),
      ),
    );
    w.governance({ mode: 'm', actor: 'a', actorRole: 'r', workflow: 'w', outcome: 'o' }, () => 1);
    expect(warn).not.toHaveBeenCalled();
  });
});
