import { describe, expect, it } from 'vitest';
import { fitHoltWinters, HoltWinters } from './forecast.js';

describe('HoltWinters', () => {
  it('continues a straight line exactly', () => {
    const m = new HoltWinters({ alpha: 0.5, beta: 0.1, gamma: 0, period: 0 });
    for (let t = 0; t < 50; t++) m.update(3 + 2 * t);
    expect(m.forecast(1)).toBeCloseTo(3 + 2 * 50, 9);
    expect(m.forecast(100)).toBeCloseTo(3 + 2 * 149, 9);
  });

  it('continues a trend with a season exactly once initialised from two seasons', () => {
    const x = (t: number) => 50 + 0.5 * t + [4, -1, 7, -10][t % 4];
    const m = new HoltWinters({ alpha: 0.3, beta: 0.1, gamma: 0.2, period: 4 });
    expect(m.ready).toBe(false);
    for (let t = 0; t < 40; t++) m.update(x(t));
    expect(m.ready).toBe(true);
    for (let h = 1; h <= 9; h++) expect(m.forecast(h)).toBeCloseTo(x(39 + h), 9);
  });

  it('is NaN before it has two seasons', () => {
    const m = new HoltWinters({ alpha: 0.3, beta: 0.1, gamma: 0.2, period: 24 });
    for (let t = 0; t < 47; t++) m.update(t);
    expect(m.forecast(1)).toBeNaN();
  });

  it('fitHoltWinters picks smoothing that follows a level change faster than the slowest grid point', () => {
    const values = Array.from({ length: 200 }, (_, t) => (t < 100 ? 10 : 30));
    const model = fitHoltWinters(values, 0);
    expect(model).not.toBeNull();
    expect(model?.params.alpha).toBeGreaterThan(0.05);
    expect(model?.forecast(1)).toBeCloseTo(30, 0);
    expect(fitHoltWinters(Array(9).fill(1), 0)).toBeNull();
    expect(fitHoltWinters(Array(47).fill(1), 24)).toBeNull();
  });
});
