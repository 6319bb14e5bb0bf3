import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExample } from '../../../examples/multi-agent/main.js';
import { OtlpReceiver } from '../test/otlp-receiver.js';

const receiver = new OtlpReceiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

it('examples/multi-agent exports one trace tree across the planner and researcher services', async () => {
  const { answer, traceId } = await runExample(receiver.url);
  expect(answer).toContain('In short');
  const spans = receiver.spans;
  const byName = (n: string) => {
    const s = spans.find((x) => x.name === n);
    if (!s) throw new Error(`missing ${n}: have ${spans.map((x) => x.name).join(', ')}`);
    return s;
  };
  expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
  expect(new Set(spans.map((s) => s.resource['service.name']))).toEqual(new Set(['planner', 'researcher']));
  const delegate = byName('execute_tool delegate_research');
  const researcher = byName('invoke_agent researcher');
  expect(researcher.parentSpanId).toBe(delegate.spanId);
  expect(researcher.resource['service.name']).toBe('researcher');
  expect(researcher.attributes['app.tenant']).toBe('acme');
  expect(byName('invoke_agent planner').attributes['witness.session.id']).toBe('session-42');
  expect(byName('execute_tool create_ticket').attributes['witness.tool.side_effect']).toBe(true);
  expect(byName('decision read_top_hits').attributes['witness.decision.alternatives']).toEqual([
    'read_top_hits',
    'search_again',
    'answer_without_sources',
  ]);
  expect(spans.filter((s) => s.name === 'execute_tool fetch_page')).toHaveLength(2);
  expect(byName('chat gpt-4o-mini').attributes['gen_ai.usage.input_tokens']).toBe(180);
});
