import { describe, expect, it } from 'vitest';
import { emptyAgentFields, type SpanRecord } from '../model/index.js';
import type { IngestBatch } from '../store/types.js';
import { IngestPipeline } from './pipeline.js';
import type { IngestSink } from './types.js';

function span(attributes: SpanRecord['attributes'] = {}): SpanRecord {
  return {
    ...emptyAgentFields(),
    traceId: '0123456789abcdef0123456789abcdef',
    spanId: '0123456789abcdef',
    parentSpanId: null,
    name: 'chat gpt-4o',
    serviceName: 'svc',
    spanKind: 3,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    statusCode: 'unset',
    statusMessage: '',
    attributes,
    resource: {},
    scopeName: '',
    scopeVersion: '',
    events: [],
    links: [],
  };
}

function recorder(
  name: string,
  durable: boolean,
  behaviour: (b: IngestBatch) => Promise<void> | void = () => {},
) {
  const seen: IngestBatch[] = [];
  const sink: IngestSink = {
    name,
    durable,
    consume: (b) => {
      seen.push(b);
      return behaviour(b);
    },
  };
  return { sink, seen };
}

describe('IngestPipeline', () => {
  it('normalizes spans before any sink sees them', async () => {
    const store = recorder('store', true);
    const p = new IngestPipeline({ sinks: [store.sink] });
    await p.ingest({
      project: 'default',
      spans: [span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' })],
      logs: [],
    });
    expect(store.seen[0].spans[0].kind).toBe('llm');
    expect(store.seen[0].spans[0].model).toBe('gpt-4o');
  });

  it('resolves only after every durable sink finished', async () => {
    let finish!: () => void;
    const slow = recorder('audit', true, () => new Promise<void>((r) => (finish = r)));
    const store = recorder('store', true);
    const p = new IngestPipeline({ sinks: [store.sink, slow.sink] });
    let done = false;
    const run = p.ingest({ project: 'default', spans: [span()], logs: [] }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(store.seen).toHaveLength(1);
    expect(done).toBe(false);
    finish();
    await run;
    expect(done).toBe(true);
  });

  it('fails when a durable sink fails, and does not tell derived sinks', async () => {
    const store = recorder('store', true, () => Promise.reject(new Error('disk full')));
    const metrics = recorder('metrics', false);
    const p = new IngestPipeline({ sinks: [store.sink, metrics.sink] });
    await expect(p.ingest({ project: 'default', spans: [span()], logs: [] })).rejects.toThrow('disk full');
    expect(metrics.seen).toHaveLength(0);
  });

  it('tells derived sinks after, counting their errors without failing the batch', async () => {
    const errors: string[] = [];
    const store = recorder('store', true);
    const bad = recorder('exporter', false, () => {
      throw new Error('boom');
    });
    const badAsync = recorder('metrics', false, () => Promise.reject(new Error('later')));
    const p = new IngestPipeline({
      sinks: [bad.sink, badAsync.sink, store.sink],
      onSinkError: (s, e) => errors.push(`${s.name}: ${(e as Error).message}`),
    });
    await p.ingest({ project: 'default', spans: [span()], logs: [] });
    await new Promise((r) => setTimeout(r, 0));
    expect(errors.sort()).toEqual(['exporter: boom', 'metrics: later']);
    expect(p.stats()).toMatchObject({
      batches: 1,
      spans: 1,
      logs: 0,
      sinkErrors: { exporter: 1, metrics: 1 },
    });
  });
});
