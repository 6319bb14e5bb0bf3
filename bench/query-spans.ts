/**
 * Realistic, normalized agent spans for bench:query, generated deterministically from a trace index
 * (so the bench can name existing trace ids without storing them). A trace is one agent run of
 * 20 spans: agent root → reasoning steps → LLM calls (several providers/models, tokens, cost) → tool
 * calls (some failing) → a decision. About 4% of traces have an error. Traces start every
 * `spacingMs`, so 10M spans cover about a week, like a busy production service.
 */
import { emptyAgentFields, type SpanRecord } from '../packages/server/src/model/index.js';

export const SPANS_PER_TRACE = 20;

export const SERVICES = [
  'checkout-agent',
  'support-bot',
  'research-agent',
  'code-assistant',
  'billing-agent',
  'triage',
  'sales-copilot',
  'ops-agent',
];
export const AGENTS = ['planner', 'researcher', 'coder', 'reviewer', 'support', 'router'];
const MODELS: Array<[string, string, number, number]> = [
  ['openai', 'gpt-4o-2024-08-06', 2.5e-6, 10e-6],
  ['openai', 'gpt-4o-mini', 0.15e-6, 0.6e-6],
  ['openai', 'o3', 2e-6, 8e-6],
  ['anthropic', 'claude-sonnet-4-5-20250929', 3e-6, 15e-6],
  ['anthropic', 'claude-haiku-4-5', 1e-6, 5e-6],
  ['gcp.gemini', 'gemini-2.5-flash', 0.3e-6, 2.5e-6],
  ['gcp.gemini', 'gemini-2.5-pro', 1.25e-6, 10e-6],
];
export const MODEL_NAMES = MODELS.map((m) => m[1]);
const TOOLS = [
  'web.search',
  'db.query',
  'refund.issue',
  'email.send',
  'file.read',
  'git.commit',
  'ticket.create',
  'calendar.book',
  'http.get',
  'shell.exec',
];

/** Trace ids embed the index, so the bench can look up any trace it generated. */
export const benchTraceId = (t: number): string =>
  `b0b0${t.toString(16).padStart(12, '0')}${((t * 2654435761) >>> 0).toString(16).padStart(8, '0')}c0ffee00`;

const hex16 = (n: number): string => n.toString(16).padStart(16, '0');

