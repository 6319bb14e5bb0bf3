/**
 * Synthetic agent traces for the UI benchmark, built straight as normalized SpanRecords so a million
 * spans go into the store through its append path in seconds (no OTLP encoding on the way).
 */
import type { SpanKind, SpanRecord } from '../../packages/server/src/model/index.js';
import { emptyAgentFields } from '../../packages/server/src/model/index.js';

const AGENTS = ['planner', 'researcher', 'writer', 'reviewer'];
const MODELS = ['gpt-4o-2024-08-06', 'claude-sonnet-4-5', 'gemini-2.5-flash'];
const TOOLS = ['search_docs', 'lookup_order', 'send_email', 'run_sql'];

let counter = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);
export const traceIdOf = (n: number) => `b0${hex(n, 30)}`;
const nextSpanId = () => hex(++counter, 16);

function span(
  traceId: string,
  parent: SpanRecord | null,
  name: string,
  kind: SpanKind,
  startNs: bigint,
  durMs: number,
): SpanRecord {
  return {
    ...emptyAgentFields(),
    kind,
    traceId,
    spanId: nextSpanId(),
    parentSpanId: parent?.spanId ?? null,
    name,
    serviceName: 'bench-agents',
    spanKind: 1,
    startTimeUnixNano: startNs,
    endTimeUnixNano: startNs + BigInt(Math.round(durMs * 1e6)),
    statusCode: 'ok',
    statusMessage: '',
    attributes: { 'bench.n': counter },
    resource: { 'service.name': 'bench-agents' },
    scopeName: 'bench',
    scopeVersion: '1',
    events: [],
    links: [],
  };
}

/**
 * One agent run: a workflow root, then `agents` agent spans, each with a reasoning step, an LLM call, a
 * tool call and a decision. Spans per trace = 1 + agents * 5.
 */
export function agentTrace(n: number, startNs: bigint, agents: number): SpanRecord[] {
  const traceId = traceIdOf(n);
  const out: SpanRecord[] = [];
  const root = span(traceId, null, 'support.request', 'workflow', startNs, agents * 1000 + 50);
  root.sessionId = `session-${n % 5000}`;
  root.userId = `user-${n % 700}`;
  out.push(root);
  let t = startNs + 5_000_000n;
  for (let a = 0; a < agents; a++) {
    const name = AGENTS[(n + a) % AGENTS.length]!;
    const agent = span(traceId, root, `agent ${name}`, 'agent', t, 990);
    agent.agentName = name;
    const step = span(traceId, agent, 'think', 'step', t + 1_000_000n, 40);
    step.output = 'Check the order status before answering.';
    const model = MODELS[(n + a) % MODELS.length]!;
    const llm = span(traceId, agent, `chat ${model}`, 'llm', t + 50_000_000n, 700);
    Object.assign(llm, {
      model,
      provider: 'openai',
      inputTokens: 800 + (n % 300),
      outputTokens: 150,
      costUsd: 0.0035,
      agentName: name,
    });
    const tool = span(traceId, agent, `tool ${TOOLS[n % TOOLS.length]}`, 'tool', t + 760_000_000n, 120);
    Object.assign(tool, {
      toolName: TOOLS[n % TOOLS.length],
      sideEffect: false,
      input: '{"q":"order 1234"}',
      output: '{"ok":true}',
      agentName: name,
    });
    if (n % 17 === 0) {
      tool.statusCode = 'error';
      tool.statusMessage = 'timeout';
    }
    const decision = span(traceId, agent, 'decide', 'decision', t + 900_000_000n, 5);
    decision.decision = {
      choice: 'answer',
      alternatives: ['answer', 'escalate'],
      confidence: 0.8,
      rationale: null,
    };
    decision.agentName = name;
    out.push(agent, step, llm, tool, decision);
    t += 1_000_000_000n;
  }
  for (const s of out) {
    s.sessionId = root.sessionId;
    s.userId = root.userId;
  }
  return out;
}
