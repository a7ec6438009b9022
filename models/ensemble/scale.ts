// The ensemble's common scale: each member's raw score mapped to its "surprise" on normal data,
// -log10 of the probability P(x) that a normal (validation) score of that member exceeds it.
// P is read off two fits of the member's validation scores:
// - the body, x <= t: rank normalisation, 1 - the empirical CDF interpolated in a table of the
//   validation scores' quantiles at levels 0, 1/Q, ..., 1 (never below q, the tail's share, so
//   the map stays monotone where the two meet);
// - the tail, x > t: the generalised Pareto tail of a POT fit (lib/eval/calibrated.ts), which
//   keeps ranking scores beyond the largest validation score, where ranks alone saturate.
// Why not the tail probability alone: below t it is the constant 1 - q, so most rows would tie.
// Why -log10: tail probabilities of 1e-6 and 1e-9 differ in the ninth decimal of 1 - P, which
// float32 scores round away; the surprise is computed in log space so they stay apart.
// A bounded fitted tail (shape < 0; on a few hundred validation scores POT often ends it at the
// largest one) would make every score beyond its end equally impossible and tie them; such a
// tail is replaced by the exponential one (shape 0, scale the mean excess: its maximum-likelihood
// fit), the lightest tail that keeps ranking.
import { defaultThreshold } from '../../lib/calibrate/thresholds';
import { tailCalibration, type TailCalibration } from '../../lib/eval/calibrated';
import { quantileSorted, sortedCopy } from '../../lib/eval/stats';

/** One member's fit: its validation scores' quantile table and tail. */
export interface MemberScale {
  /** Q + 1 non-decreasing values: the quantiles at levels i / Q. */
  quantiles: ArrayLike<number>;
  /** Shape >= 0 (see the top of the file). */
  tail: TailCalibration;
}

/** The quantile table of `scores` at levels 0, 1/Q, ..., 1 (Q = `levels`). */
export function quantileTable(scores: ArrayLike<number>, levels: number): Float64Array {
  const s = sortedCopy(scores);
  if (!s.length) throw new Error('ensemble: no validation scores to rank against');
  return Float64Array.from({ length: levels + 1 }, (_, i) => quantileSorted(s, i / levels));
}

/** The exponential tail over t: q the share of scores above t, scale their mean excess. */
function exponentialTail(scores: ArrayLike<number>, t: number): TailCalibration {
  let sum = 0, above = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > t) (sum += scores[i] - t), above++;
  // Nothing above t (the top tied): any larger score is beyond everything seen.
  return { initialThreshold: t, tailShare: Math.max(above, 1) / scores.length, shape: 0, scale: above && sum > 0 ? sum / above : Number.MIN_VALUE };
}

/**
 * A member's scale from its validation scores: the quantile table, and the tail of the POT
 * threshold `vigil train` would fit on them (lib/calibrate defaultThreshold), exponential where
 * that tail is bounded. Where that is no POT (under 50 scores) or cannot be fitted (too many
 * ties), the exponential tail over the top decile stands in.
 */
export function fitMemberScale(scores: ArrayLike<number>, levels: number): MemberScale {
  const quantiles = quantileTable(scores, levels);
  let pot: TailCalibration | null = null;
  try {
    pot = tailCalibration(defaultThreshold(scores));
  } catch {
    pot = null;
  }
  const tail = !pot ? exponentialTail(scores, quantileSorted(sortedCopy(scores), 0.9))
    : pot.shape < 0 ? exponentialTail(scores, pot.initialThreshold) : pot;
  return { quantiles, tail };
}

/**
 * -log10 P(x) (see the top of the file): 0 for an unremarkable score, 3 for one normal data
 * exceeds once in a thousand. In the tail, -log10 of lib/eval/calibrated.ts's 1 - calibrated:
 * -log10 q + log10(1 + g y / s) / g, or -log10 q + y / (s ln 10) when g = 0.
 */
export function surprise(m: MemberScale, x: number): number {
  if (x !== x) return NaN;
  const { initialThreshold: t, tailShare: q, shape: g, scale: s } = m.tail;
  if (!(g >= 0)) throw new Error(`ensemble: a member's tail shape must be >= 0, got ${g}`);
  if (x > t) {
    const y = x - t;
    return -Math.log10(q) + (g < 1e-12 ? y / (s * Math.LN10) : Math.log10(1 + (g * y) / s) / g);
  }
  return 0 - Math.log10(bodyExceedance(m, x)); // 0 - 0 is +0, where -log10(1) is -0
}

/** P(x) for x <= t: 1 - the interpolated rank, at least the tail share. */
function bodyExceedance(m: MemberScale, x: number): number {
  const qv = m.quantiles;
  const Q = qv.length - 1;
  if (x < qv[0]) return 1;
  // The last level whose quantile is <= x, then linear between it and the next.
  let lo = 0, hi = Q;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (qv[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  const level = lo === Q ? 1 : (lo + (x - qv[lo]) / (qv[lo + 1] - qv[lo])) / Q;
  return Math.max(1 - level, m.tail.tailShare);
}

export type CombineRule = 'max' | 'mean';

/** The ensemble's score from its members' surprises. */
export function combine(surprises: ArrayLike<number>, rule: CombineRule): number {
  let s = rule === 'max' ? -Infinity : 0;
  for (let i = 0; i < surprises.length; i++) s = rule === 'max' ? Math.max(s, surprises[i]) : s + surprises[i];
  return rule === 'max' ? s : s / surprises.length;
}

/**
 * Adds one member's attribution to `out` (length F): its scaled channel errors as shares of
 * their sum, weighted by its surprise, so a member that finds the window unremarkable blames
 * nothing, and each member blames in proportion to how anomalous it finds the window.
 */
export function addAttribution(scaled: ArrayLike<number>, from: number, F: number, weight: number, out: Float32Array, to: number): void {
  let sum = 0;
  for (let c = 0; c < F; c++) sum += scaled[from + c];
  if (!(sum > 0) || !(weight > 0)) return;
  for (let c = 0; c < F; c++) out[to + c] += (weight * scaled[from + c]) / sum;
}
