/**
 * Span and log builders for store tests (no vitest import, so child processes can use them too).
 */
import { type Attributes, emptyAgentFields, type LogRecord, type SpanRecord } from '../model/index.js';

/** A fixed, realistic epoch (2025-06-15) with sub-microsecond digits, so ns precision is checked. */
export const T0 = 1_750_000_000_000_000_000n + 123_457n;
export const SEC = 1_000_000_000n;
export const MS = 1_000_000n;

export const traceIdOf = (n: number): string => n.toString(16).padStart(32, '0');
export const spanIdOf = (trace: number, n: number): string =>
  (trace * 1000 + n).toString(16).padStart(16, '0');

export interface SpanSpec {
  trace: number;
  n: number;
  parent?: number | null;
  name?: string;
  service?: string;
  start: bigint;
  durationMs: number;
  status?: SpanRecord['statusCode'];
  attributes?: Attributes;
  resource?: Attributes;
  fields?: Partial<SpanRecord>;
}

/** A span as the normalizer leaves it: emptyAgentFields() plus literal fields. */
export function makeSpan(spec: SpanSpec): SpanRecord {
  const record: SpanRecord = Object.assign(emptyAgentFields(), {
    traceId: traceIdOf(spec.trace),
    spanId: spanIdOf(spec.trace, spec.n),
    parentSpanId:
      spec.parent === undefined || spec.parent === null ? null : spanIdOf(spec.trace, spec.parent),
    name: spec.name ?? `span-${spec.n}`,
    serviceName: spec.service ?? 'svc',
    spanKind: 1,
    startTimeUnixNano: spec.start,
    endTimeUnixNano: spec.start + BigInt(Math.round(spec.durationMs * 1e6)),
    statusCode: spec.status ?? 'unset',
    statusMessage: '',
    attributes: spec.attributes ?? {},
    resource: spec.resource ?? { 'service.name': spec.service ?? 'svc' },
    scopeName: 'conformance',
    scopeVersion: '1.0.0',
    events: [],
    links: [],
  });
  return Object.assign(record, spec.fields ?? {});
}

export function makeLog(over: Partial<LogRecord> & { timeUnixNano: bigint; body: string }): LogRecord {
  return {
    observedTimeUnixNano: over.timeUnixNano + MS,
    severityNumber: 9,
    severityText: 'INFO',
    traceId: null,
    spanId: null,
    serviceName: 'svc',
    attributes: {},
    resource: {},
    scopeName: 'conformance',
    ...over,
  };
}
