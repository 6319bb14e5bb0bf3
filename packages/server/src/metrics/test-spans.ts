/** Builds normalized spans for the metrics tests (the fields the normalizer would have filled). */
import { emptyAgentFields, type SpanRecord } from '../model/index.js';

let seq = 0;

export function testSpan(fields: Partial<SpanRecord> & { durationMs?: number } = {}): SpanRecord {
  const { durationMs = 100, ...rest } = fields;
  seq++;
  const start = 1_700_000_000_000_000_000n + BigInt(seq) * 1_000_000n;
  return {
    ...emptyAgentFields(),
    traceId: seq.toString(16).padStart(32, '0'),
    spanId: seq.toString(16).padStart(16, '0'),
    parentSpanId: null,
    name: 'op',
    serviceName: 'svc',
    spanKind: 1,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round(durationMs * 1e6)),
    statusCode: 'unset',
    statusMessage: '',
    attributes: {},
    resource: {},
    scopeName: '',
    scopeVersion: '',
    events: [],
    links: [],
    ...rest,
  };
}
