/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation. JCS defines strings and numbers exactly as
 * ECMAScript's JSON.stringify writes them, and object members sorted by UTF-16 code units (the default
 * Array#sort order), so this is JSON.stringify with sorted keys. Written here rather than calling the
 * `canonicalize` package on the append path: bench:audit measured that package at ~86k entries/s, the
 * slowest step of a durable append; this one is checked against it in canonical-json.test.ts.
 */
export function canonicalJson(value: unknown): string {
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
    const keys = Object.keys(obj).sort();
    let out = '{';
    let first = true;
    for (const k of keys) {
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
