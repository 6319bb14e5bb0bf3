import { ROOT_CONTEXT } from '@opentelemetry/api';
import { createNoopLogger } from '@opentelemetry/api-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { Random } from './random.js';
import { runScenario, type ScenarioEffects } from './scenario.js';

const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
const duration = (s: ReadableSpan) => ms(s.endTime) - ms(s.startTime);

/** Runs `n` scenarios on one seeded generator, with `effects` on every run, and returns their spans. */
function record(seed: number, n: number, effects?: ScenarioEffects) {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
    't',
  );
  const rng = new Random(seed);
  const ends: number[] = [];
  for (let i = 0; i < n; i++)
    ends.push(
      runScenario({
        rng,
        tracer,
        logger: createNoopLogger(),
        root: ROOT_CONTEXT,
        startMs: 1_700_000_000_000 + i * 60_000,
        sessionId: `s-${i}`,
        effects,
      }).endMs,
    );
  return { spans: exporter.getFinishedSpans(), ends };
}

const llm = (spans: ReadableSpan[], model: string) =>
  spans.filter((s) => s.attributes['gen_ai.request.model'] === model);
const toolCalls = (spans: ReadableSpan[], tool: string) =>
  spans.filter((s) => s.attributes['gen_ai.tool.name'] === tool);
const failed = (spans: ReadableSpan[]) => spans.filter((s) => s.status.code === 2).length;

describe('demo scenario', () => {
  it('is the same workload for the same seed, and endMs is when the root span ends', () => {
    const a = record(7, 20);
    const b = record(7, 20);
    expect(a.spans.map((s) => [s.name, s.startTime, s.endTime])).toEqual(
      b.spans.map((s) => [s.name, s.startTime, s.endTime]),
    );
    const roots = a.spans.filter((s) => s.parentSpanContext === undefined);
    expect(roots.map((s) => ms(s.endTime))).toEqual(a.ends);
  });

  it('no effects draw nothing extra: an empty effects object is the same run', () => {
    const a = record(11, 10);
    const b = record(11, 10, {});
    expect(a.spans.map((s) => [s.name, s.endTime])).toEqual(b.spans.map((s) => [s.name, s.endTime]));
  });

  it('a latency spike slows only the chosen model, by at least 6 s a call', () => {
    const base = record(3, 60);
    const slow = record(3, 60, { slowModel: 'claude-sonnet-4-5' });
    const before = llm(base.spans, 'claude-sonnet-4-5').map(duration);
    const after = llm(slow.spans, 'claude-sonnet-4-5').map(duration);
    expect(after.length).toBeGreaterThan(5);
    expect(after).toEqual(before.map((d) => (d - 1) * 6 + 6000 + 1));
    expect(llm(slow.spans, 'gpt-4o').map(duration)).toEqual(llm(base.spans, 'gpt-4o').map(duration));
  });

  it('an error burst makes the chosen tool fail most of the time', () => {
    const base = toolCalls(record(5, 60).spans, 'web_search');
    const burst = toolCalls(record(5, 60, { failingTool: 'web_search' }).spans, 'web_search');
    expect(failed(base) / base.length).toBeLessThan(0.3);
    expect(failed(burst) / burst.length).toBeGreaterThan(0.6);
  });

  it('a runaway loop calls read_docs 40+ times in one run', () => {
    const loop = record(9, 1, { toolLoop: true });
    expect(toolCalls(loop.spans, 'read_docs').length).toBeGreaterThanOrEqual(41);
    expect(toolCalls(record(9, 1).spans, 'read_docs').length).toBe(1);
  });

  it('a cost outlier sends a ~100× context to claude-sonnet-4-5', () => {
    const spans = record(13, 1, { costOutlier: true }).spans;
    const tokens = llm(spans, 'claude-sonnet-4-5').map((s) =>
      Number(s.attributes['gen_ai.usage.input_tokens']),
    );
    expect(Math.max(...tokens)).toBeGreaterThanOrEqual(30_000);
  });
});
