import { describe, expect, it } from 'vitest';
import { parseMatcher } from '@witness/protocol';
import { matches, SilenceError, silenceFromBody, silenceState } from './silences.js';

describe('silences and matchers (Alertmanager semantics)', () => {
  it('parses and applies =, !=, =~ (anchored), !~; a missing label reads as ""', () => {
    const labels = { severity: 'page', slo: 'checkout-availability' };
    expect(matches(parseMatcher('severity="page"')!, labels)).toBe(true);
    expect(matches(parseMatcher('severity!="page"')!, labels)).toBe(false);
    expect(matches(parseMatcher('slo=~"checkout.*"')!, labels)).toBe(true);
    expect(matches(parseMatcher('slo=~"checkout"')!, labels)).toBe(false); // anchored
    expect(matches(parseMatcher('team!~".+"')!, labels)).toBe(true);
    expect(parseMatcher('no operator')).toBeNull();
  });

  it('validates bodies: a bad regex, a silence that mutes everything, an end in the past', () => {
    const now = Date.UTC(2026, 0, 1);
    const endsAt = new Date(now + 3_600_000).toISOString();
    const ok = silenceFromBody(
      { matchers: [{ name: 'slo', value: 'x' }], endsAt, createdBy: 'me' },
      'default',
      now,
    );
    expect(silenceState(ok, now)).toBe('active');
    expect(silenceState(ok, now + 3_600_000)).toBe('expired');
    const bad = (body: unknown) => () => silenceFromBody(body, 'default', now);
    expect(bad({ matchers: [{ name: 'slo', value: '(', isRegex: true }], endsAt, createdBy: 'me' })).toThrow(
      SilenceError,
    );
    expect(
      bad({ matchers: [{ name: 'slo', value: '(a+)+$', isRegex: true }], endsAt, createdBy: 'me' }),
    ).toThrow(/backtrack catastrophically/);
    expect(bad({ matchers: [{ name: 'slo', value: '.*', isRegex: true }], endsAt, createdBy: 'me' })).toThrow(
      /mute everything/,
    );
    expect(
      bad({
        matchers: [{ name: 'slo', value: 'x' }],
        endsAt: new Date(now - 1).toISOString(),
        createdBy: 'me',
      }),
    ).toThrow(/endsAt must be after startsAt/);
  });
});
