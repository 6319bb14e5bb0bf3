import { normalSurprise } from './normal-tail.js';
import { SeasonalProfile } from './seasonal-profile.js';
import { ShapeMemory } from './shape-memory.js';
import { SurpriseLikelihoods } from './surprise-likelihood.js';

/** The detector's parts; each can be switched off to measure what it contributes (docs/anomaly.md). */
export type DetectorComponent = 'level' | 'volatility' | 'range' | 'shape' | 'seasonal';
export const DETECTOR_COMPONENTS: readonly DetectorComponent[] = [
  'level',
  'volatility',
  'range',
  'shape',
  'seasonal',
];

export interface AnomalyDetectorOptions {
  /** Parts to combine. @default all of DETECTOR_COMPONENTS */
  components?: readonly DetectorComponent[];
  /** Points scored 0 while the models settle. @default 150 */
  warmup?: number;
  /** Memory (points) of the level's mean and spread. @default 1000 */
  levelMemory?: number;
  /** Memory (points) of each component's surprise statistics. @default 250 */
  likelihoodMemory?: number;
  /** After an alarm, scores are halved for this many points so one event reports once. @default 50 */
  refractory?: number;
  /**
   * For this many points after an alarm (the refractory period included) a new alarm needs
   * `rearmFactor` times the surprise: aftershocks of one event are weaker than it. @default 200
   */
  rearmPoints?: number;
  /** @default 1.2 (12 nats instead of 10) */
  rearmFactor?: number;
  /**
   * The seasonal part's surprise counts only while the seasonal profile predicts better than
   * the plain level: its typical error below this fraction of the level's. @default 0.8
   */
  seasonalSkill?: number;
  /**
   * Creep: a new extreme that lies beyond the range as it stood this many points ago by the
   * spatial tolerance alarms like a jump of that size (a value climbing to new records step by
   * step, each step too small for the spatial rule). 0 turns it off. @default 50 (the refractory period)
   */
  creepPoints?: number;
  /**
   * Also score the range part's excess through a likelihood calibrator, as before the fifth
   * round (for comparison in bench:nab; the calibrator of a signal that is 0 between records
   * collapses, so any tiny new record after a quiet spell reads as a huge surprise). @default false
   */
  rangeLikelihood?: boolean;
}

const BLOCK = 4; // points averaged into one shape coordinate
const DIMS = 8; // shape = the last 8 blocks (32 points)
const BOXES = 24;
const SNAPSHOTS = 2 * DIMS; // where the creep part's range snapshots start in `blocks`
const VIGILANCE = 0.85;
const SEASON_SLOTS = 144;
const SEASON_ALPHA = 0.2;
const VOL_SHORT = 1 / 10;
const VOL_LONG = 1 / 500;
const MAD_TO_SIGMA = 1.2533;
/** Numenta's SPATIAL_TOLERANCE: how far (in widths of the seen range) a new extreme must go to alarm on its own. */
const SPATIAL_TOLERANCE = 0.05; // σ = √(π/2)·mean|x − μ| for a Gaussian

/**
 * Streaming anomaly detector for one equally spaced series. `update(value, timeMs)` returns the
 * score of that point in [0, 1), computed from that point and earlier ones only (no look-ahead);
 * every bound is learned online and the state is a fixed ~2.7 KiB whatever the series length (bench:anomaly).
 *
 * Five views of the series each yield a surprise in nats (−ln p):
 * - level: distance from an exponentially weighted mean, in robust spread units;
 * - volatility: the log-ratio of short to long mean |Δx| (bursts of noise, flat lines);
 * - range: a new extreme beyond the range seen so far by 5% of it (HTM's spatial anomaly), or
 *   beyond the range of 50 points ago by as much (creep); it alarms on its own, uncalibrated;
 * - shape: novelty of the last 32 points, normalised to the seen range, against an
 *   adaptive-resonance memory of past shapes;
 * - seasonal: distance from what this time of day usually looks like.
 * The other four are calibrated against their own history (SurpriseLikelihood), the score is the largest,
 * mapped q → q/(1+q) so that 0.5 is the alarm level (p ≈ 4.5e−5), and after an alarm the next
 * `refractory` points are halved: NAB, like an on-call engineer, wants one report per event.
 */