/** Deterministic pseudo-random in [0, 1) from two integers. */
function rand(a: number, b: number): number {
  let x = (a * 374761393 + b * 668265263) >>> 0;
  x = ((x ^ (x >>> 13)) * 1274126177) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

export interface TraceShape {
  service: string;
  agent: string;
  error: boolean;
}

export function traceShape(t: number): TraceShape {
  return {
    service: SERVICES[t % SERVICES.length],
    agent: AGENTS[Math.floor(rand(t, 1) * AGENTS.length)],
    error: rand(t, 2) < 0.04,
  };
}

export function benchTrace(t: number, baseNs: bigint, spacingMs: number): SpanRecord[] {
  const { service, agent, error } = traceShape(t);
  const traceId = benchTraceId(t);
  const start = baseNs + BigInt(Math.round(t * spacingMs * 1e6));
  const rootId = hex16(t * 32 + 1);
  const resource = {
    'service.name': service,
    'service.version': '1.4.2',
    'deployment.environment': t % 10 === 0 ? 'staging' : 'prod',
    'host.name': `node-${t % 16}`,
  };
  const sessionId = `sess-${Math.floor(t / 8)}`;
  const userId = `user-${Math.floor(rand(t, 3) * 5000)}@example.com`;
  const spans: SpanRecord[] = [];
  const errorAt = error ? 2 + Math.floor(rand(t, 4) * (SPANS_PER_TRACE - 2)) : -1;
  let offset = 0n;
  for (let i = 0; i < SPANS_PER_TRACE; i++) {
    const s = Object.assign(emptyAgentFields(), {
      traceId,
      spanId: hex16(t * 32 + 1 + i),
      parentSpanId: i === 0 ? null : rootId,
      name: '',
      serviceName: service,
      spanKind: 1,
      startTimeUnixNano: start + offset,
      endTimeUnixNano: 0n,
      statusCode: (i === errorAt ? 'error' : 'unset') as SpanRecord['statusCode'],
      statusMessage: i === errorAt ? 'upstream failed' : '',
      attributes: {} as SpanRecord['attributes'],
      resource,
      scopeName: 'witness-sdk',
      scopeVersion: '0.1.0',
      events: [] as SpanRecord['events'],
      links: [],
    }) as SpanRecord;
    s.sessionId = sessionId;
    s.userId = userId;
    s.agentName = agent;
    let durMs: number;
    if (i === 0) {
      s.name = `invoke_agent ${agent}`;
      s.kind = 'agent';
      s.attributes = {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': agent,
        'witness.session.id': sessionId,
        'witness.user.id': userId,
      };
      s.input = `Task ${t}: help the customer with order ${t % 100000}`;
      durMs = 0; // set from the children below
    } else if (i % 4 === 1) {
      const [provider, model, inPrice, outPrice] = MODELS[Math.floor(rand(t, i) * MODELS.length)];
      const inTok = 400 + Math.floor(rand(t, i + 100) * 3000);
      const outTok = 50 + Math.floor(rand(t, i + 200) * 600);
      s.name = `chat ${model}`;
      s.kind = 'llm';
      s.spanKind = 3;
      s.model = model;
      s.provider = provider;
      s.inputTokens = inTok;
      s.outputTokens = outTok;
      s.cacheReadTokens = Math.floor(inTok / 4);
      s.costUsd = inTok * inPrice + outTok * outPrice;
      s.attributes = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': provider,
        'gen_ai.request.model': model,
        'gen_ai.usage.input_tokens': inTok,
        'gen_ai.usage.output_tokens': outTok,
        'gen_ai.request.temperature': 0.2,
      };
      s.input = 'You are a helpful agent. Decide the next step given the conversation so far.';
      s.output = 'I will look up the order and check the refund policy before answering.';
      durMs = 300 + rand(t, i + 300) * 4000;
    } else if (i % 4 === 2) {
      const tool = TOOLS[Math.floor(rand(t, i) * TOOLS.length)];
      s.name = `execute_tool ${tool}`;
      s.kind = 'tool';
      s.toolName = tool;
      s.sideEffect = tool === 'refund.issue' || tool === 'email.send';
      s.attributes = {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool,
        'tool.arguments': `{"id":${t}}`,
      };
      s.input = `{"id":${t}}`;
      s.output = '{"ok":true}';
      durMs = 5 + rand(t, i + 400) * 800;
      if (i === errorAt) {
        s.events = [
          {
            name: 'exception',
            timeUnixNano: s.startTimeUnixNano + 1_000_000n,
            attributes: {
              'exception.type': 'TimeoutError',
              'exception.message': `${tool} timed out`,
              'exception.stacktrace': 'TimeoutError\n    at call (tool.ts:42)',
            },
          },
        ];
      }
    } else if (i === SPANS_PER_TRACE - 1) {
      s.name = 'decision next_action';
      s.kind = 'decision';
      s.decision = {
        choice: 'refund',
        alternatives: ['refund', 'escalate', 'deny'],
        confidence: 0.5 + rand(t, i) / 2,
        rationale: null,
      };
      durMs = 1;
    } else {
      s.name = 'reasoning step';
      s.kind = 'step';
      s.attributes = { 'witness.step.index': i };
      durMs = 1 + rand(t, i + 500) * 20;
    }
    s.endTimeUnixNano = s.startTimeUnixNano + BigInt(Math.round(durMs * 1e6));
    offset += BigInt(Math.round(durMs * 1e6)) + 1_000_000n;
    spans.push(s);
  }
  spans[0].endTimeUnixNano = start + offset;
  return spans;
}
