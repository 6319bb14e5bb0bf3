import { describe, expect, it } from 'vitest';
import { toWitnessError } from '../http/errors.js';
import { StoreQueryError } from './query-error.js';

describe('StoreQueryError', () => {
  it('becomes a 400 that keeps the store message; other store errors stay 500 without detail', () => {
    const bad = toWitnessError(new StoreQueryError('cursor is not one this server issued'));
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/cursor/);
    const internal = toWitnessError(new Error('IO Error: disk full'));
    expect(internal.status).toBe(500);
    expect(internal.message).not.toMatch(/disk/);
  });
});
