import { setTimeout as sleep } from 'node:timers/promises';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { Witness } from '../witness.js';
import type { ReadableSpanLike, WitnessSpanProcessor } from './types.js';

function memory(): WitnessSpanProcessor & { spans: ReadableSpanLike[]; byName(n: string): ReadableSpanLike } {
  const spans: ReadableSpanLike[] = [];
  return {
    spans,
    byName(n: string) {
      const s = spans.find((x) => x.name === n);
      if (!s) throw new Error(`no span named ${n}; have ${spans.map((x) => x.name).join(', ')}`);
      return s;
    },
    onEnd: (s) => spans.push(s),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

const parentOf = (s: ReadableSpanLike) => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpanLike) => s.spanContext().spanId;

describe('tracer and helpers', () => {
  it('nests across awaits, timers and promise fan-out', async () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem] });
    await w.agent('planner', async () => {
      await sleep(2);
      await Promise.all(
        [1, 2, 3].map((i) =>
          w.tool({ name: `t${i}`, args: { i } }, async () => {
            await sleep(3 - i);
            await new Promise<void>((resolve) =>
              setTimeout(() => {
                w.step(`inside timer ${i}`);
                resolve();
              }, 1),
            );
            return { ok: i };
          }),
        ),
      );
      setImmediate(() => w.decision({ choice: 'late', alternatives: ['a', 'b'], confidence: 0.5 }));
      await sleep(5);
    });
    const root = mem.byName('invoke_agent planner');
    expect(parentOf(root)).toBeUndefined();
    for (const i of [1, 2, 3]) {
      const t = mem.byName(`execute_tool t${i}`);
      expect(parentOf(t)).toBe(idOf(root));
      expect(t.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(t.attributes['gen_ai.tool.call.arguments']).toBe(JSON.stringify({ i }));
      expect(t.attributes['gen_ai.tool.call.result']).toBe(JSON.stringify({ ok: i }));
      const st = mem.spans.find((s) => s.attributes['witness.step.text'] === `inside timer ${i}`);
      expect(st && parentOf(st)).toBe(idOf(t));
    }
    expect(parentOf(mem.byName('decision late'))).toBe(idOf(root));
    expect(mem.spans).toHaveLength(8);
  });

  it('keeps concurrent runs in separate traces', async () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem] });
    await Promise.all(
      ['a', 'b'].map((n) =>
        w.agent(n, async () => {
          await sleep(n === 'a' ? 5 : 1);
          await w.llm({ provider: 'openai', model: `m-${n}` }, async (s) => {
            await sleep(1);
            s.usage({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, reasoningTokens: 1 }).cost(0.01);
          });
        }),
      ),
    );
    for (const n of ['a', 'b']) {
      const a = mem.byName(`invoke_agent ${n}`);
      const l = mem.byName(`chat m-${n}`);
      expect(parentOf(l)).toBe(idOf(a));
      expect(l.kind).toBe(SpanKind.CLIENT);
      expect(l.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': `m-${n}`,
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 5,
        'gen_ai.usage.cache_read.input_tokens': 2,
        'gen_ai.usage.reasoning.output_tokens': 1,
        'witness.cost_usd': 0.01,
        'witness.kind': 'llm',
      });
    }
    expect(mem.byName('invoke_agent a').spanContext().traceId).not.toBe(
      mem.byName('invoke_agent b').spanContext().traceId,
    );
  });

  it('records errors with type, message and stack and rethrows them unchanged', async () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem] });
    class PaymentDeclined extends Error {
      override name = 'PaymentDeclined';
    }
    const err = new PaymentDeclined('card declined');
    await expect(w.tool({ name: 'pay', sideEffect: true }, async () => Promise.reject(err))).rejects.toBe(
      err,
    );
    expect(() =>
      w.agent('sync', () => {
        throw new TypeError('bad');
      }),
    ).toThrow(TypeError);
    const pay = mem.byName('execute_tool pay');
    expect(pay.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined' });
    expect(pay.attributes['error.type']).toBe('PaymentDeclined');
    expect(pay.attributes['witness.tool.side_effect']).toBe(true);
    const ev = pay.events[0];
    expect(ev.name).toBe('exception');
    expect(ev.attributes).toMatchObject({
      'exception.type': 'PaymentDeclined',
      'exception.message': 'card declined',
    });
    expect(String(ev.attributes?.['exception.stacktrace'])).toContain('tracer.test.ts');
    expect(mem.byName('invoke_agent sync').attributes['error.type']).toBe('TypeError');
  });

  it('copies session, user and governance context onto every span inside, and only inside', async () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem] });
    await w.session('s-1', () =>
      w.user('u-9', () =>
        w.governance({ mode: 'autonomous', actor: 'bot' }, () => w.agent('a', async () => w.step('think'))),
      ),
    );
    w.step('outside');
    for (const s of [
      mem.byName('invoke_agent a'),
      mem.spans.find((x) => x.attributes['witness.step.text'] === 'think'),
    ]) {
      expect(s?.attributes).toMatchObject({
        'witness.session.id': 's-1',
        'gen_ai.conversation.id': 's-1',
        'witness.user.id': 'u-9',
        'witness.governance.mode': 'autonomous',
        'witness.governance.actor': 'bot',
      });
    }
    const outside = mem.spans.find((x) => x.attributes['witness.step.text'] === 'outside');
    expect(outside?.attributes['witness.session.id']).toBeUndefined();
  });

  it('records decisions with alternatives and drops an out-of-range confidence', () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem] });
    w.decision({
      choice: 'refund',
      alternatives: ['refund', 'escalate'],
      confidence: 0.8,
      rationale: 'policy 4',
    });
    w.decision({ choice: 'x', confidence: 7 });
    expect(mem.byName('decision refund').attributes).toMatchObject({
      'witness.kind': 'decision',
      'witness.decision.choice': 'refund',
      'witness.decision.alternatives': ['refund', 'escalate'],
      'witness.decision.confidence': 0.8,
      'witness.decision.rationale': 'policy 4',
    });
    expect(mem.byName('decision x').attributes['witness.decision.confidence']).toBeUndefined();
  });

  it('implements the OpenTelemetry API: startActiveSpan nests without a global context manager', async () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem] });
    const tracer = w.provider.getTracer('lib');
    await tracer.startActiveSpan('outer', async (outer) => {
      await sleep(1);
      const inner = tracer.startSpan('inner');
      inner.end();
      await w.tool('t', () => 1);
      outer.end();
    });
    expect(context.active()).toBe(ROOT_CONTEXT);
    const outer = mem.byName('outer');
    expect(parentOf(mem.byName('inner'))).toBe(idOf(outer));
    expect(parentOf(mem.byName('execute_tool t'))).toBe(idOf(outer));
    expect(trace.getTracerProvider()).not.toBe(w.provider);
  });

  it('bounds attributes per span and counts what it dropped', () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem] });
    const s = w.tracer.startSpan('many');
    for (let i = 0; i < 200; i++) s.setAttribute(`k${i}`, i);
    s.setAttribute('k0', 'overwrite keeps the count');
    s.end();
    s.setAttribute('after-end', 1);
    const r = mem.byName('many');
    expect(Object.keys(r.attributes)).toHaveLength(128);
    expect(r.attributes.k0).toBe('overwrite keeps the count');
    expect(r.droppedAttributesCount).toBe(72);
    expect(r.attributes['after-end']).toBeUndefined();
  });

  it('keeps working when a processor throws', () => {
    const mem = memory();
    const bad: WitnessSpanProcessor = {
      onEnd() {
        throw new Error('processor bug');
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const w = new Witness({ spanProcessors: [bad, mem] });
    expect(w.tool('t', () => 5)).toBe(5);
    expect(mem.spans).toHaveLength(1);
  });
});
