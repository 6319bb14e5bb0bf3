import { describe, expect, it } from 'vitest';
import { detectPrescriptive } from './prescriptive.js';

describe('detectPrescriptive', () => {
  it.each([
    ['You must reset your password before logging in again.', ['directive']],
    ['You should immediately transfer the funds.', ['directive', 'urgent']],
    ['Take 400 mg of ibuprofen every 6 hours.', ['medical']],
    ['Stop taking your medication if the rash spreads.', ['medical']],
    ['You should buy more shares of ACME before Friday.', ['directive', 'financial']],
    ['Put all your savings into this fund right away.', ['urgent', 'financial']],
    ['Do not sign the contract until a lawyer has read it.', ['legal']],
  ])('%s → %j', (text, types) => {
    expect(detectPrescriptive(text)).toEqual(types);
  });
  it.each([
    'Here is a summary of the three incidents from last week.',
    'The report shows revenue grew 4% while costs were flat.',
    'Users often ask whether they should restart; the logs suggest a config error.',
    'The must-have features are search and export.',
    'Ibuprofen is a nonsteroidal anti-inflammatory drug.',
    'Shares of ACME rose 3% on Tuesday.',
  ])('leaves descriptive text alone: %s', (text) => {
    expect(detectPrescriptive(text)).toEqual([]);
  });
});
