import {
  type Context,
  createTraceState,
  isSpanContextValid,
  propagation,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { activeContext, withContext } from '../trace/context.js';

/**
 * W3C Trace Context (`traceparent`, `tracestate`) and W3C Baggage, written out here so the SDK needs
 * no OpenTelemetry SDK package. Used by one agent calling another over HTTP: the caller injects
 * headers, the callee extracts them, and both agents' spans form one trace tree.
 */

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
export const BAGGAGE = 'baggage';

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** W3C Baggage limits: 8192 bytes per header, 180 entries. */
const MAX_BAGGAGE_BYTES = 8192;
const MAX_BAGGAGE_ENTRIES = 180;

/** Headers as plain objects (node's IncomingHttpHeaders, lowercase keys) or fetch `Headers`. */
export type Carrier =
  | Record<string, string | string[] | undefined>
  | { get(k: string): string | null; set?(k: string, v: string): void };

const objectGetter: TextMapGetter<Carrier> = {
  keys: (c) => (isHeaders(c) ? [] : Object.keys(c)),
  get(c, key) {
    if (isHeaders(c)) return c.get(key) ?? undefined;
    const v = c[key] ?? c[key.toLowerCase()];
    return v ?? undefined;
  },
};

const objectSetter: TextMapSetter<Carrier> = {
  set(c, key, value) {
    if (isHeaders(c)) c.set?.(key, value);
    else c[key] = value;
  },
};

function isHeaders(c: Carrier): c is { get(k: string): string | null; set?(k: string, v: string): void } {
  return typeof (c as { get?: unknown }).get === 'function';
}

export class W3CPropagator implements TextMapPropagator<Carrier> {
  inject(ctx: Context, carrier: Carrier, setter: TextMapSetter<Carrier> = objectSetter): void {
    const sc = trace.getSpanContext(ctx);
    if (sc && isSpanContextValid(sc)) {
      const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
      setter.set(carrier, TRACEPARENT, `00-${sc.traceId}-${sc.spanId}-${flags}`);
      const ts = sc.traceState?.serialize();
      if (ts) setter.set(carrier, TRACESTATE, ts);
    }
    const baggage = propagation.getBaggage(ctx);
    if (baggage) {
      const parts: string[] = [];
      let bytes = 0;
      for (const [key, entry] of baggage.getAllEntries()) {
        const part = `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}`;
        if (parts.length >= MAX_BAGGAGE_ENTRIES || bytes + part.length + 1 > MAX_BAGGAGE_BYTES) break;
        parts.push(part);
        bytes += part.length + 1;
      }
      if (parts.length > 0) setter.set(carrier, BAGGAGE, parts.join(','));
    }
  }

  extract(ctx: Context, carrier: Carrier, getter: TextMapGetter<Carrier> = objectGetter): Context {
    let out = ctx;
    const tp = first(getter.get(carrier, TRACEPARENT));
    const m = tp ? TRACEPARENT_RE.exec(tp.trim()) : null;
    // version ff is invalid; version 00 must have exactly four fields
    if (m && m[1] !== 'ff' && !(m[1] === '00' && m[5])) {
      const sc = {
        traceId: m[2],
        spanId: m[3],
        traceFlags: Number.parseInt(m[4], 16) & 1,
        isRemote: true,
        traceState: undefined as ReturnType<typeof createTraceState> | undefined,
      };
      const ts = getter.get(carrier, TRACESTATE);
      const tsText = Array.isArray(ts) ? ts.join(',') : ts;
      if (tsText) sc.traceState = createTraceState(tsText);
      if (isSpanContextValid(sc)) out = trace.setSpanContext(out, sc);
    }
    const bg = getter.get(carrier, BAGGAGE);
    const bgText = Array.isArray(bg) ? bg.join(',') : bg;
    if (bgText && bgText.length <= MAX_BAGGAGE_BYTES) {
      const entries: Record<string, { value: string }> = {};
      for (const item of bgText.split(',').slice(0, MAX_BAGGAGE_ENTRIES)) {
        const kv = item.split(';')[0];
        const i = kv.indexOf('=');
        if (i <= 0) continue;
        try {
          entries[decodeURIComponent(kv.slice(0, i).trim())] = {
            value: decodeURIComponent(kv.slice(i + 1).trim()),
          };
        } catch {
          // skip a malformed entry, keep the rest
        }
      }
      if (Object.keys(entries).length > 0)
        out = propagation.setBaggage(out, propagation.createBaggage(entries));
    }
    return out;
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE, BAGGAGE];
  }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const propagator = new W3CPropagator();

/** Writes `traceparent`/`tracestate`/`baggage` for the active (or given) context into `headers`. */
export function inject<C extends Carrier>(headers: C, ctx: Context = activeContext()): C {
  propagator.inject(ctx, headers);
  return headers;
}

/** Reads W3C headers into a context whose remote span becomes the parent of spans started in it. */
export function extract(headers: Carrier, ctx: Context = activeContext()): Context {
  return propagator.extract(ctx, headers);
}

/** Runs `fn` as a continuation of the trace described by incoming `headers`. */
export function continueTrace<R>(headers: Carrier, fn: () => R): R {
  return withContext(extract(headers), fn);
}

/** Runs `fn` with baggage entries added; they travel with `inject()` to downstream agents. */
export function withBaggage<R>(entries: Record<string, string>, fn: () => R): R {
  const ctx = activeContext();
  let baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  for (const [k, v] of Object.entries(entries)) baggage = baggage.setEntry(k, { value: v });
  return withContext(propagation.setBaggage(ctx, baggage), fn);
}

/** The active context's baggage as a plain object. */
export function getBaggage(ctx: Context = activeContext()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, e] of propagation.getBaggage(ctx)?.getAllEntries() ?? []) out[k] = e.value;
  return out;
}
