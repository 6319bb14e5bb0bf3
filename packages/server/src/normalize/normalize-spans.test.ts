import { describe, expect, it } from 'vitest';
import { type Attributes, emptyAgentFields, type SpanRecord } from '../model/index.js';
import { normalizeSpans } from './normalize-spans.js';

const TRACE = '5b8efff798038103d269b633813fc60c';

let nextSpan = 1;
function span(attributes: Attributes, extra: Partial<SpanRecord> = {}): SpanRecord {
  return {
    ...emptyAgentFields(),
    traceId: TRACE,
    spanId: (nextSpan++).toString(16).padStart(16, '0'),
    parentSpanId: null,
    name: 'span',
    serviceName: 'agents',
    spanKind: 1,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_500_000_000n,
    statusCode: 'unset',
    statusMessage: '',
    attributes,
    resource: { 'service.name': 'agents' },
    scopeName: 'test',
    scopeVersion: '1.0.0',
    events: [],
    links: [],
    ...extra,
  };
}

function normalized(attributes: Attributes, extra: Partial<SpanRecord> = {}): SpanRecord {
  const s = span(attributes, extra);
  normalizeSpans([s]);
  return s;
}

describe('OpenTelemetry GenAI (current names)', () => {
  it('maps a chat span: response model, provider, tokens, cache, reasoning, messages, conversation', () => {
    const s = normalized(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.response.id': 'chatcmpl-123',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.output_tokens': 300,
        'gen_ai.usage.cache_read.input_tokens': 1000,
        'gen_ai.usage.reasoning.output_tokens': 100,
        'gen_ai.conversation.id': 'conv_5j66',
        'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]}]',
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: 'Rainy.' }] }],
        'server.address': 'api.openai.com',
      },
      { name: 'chat gpt-4o', spanKind: 3 },
    );
    expect(s.kind).toBe('llm');
    expect(s.model).toBe('gpt-4o-2024-08-06');
    expect(s.provider).toBe('openai');
    expect(s.inputTokens).toBe(1200);
    expect(s.outputTokens).toBe(300);
    expect(s.cacheReadTokens).toBe(1000);
    expect(s.reasoningTokens).toBe(100);
    // gpt-4o: 200 uncached × $2.50 + 1000 cached × $1.25 + 300 out × $10, per 1M.
    expect(s.costUsd).toBeCloseTo((200 * 2.5 + 1000 * 1.25 + 300 * 10) / 1e6, 12);
    expect(s.sessionId).toBe('conv_5j66');
    expect(s.input).toContain('Weather in Paris?');
    expect(JSON.parse(s.output!)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Rainy.' }] },
    ]);
  });

  it('maps agent and tool spans, with names from attributes or from the span name', () => {
    const agent = normalized(
      {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'Planner',
        'gen_ai.agent.id': 'asst_1',
      },
      { name: 'invoke_agent Planner' },
    );
    expect(agent.kind).toBe('agent');
    expect(agent.agentName).toBe('Planner');

    const unnamedAgent = normalized(
      { 'gen_ai.operation.name': 'invoke_agent' },
      { name: 'invoke_agent Researcher' },
    );
    expect(unnamedAgent.agentName).toBe('Researcher');

    const tool = normalized(
      {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_weather',
        'gen_ai.tool.call.id': 'call_1',
        'gen_ai.tool.call.arguments': { city: 'Paris' },
        'gen_ai.tool.call.result': '{"temp":12}',
      },
      { name: 'execute_tool get_weather' },
    );
    expect(tool.kind).toBe('tool');
    expect(tool.toolName).toBe('get_weather');
    expect(JSON.parse(tool.input!)).toEqual({ city: 'Paris' });
    expect(tool.output).toBe('{"temp":12}');
    expect(tool.costUsd).toBeNull();

    const embeddings = normalized({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': 1_000_000,
    });
    expect(embeddings.kind).toBe('embedding');
    expect(embeddings.costUsd).toBeCloseTo(0.02, 12);
  });

  it('takes the request model when no response model is reported', () => {
    const s = normalized({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': 'gemini-2.5-pro-preview-05-06',
      'gen_ai.usage.input_tokens': 10_000,
      'gen_ai.usage.output_tokens': 2000,
    });
    expect(s.model).toBe('gemini-2.5-pro-preview-05-06');
    expect(s.provider).toBe('gcp.gemini');
    // Priced as gemini-2.5-pro: $1.25 in, $10 out.
    expect(s.costUsd).toBeCloseTo((10_000 * 1.25 + 2000 * 10) / 1e6, 12);
  });
});

