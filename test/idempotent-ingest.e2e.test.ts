/**
 * The same spans reach a real `witness serve` three times, as they do in the field: the official
 * OTLP exporter sends them, the answer is lost on the way back (a proxy answers 503 after Witness
 * stored the batch), the exporter retries, and later the same spans are replayed by another exporter
 * (a spool replay). Each span must be stored once and its tokens and cost counted once, in the trace
 * list and on /metrics.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { Page, TraceJson, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './helpers/otel.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

let w: WitnessProcess;
let proxy: Server;
let proxyUrl: string;
/** Requests the proxy forwarded to Witness, and how many of those it answered 503 after a 200. */
const forwarded = { requests: 0, lostAnswers: 0 };

beforeAll(async () => {
  w = await startWitness();
  const target = new URL(w.url);
  // Forwards every request; the first answer from Witness (a 200: stored) is replaced by a 503, so
  // the exporter sees a retryable failure for a batch that is in fact stored.
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      forwarded.requests++;
      const up = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            if (upRes.statusCode === 200 && forwarded.lostAnswers === 0) {
              forwarded.lostAnswers++;
              res.writeHead(503, { 'retry-after': '0' }).end();
              return;
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(Buffer.concat(body));
          });
        },
      );
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await w?.stop();
});

/** Wraps the real exporter to keep a copy of what it was given (what a spool would replay). */
function keeping(inner: SpanExporter, kept: ReadableSpan[]): SpanExporter {
  return {
    export: (spans, done) => {
      kept.push(...spans);
      inner.export(spans, done);
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

async function scrape(): Promise<string> {
  return (await fetch(`${w.url}/metrics`)).text();
}

/** Sum of a metric family's samples whose labels contain every `labels` pair. */
function sum(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('the same spans exported three times (lost answer → exporter retry → replay)', () => {
  it('stores each span once and counts its tokens and cost once, in summaries and on /metrics', async () => {
    const kept: ReadableSpan[] = [];
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'idempotent-agent' }),
      spanProcessors: [
        new SimpleSpanProcessor(keeping(new OTLPTraceExporter({ url: `${proxyUrl}/v1/traces` }), kept)),
      ],
    });
    const tracer = provider.getTracer('e2e');
    const root = tracer.startSpan(
      'invoke_agent planner',
      {
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
      },
      ROOT_CONTEXT,
    );
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 3; i++) {
      tracer
        .startSpan(
          'chat gpt-4o',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.usage.input_tokens': 1000,
              'gen_ai.usage.output_tokens': 100,
            },
          },
          ctx,
        )
        .end();
    }
    tracer
      .startSpan(
        'execute_tool search',
        { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' } },
        ctx,
      )
      .end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    // One export per span (SimpleSpanProcessor), the first answer lost and retried by the exporter.
    expect(forwarded.lostAnswers).toBe(1);
    expect(forwarded.requests).toBe(kept.length + 1);
    expect(kept).toHaveLength(5);

    // The replay: the same spans again, all in one batch, straight to Witness.
    const replay = new OTLPTraceExporter({ url: `${w.url}/v1/traces` });
    const code = await new Promise<number>((r) => replay.export(kept, (res) => r(res.code)));
    expect(code).toBe(0); // ExportResultCode.SUCCESS
    await replay.shutdown();

    const traceId = root.spanContext().traceId;
    const got = await getJson<TraceJson>(`${w.url}/api/traces/${traceId}`);
    expect(got.body.spans).toHaveLength(5);
    expect(new Set(got.body.spans.map((s) => s.spanId)).size).toBe(5);

    const list = await getJson<Page<TraceSummaryJson>>(`${w.url}/api/traces?service=idempotent-agent`);
    expect(list.body.items).toHaveLength(1);
    const summary = list.body.items[0];
    expect(summary.spanCount).toBe(5);
    expect(summary.totalTokens).toBe(3 * 1100);
    // gpt-4o at $2.50 / $10 per million input/output tokens
    const cost = (3 * (1000 * 2.5 + 100 * 10)) / 1e6;
    expect(summary.costUsd).toBeCloseTo(cost, 9);

    const m = await scrape();
    expect(sum(m, 'witness_spans_total', { service: 'idempotent-agent' })).toBe(5);
    expect(sum(m, 'witness_llm_requests_total', { model: 'gpt-4o' })).toBe(3);
    expect(sum(m, 'witness_llm_tokens_total', { model: 'gpt-4o', type: 'input' })).toBe(3000);
    expect(sum(m, 'witness_llm_tokens_total', { model: 'gpt-4o', type: 'output' })).toBe(300);
    expect(sum(m, 'witness_llm_cost_usd_total', { model: 'gpt-4o' })).toBeCloseTo(cost, 9);
    expect(sum(m, 'witness_tool_calls_total', { tool: 'search' })).toBe(1);
    expect(sum(m, 'witness_ingest_spans_received_total')).toBe(5);

    // and the audit log holds one entry per audited span (3 LLM calls, 1 tool call)
    const audit = await getJson<{ entries: Array<{ spanId: string }> }>(
      `${w.url}/api/audit?traceId=${traceId}`,
    );
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toHaveLength(4);
    expect(new Set(audit.body.entries.map((e) => e.spanId)).size).toBe(4);
  });
});
