import { describe, expect, it } from 'vitest';
import { luhnValid } from './luhn.js';

describe('luhnValid', () => {
  it('accepts the published test card numbers', () => {
    for (const n of [
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '6011111111111117',
      '4012888888881881',
    ])
      expect(luhnValid(n), n).toBe(true);
  });
  it('rejects a number with one digit changed', () => {
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('5555555555554445')).toBe(false);
  });
});
