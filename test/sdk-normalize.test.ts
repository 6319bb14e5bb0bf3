/**
 * The contract between @witness/sdk and the server: what the SDK's encoders send, the server's OTLP
 * decoders accept, and the normalizer derives the agent fields from the SDK's attribute names.
 * (No server process: decoder and normalizer are called directly on the SDK's bytes.)
 */
import {
  encodeTracesJson,
  OtlpTraceEncoder,
  type ReadableSpanLike,
  Witness,
  wrapAnthropic,
} from '@witness/sdk';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../packages/server/src/model/index.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';
import { decodeTracesJson, decodeTracesProto } from '../packages/server/src/otlp/index.js';

async function agentRun(): Promise<ReadableSpanLike[]> {
  const spans: ReadableSpanLike[] = [];
  const w = new Witness({
    serviceName: 'contract',
    spanProcessors: [{ onEnd: (s) => spans.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  // a duck-typed Anthropic client: the wrapper needs only messages.create
  const claude = wrapAnthropic(
    {
      messages: {
        create: async (body: { model: string; max_tokens?: number; messages?: unknown[] }) => ({
          id: 'msg_1',
          model: `${body.model}-20250101`,
          content: [{ type: 'text', text: 'ok' }],
          stop_reason: 'end_turn',
          usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 7 },
        }),
      },
    },
    { witness: w },
  );
  await w.session('sess-1', () =>
    w.user('user-1', () =>
      w.governance({ mode: 'supervised', actor: 'alice', actorRole: 'approver', workflow: 'refunds' }, () =>
        w.agent('support', async () => {
          w.step('Check the order first');
          await claude.messages.create({
            model: 'claude-haiku-4-5',
            max_tokens: 10,
            messages: [{ role: 'user', content: 'hi' }],
          });
          await w.llm({ provider: 'openai', model: 'gpt-4o' }, async (s) => {
            s.usage({ inputTokens: 100, outputTokens: 20, reasoningTokens: 5 }).cost(0.0042);
          });
          await w.tool({ name: 'refund', sideEffect: true, args: { order: 7 } }, async () => ({
            refunded: true,
          }));
          w.decision({
            choice: 'refund',
            alternatives: ['refund', 'escalate'],
            confidence: 0.75,
            rationale: 'policy',
          });
          await w
            .tool('explode', async () => {
              throw new RangeError('bad amount');
            })
            .catch(() => undefined);
        }),
      ),
    ),
  );
  return spans;
}

function check(records: SpanRecord[]): void {
  normalizeSpans(records);
  const by = (name: string) => {
    const r = records.find((x) => x.name === name);
    if (!r) throw new Error(`missing ${name}`);
    return r;
  };
  expect(records).toHaveLength(7);
  for (const r of records)
    expect(r).toMatchObject({ sessionId: 'sess-1', userId: 'user-1', serviceName: 'contract' });
  expect(by('invoke_agent support')).toMatchObject({
    kind: 'agent',
    agentName: 'support',
    governance: { mode: 'supervised', actor: 'alice', actorRole: 'approver', workflow: 'refunds' },
  });
  expect(by('step')).toMatchObject({ kind: 'step', output: 'Check the order first' });
  expect(by('chat claude-haiku-4-5')).toMatchObject({
    kind: 'llm',
    provider: 'anthropic',
    inputTokens: 100,
    outputTokens: 7,
    cacheReadTokens: 90,
  });
  expect(by('chat gpt-4o')).toMatchObject({
    kind: 'llm',
    model: 'gpt-4o',
    reasoningTokens: 5,
    costUsd: 0.0042,
  });
  expect(by('execute_tool refund')).toMatchObject({ kind: 'tool', toolName: 'refund', sideEffect: true });
  expect(by('execute_tool refund').input).toContain('"order":7');
  expect(by('execute_tool refund').output).toContain('"refunded":true');
  expect(by('decision refund')).toMatchObject({
    kind: 'decision',
    decision: { choice: 'refund', alternatives: ['refund', 'escalate'], confidence: 0.75 },
  });
  const failed = by('execute_tool explode');
  expect(failed.statusCode).toBe('error');
  expect(failed.events[0]?.attributes).toMatchObject({
    'exception.type': 'RangeError',
    'exception.message': 'bad amount',
  });
}

describe('SDK → server OTLP decoders → normalizer', () => {
  it('over protobuf', async () => {
    const bytes = new OtlpTraceEncoder().encode(await agentRun());
    const decoded = decodeTracesProto(bytes);
    expect(decoded.rejected).toBe(0);
    check(decoded.spans);
  });

  it('over JSON', async () => {
    const decoded = decodeTracesJson(encodeTracesJson(await agentRun()));
    expect(decoded.rejected).toBe(0);
    check(decoded.spans);
  });
});
