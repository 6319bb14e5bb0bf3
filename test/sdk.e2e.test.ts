/**
 * @witness/sdk → a real `witness serve` → the query API: the SDK's attribute names are the ones the
 * normalizer derives agent fields from, over OTLP protobuf+gzip and OTLP/JSON.
 */
import type { SpanJson, TraceJson } from '@witness/protocol';
import { BatchSpanProcessor, OtlpTraceExporter, Witness } from '@witness/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExample } from '../examples/multi-agent/main.js';
import { getJson } from './helpers/otel.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

let w: WitnessProcess;
beforeAll(async () => {
  w = await startWitness();
});
afterAll(async () => {
  await w?.stop();
});

/** Every span of the last trace read (the map keeps one span per name). */
let lastSpans: SpanJson[] = [];

async function readTrace(traceId: string, expected: number): Promise<Map<string, SpanJson>> {
  let body: TraceJson | undefined;
  await expect
    .poll(async () => {
      const r = await getJson<TraceJson>(`${w.url}/api/traces/${traceId}`);
      body = r.body;
      return r.status === 200 ? r.body.spans.length : 0;
    })
    .toBe(expected);
  lastSpans = body?.spans ?? [];
  return new Map(lastSpans.map((s) => [s.name, s]));
}

it('the multi-agent example arrives as one trace with agent, tool, decision, llm and session fields', async () => {
  const { traceId } = await runExample(`${w.url}/v1/traces`);
  // planner: agent, step, decision, 2 tools; researcher: agent, step, search, decision, 2 fetch_page, llm
  const spans = await readTrace(traceId, 12);
  const planner = spans.get('invoke_agent planner');
  const researcher = spans.get('invoke_agent researcher');
  const delegate = spans.get('execute_tool delegate_research');
  expect(planner).toMatchObject({
    kind: 'agent',
    agentName: 'planner',
    serviceName: 'planner',
    sessionId: 'session-42',
    userId: 'user-7',
  });
  expect(researcher).toMatchObject({ kind: 'agent', agentName: 'researcher', serviceName: 'researcher' });
  expect(researcher?.parentSpanId).toBe(delegate?.spanId);
  expect(spans.get('execute_tool create_ticket')).toMatchObject({
    kind: 'tool',
    toolName: 'create_ticket',
    sideEffect: true,
  });
  expect(spans.get('decision read_top_hits')).toMatchObject({
    kind: 'decision',
    decision: {
      choice: 'read_top_hits',
      alternatives: ['read_top_hits', 'search_again', 'answer_without_sources'],
      confidence: 0.85,
    },
  });
  expect(spans.get('chat gpt-4o-mini')).toMatchObject({
    kind: 'llm',
    provider: 'openai',
    inputTokens: 180,
    outputTokens: 24,
    cacheReadTokens: 128,
  });
  const steps = lastSpans.filter((s) => s.kind === 'step').map((s) => s.output);
  expect(steps).toContainEqual(expect.stringContaining('Break the request down'));
  expect(steps).toContainEqual(expect.stringContaining('Look for sources about'));
});

it('OTLP/JSON from the SDK is understood too', async () => {
  const witness = new Witness({
    serviceName: 'json-sdk',
    spanProcessors: [
      new BatchSpanProcessor(new OtlpTraceExporter({ url: `${w.url}/v1/traces`, protocol: 'http/json' })),
    ],
  });
  const traceId = await witness.agent('j', async (a) => {
    await witness.llm({ provider: 'anthropic', model: 'claude-haiku-4-5' }, async (s) => {
      s.usage({ inputTokens: 10, outputTokens: 3, reasoningTokens: 1 }).cost(0.002);
    });
    return a.span.spanContext().traceId;
  });
  await witness.shutdown();
  const spans = await readTrace(traceId, 2);
  expect(spans.get('chat claude-haiku-4-5')).toMatchObject({
    kind: 'llm',
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    inputTokens: 10,
    outputTokens: 3,
    reasoningTokens: 1,
    costUsd: 0.002,
  });
});
