/**
 * Real OpenTelemetry SDK + official OTLP exporters (protobuf and JSON) → a real `witness serve` →
 * read back through the query API. One test per attribute convention.
 */
import { type Attributes, context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { LogJson, Page, SpanJson, TraceJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, loggerProvider, type Transport, tracerProvider } from './helpers/otel.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

let w: WitnessProcess;
beforeAll(async () => {
  w = await startWitness();
});
afterAll(async () => {
  await w?.stop();
});

/** Sends one trace: a root span, and children made by `build`; returns the trace read back. */
async function sendTrace(
  service: string,
  transport: Transport,
  rootAttrs: Attributes,
  children: Array<{ name: string; attrs: Attributes; error?: Error }>,
): Promise<{ traceId: string; spans: Map<string, SpanJson> }> {
  const provider = tracerProvider(w.url, service, transport);
  const tracer = provider.getTracer('e2e');
  const root = tracer.startSpan('root', { attributes: rootAttrs }, ROOT_CONTEXT);
  const ctx = trace.setSpan(context.active(), root);
  for (const c of children) {
    const s = tracer.startSpan(c.name, { attributes: c.attrs, kind: SpanKind.CLIENT }, ctx);
    if (c.error) {
      s.recordException(c.error);
      s.setStatus({ code: SpanStatusCode.ERROR, message: c.error.message });
    }
    s.end();
  }
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  const traceId = root.spanContext().traceId;
  const { status, body } = await getJson<TraceJson>(`${w.url}/api/traces/${traceId}`);
  expect(status).toBe(200);
  expect(body.traceId).toBe(traceId);
  expect(body.spans).toHaveLength(children.length + 1);
  const rootJson = body.spans.find((s) => s.name === 'root')!;
  expect(rootJson.parentSpanId).toBeNull();
  expect(rootJson.spanId).toBe(root.spanContext().spanId);
  for (const s of body.spans) {
    expect(s.startTimeUnixNano).toMatch(/^\d{19}$/);
    expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
    expect(s.serviceName).toBe(service);
    if (s !== rootJson) expect(s.parentSpanId).toBe(rootJson.spanId);
  }
  return { traceId, spans: new Map(body.spans.map((s) => [s.name, s])) };
}

describe.each<Transport>(['proto', 'http-json'])('official exporter over %s', (transport) => {
  it('stores an agent run with parents, kinds, tokens, cost and exceptions', async () => {
    const toolError = new Error('connection reset by peer');
    toolError.name = 'ToolExecutionError';
    const { spans } = await sendTrace(
      `genai-${transport}`,
      transport,
      {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'planner',
        'witness.session.id': 's-1',
        'witness.user.id': 'u-1',
      },
      [
        {
          name: 'chat gpt-4o',
          attrs: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.usage.input_tokens': 1000,
            'gen_ai.usage.output_tokens': 500,
          },
        },
        {
          name: 'execute_tool web_search',
          attrs: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': 'web_search',
            'witness.tool.side_effect': false,
          },
          error: toolError,
        },
        {
          name: 'decide',
          attrs: {
            'witness.kind': 'decision',
            'witness.decision.choice': 'delegate',
            'witness.decision.alternatives': ['delegate', 'answer'],
            'witness.decision.confidence': 0.8,
          },
        },
      ],
    );
    const root = spans.get('root')!;
    expect(root.kind).toBe('agent');
    expect(root.agentName).toBe('planner');
    const llm = spans.get('chat gpt-4o')!;
    expect(llm.kind).toBe('llm');
    expect(llm.model).toBe('gpt-4o-2024-08-06');
    expect(llm.inputTokens).toBe(1000);
    expect(llm.outputTokens).toBe(500);
    // gpt-4o list price: $2.50 / 1M input, $10 / 1M output
    expect(llm.costUsd).toBeCloseTo(0.0075, 9);
    // session and user found on the root are copied to every span of the trace
    expect(llm.sessionId).toBe('s-1');
    expect(llm.userId).toBe('u-1');
    const tool = spans.get('execute_tool web_search')!;
    expect(tool.kind).toBe('tool');
    expect(tool.toolName).toBe('web_search');
    expect(tool.sideEffect).toBe(false);
    expect(tool.status).toEqual({ code: 'error', message: 'connection reset by peer' });
    const exception = tool.events.find((e) => e.name === 'exception')!;
    expect(exception.attributes['exception.type']).toBe('ToolExecutionError');
    expect(exception.attributes['exception.message']).toBe('connection reset by peer');
    expect(String(exception.attributes['exception.stacktrace'])).toContain('otlp-exporters.e2e.test');
    expect(exception.timeUnixNano).toMatch(/^\d+$/);
    const decision = spans.get('decide')!;
    expect(decision.kind).toBe('decision');
    expect(decision.decision).toMatchObject({
      choice: 'delegate',
      alternatives: ['delegate', 'answer'],
      confidence: 0.8,
    });
  });
});