describe('OpenTelemetry GenAI (deprecated names)', () => {
  it('reads gen_ai.system, prompt_tokens/completion_tokens and the old cache-read key', () => {
    const s = normalized(
      {
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
        'gen_ai.usage.prompt_tokens': 5000,
        'gen_ai.usage.completion_tokens': 800,
        'gen_ai.usage.cache_read_input_tokens': 4000,
      },
      { name: 'anthropic.chat' },
    );
    // No operation name: a span that names a model is an LLM call.
    expect(s.kind).toBe('llm');
    expect(s.provider).toBe('anthropic');
    expect(s.inputTokens).toBe(5000);
    expect(s.outputTokens).toBe(800);
    expect(s.cacheReadTokens).toBe(4000);
    // claude-3-5-sonnet: $3 in, $0.30 cached, $15 out.
    expect(s.costUsd).toBeCloseTo((1000 * 3 + 4000 * 0.3 + 800 * 15) / 1e6, 12);
  });
});

describe('OpenInference', () => {
  it('maps an LLM span with token details, session, user and input/output values', () => {
    const s = normalized({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini-2024-07-18',
      'llm.provider': 'openai',
      'llm.system': 'openai',
      'llm.token_count.prompt': 2000,
      'llm.token_count.completion': 500,
      'llm.token_count.total': 2500,
      'llm.token_count.prompt_details.cache_read': 1024,
      'llm.token_count.completion_details.reasoning': 0,
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'Summarise this',
      'input.value': '{"messages":[{"role":"user","content":"Summarise this"}]}',
      'input.mime_type': 'application/json',
      'output.value': 'A summary.',
      'session.id': 'sess-42',
      'user.id': 'user-7',
      metadata: '{"env":"prod"}',
    });
    expect(s.kind).toBe('llm');
    expect(s.model).toBe('gpt-4o-mini-2024-07-18');
    expect(s.provider).toBe('openai');
    expect(s.inputTokens).toBe(2000);
    expect(s.outputTokens).toBe(500);
    expect(s.cacheReadTokens).toBe(1024);
    expect(s.reasoningTokens).toBe(0);
    // gpt-4o-mini: $0.15 in, $0.075 cached, $0.60 out.
    expect(s.costUsd).toBeCloseTo((976 * 0.15 + 1024 * 0.075 + 500 * 0.6) / 1e6, 12);
    expect(s.sessionId).toBe('sess-42');
    expect(s.userId).toBe('user-7');
    expect(s.input).toContain('Summarise this');
    expect(s.output).toBe('A summary.');
  });

  it('maps kinds by meaning and names agents and tools', () => {
    const kinds = ['AGENT', 'TOOL', 'CHAIN', 'RETRIEVER', 'EMBEDDING', 'RERANKER', 'GUARDRAIL', 'EVALUATOR'];
    const spans = kinds.map((k) => span({ 'openinference.span.kind': k }));
    normalizeSpans(spans);
    expect(spans.map((s) => s.kind)).toEqual([
      'agent',
      'tool',
      'workflow',
      'retrieval',
      'embedding',
      'retrieval',
      'step',
      'step',
    ]);
    const agent = normalized({ 'openinference.span.kind': 'AGENT', 'agent.name': 'triage' });
    expect(agent.agentName).toBe('triage');
    const tool = normalized({
      'openinference.span.kind': 'TOOL',
      'tool.name': 'search_flights',
      'tool.parameters': '{"type":"object"}',
      'input.value': '{"from":"CDG"}',
    });
    expect(tool.toolName).toBe('search_flights');
    expect(tool.input).toBe('{"from":"CDG"}');
  });

  it('takes llm.cost.total as provider-reported cost', () => {
    const s = normalized({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o',
      'llm.token_count.prompt': 1000,
      'llm.token_count.completion': 1000,
      'llm.cost.total': 0.5,
    });
    expect(s.costUsd).toBe(0.5);
  });
});

