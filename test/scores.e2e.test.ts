/**
 * Scores round-trip from each of their three sources into a real `witness serve`, read back through
 * the API: (1) OpenTelemetry GenAI `gen_ai.evaluation.result` events sent by the official OTel SDK and
 * exporters (as a span event, and as a log event of the Logs API), (2) OpenInference annotation
 * attributes, (3) `POST /api/scores` (audited). Then the trace-list score filter and the summary.
 */
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { AuditPageJson, Page, ScoreJson, ScoreSummaryJson, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerProvider, tracerProvider } from './helpers/otel.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

type TracePage = Page<TraceSummaryJson>;

let w: WitnessProcess;
beforeAll(async () => {
  w = await startWitness();
});
afterAll(async () => {
  await w?.stop();
});

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${w.url}${path}`);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

/** An agent run (agent → llm) sent with the official SDK; `decorate` adds events/attributes to the llm span. */
async function sendRun(
  service: string,
  decorate: (
    llm: ReturnType<ReturnType<ReturnType<typeof tracerProvider>['getTracer']>['startSpan']>,
  ) => void,
  transport: 'proto' | 'http-json' = 'proto',
) {
  const provider = tracerProvider(w.url, service, transport);
  const tracer = provider.getTracer('scores-e2e');
  const agent = tracer.startSpan(
    'invoke_agent support',
    {
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'support',
        'session.id': `${service}-session`,
      },
    },
    ROOT_CONTEXT,
  );
  const ctx = trace.setSpan(context.active(), agent);
  const llm = tracer.startSpan(
    'chat gpt-4o',
    {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.system': 'openai',
      },
    },
    ctx,
  );
  decorate(llm);
  llm.end();
  agent.end();
  await provider.forceFlush();
  await provider.shutdown();
  return {
    traceId: agent.spanContext().traceId,
    agentSpan: agent.spanContext().spanId,
    llmSpan: llm.spanContext().spanId,
    ctx,
  };
}

describe('scores from three sources', () => {
  it('(1a) an OTel GenAI evaluation span event becomes a score of that span, with agent and model', async () => {
    const run = await sendRun('scores-event', (llm) =>
      llm.addEvent('gen_ai.evaluation.result', {
        'gen_ai.evaluation.name': 'relevance',
        'gen_ai.evaluation.score.value': 0.25,
        'gen_ai.evaluation.score.label': 'not_relevant',
        'gen_ai.evaluation.explanation': 'talks about something else',
      }),
    );
    const page = await get<Page<ScoreJson>>(`/api/scores?traceId=${run.traceId}`);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      name: 'relevance',
      value: 0.25,
      label: 'not_relevant',
      comment: 'talks about something else',
      traceId: run.traceId,
      spanId: run.llmSpan,
      source: 'model',
      model: 'gpt-4o',
      sessionId: 'scores-event-session',
    });
  });

  it('(1b) an OTel GenAI evaluation log event (Logs API, eventName) becomes a score of the span it was emitted in', async () => {
    const run = await sendRun('scores-log', () => {});
    const logs = loggerProvider(w.url, 'scores-log');
    // the evaluator runs later, in the context of the evaluated span
    logs.getLogger('evaluator').emit({
      eventName: 'gen_ai.evaluation.result',
      context: trace.setSpanContext(ROOT_CONTEXT, {
        traceId: run.traceId,
        spanId: run.llmSpan,
        traceFlags: 1,
      }),
      attributes: { 'gen_ai.evaluation.name': 'faithfulness', 'gen_ai.evaluation.score.value': 0.9 },
    });
    await logs.forceFlush();
    await logs.shutdown();
    const page = await get<Page<ScoreJson>>(`/api/scores?traceId=${run.traceId}`);
    expect(page.items.map((s) => [s.name, s.value, s.spanId, s.agent, s.model])).toEqual([
      ['faithfulness', 0.9, run.llmSpan, 'support', 'gpt-4o'],
    ]);
  });

  it('(2) OpenInference annotation attributes become span and trace scores; a replay does not double them', async () => {
    const attrs = {
      'annotations.0.annotation.name': 'hallucination',
      'annotations.0.annotation.label': 'hallucinated',
      'annotations.0.annotation.score': 1,
      'annotations.0.annotation.annotator_kind': 'LLM',
      'trace.annotations.0.annotation.name': 'task_success',
      'trace.annotations.0.annotation.score': 0,
      'trace.annotations.0.annotation.annotator_kind': 'HUMAN',
      'trace.annotations.0.annotation.explanation': 'the refund was not issued',
    };
    const run = await sendRun('scores-oi', (llm) => llm.setAttributes(attrs), 'http-json');
    const scores = (await get<Page<ScoreJson>>(`/api/scores?traceId=${run.traceId}`)).items;
    expect(scores.map((s) => [s.name, s.value, s.label, s.source, s.spanId]).sort()).toEqual([
      ['hallucination', 1, 'hallucinated', 'model', run.llmSpan],
      ['task_success', 0, null, 'human', null],
    ]);
    // the same spans sent again (an exporter retry) store no second copy of anything
    const body = await (await fetch(`${w.url}/api/traces/${run.traceId}`)).json();
    expect(body.spans).toHaveLength(2);
    const again = await fetch(`${w.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'scores-oi' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: run.traceId,
                    spanId: run.llmSpan,
                    name: 'chat gpt-4o',
                    startTimeUnixNano: body.spans[1].startTimeUnixNano,
                    endTimeUnixNano: body.spans[1].endTimeUnixNano,
                    attributes: Object.entries(attrs).map(([key, v]) => ({
                      key,
                      value: typeof v === 'number' ? { intValue: v } : { stringValue: v },
                    })),
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(again.status).toBe(200);
    expect((await get<Page<ScoreJson>>(`/api/scores?traceId=${run.traceId}`)).items).toHaveLength(2);
  });

  it('(3) POST /api/scores stores a human annotation with its author, writes an audit entry, and refuses bad bodies', async () => {
    const run = await sendRun('scores-api', () => {});
    const res = await fetch(`${w.url}/api/scores`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'correctness',
        value: 1,
        label: 'correct',
        traceId: run.traceId,
        comment: 'checked by hand',
      }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as ScoreJson;
    expect(created).toMatchObject({
      name: 'correctness',
      value: 1,
      source: 'human',
      agent: 'support',
      model: 'gpt-4o',
      spanId: null,
    });
    expect(created.author).toBeTruthy();
    const listed = await get<Page<ScoreJson>>(`/api/scores?traceId=${run.traceId}&source=human`);
    expect(listed.items.map((s) => s.id)).toEqual([created.id]);
    const audit = await get<AuditPageJson>(`/api/audit?type=score.annotation&traceId=${run.traceId}`);
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({
      type: 'score.annotation',
      subject: 'correctness',
      traceId: run.traceId,
    });

    const post = (body: unknown, type = 'application/json') =>
      fetch(`${w.url}/api/scores`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const noResult = await post({ name: 'x', traceId: run.traceId });
    expect(noResult.status).toBe(400);
    expect(((await noResult.json()) as { error: { message: string } }).error.message).toMatch(/value.*label/);
    expect((await post({ name: 'x', value: 1 })).status).toBe(400);
    expect((await post({ name: 'x', value: 1, traceId: 'f'.repeat(32) })).status).toBe(404);
    expect(
      (await post({ name: 'x', value: 1, traceId: run.traceId, spanId: '0123456789abcdef' })).status,
    ).toBe(404);
    expect((await post({ name: 'x', value: 1, traceId: run.traceId, source: 'robot' })).status).toBe(400);
    expect(
      (await post({ name: 'x', value: 1, traceId: run.traceId, comment: 'y'.repeat(20_000) })).status,
    ).toBe(413);
    expect((await post('name=x', 'text/plain')).status).toBe(415);
    // the server keeps serving
    expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
  });

  it('filters the trace list by score and summarises scores by agent and model', async () => {
    const good = await sendRun('scores-filter', (llm) =>
      llm.addEvent('gen_ai.evaluation.result', {
        'gen_ai.evaluation.name': 'quality',
        'gen_ai.evaluation.score.value': 0.9,
      }),
    );
    const bad = await sendRun('scores-filter', (llm) =>
      llm.addEvent('gen_ai.evaluation.result', {
        'gen_ai.evaluation.name': 'quality',
        'gen_ai.evaluation.score.value': 0.1,
      }),
    );
    const ids = async (q: string) =>
      (await get<TracePage>(`/api/traces?service=scores-filter&${q}`)).items.map((t) => t.traceId);
    expect(await ids('score=quality>0.5')).toEqual([good.traceId]);
    expect(await ids(`score=${encodeURIComponent('quality<=0.1')}`)).toEqual([bad.traceId]);
    expect(await ids('score=quality>0&score=quality<0.5')).toEqual([bad.traceId]);
    const badFilter = await fetch(`${w.url}/api/traces?score=quality~~1`);
    expect(badFilter.status).toBe(400);

    const summary = await get<ScoreSummaryJson>('/api/scores/summary?name=quality&groupBy=agent');
    expect(summary.groups).toHaveLength(1);
    expect(summary.groups[0]).toMatchObject({
      name: 'quality',
      group: 'support',
      count: 2,
      min: 0.1,
      max: 0.9,
    });
    expect(summary.groups[0].avg).toBeCloseTo(0.5, 9);
    const byModel = await get<ScoreSummaryJson>('/api/scores/summary?name=quality&groupBy=model');
    expect(byModel.groups.map((g) => g.group)).toEqual(['gpt-4o']);
  });
});