export class AnomalyDetector {
  private t = 0;
  private readonly use: number; // bit mask of components
  private readonly warmup: number;
  private readonly levelAlpha: number;
  private readonly refractory: number;
  private readonly rearmPoints: number;
  private readonly rearmFactor: number;
  private readonly seasonalSkill: number;
  private readonly creepEvery: number;
  private readonly rangeLikelihood: boolean;
  private lastAlarm = Number.NEGATIVE_INFINITY;
  // level
  private mean = 0;
  private mad = 0;
  // range
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  // creep: the range every creepEvery points, the last 4 ([min, max] pairs, a ring at SNAPSHOTS in
  // `blocks`: one typed array fewer per detector), so the oldest is 3–4 × creepEvery points old;
  // and the excess of the current point over it
  private snapNext = 0;
  private snapCount = 0;
  private creep = 0;
  // volatility
  private last = 0;
  private volShort = 0;
  private volLong = 0;
  private logRatioMean = 0;
  private logRatioVar = 0;
  // seasonal
  private readonly season: SeasonalProfile;
  private seasonMad = 0;
  // shape
  private readonly shapes: ShapeMemory;
  // last DIMS block means, then the shape vector, then the creep part's range snapshots
  private readonly blocks = new Float64Array(SNAPSHOTS + 8);
  private blockSum = 0;
  private blockFill = 0;
  private blocksSeen = 0;
  // one calibrator per component, in DETECTOR_COMPONENTS order
  private readonly calibrators: SurpriseLikelihoods;

  constructor(options: AnomalyDetectorOptions = {}) {
    const components = options.components ?? DETECTOR_COMPONENTS;
    this.use = DETECTOR_COMPONENTS.reduce((m, c, i) => (components.includes(c) ? m | (1 << i) : m), 0);
    this.warmup = options.warmup ?? 150;
    this.levelAlpha = 1 / (options.levelMemory ?? 1000);
    this.refractory = options.refractory ?? 50;
    this.rearmPoints = options.rearmPoints ?? 200;
    this.rearmFactor = options.rearmFactor ?? 1.2;
    this.seasonalSkill = options.seasonalSkill ?? 0.8;
    const creepPoints = options.creepPoints ?? 50;
    this.creepEvery = creepPoints > 0 ? Math.max(1, Math.round(creepPoints / 4)) : 0;
    this.rangeLikelihood = options.rangeLikelihood ?? false;
    const likelihoodAlpha = 1 / (options.likelihoodMemory ?? 250);
    this.calibrators = new SurpriseLikelihoods(DETECTOR_COMPONENTS.length, likelihoodAlpha);
    this.season = new SeasonalProfile(SEASON_SLOTS, SEASON_ALPHA);
    this.shapes = new ShapeMemory(DIMS, BOXES, VIGILANCE);
  }

  /** The level expected next (the exponentially weighted mean); read before `update` for "value vs expected". */
  get expected(): number {
    return this.mean;
  }

  /** The spread around `expected` as a standard deviation (from the mean absolute deviation). */
  get spread(): number {
    return MAD_TO_SIGMA * this.mad;
  }

  /** Points seen so far (scores are 0 until `warmup` of them). */
  get seen(): number {
    return this.t;
  }

  /** Score `x` observed at `timeMs` (ms since the epoch; only differences matter), then learn it. */
  update(x: number, timeMs: number): number {
    const t = this.t++;
    const seasonal = this.seasonalSurprise(x, timeMs, t);
    const level = this.levelSurprise(x, t);
    const range = this.rangeSurprise(x, t);
    const volatility = this.volatilitySurprise(x, t);
    const shape = this.shapeNovelty(x);

    const c = this.calibrators;
    const z0 = c.z(0, level);
    const z1 = c.z(1, volatility);
    const z2 = this.rangeLikelihood ? c.z(2, range) : Number.NEGATIVE_INFINITY;
    const z3 = c.z(3, shape);
    const z4 = c.z(4, seasonal);
    if (t < this.warmup) return 0;
    let z = Number.NEGATIVE_INFINITY;
    const use = this.use;
    if (use & 1 && z0 > z) z = z0;
    if (use & 2 && z1 > z) z = z1;
    if (use & 4 && z2 > z) z = z2;
    if (use & 8 && z3 > z) z = z3;
    if (use & 16 && z4 > z) z = z4;
    // q = surprise of the most unusual component in units of 10 nats: q > 1 ⇔ p < 4.5e-5
    let q = z === Number.NEGATIVE_INFINITY ? 0 : normalSurprise(z) / 10;
    // HTM's "spatial anomaly" (Numenta's NAB detector): a value beyond the range seen so far by
    // more than 5% of its width is an alarm whatever the calibrator has grown used to (a series
    // with a few past spikes habituates its likelihoods), and it is reported even inside the
    // refractory period: a new extreme right after an alarm is a new event, not an echo.
    const spatial = (use & 4) !== 0 && range > SPATIAL_TOLERANCE;
    if (spatial) {
      if (q < 1 + range) q = 1 + Math.min(range, 1e6); // capped: the score stays below 1
    } else if (t - this.lastAlarm < this.rearmPoints) {
      // Re-arming: for a while after an alarm the bar is higher (12 nats instead of 10), so the
      // after-effects of one event (a calibrator still settling, a second wobble) do not report
      // again, while a clearly stronger event still does. A new extreme is exempt, as above.
      q /= this.rearmFactor;
    }
    // Creep: a new extreme reached step by step, each step under the spatial tolerance, is as
    // much news as one jump of the same size once it has gone beyond the range of creepPoints
    // ago by that tolerance (a machine overheating degree by degree). Judged like a jump of that
    // size, but not exempt from the refractory period: one climb, one report.
    if ((use & 4) !== 0 && !spatial && this.creep > SPATIAL_TOLERANCE && q < 1 + this.creep) {
      q = 1 + Math.min(this.creep, 1e6);
    }
    let score = q / (1 + q);
    if (t - this.lastAlarm < this.refractory && !spatial) score *= 0.5;
    else if (q > 1) this.lastAlarm = t;
    return score;
  }

