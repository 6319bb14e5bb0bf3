import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

const samples: unknown[] = [
  null,
  true,
  'a "quoted"\n\u2028 string \ud83d\ude00',
  0,
  -0,
  1e21,
  1e-7,
  123.456,
  -5e-324,
  [1, 'two', null, { b: 1, a: [] }],
  { b: 2, a: 1, é: 3, E: 4, '\u20ac': 5, '\ud83d\ude00': 6, '\r': 7, '1': 8, '': 9 },
  { nested: { z: { y: [{ x: 1, w: 2 }] } }, skipped: undefined },
  { time: new Date(0) },
  { a: 1, b: { c: [1, { d: 'x', e: null }] }, f: 1e21 },
  { '1': 1, '10': 2, '9': 3, a: { '2': 0, '11': 1 } },
  { a: [undefined, 1], b: 2 },
];

describe('canonicalJson', () => {
  it('matches the canonicalize package (RFC 8785) byte for byte', () => {
    for (const s of samples) expect(canonicalJson(s)).toBe(canonicalize(s));
  });

  it('sorts members by UTF-16 code units (the RFC 8785 §3.2.3 example order)', () => {
    // RFC 8785 §3.2.3: "\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"
    const obj = { '\u20ac': 0, '\r': 0, '\ufb33': 0, '1': 0, '\u00f6': 0, '\ud83d\ude00': 0, '\u0080': 0 };
    const keys = Object.keys(JSON.parse(canonicalJson(obj)));
    expect(keys).toEqual(['1', '\r', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('refuses NaN and Infinity', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
  });
});
