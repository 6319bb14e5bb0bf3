/**
 * Finding 5 of issue 9 (what is stored): span names were stored uncut, so a 1,000,000-character name
 * came back whole and 42 of them made one trace list answer 43 MB. Names, the service name, attribute
 * keys and the indexed agent fields (session, user, model, agent, tool…) are now cut at decode and
 * normalize time, on a UTF-8 boundary, with a marker and a `witness.truncated` attribute saying so.
 * The hostile input goes through the real `witness serve`.
 */
import type { Page, TraceJson, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTraces, newSpanId, newTraceId, type SpanInput } from './helpers/otlp-proto.js';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const HUGE = 1_000_000;
const MARK = `…[truncated ${HUGE} bytes]`;
/** maxNameBytes, the cut of names and indexed fields. */
const NAME = 512;
/** …plus the marker. */
const CUT_LENGTH = NAME + MARK.length;

let w: WitnessProcess;
beforeAll(async () => {
  w = await startWitness();
});
afterAll(async () => {
  await w?.stop();
});

describe('hostile names are cut before they are stored', () => {
  it('42 traces with 1,000,000-character names, service, session, model and keys', async () => {
    const service = 's'.repeat(HUGE);
    const now = BigInt(Date.now()) * 1_000_000n;
    const traceIds: string[] = [];
    for (let batch = 0; batch < 14; batch++) {
      const spans: SpanInput[] = [];
      for (let i = 0; i < 3; i++) {
        const traceId = newTraceId();
        traceIds.push(traceId);
        const n = batch * 3 + i;
        spans.push({
          traceId,
          spanId: newSpanId(),
          name: String.fromCharCode(97 + (n % 26)).repeat(HUGE - 1) + '€', // a multi-byte tail
          startNs: now + BigInt(n),
          endNs: now + BigInt(n) + 1_000_000n,
          attributes: {
            'session.id': 'q'.repeat(HUGE),
            'gen_ai.request.model': 'm'.repeat(HUGE),
            [`k${'y'.repeat(HUGE)}`]: 'v',
          },
        });
      }
      const res = await fetch(`${w.url}/v1/traces`, {
        method: 'POST',
        body: encodeTraces(service, spans),
        headers: { 'content-type': 'application/x-protobuf' },
      });
      expect(res.status).toBe(200);
    }

    const list = await fetch(`${w.url}/api/traces?limit=100`);
    expect(list.status).toBe(200);
    const text = await list.text();
    // 42 rows of a few cut strings: tens of KiB, not the 43 MB of before
    expect(text.length).toBeLessThan(512 * 1024);
    const page = JSON.parse(text) as Page<TraceSummaryJson>;
    const ours = page.items.filter((t) => traceIds.includes(t.traceId));
    expect(ours).toHaveLength(42);
    for (const t of ours) {
      expect(t.rootName.length).toBeLessThanOrEqual(CUT_LENGTH);
      expect(t.rootName.endsWith(`…[truncated ${HUGE + 2} bytes]`)).toBe(true); // € is 3 bytes
      expect(t.serviceName).toBe(`${'s'.repeat(NAME)}${MARK}`);
      expect(t.sessionId?.length).toBeLessThanOrEqual(CUT_LENGTH);
    }

    const got = await fetch(`${w.url}/api/traces/${traceIds[0]}`);
    expect(got.status).toBe(200);
    const span = ((await got.json()) as TraceJson).spans[0];
    expect(span.name).toBe(`${'a'.repeat(NAME)}…[truncated ${HUGE + 2} bytes]`);
    expect(span.serviceName).toBe(`${'s'.repeat(NAME)}${MARK}`);
    expect(span.model?.startsWith('m'.repeat(NAME))).toBe(true);
    expect(span.model?.length).toBeLessThanOrEqual(CUT_LENGTH);
    expect(span.sessionId?.length).toBeLessThanOrEqual(CUT_LENGTH);
    // attribute values keep up to 64 KiB; keys are cut like names
    expect(String(span.attributes['session.id']).length).toBeLessThanOrEqual(64 * 1024 + MARK.length);
    expect(Object.keys(span.attributes).every((k) => k.length <= CUT_LENGTH)).toBe(true);
    expect(span.attributes['witness.truncated']).toBe(true);
    expect(span.attributes['witness.truncated.fields']).toEqual(
      expect.arrayContaining(['name', 'serviceName', 'model', 'sessionId']),
    );
    // the cut is searchable: every span that lost part of its name can be found
    const cut = await fetch(`${w.url}/api/traces?limit=100&attr.witness.truncated=true`);
    expect(cut.status).toBe(200);
    const found = ((await cut.json()) as Page<TraceSummaryJson>).items.map((t) => t.traceId);
    expect(found).toEqual(expect.arrayContaining(traceIds));
  }, 120_000);
});
