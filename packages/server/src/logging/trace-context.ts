import { randomBytes } from 'node:crypto';

export interface TraceContext {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;

/** W3C `traceparent` → the caller's trace; null when absent or malformed (all-zero ids are invalid). */
export function parseTraceparent(header: string | undefined | null): TraceContext | null {
  if (!header) return null;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return null;
  return { traceId: m[1], spanId: m[2] };
}

/** A fresh trace for work nobody traced before us (a request without traceparent, a timer). */
export function newTraceContext(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
}
