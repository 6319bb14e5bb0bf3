import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadableSpanLike, WitnessSpanProcessor } from '../trace/types.js';
import { Witness } from '../witness.js';
import { continueTrace, extract, getBaggage, inject, withBaggage } from './w3c.js';

function memory(): WitnessSpanProcessor & { spans: ReadableSpanLike[] } {
  const spans: ReadableSpanLike[] = [];
  return { spans, onEnd: (s) => spans.push(s), forceFlush: async () => {}, shutdown: async () => {} };
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('W3C propagation', () => {
  it('makes one trace tree of a planner calling a researcher agent over real HTTP', async () => {
    const plannerMem = memory();
    const researcherMem = memory();
    const planner = new Witness({ serviceName: 'planner', spanProcessors: [plannerMem] });
    const researcher = new Witness({ serviceName: 'researcher', spanProcessors: [researcherMem] });

    const server = http.createServer((req, res) => {
      continueTrace(req.headers, () =>
        researcher.agent('researcher', async () => {
          const tenant = getBaggage().tenant;
          const found = await researcher.tool({ name: 'search', args: { q: 'otel' } }, async () => ['doc-1']);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ found, tenant }));
        }),
      );
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/research`;

    const answer = await withBaggage({ tenant: 'acme corp' }, () =>
      planner.agent('planner', () =>
        planner.tool('delegate', async () => {
          const res = await fetch(url, { headers: inject({}) });
          return res.json();
        }),
      ),
    );
    expect(answer).toEqual({ found: ['doc-1'], tenant: 'acme corp' });

    const delegate = plannerMem.spans.find((s) => s.name === 'execute_tool delegate');
    const plannerAgent = plannerMem.spans.find((s) => s.name === 'invoke_agent planner');
    const remoteAgent = researcherMem.spans.find((s) => s.name === 'invoke_agent researcher');
    const search = researcherMem.spans.find((s) => s.name === 'execute_tool search');
    if (!delegate || !plannerAgent || !remoteAgent || !search) throw new Error('missing spans');
    const traceId = plannerAgent.spanContext().traceId;
    for (const s of [delegate, remoteAgent, search]) expect(s.spanContext().traceId).toBe(traceId);
    expect(remoteAgent.parentSpanContext?.spanId).toBe(delegate.spanContext().spanId);
    expect(remoteAgent.parentSpanContext?.isRemote).toBe(true);
    expect(search.parentSpanContext?.spanId).toBe(remoteAgent.spanContext().spanId);
    expect(remoteAgent.resource.attributes['service.name']).toBe('researcher');
  });

  it('round-trips traceparent, tracestate and baggage, and ignores malformed headers', () => {
    const headers = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=x,other=y',
      baggage: 'user=alice%20b,bad,tier=gold;prop=1',
    };
    const ctx = extract(headers, ROOT_CONTEXT);
    const sc = trace.getSpanContext(ctx);
    expect(sc).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    expect(getBaggage(ctx)).toEqual({ user: 'alice b', tier: 'gold' });
    const out: Record<string, string> = {};
    inject(out, ctx);
    expect(out.traceparent).toBe(headers.traceparent);
    expect(out.tracestate).toBe('vendor=x,other=y');
    expect(out.baggage).toBe('user=alice%20b,tier=gold');

    for (const bad of [
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
      'garbage',
    ]) {
      expect(trace.getSpanContext(extract({ traceparent: bad }, ROOT_CONTEXT))).toBeUndefined();
    }
    const viaHeaders = new Headers();
    inject(viaHeaders, ctx);
    expect(trace.getSpanContext(extract(viaHeaders, ROOT_CONTEXT))?.spanId).toBe('b7ad6b7169203331');
  });
});
