import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, type ProxyTracerProvider, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { Witness } from '../witness.js';
import type { ReadableSpanLike, WitnessSpanProcessor } from './types.js';

function memory(): WitnessSpanProcessor & { spans: ReadableSpanLike[] } {
  const spans: ReadableSpanLike[] = [];
  return { spans, onEnd: (s) => spans.push(s), forceFlush: async () => {}, shutdown: async () => {} };
}

afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('beside a registered @opentelemetry/sdk-trace-node provider', () => {
  it('both receive all their spans, in one trace tree, and the global provider stays the host’s', async () => {
    const hostExporter = new InMemorySpanExporter();
    const host = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(hostExporter)] });
    host.register();
    const mem = memory();
    const w = new Witness({ serviceName: 'agent', spanProcessors: [mem] });
    const hostTracer = trace.getTracer('host-app');

    const RUNS = 50;
    await Promise.all(
      [...Array(RUNS)].map((_, i) =>
        hostTracer.startActiveSpan(`request ${i}`, async (req) => {
          await sleep(i % 3);
          await w.agent(`agent ${i}`, async () => {
            await sleep(1);
            // a library instrumented against the global API, called inside a Witness span
            hostTracer.startActiveSpan(`db ${i}`, (db) => {
              db.end();
            });
            await w.tool(`tool ${i}`, async () => sleep(1));
          });
          req.end();
        }),
      ),
    );

    const hostSpans = hostExporter.getFinishedSpans();
    expect(hostSpans).toHaveLength(RUNS * 2);
    expect(mem.spans).toHaveLength(RUNS * 2);
    for (let i = 0; i < RUNS; i++) {
      const req = hostSpans.find((s) => s.name === `request ${i}`);
      const db = hostSpans.find((s) => s.name === `db ${i}`);
      const ag = mem.spans.find((s) => s.name === `invoke_agent agent ${i}`);
      const tl = mem.spans.find((s) => s.name === `execute_tool tool ${i}`);
      if (!req || !db || !ag || !tl) throw new Error(`run ${i} lost a span`);
      const traceId = req.spanContext().traceId;
      for (const s of [db, ag, tl]) expect(s.spanContext().traceId).toBe(traceId);
      expect(ag.parentSpanContext?.spanId).toBe(req.spanContext().spanId);
      expect(db.parentSpanContext?.spanId).toBe(ag.spanContext().spanId);
      expect(tl.parentSpanContext?.spanId).toBe(ag.spanContext().spanId);
    }
    // Witness spans never went to the host's pipeline, and the host's never to Witness
    expect(hostSpans.some((s) => s.name.startsWith('invoke_agent'))).toBe(false);
    expect(mem.spans.some((s) => s.name.startsWith('request'))).toBe(false);
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(host);
    await host.shutdown();
  });

  it('takes over the global provider only when asked', () => {
    const mem = memory();
    const w = new Witness({ spanProcessors: [mem], registerGlobal: true });
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(w.provider);
    trace.getTracer('lib').startSpan('via global api').end();
    expect(mem.spans.map((s) => s.name)).toEqual(['via global api']);
  });
});
