/**
 * −ln of the upper Gaussian tail, −ln Q(z): a "surprise" in nats, ln 2 at z = 0, about z²/2 for
 * large z. It never saturates (1 − Q(z) does at z ≈ 8 in doubles), so the detector can still rank
 * two very unusual points.
 *
 * Hot path (several calls per point), so no erfc series: Börjesson & Sundberg's approximation
 * Q(z) ≈ φ(z) / ((1 − a)·z + a·√(z² + b)), a = 0.339, b = 5.51 (relative error < 0.3% for z ≥ 0,
 * i.e. < 0.003 nats): one log and one sqrt, exp only for z < 0.
 */
export function normalSurprise(z: number): number {
  if (!(z < 1e4)) z = 1e4; // also maps NaN to the cap: a zero scale means "never seen"
  const x = z < 0 ? -z : z;
  const denom = (1 - A) * x + A * Math.sqrt(x * x + B);
  if (z >= 0) return 0.5 * x * x + LN_SQRT_2PI + Math.log(denom);
  const q = Math.exp(-0.5 * x * x) / (SQRT_2PI * denom); // Q(|z|)
  return -Math.log1p(-q);
}

const A = 0.339;
const B = 5.51;
const SQRT_2PI = 2.5066282746310002;
const LN_SQRT_2PI = 0.9189385332046727;
