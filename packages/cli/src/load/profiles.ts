/**
 * k6-style load profiles as stages of an open arrival rate (iterations per minute, ramped linearly from
 * the previous stage's target, like k6's ramping-arrival-rate executor). `rate` is the profile's
 * reference rate and `durationMs` its total length; each profile shapes them differently.
 */
export const PROFILES = ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface Stage {
  durationMs: number;
  /** Iterations per minute at the end of the stage. */
  target: number;
}

export interface ProfileDefaults {
  durationMs: number;
  /** Iterations (agent requests) per minute. */
  rate: number;
  description: string;
}

export const PROFILE_DEFAULTS: Record<ProfileName, ProfileDefaults> = {
  smoke: { durationMs: 30_000, rate: 60, description: 'a minute-rate trickle: does everything answer?' },
  load: { durationMs: 5 * 60_000, rate: 1000, description: 'ramp to the rate, hold it, ramp down' },
  stress: { durationMs: 5 * 60_000, rate: 1000, description: 'steps to 1×, 2× and 3× the rate' },
  spike: {
    durationMs: 3 * 60_000,
    rate: 5000,
    description: 'a fifth of the rate, a sudden jump to the full rate, back down',
  },
  soak: { durationMs: 60 * 60_000, rate: 1000, description: 'the rate held for a long time (leaks, growth)' },
  breakpoint: {
    durationMs: 10 * 60_000,
    rate: 600,
    description: 'steps of ×1.5 from the rate until ingest p95 passes 1 s or anything is rejected',
  },
};

/** How long one breakpoint step holds its rate. */
export const BREAKPOINT_STEP_MS = 20_000;
export const BREAKPOINT_FACTOR = 1.5;

/** The stages of a profile; the rate starts at 0 (or the first stage's target for flat profiles). */
export function stagesOf(
  profile: ProfileName,
  rate: number,
  durationMs: number,
): { start: number; stages: Stage[] } {
  const d = (f: number) => Math.max(1, Math.round(durationMs * f));
  switch (profile) {
    case 'smoke':
      return { start: rate, stages: [{ durationMs, target: rate }] };
    case 'load':
      return {
        start: 0,
        stages: [
          { durationMs: d(0.1), target: rate },
          { durationMs: d(0.8), target: rate },
          { durationMs: d(0.1), target: 0 },
        ],
      };
    case 'stress':
      return {
        start: 0,
        stages: [1, 1, 2, 2, 3, 3].map((k) => ({ durationMs: d(1 / 6), target: rate * k })),
      };
    case 'spike': {
      const base = rate / 5;
      return {
        start: base,
        stages: [
          { durationMs: d(0.25), target: base },
          { durationMs: d(0.05), target: rate },
          { durationMs: d(0.4), target: rate },
          { durationMs: d(0.05), target: base },
          { durationMs: d(0.25), target: base },
        ],
      };
    }
    case 'soak': {
      const ramp = Math.min(30_000, d(0.05));
      return {
        start: 0,
        stages: [
          { durationMs: ramp, target: rate },
          { durationMs: Math.max(1, durationMs - ramp), target: rate },
        ],
      };
    }
    case 'breakpoint': {
      const steps = Math.max(1, Math.floor(durationMs / BREAKPOINT_STEP_MS));
      return {
        start: rate,
        stages: Array.from({ length: steps }, (_, i) => ({
          durationMs: BREAKPOINT_STEP_MS,
          target: Math.round(rate * BREAKPOINT_FACTOR ** i),
        })),
      };
    }
  }
}

/**
 * A piecewise-linear rate schedule: `due(t)` is how many iterations should have started by `t` ms (the
 * integral of the rate), which the scheduler compares with how many it started. Breakpoint steps are
 * flat (each stage starts at its own target).
 */
export class Schedule {
  readonly totalMs: number;
  private readonly bounds: Array<{ t0: number; t1: number; r0: number; r1: number; before: number }> = [];

  constructor(start: number, stages: Stage[], stepped = false) {
    let t = 0;
    let r = start;
    let before = 0;
    for (const s of stages) {
      const r0 = stepped ? s.target : r;
      this.bounds.push({ t0: t, t1: t + s.durationMs, r0, r1: s.target, before });
      before += ((r0 + s.target) / 2 / 60_000) * s.durationMs;
      t += s.durationMs;
      r = s.target;
    }
    this.totalMs = t;
  }

  /** The stage index at `t` (the last one past the end). */
  stageAt(t: number): number {
    const i = this.bounds.findIndex((b) => t < b.t1);
    return i < 0 ? this.bounds.length - 1 : i;
  }

  stageBounds(i: number): { t0: number; t1: number; rate: number } {
    const b = this.bounds[i];
    return { t0: b.t0, t1: b.t1, rate: b.r1 };
  }

  get stageCount(): number {
    return this.bounds.length;
  }

  /** Iterations per minute at `t`. */
  rateAt(t: number): number {
    const b = this.bounds[this.stageAt(t)];
    const x = Math.min(1, Math.max(0, (t - b.t0) / (b.t1 - b.t0)));
    return b.r0 + (b.r1 - b.r0) * x;
  }

  due(t: number): number {
    const b = this.bounds[this.stageAt(t)];
    const dt = Math.min(b.t1, Math.max(b.t0, t)) - b.t0;
    const r = this.rateAt(b.t0 + dt);
    return b.before + (((b.r0 + r) / 2) * dt) / 60_000;
  }
}
