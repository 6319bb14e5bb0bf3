import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { type AuditEntryInput, entryJson, makeEntryChecked } from './audit-entry.js';

const inputs: AuditEntryInput[] = [
  {
    type: 'tool.call',
    actor: 'agent:a',
    subject: 'shell',
    details: { b: 1, a: { y: [2, { d: 1, c: 0 }], x: null } },
  },
  { type: 'llm.call', actor: null, subject: null, traceId: 't', spanId: 's', details: { a: 1, b: 'x' } },
  // Integer-like keys come first in a JS object whatever the insertion order: the slow path must catch them.
  { type: 'config.change', actor: 'ops', subject: 'k', details: { b: 1, 10: 'ten', 2: 'two', a: 1.5e-7 } },
  { type: 'decision', actor: 'x', subject: 'y', user: 'u\u2028"', session: 's' },
];

describe('entryJson', () => {
  it('writes the RFC 8785 form of every entry, fast path or not', () => {
    for (const [i, input] of inputs.entries()) {
      const { entry, detailsCanonical } = makeEntryChecked(i, input, 1_700_000_000_000);
      expect(entryJson(entry, detailsCanonical)).toBe(canonicalize(entry));
    }
  });

  it('sorts details that come out of order; only what sorting cannot fix takes the slow path', () => {
    const sorted = makeEntryChecked(0, inputs[0] as AuditEntryInput, 0);
    expect(sorted.detailsCanonical).toBe(true);
    expect(Object.keys(sorted.entry.details)).toEqual(['a', 'b']);
    expect(makeEntryChecked(0, inputs[1] as AuditEntryInput, 0).detailsCanonical).toBe(true);
    expect(makeEntryChecked(0, inputs[2] as AuditEntryInput, 0).detailsCanonical).toBe(false);
    const nan = { type: 'x', actor: null, subject: null, details: { z: 1, a: Number.NaN } };
    expect(makeEntryChecked(0, nan, 0).detailsCanonical).toBe(false);
  });
});
