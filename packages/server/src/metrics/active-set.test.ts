import { describe, expect, it } from 'vitest';
import { ActiveSet } from './active-set.js';

describe('ActiveSet', () => {
  it('counts distinct ids seen within the window and forgets older ones', () => {
    const a = new ActiveSet(1000);
    a.touch('s1', 0);
    a.touch('s2', 500);
    a.touch('s1', 600);
    a.touch('s3', 1200);
    expect(a.count(1200)).toBe(3);
    expect(a.count(1450)).toBe(3);
    expect(a.count(1550)).toBe(2); // s2 last seen at 500
    expect(a.count(5000)).toBe(0);
  });

  it('remembers at most maxEntries ids', () => {
    const a = new ActiveSet(60_000, 100);
    for (let i = 0; i < 10_000; i++) a.touch(`s${i}`, i);
    expect(a.count(10_000)).toBe(100);
  });
});