  private levelSurprise(x: number, t: number): number {
    if (t === 0) this.mean = x;
    const z = Math.abs(x - this.mean) / (MAD_TO_SIGMA * this.mad + 1e-9 * (Math.abs(this.mean) + 1));
    const a = Math.max(this.levelAlpha, 1 / (t + 1));
    this.mad += a * (Math.abs(x - this.mean) - this.mad);
    this.mean += a * (x - this.mean);
    return t > 1 ? normalSurprise(z) : 0;
  }

  private rangeSurprise(x: number, t: number): number {
    const width = this.max - this.min;
    let s = 0;
    if (t > 1) {
      if (width > 0) s = Math.max(0, x - this.max, this.min - x) / width;
      else if (x !== this.max) s = 1;
    }
    this.creep = 0;
    if (this.creepEvery > 0 && t > 1) {
      const sn = this.blocks;
      const oldest = SNAPSHOTS + 2 * (this.snapCount < 4 ? 0 : this.snapNext);
      const oMin = sn[oldest];
      const oMax = sn[oldest + 1];
      if (this.snapCount > 0 && oMax > oMin && (x > this.max || x < this.min)) {
        this.creep = Math.max(0, x - oMax, oMin - x) / (oMax - oMin);
      }
      if (t % this.creepEvery === 0) {
        sn[SNAPSHOTS + 2 * this.snapNext] = this.min;
        sn[SNAPSHOTS + 2 * this.snapNext + 1] = this.max;
        this.snapNext = (this.snapNext + 1) & 3;
        if (this.snapCount < 4) this.snapCount++;
      }
    }
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    return s;
  }

  private volatilitySurprise(x: number, t: number): number {
    if (t === 0) {
      this.last = x;
      return 0;
    }
    const dx = Math.abs(x - this.last);
    this.last = x;
    const aLong = Math.max(VOL_LONG, 1 / t);
    this.volShort += VOL_SHORT * (dx - this.volShort);
    this.volLong += aLong * (dx - this.volLong);
    // eps: a flat series has zero volatility; 0.1% of the range keeps the ratio finite and meaningful
    const eps = 1e-9 * (Math.abs(this.mean) + 1) + 1e-3 * (this.max - this.min);
    const r = Math.log((this.volShort + eps) / (this.volLong + eps));
    const z = Math.abs(r - this.logRatioMean) / (Math.sqrt(this.logRatioVar) + 1e-3);
    this.logRatioMean += aLong * (r - this.logRatioMean);
    const d = r - this.logRatioMean;
    this.logRatioVar += aLong * (d * d - this.logRatioVar);
    return t > 20 ? normalSurprise(z) : 0;
  }

  private seasonalSurprise(x: number, timeMs: number, t: number): number {
    const r = this.season.residual(x, timeMs);
    if (Number.isNaN(r)) return 0;
    const scale =
      MAD_TO_SIGMA * this.seasonMad + 1e-9 * (Math.abs(this.mean) + 1) + 1e-6 * (this.max - this.min);
    const a = Math.max(this.levelAlpha, 1 / (t + 1));
    this.seasonMad += a * (r - this.seasonMad);
    // A profile that does not predict better than the level (no daily cycle, irregular
    // sampling, a cycle that changed) only adds a second, noisier opinion of the level:
    // its surprises would be false alarms, so they count only while it has skill.
    if (this.seasonMad > this.seasonalSkill * this.mad) return 0;
    return normalSurprise(r / scale);
  }

  private shapeNovelty(x: number): number {
    this.blockSum += x;
    if (++this.blockFill < BLOCK) return 0;
    const b = this.blocks;
    for (let i = 1; i < DIMS; i++) b[i - 1] = b[i];
    b[DIMS - 1] = this.blockSum / BLOCK;
    this.blockSum = 0;
    this.blockFill = 0;
    if (++this.blocksSeen < DIMS || !(this.max > this.min)) return 0;
    const inv = 1 / (this.max - this.min);
    for (let i = 0; i < DIMS; i++) b[DIMS + i] = (b[i] - this.min) * inv;
    return this.shapes.present(b, DIMS);
  }
}