describe('OpenLLMetry', () => {
  it('maps workflow, task, agent and tool spans; entity name names the agent or tool', () => {
    const workflow = normalized({
      'traceloop.span.kind': 'workflow',
      'traceloop.workflow.name': 'trip_planner',
      'traceloop.entity.name': 'trip_planner',
      'traceloop.entity.input': '{"args":[],"kwargs":{"city":"Rome"}}',
      'traceloop.entity.output': '"done"',
      'traceloop.association.properties.user_id': 'u-1',
      'traceloop.association.properties.session_id': 's-1',
    });
    expect(workflow.kind).toBe('workflow');
    expect(workflow.agentName).toBeNull();
    expect(workflow.input).toContain('Rome');
    expect(workflow.output).toBe('"done"');
    expect(workflow.userId).toBe('u-1');
    expect(workflow.sessionId).toBe('s-1');

    const task = normalized({ 'traceloop.span.kind': 'task', 'traceloop.entity.name': 'parse_dates' });
    expect(task.kind).toBe('step');
    expect(task.toolName).toBeNull();

    const agent = normalized({ 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'booking_agent' });
    expect(agent.kind).toBe('agent');
    expect(agent.agentName).toBe('booking_agent');

    const tool = normalized({ 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'book_hotel' });
    expect(tool.kind).toBe('tool');
    expect(tool.toolName).toBe('book_hotel');
    expect(tool.agentName).toBeNull();
  });

  it('maps an LLM span with legacy indexed prompts/completions and derives output from the total', () => {
    const s = normalized(
      {
        'llm.request.type': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4.1',
        'gen_ai.response.model': 'gpt-4.1-2025-04-14',
        'gen_ai.usage.prompt_tokens': 900,
        'llm.usage.total_tokens': 1000,
        'gen_ai.prompt.0.role': 'system',
        'gen_ai.prompt.0.content': 'You plan trips.',
        'gen_ai.prompt.1.role': 'user',
        'gen_ai.prompt.1.content': 'Plan Rome.',
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': 'Day 1: Colosseum.',
        'gen_ai.completion.0.finish_reason': 'stop',
        'llm.is_streaming': false,
      },
      { name: 'openai.chat', spanKind: 3 },
    );
    expect(s.kind).toBe('llm');
    expect(s.model).toBe('gpt-4.1-2025-04-14');
    expect(s.inputTokens).toBe(900);
    expect(s.outputTokens).toBe(100);
    expect(JSON.parse(s.input!)).toEqual([
      { role: 'system', content: 'You plan trips.' },
      { role: 'user', content: 'Plan Rome.' },
    ]);
    expect(JSON.parse(s.output!)).toEqual([{ role: 'assistant', content: 'Day 1: Colosseum.' }]);
    // gpt-4.1: $2 in, $8 out.
    expect(s.costUsd).toBeCloseTo((900 * 2 + 100 * 8) / 1e6, 12);
  });
});

describe('OpenLLMetry legacy indexed messages', () => {
  it('orders parts by index whatever the attribute order, and ignores malformed indices', () => {
    const s = normalized({
      'gen_ai.prompt.1.content': 'second "quoted"',
      'gen_ai.prompt.0.content': 'first',
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.x.content': 'not an index',
      'gen_ai.prompt.10.content': 'eleventh',
    });
    expect(JSON.parse(s.input!)).toEqual([
      { role: 'system', content: 'first' },
      { content: 'second "quoted"', role: 'user' },
      { content: 'eleventh' },
    ]);
    expect(s.output).toBeNull();
  });
});

