import { describe, expect, it } from 'vitest';
import { generateKey, parseDuration, parseKey, secretMatches } from './api-key.js';

describe('API keys', () => {
  const made = generateKey({ name: 'n', project: 'p', scope: 'ingest', expiresAt: null });

  it('carry a public id and 256 random bits, and only a salted hash is stored', () => {
    const parsed = parseKey(made.key)!;
    expect(parsed.id).toBe(made.record.id);
    expect(Buffer.from(parsed.secret, 'base64url')).toHaveLength(32);
    expect(JSON.stringify(made.record)).not.toContain(parsed.secret);
    expect(secretMatches(made.record, parsed.secret)).toBe(true);
    expect(secretMatches(made.record, `${parsed.secret.slice(0, -1)}A`)).toBe(parsed.secret.endsWith('A'));
  });

  it('two keys never share salt or hash', () => {
    const other = generateKey({ name: 'n', project: 'p', scope: 'ingest', expiresAt: null });
    expect(other.record.salt).not.toBe(made.record.salt);
    expect(other.record.hash).not.toBe(made.record.hash);
  });

  it('refuses malformed keys and durations', () => {
    for (const bad of ['', 'wk_', `${made.key}x`, made.key.replace('wk_', 'xx_'), 'Bearer x'])
      expect(parseKey(bad)).toBeNull();
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    for (const bad of ['0d', '90', 'd', '1.5d', '-1d']) expect(parseDuration(bad)).toBeNull();
  });
});
