/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation. JCS defines strings and numbers exactly as
 * ECMAScript's JSON.stringify writes them, and object members sorted by UTF-16 code units (the default
 * Array#sort order), so this is JSON.stringify with sorted keys. Written here rather than calling the
 * `canonicalize` package on the append path: bench:audit measured that package at ~86k entries/s, the
 * slowest step of a durable append; this one is checked against it in canonical-json.test.ts.
 */
export function canonicalJson(value: unknown): string {
  // When every object's keys already come in sorted order (makeEntry builds entries so), native
  // JSON.stringify writes exactly the canonical form, several times faster than recursing here.
  if (inCanonicalOrder(value)) return JSON.stringify(value);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`JSON has no ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v = value[i];
      out += v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v);
    }
    return `${out}]`;
  }
  if (typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      return canonicalJson((value as { toJSON: () => unknown }).toJSON());
    const obj = value as Record<string, unknown>;
    let out = '{';
    let first = true;
    for (const k of Object.keys(obj).sort()) {
      const v = obj[k];
      if (v === undefined || typeof v === 'function') continue;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
    }
    return `${out}}`;
  }
  throw new TypeError(`cannot serialise a ${typeof value} as JSON`);
}

/**
 * A copy of plain data with object keys inserted in sorted order, so that `canonicalJson` takes its
 * fast path (integer-like keys still come first in a JS object; those take the slow, correct path).
 */
export function sortKeys<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out as T;
}

/**
 * True when JSON.stringify(value) is already canonical: plain objects whose Object.keys order (the
 * order JSON.stringify uses) is sorted, finite numbers, no toJSON, no undefined/functions in arrays.
 */
export function inCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const v of value) if (!inCanonicalOrder(v)) return false;
        return true;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
      let prev: string | null = null;
      for (const k in value) {
        if (!Object.hasOwn(value, k)) return false;
        if (prev !== null && !(prev < k)) return false;
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || !inCanonicalOrder(v)) return false;
        prev = k;
      }
      return true;
    }
    default:
      return false;
  }
}
