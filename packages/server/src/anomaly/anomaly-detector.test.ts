import { describe, expect, it } from 'vitest';
import { AnomalyDetector, DETECTOR_COMPONENTS } from './anomaly-detector.js';

const FIVE_MIN = 300_000;

/** Deterministic noise (LCG), so every run sees the same series. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function daily(n: number, rnd = noise(1)): number[] {
  return Array.from({ length: n }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 2 * rnd());
}

function scoreAll(values: number[], det = new AnomalyDetector()): number[] {
  return values.map((v, i) => det.update(v, i * FIVE_MIN));
}

const maxOf = (a: number[], from: number, to: number) => Math.max(...a.slice(from, to));

describe('AnomalyDetector', () => {
  it('scores in [0, 1) and 0 during warm-up', () => {
    const s = scoreAll(daily(3000));
    for (const x of s) expect(x >= 0 && x < 1).toBe(true);
    expect(maxOf(s, 0, 150)).toBe(0);
  });

  it('rarely alarms on a clean daily series, and alarms on a spike in it', () => {
    const values = daily(3000);
    const clean = scoreAll(values);
    // noise alone may cross the alarm level now and then (p ≈ 4.5e-5 per component and point)
    expect(clean.slice(1000).filter((x) => x >= 0.5).length).toBeLessThanOrEqual(2);
    values[2500] += 60;
    const spiked = scoreAll(values);
    expect(spiked[2500]).toBeGreaterThan(0.5);
  });

  it('never looks ahead: the score at t does not change when later values change', () => {
    const a = daily(2000);
    const b = a.slice();
    for (let i = 1500; i < 2000; i++) b[i] = 1000 * Math.random();
    const sa = scoreAll(a);
    const sb = scoreAll(b);
    expect(sb.slice(0, 1500)).toEqual(sa.slice(0, 1500));
    expect(sb.slice(1500)).not.toEqual(sa.slice(1500));
  });

  it('reports a lasting level shift once, not on every point after it', () => {
    const values = daily(4000);
    for (let i = 3000; i < 4000; i++) values[i] += 40;
    const s = scoreAll(values);
    expect(maxOf(s, 3000, 3010)).toBeGreaterThan(0.5);
    const alarms = s.slice(3000).filter((x) => x >= 0.5).length;
    expect(alarms).toBeLessThan(20);
  });

  it('catches a day whose daily peak is missing only through the seasonal part', () => {
    // a square daily pulse; one day the pulse does not come
    const values = Array.from(
      { length: 288 * 12 },
      (_, i) => (i % 288 >= 100 && i % 288 < 150 ? 80 : 20) + noise(3)(),
    );
    for (let i = 288 * 10 + 100; i < 288 * 10 + 150; i++) values[i] = 20;
    const window = [288 * 10 + 100, 288 * 10 + 150] as const;
    const all = scoreAll(values);
    expect(maxOf(all, ...window)).toBeGreaterThan(0.5);
    const noSeason = scoreAll(
      values,
      new AnomalyDetector({ components: DETECTOR_COMPONENTS.filter((c) => c !== 'seasonal') }),
    );
    expect(maxOf(noSeason, ...window)).toBeLessThan(maxOf(all, ...window));
  });

  it('reports a new extreme beyond the seen range even right after an alarm (HTM spatial anomaly)', () => {
    const values = daily(3000);
    values[2500] += 25; // within the daily swing's range: an alarm, then the refractory period
    values[2520] = 100; // 50 ± 20 seen so far: 30% of the range above the maximum
    const s = scoreAll(values);
    expect(s[2500]).toBeGreaterThan(0.5);
    expect(s[2520]).toBeGreaterThan(0.5);
    // without the range part the second event falls in the refractory period and is halved
    const noRange = scoreAll(
      values,
      new AnomalyDetector({ components: DETECTOR_COMPONENTS.filter((c) => c !== 'range') }),
    );
    expect(noRange[2500]).toBeGreaterThan(0.5);
    expect(noRange[2520]).toBeLessThan(0.5);
  });

  it('reports a value creeping to new records, each step under the spatial tolerance, once', () => {
    const rnd = noise(7);
    const values = Array.from({ length: 3000 }, () => 50 + rnd());
    const max = Math.max(...values);
    const width = max - Math.min(...values);
    // 40 new records, each 3% of the range above the last one (the spatial rule needs 5%)
    for (let k = 1; k <= 40; k++) values.push(max + 0.03 * width * k);
    const rangeOnly = (options = {}) =>
      scoreAll(values, new AnomalyDetector({ components: ['range'], ...options })).slice(3000);
    const alarms = rangeOnly().filter((x) => x >= 0.5);
    // beyond the range of 50 points ago by 5% after the second step; then the refractory period
    expect(alarms.length).toBe(1);
    expect(rangeOnly().findIndex((x) => x >= 0.5)).toBe(1);
    expect(Math.max(...rangeOnly({ creepPoints: 0 }))).toBeLessThan(0.5);
  });

  it('does not alarm on a tiny new record of a noisy series (no likelihood on the range part)', () => {
    const rnd = noise(7);
    const values = Array.from({ length: 3000 }, () => 50 + rnd());
    const max = Math.max(...values);
    values.push(max + 0.01 * (max - Math.min(...values))); // 1% of the range above the maximum
    // a calibrator fed the range excess sees 0 almost always, so its spread collapses and a
    // tiny record after a quiet spell reads as a huge surprise: that is what this option did
    expect(scoreAll(values, new AnomalyDetector({ rangeLikelihood: true }))[3000]).toBeGreaterThan(0.5);
    expect(scoreAll(values)[3000]).toBeLessThan(0.5);
  });

  it('ignores the seasonal profile while it predicts no better than the level (no daily cycle)', () => {
    const rnd = noise(5);
    // white noise with a 3-hour shift on day 10: a level event, and the series has no daily cycle
    const shift = [288 * 10, 288 * 10 + 36] as const;
    const values = Array.from(
      { length: 288 * 12 },
      (_, i) => 50 + 10 * rnd() + (i >= shift[0] && i < shift[1] ? 12 : 0),
    );
    const seasonalOnly = (options = {}) =>
      scoreAll(values, new AnomalyDetector({ components: ['seasonal'], ...options }));
    // "this time of day" is then five past values of noise, a worse guess than the mean: the
    // profile would only repeat the level part's alarm, so it stays silent
    expect(Math.max(...seasonalOnly())).toBeLessThan(0.1);
    expect(Math.max(...seasonalOnly({ seasonalSkill: Number.POSITIVE_INFINITY }))).toBeGreaterThan(0.5);
    // the shift itself is still reported, by the other parts
    expect(maxOf(scoreAll(values), ...shift)).toBeGreaterThan(0.5);
  });

  it('asks a second alarm within 200 points of the first for 1.2x the surprise, unless stronger', () => {
    const values = daily(3000);
    values[2500] += 30; // first event: an alarm
    values[2600] -= 14; // a smaller one 100 points later (after the 50-point refractory period)
    values[2700] += 60; // a much stronger one
    const plain = scoreAll(values, new AnomalyDetector({ rearmPoints: 0 }));
    const rearmed = scoreAll(values);
    expect(rearmed[2500]).toBeGreaterThan(0.5);
    expect(rearmed[2500]).toBe(plain[2500]);
    // score = q/(1+q); re-arming divides q by 1.2 (the detector's state is otherwise the same)
    const q = plain[2600] / (1 - plain[2600]);
    expect(rearmed[2600]).toBeCloseTo(q / 1.2 / (1 + q / 1.2), 12);
    expect(rearmed[2600]).toBeLessThan(plain[2600]);
    expect(rearmed[2700]).toBeGreaterThan(0.5);
  });

  it('handles a constant series and huge values without NaN', () => {
    const flat = scoreAll(Array(1000).fill(7));
    expect(flat.every((x) => x >= 0 && x < 0.5)).toBe(true);
    const huge = scoreAll(Array.from({ length: 1000 }, (_, i) => (i === 800 ? 1e300 : 1e6 + i)));
    expect(huge.every((x) => Number.isFinite(x) && x >= 0 && x < 1)).toBe(true);
    expect(huge[800]).toBeGreaterThan(0.5);
  });
});
