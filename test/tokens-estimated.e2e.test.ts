/**
 * Streamed LLM calls recorded without token counts (as OpenInference and OpenLLMetry record them):
 * sent by the official OpenTelemetry SDK to a real `witness serve`, they come back with estimated
 * tokens and cost, marked `tokensEstimated` in the API and "estimated" in the UI's span panel (real
 * Chromium); a call that reported its counts keeps them and carries no mark.
 */
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Page, SpanJson, TraceJson, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, tracerProvider } from './helpers/otel.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';
import { type Browser, launchBrowser } from './ui/browser.js';

const PROMPT =
  '[{"role":"system","content":"Be brief."},{"role":"user","content":"Plan a weekend in Rome."}]';
const ANSWER = 'Day one: the Colosseum and the Forum. Day two: the Vatican Museums, then Trastevere.';

let w: WitnessProcess;
let browser: Browser | undefined;
let spans: Map<string, SpanJson>;
let traceId: string;

beforeAll(async () => {
  w = await startWitness();
  const provider = tracerProvider(w.url, 'streaming-app');
  const tracer = provider.getTracer('e2e');
  const root = tracer.startSpan('chat request', {}, ROOT_CONTEXT);
  const ctx = trace.setSpan(context.active(), root);
  const streamed = tracer.startSpan(
    'ChatOpenAI stream',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o',
        'llm.provider': 'openai',
        'llm.invocation_parameters': '{"stream":true}',
        'input.value': PROMPT,
        'input.mime_type': 'application/json',
        'output.value': ANSWER,
      },
    },
    ctx,
  );
  streamed.end();
  const reported = tracer.startSpan(
    'ChatOpenAI',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o',
        'llm.token_count.prompt': 1000,
        'llm.token_count.completion': 100,
        'input.value': PROMPT,
        'output.value': ANSWER,
      },
    },
    ctx,
  );
  reported.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  traceId = root.spanContext().traceId;
  const { status, body } = await getJson<TraceJson>(`${w.url}/api/traces/${traceId}`);
  expect(status).toBe(200);
  spans = new Map(body.spans.map((s) => [s.name, s]));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('estimated tokens for streamed calls', () => {
  it('the API gives estimated tokens and cost, marked, and leaves reported counts alone', () => {
    const est = spans.get('ChatOpenAI stream')!;
    expect(est.kind).toBe('llm');
    expect(est.tokensEstimated).toBe(true);
    expect(est.inputTokens).toBeGreaterThan(10);
    expect(est.inputTokens).toBeLessThan(40);
    expect(est.outputTokens).toBeGreaterThan(10);
    expect(est.outputTokens).toBeLessThan(40);
    expect(est.costUsd).toBeGreaterThan(0);
    expect(est.attributes['witness.tokens.estimated']).toBe(true);
    const rep = spans.get('ChatOpenAI')!;
    expect([rep.inputTokens, rep.outputTokens, rep.tokensEstimated]).toEqual([1000, 100, false]);
    expect(spans.get('chat request')!.tokensEstimated).toBe(false);
  });

  it('the trace summary counts the estimate', async () => {
    const { body } = await getJson<Page<TraceSummaryJson>>(`${w.url}/api/traces?limit=5`);
    const item = body.items.find((i) => i.traceId === traceId)!;
    const est = spans.get('ChatOpenAI stream')!;
    expect(item.totalTokens).toBe(1100 + est.inputTokens! + est.outputTokens!);
  });

  it('the UI span panel marks the estimated counts and cost, and only those', async () => {
    browser = await launchBrowser();
    const { page } = browser;
    const est = spans.get('ChatOpenAI stream')!;
    await page.goto(`${w.url}/traces/${traceId}?span=${est.spanId}`);
    const panel = page.getByTestId('span-panel');
    await panel.getByTestId('span-input-tokens').waitFor();
    expect(await panel.getByTestId('span-input-tokens').textContent()).toMatch(/^~\d+estimated$/);
    expect(await panel.getByTestId('span-output-tokens').textContent()).toMatch(/^~\d+estimated$/);
    expect(await panel.getByTestId('span-cost').getByTestId('tokens-estimated').count()).toBe(1);
    const rep = spans.get('ChatOpenAI')!;
    await page.goto(`${w.url}/traces/${traceId}?span=${rep.spanId}`);
    await panel.getByTestId('span-input-tokens').waitFor();
    await expect.poll(() => panel.getByTestId('span-input-tokens').textContent()).toMatch(/^1[,.]?000$/);
    expect(await panel.getByTestId('tokens-estimated').count()).toBe(0);
  });
});