describe('Langfuse', () => {
  it('maps a generation with usage_details JSON, model, input/output, session and user', () => {
    const s = normalized({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'claude-sonnet-4-5-20250929',
      'langfuse.observation.model.parameters': '{"temperature":0}',
      'langfuse.observation.usage_details': JSON.stringify({
        input: 2000,
        input_cached_tokens: 6000,
        output: 400,
        output_reasoning_tokens: 100,
        total: 8500,
      }),
      'langfuse.observation.input': '[{"role":"user","content":"Book a table"}]',
      'langfuse.observation.output': '{"role":"assistant","content":"Booked."}',
      'langfuse.session.id': 'lf-session',
      'langfuse.user.id': 'lf-user',
      'langfuse.trace.name': 'restaurant-bot',
    });
    expect(s.kind).toBe('llm');
    expect(s.model).toBe('claude-sonnet-4-5-20250929');
    expect(s.provider).toBe('anthropic');
    // Langfuse buckets are disjoint: input types sum to 8000, of which 6000 are cache reads.
    expect(s.inputTokens).toBe(8000);
    expect(s.cacheReadTokens).toBe(6000);
    expect(s.outputTokens).toBe(500);
    expect(s.reasoningTokens).toBe(100);
    // claude-sonnet-4-5: $3 in, $0.30 cached, $15 out.
    expect(s.costUsd).toBeCloseTo((2000 * 3 + 6000 * 0.3 + 500 * 15) / 1e6, 12);
    expect(s.input).toContain('Book a table');
    expect(s.output).toContain('Booked.');
    expect(s.sessionId).toBe('lf-session');
    expect(s.userId).toBe('lf-user');
  });

  it('maps observation types by meaning and uses cost_details as provider-reported cost', () => {
    const types = [
      'span',
      'event',
      'agent',
      'tool',
      'chain',
      'retriever',
      'embedding',
      'evaluator',
      'guardrail',
    ];
    const spans = types.map((t) => span({ 'langfuse.observation.type': t }, { name: `lf-${t}` }));
    normalizeSpans(spans);
    expect(spans.map((s) => s.kind)).toEqual([
      'step',
      'step',
      'agent',
      'tool',
      'workflow',
      'retrieval',
      'embedding',
      'step',
      'step',
    ]);
    expect(spans[2]!.agentName).toBe('lf-agent');
    expect(spans[3]!.toolName).toBe('lf-tool');

    const reported = normalized({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-4o',
      'langfuse.observation.usage_details':
        '{"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100}',
      'langfuse.observation.cost_details': '{"input":0.001,"output":0.002}',
      'session.id': 'plain-session',
      'user.id': 'plain-user',
    });
    expect(reported.inputTokens).toBe(1000);
    expect(reported.outputTokens).toBe(100);
    expect(reported.costUsd).toBeCloseTo(0.003, 12);
    expect(reported.sessionId).toBe('plain-session');
    expect(reported.userId).toBe('plain-user');
  });
});

