// The ensemble's common scale: each member's raw score mapped to its "surprise" on normal data,
// -log10 of the probability that a normal (validation) score of that member exceeds it.
//
// The exceedance probability P(x) is read off two fits of the member's validation scores:
// - the body, x <= t: rank normalisation, 1 - the empirical CDF interpolated in a table of the
//   validation scores' quantiles at levels 0, 1/Q, ..., 1 (never below q, the tail's share, so
//   the map stays monotone where the two meet);
// - the tail, x > t: the POT fit's generalised Pareto tail (lib/eval/calibrated.ts), which
//   keeps ranking scores beyond the largest validation score, where ranks alone saturate.
// -log10 rather than the probability itself: tail probabilities of 1e-6 and 1e-9 differ in the
// ninth decimal of 1 - P, which float32 scores would round away; their logs stay apart.
// P is floored at MIN_EXCEEDANCE (a surprise of at most 12): the tail is fitted on a few
// thousand scores, and a bounded tail (shape < 0) gives P = 0 past its end.
import { defaultThreshold } from '../../lib/calibrate/thresholds';
import { calibratedScore, tailCalibration, type TailCalibration } from '../../lib/eval/calibrated';
import { quantileSorted, sortedCopy } from '../../lib/eval/stats';

export const MIN_EXCEEDANCE = 1e-12;

/** One member's fit: its validation scores' quantile table and tail. */
export interface MemberScale {
  /** Q + 1 non-decreasing values: the quantiles at levels i / Q. */
  quantiles: ArrayLike<number>;
  tail: TailCalibration;
}

/** The quantile table of `scores` at levels 0, 1/Q, ..., 1 (Q = `levels`). */
export function quantileTable(scores: ArrayLike<number>, levels: number): Float64Array {
  const s = sortedCopy(scores);
  if (!s.length) throw new Error('ensemble: no validation scores to rank against');
  return Float64Array.from({ length: levels + 1 }, (_, i) => quantileSorted(s, i / levels));
}

/**
 * A member's scale from its validation scores: the quantile table, and the tail of the POT
 * threshold `vigil train` would fit on them (lib/calibrate defaultThreshold). Where that is no
 * POT (under 50 scores) or cannot be fitted (too many ties), an exponential tail over the top
 * decile (shape 0, scale the mean excess: its maximum-likelihood fit) stands in.
 */
export function fitMemberScale(scores: ArrayLike<number>, levels: number): MemberScale {
  const quantiles = quantileTable(scores, levels);
  let tail: TailCalibration | null = null;
  try {
    tail = tailCalibration(defaultThreshold(scores));
  } catch {
    tail = null;
  }
  if (!tail) {
    const t = quantileSorted(sortedCopy(scores), 0.9);
    let sum = 0, above = 0;
    for (let i = 0; i < scores.length; i++) if (scores[i] > t) (sum += scores[i] - t), above++;
    // Nothing above t (the top decile tied): any larger score is beyond everything seen.
    const scale = above ? sum / above : Number.MIN_VALUE;
    tail = { initialThreshold: t, tailShare: Math.max(above, 1) / scores.length, shape: 0, scale };
  }
  return { quantiles, tail };
}

/** The probability that a normal score of the member exceeds `x` (see the top of the file). */
export function exceedance(m: MemberScale, x: number): number {
  if (x !== x) return NaN;
  const { tail } = m;
  if (x > tail.initialThreshold) return Math.max(MIN_EXCEEDANCE, 1 - calibratedScore(tail, x));
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
  return Math.max(1 - level, tail.tailShare);
}

/** -log10 of the exceedance: 0 for an unremarkable score, 3 for one normal data exceeds once in a thousand. */
export function surprise(m: MemberScale, x: number): number {
  return 0 - Math.log10(exceedance(m, x)); // 0 - 0 is +0, where -log10(1) is -0
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