describe('attribute conventions, end to end', () => {
  it('OpenTelemetry GenAI, with the deprecated prompt/completion token names', async () => {
    const { spans } = await sendTrace('conv-genai', 'proto', {}, [
      {
        name: 'chat claude',
        attrs: {
          'gen_ai.system': 'anthropic',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'claude-sonnet-4-5-20250929',
          'gen_ai.usage.prompt_tokens': 2000,
          'gen_ai.usage.completion_tokens': 100,
        },
      },
    ]);
    const s = spans.get('chat claude')!;
    expect(s).toMatchObject({ kind: 'llm', provider: 'anthropic', inputTokens: 2000, outputTokens: 100 });
    expect(s.costUsd).toBeCloseTo((2000 * 3 + 100 * 15) / 1e6, 9);
  });

  it('OpenInference', async () => {
    const { spans } = await sendTrace(
      'conv-openinference',
      'proto',
      { 'openinference.span.kind': 'AGENT', 'session.id': 'oi-s', 'user.id': 'oi-u' },
      [
        {
          name: 'llm',
          attrs: {
            'openinference.span.kind': 'LLM',
            'llm.model_name': 'gpt-4o-mini',
            'llm.provider': 'openai',
            'llm.token_count.prompt': 400,
            'llm.token_count.completion': 40,
            'input.value': 'What is 2+2?',
            'output.value': '4',
          },
        },
        { name: 'tool', attrs: { 'openinference.span.kind': 'TOOL', 'tool.name': 'calculator' } },
        { name: 'retriever', attrs: { 'openinference.span.kind': 'RETRIEVER' } },
      ],
    );
    expect(spans.get('root')!.kind).toBe('agent');
    const llm = spans.get('llm')!;
    expect(llm).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-mini',
      inputTokens: 400,
      outputTokens: 40,
      input: 'What is 2+2?',
      output: '4',
    });
    expect(llm.costUsd).toBeGreaterThan(0);
    expect(llm.sessionId).toBe('oi-s');
    expect(llm.userId).toBe('oi-u');
    expect(spans.get('tool')).toMatchObject({ kind: 'tool', toolName: 'calculator' });
    expect(spans.get('retriever')!.kind).toBe('retrieval');
  });

  it('OpenLLMetry (Traceloop)', async () => {
    const { spans } = await sendTrace(
      'conv-openllmetry',
      'proto',
      { 'traceloop.span.kind': 'workflow', 'traceloop.entity.name': 'support_flow' },
      [
        {
          name: 'researcher.agent',
          attrs: { 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'researcher' },
        },
        {
          name: 'search.tool',
          attrs: { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'web_search' },
        },
        { name: 'step.task', attrs: { 'traceloop.span.kind': 'task', 'traceloop.entity.name': 'summarise' } },
        {
          name: 'openai.chat',
          attrs: {
            'llm.request.type': 'chat',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.usage.prompt_tokens': 1000,
            'gen_ai.usage.completion_tokens': 1000,
            'gen_ai.prompt.0.role': 'user',
            'gen_ai.prompt.0.content': 'hello',
          },
        },
      ],
    );
    expect(spans.get('root')!.kind).toBe('workflow');
    expect(spans.get('researcher.agent')).toMatchObject({ kind: 'agent', agentName: 'researcher' });
    expect(spans.get('search.tool')).toMatchObject({ kind: 'tool', toolName: 'web_search' });
    expect(spans.get('step.task')!.kind).toBe('step');
    const llm = spans.get('openai.chat')!;
    expect(llm).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-2024-08-06',
      inputTokens: 1000,
      outputTokens: 1000,
    });
    expect(llm.costUsd).toBeCloseTo(0.0125, 9);
  });

  it('Langfuse', async () => {
    const { spans } = await sendTrace(
      'conv-langfuse',
      'http-json',
      { 'langfuse.observation.type': 'agent', 'langfuse.session.id': 'lf-s', 'langfuse.user.id': 'lf-u' },
      [
        {
          name: 'generation',
          attrs: {
            'langfuse.observation.type': 'generation',
            'langfuse.observation.model.name': 'gemini-2.5-pro',
            'langfuse.observation.usage_details': JSON.stringify({ input: 1000, output: 200 }),
          },
        },
        { name: 'lf-tool', attrs: { 'langfuse.observation.type': 'tool' } },
        { name: 'lf-span', attrs: { 'langfuse.observation.type': 'span' } },
      ],
    );
    expect(spans.get('root')!.kind).toBe('agent');
    const gen = spans.get('generation')!;
    expect(gen).toMatchObject({
      kind: 'llm',
      model: 'gemini-2.5-pro',
      inputTokens: 1000,
      outputTokens: 200,
      sessionId: 'lf-s',
      userId: 'lf-u',
    });
    expect(gen.costUsd).toBeCloseTo((1000 * 1.25 + 200 * 10) / 1e6, 9);
    expect(spans.get('lf-tool')!.kind).toBe('tool');
    expect(spans.get('lf-span')!.kind).toBe('step');
  });
});

describe('logs from the official logs exporter', () => {
  it('keep trace and span ids for correlation and are searchable', async () => {
    const provider = loggerProvider(w.url, 'logs-e2e');
    const tracer = tracerProvider(w.url, 'logs-e2e').getTracer('e2e');
    const span = tracer.startSpan('with-logs', {}, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    provider.getLogger('e2e').emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'Refund Approved for order 42',
      context: ctx,
      attributes: { order: 42 },
    });
    provider
      .getLogger('e2e')
      .emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'unrelated', context: ctx });
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    const { traceId, spanId } = span.spanContext();
    const { status, body } = await getJson<Page<LogJson>>(
      `${w.url}/api/logs?q=refund%20approved&service=logs-e2e`,
    );
    expect(status).toBe(200);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      body: 'Refund Approved for order 42',
      severityNumber: 13,
      severityText: 'WARN',
      traceId,
      spanId,
      serviceName: 'logs-e2e',
    });
    expect(body.items[0].attributes.order).toBe(42);
    const byTrace = await getJson<Page<LogJson>>(`${w.url}/api/logs?traceId=${traceId}`);
    expect(byTrace.body.items).toHaveLength(2);
  });
});
