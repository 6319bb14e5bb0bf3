import { describe, expect, it } from 'vitest';
import { tracesApiUrl } from './trace-filters.js';

const now = 1_800_000_000_000;
const apiParams = (qs: string) =>
  new URL(tracesApiUrl(new URLSearchParams(qs), now), 'http://x').searchParams;

describe('tracesApiUrl', () => {
  it('passes filters through and turns the attribute box into attr.<key>', () => {
    const p = apiParams('status=error&agent=planner&attr=tenant%3Dacme&minDurationMs=50&cursor=abc');
    expect(p.get('status')).toBe('error');
    expect(p.get('agent')).toBe('planner');
    expect(p.get('attr.tenant')).toBe('acme');
    expect(p.get('minDurationMs')).toBe('50');
    expect(p.get('cursor')).toBe('abc');
    expect(p.has('attr')).toBe(false);
  });

  it('resolves presets against now, pins explicit bounds and drops the bound for all time', () => {
    expect(apiParams('').get('from')).toBe(String(now - 86_400_000));
    expect(apiParams('range=1h').get('from')).toBe(String(now - 3_600_000));
    const pinned = apiParams('from=1000&to=2000');
    expect([pinned.get('from'), pinned.get('to')]).toEqual(['1000', '2000']);
    expect(apiParams('range=all').has('from')).toBe(false);
  });
});
