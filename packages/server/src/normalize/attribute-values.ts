/** Attribute values (any OTLP AnyValue) read as the types the model needs, leniently but never wrongly. */
import type { AttrValue } from '../model/index.js';

export function toNumber(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function toText(v: AttrValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.length === 0 ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function toBool(v: AttrValue | undefined): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no') return false;
  }
  if (typeof v === 'number') return v !== 0;
  return null;
}

/** `witness.decision.alternatives`: a string array, JSON text of one, or a single string. */
export function toAlternatives(v: AttrValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  let list: unknown = v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('[')) {
      try {
        list = JSON.parse(s);
      } catch {
        return [v];
      }
    } else {
      return s.length === 0 ? [] : [v];
    }
  }
  if (!Array.isArray(list)) return [String(list)];
  const out: string[] = [];
  for (const item of list) {
    if (item === null || item === undefined) continue;
    out.push(typeof item === 'string' ? item : JSON.stringify(item));
  }
  return out;
}

/** "invoke_agent Planner" → "Planner" (GenAI span names are `{operation} {name}`). */
export function nameAfter(spanName: string, operation: string): string | null {
  return spanName.length > operation.length + 1 &&
    spanName.startsWith(operation) &&
    spanName[operation.length] === ' '
    ? spanName.slice(operation.length + 1)
    : null;
}