describe('precedence', () => {
  it('witness.* beats gen_ai.* beats OpenInference beats OpenLLMetry beats Langfuse', () => {
    const all = normalized({
      'witness.kind': 'agent',
      'witness.agent.name': 'witness-agent',
      'witness.session.id': 'w-session',
      'gen_ai.operation.name': 'chat',
      'gen_ai.agent.name': 'genai-agent',
      'gen_ai.conversation.id': 'g-session',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 10,
      'openinference.span.kind': 'CHAIN',
      'agent.name': 'oi-agent',
      'llm.model_name': 'claude-3-5-haiku',
      'llm.token_count.prompt': 20,
      'session.id': 'oi-session',
      'traceloop.span.kind': 'task',
      'traceloop.association.properties.session_id': 'tl-session',
      'langfuse.observation.type': 'span',
      'langfuse.observation.model.name': 'gemini-2.5-flash',
      'langfuse.session.id': 'lf-session',
    });
    expect(all.kind).toBe('agent');
    expect(all.agentName).toBe('witness-agent');
    expect(all.sessionId).toBe('w-session');
    expect(all.model).toBe('gpt-4o');
    expect(all.inputTokens).toBe(10);

    const noWitness = normalized({
      'gen_ai.operation.name': 'chat',
      'gen_ai.conversation.id': 'g-session',
      'openinference.span.kind': 'CHAIN',
      'llm.model_name': 'claude-3-5-haiku',
      'llm.token_count.prompt': 20,
      'session.id': 'oi-session',
      'langfuse.session.id': 'lf-session',
    });
    expect(noWitness.kind).toBe('llm');
    expect(noWitness.sessionId).toBe('g-session');
    expect(noWitness.model).toBe('claude-3-5-haiku');
    expect(noWitness.inputTokens).toBe(20);

    const oiOverTl = normalized({
      'openinference.span.kind': 'TOOL',
      'tool.name': 'oi-tool',
      'traceloop.span.kind': 'agent',
      'traceloop.entity.name': 'tl-agent',
      'session.id': 'oi-session',
      'traceloop.association.properties.session_id': 'tl-session',
      'langfuse.observation.type': 'generation',
    });
    expect(oiOverTl.kind).toBe('tool');
    expect(oiOverTl.toolName).toBe('oi-tool');
    expect(oiOverTl.sessionId).toBe('oi-session');

    const tlOverLf = normalized({
      'traceloop.span.kind': 'workflow',
      'traceloop.association.properties.user_id': 'tl-user',
      'langfuse.observation.type': 'generation',
      'langfuse.user.id': 'lf-user',
    });
    expect(tlOverLf.kind).toBe('workflow');
    expect(tlOverLf.userId).toBe('tl-user');
  });

  it('provider-reported cost wins over the price table, in every convention', () => {
    const usage = {
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 1e6,
      'gen_ai.usage.output_tokens': 1e6,
    };
    expect(normalized(usage).costUsd).toBeCloseTo(12.5, 9);
    expect(normalized({ ...usage, 'witness.cost_usd': 0.42 }).costUsd).toBe(0.42);
    expect(normalized({ ...usage, 'gen_ai.usage.cost': 1.5 }).costUsd).toBe(1.5);
    expect(
      normalized({ ...usage, 'langfuse.observation.cost_details': '{"total":2.25,"input":2}' }).costUsd,
    ).toBe(2.25);
    expect(normalized({ ...usage, 'witness.cost_usd': 0.42, 'gen_ai.usage.cost': 1.5 }).costUsd).toBe(0.42);
  });

  it('falls back to the resource for agent name, session and user', () => {
    const s = normalized(
      { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' },
      { resource: { 'service.name': 'bot', 'gen_ai.agent.name': 'resource-agent', 'user.id': 'svc-user' } },
    );
    expect(s.agentName).toBe('resource-agent');
    expect(s.userId).toBe('svc-user');
    expect(s.sessionId).toBeNull();
  });
});

describe('kinds outside the AI conventions', () => {
  it('classifies http client/server spans, db spans, and the rest as other', () => {
    const client = normalized(
      { 'http.request.method': 'GET', 'url.full': 'https://x.test/' },
      { spanKind: 3 },
    );
    const internalHttp = normalized({ 'http.request.method': 'GET' }, { spanKind: 1 });
    const db = normalized({ 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' }, { spanKind: 3 });
    const oldDb = normalized({ 'db.system': 'redis' });
    const plain = normalized({ 'app.step': 'x' });
    expect([client.kind, internalHttp.kind, db.kind, oldDb.kind, plain.kind]).toEqual([
      'http',
      'other',
      'db',
      'db',
      'other',
    ]);
  });
});

describe('decisions and governance', () => {
  it('reads witness.decision.* into a decision span', () => {
    const s = normalized({
      'witness.decision.choice': 'refund',
      'witness.decision.alternatives': '["refund","replace","deny"]',
      'witness.decision.confidence': 0.82,
      'witness.decision.rationale': 'Item arrived broken',
    });
    expect(s.kind).toBe('decision');
    expect(s.decision).toEqual({
      choice: 'refund',
      alternatives: ['refund', 'replace', 'deny'],
      confidence: 0.82,
      rationale: 'Item arrived broken',
    });

    const arrayAlternatives = normalized({
      'witness.kind': 'decision',
      'witness.decision.choice': 'escalate',
      'witness.decision.alternatives': ['escalate', 'close'],
      'witness.decision.confidence': '1.7',
    });
    expect(arrayAlternatives.decision?.alternatives).toEqual(['escalate', 'close']);
    // 1.7 is not a probability.
    expect(arrayAlternatives.decision?.confidence).toBeNull();
    expect(arrayAlternatives.decision?.rationale).toBeNull();

    expect(normalized({ 'gen_ai.operation.name': 'chat' }).decision).toBeNull();
  });

  it('reads witness.governance.*, the side-effect flag and step text', () => {
    const s = normalized({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'issue_refund',
      'witness.tool.side_effect': true,
      'witness.governance.mode': 'human_in_the_loop',
      'witness.governance.actor': 'alice@example.com',
      'witness.governance.actor_role': 'support-lead',
      'witness.governance.workflow': 'refunds',
      'witness.governance.outcome': 'approved',
    });
    expect(s.sideEffect).toBe(true);
    expect(s.governance).toEqual({
      mode: 'human_in_the_loop',
      actor: 'alice@example.com',
      actorRole: 'support-lead',
      workflow: 'refunds',
      outcome: 'approved',
    });
    expect(normalized({ 'witness.tool.side_effect': 'false' }).sideEffect).toBe(false);
    expect(normalized({ 'gen_ai.tool.name': 'x' }).sideEffect).toBeNull();
    expect(normalized({ 'gen_ai.tool.name': 'x' }).governance).toBeNull();

    const step = normalized({ 'witness.kind': 'step', 'witness.step.text': 'The user wants a refund.' });
    expect(step.kind).toBe('step');
    expect(step.output).toBe('The user wants a refund.');
  });
});

describe('trace-level fields', () => {
  it('copies session and user found on any span onto every span of the same trace in the batch', () => {
    const other = '0af7651916cd43dd8448eb211c80319c';
    const root = span({ 'gen_ai.operation.name': 'invoke_agent' });
    const llm = span({ 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 'conv-1' });
    const tool = span({ 'gen_ai.operation.name': 'execute_tool', 'user.id': 'user-9' });
    const foreign = span({ 'gen_ai.operation.name': 'chat' }, { traceId: other });
    const ownSession = span({ 'session.id': 'own' });
    normalizeSpans([root, llm, tool, foreign, ownSession]);
    for (const s of [root, llm, tool]) {
      expect(s.sessionId).toBe('conv-1');
      expect(s.userId).toBe('user-9');
    }
    expect(ownSession.sessionId).toBe('own');
    expect(ownSession.userId).toBe('user-9');
    expect(foreign.sessionId).toBeNull();
    expect(foreign.userId).toBeNull();
  });
});

describe('what normalization leaves alone', () => {
  it('keeps attributes (unknown keys included) and exception events untouched', () => {
    const attributes: Attributes = {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'charge_card',
      'my.custom.key': { nested: [1, 2] },
    };
    const events = [
      {
        name: 'exception',
        timeUnixNano: 1_700_000_000_100_000_000n,
        attributes: {
          'exception.type': 'PaymentDeclined',
          'exception.message': 'card declined',
          'exception.stacktrace': 'PaymentDeclined: card declined\n    at charge (pay.ts:10:5)',
        },
      },
    ];
    const before = structuredClone({ attributes, events });
    const s = normalized(attributes, { events, statusCode: 'error', statusMessage: 'card declined' });
    expect(s.attributes).toBe(attributes);
    expect(s.attributes).toEqual(before.attributes);
    expect(s.events).toEqual(before.events);
    expect(s.statusCode).toBe('error');
    expect(s.kind).toBe('tool');
  });

  it('is idempotent: normalizing twice gives the same fields', () => {
    const s = span({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-4o',
      'langfuse.observation.usage_details': '{"input":10,"output":5}',
    });
    normalizeSpans([s]);
    const first = { ...s };
    normalizeSpans([s]);
    expect(s).toEqual(first);
  });
});

describe('tolerant reading', () => {
  it('accepts numeric strings, any-case kind values and ignores an unknown witness.kind', () => {
    const s = normalized({
      'witness.kind': 'banana',
      'openinference.span.kind': 'llm',
      'llm.model_name': 'claude-haiku-4-5-20251001',
      'llm.token_count.prompt': '1000',
      'llm.token_count.completion': '200',
    });
    expect(s.kind).toBe('llm');
    expect(s.inputTokens).toBe(1000);
    expect(s.outputTokens).toBe(200);
    // claude-haiku-4-5: $1 in, $5 out.
    expect(s.costUsd).toBeCloseTo((1000 * 1 + 200 * 5) / 1e6, 12);
  });

  it('reads flattened Langfuse usage and cost attributes', () => {
    const s = normalized({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gemini-2.5-flash',
      'langfuse.observation.usage_details.input': 3000,
      'langfuse.observation.usage_details.output': 700,
      'langfuse.observation.cost_details.input': 0.0009,
      'langfuse.observation.cost_details.output': 0.00175,
    });
    expect(s.inputTokens).toBe(3000);
    expect(s.outputTokens).toBe(700);
    expect(s.costUsd).toBeCloseTo(0.00265, 12);
    const priced = normalized({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gemini-2.5-flash',
      'langfuse.observation.usage_details.input': 3000,
      'langfuse.observation.usage_details.output': 700,
    });
    // gemini-2.5-flash: $0.30 in, $2.50 out.
    expect(priced.costUsd).toBeCloseTo((3000 * 0.3 + 700 * 2.5) / 1e6, 12);
    expect(priced.provider).toBe('google');
  });

  it('ignores malformed Langfuse JSON instead of failing the batch', () => {
    const s = normalized({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-4o',
      'langfuse.observation.usage_details': '{"input": 10,',
      'langfuse.observation.cost_details': 'not json',
    });
    expect(s.kind).toBe('llm');
    expect(s.inputTokens).toBeNull();
    expect(s.costUsd).toBeNull();
  });

  it('takes session and user from the resource when no span says them', () => {
    const s = normalized(
      { 'gen_ai.operation.name': 'chat' },
      { resource: { 'service.name': 'bot', 'witness.session.id': 'res-session', 'enduser.id': 'res-user' } },
    );
    expect(s.sessionId).toBe('res-session');
    expect(s.userId).toBe('res-user');
  });
});

describe('Vercel AI SDK (fifth convention; real spans in test/vercel-ai.e2e.test.ts)', () => {
  it('reads an unlisted model-call operation by its suffix, and SDK 4 token names on it', () => {
    const s = normalized({
      'ai.operationId': 'ai.generateSpeech.doGenerate',
      'ai.model.provider': 'anthropic.messages',
      'ai.model.id': 'claude-3-5-haiku-20241022',
      'ai.usage.promptTokens': 40,
      'ai.usage.completionTokens': 8,
    });
    expect(s.kind).toBe('llm');
    expect(s.provider).toBe('anthropic');
    expect(s.model).toBe('claude-3-5-haiku-20241022');
    expect([s.inputTokens, s.outputTokens]).toEqual([40, 8]);
  });

  it('lets gen_ai.provider.name and the other conventions win, and reads no ai.* keys without ai.operationId', () => {
    const declared = normalized({
      'ai.operationId': 'ai.generateText.doGenerate',
      'gen_ai.provider.name': 'azure.ai.openai',
      'gen_ai.system': 'azure.chat',
    });
    expect(declared.provider).toBe('azure.ai.openai');
    const foreign = normalized({ 'gen_ai.system': 'openai.chat', 'ai.usage.inputTokens': 9 });
    expect(foreign.provider).toBe('openai.chat');
    expect(foreign.inputTokens).toBeNull();
  });
});
