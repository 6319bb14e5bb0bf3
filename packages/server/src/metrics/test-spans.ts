/** Builds normalized spans for the metrics tests (the fields the normalizer would have filled). */
import { newSpanRecord, type SpanRecord } from '../model/index.js';

let seq = 0;

/**
 * The model's one-literal record (newSpanRecord), then Object.assign: the shape the decoder produces. (A record built
 * with object spread is slow to read in V8, which would distort the metrics micro-benchmarks.)
 */
export function testSpan(fields: Partial<SpanRecord> & { durationMs?: number } = {}): SpanRecord {
  const { durationMs = 100, ...rest } = fields;
  seq++;
  const start = 1_700_000_000_000_000_000n + BigInt(seq) * 1_000_000n;
  const span = newSpanRecord('svc', {}, '', '');
  span.traceId = seq.toString(16).padStart(32, '0');
  span.spanId = seq.toString(16).padStart(16, '0');
  span.name = 'op';
  span.spanKind = 1;
  span.startTimeUnixNano = start;
  span.endTimeUnixNano = start + BigInt(Math.round(durationMs * 1e6));
  return Object.assign(span, rest);
}
