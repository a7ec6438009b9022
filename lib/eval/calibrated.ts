// Calibrated scores: a model's score on a scale every model shares, 1 - the probability that a
// normal score exceeds it, read off the tail a POT threshold fitted (lib/calibrate/thresholds.ts
// pot: an initial threshold t, exceeded by a share q = excesses / n of the calibration scores,
// and a generalised Pareto distribution of the excesses over t, shape g and scale s):
//
//   P(score > x) = q (1 + g (x - t) / s)^(-1/g)    for x > t   (q exp(-(x - t) / s) when g = 0)
//
// so calibrated(x) = 1 - P(score > x), and 0.999 means "exceeded by one normal score in a
// thousand" whatever the model and its units. The POT threshold itself maps to 1 - risk.
// On normal data like the calibration data, the calibrated values of the scores above t are
// uniform on (1 - q, 1) (the tail's probability integral transform). At or below t the bundle
// holds no finer model of the scores (only the tail was fitted), so every such score maps to
// 1 - q: "not in the tail". Beyond a bounded tail's end (g < 0: x >= t - s / g) it is 1.
//
// Only a POT threshold carries a tail; for any other method (quantile, mean-std, budget,
// best-f1, roc-gmean, fixed, and dynamic, whose fallback's fit is not stored) there is no
// calibration and tailCalibration returns null.
import type { Threshold } from './threshold';

export interface TailCalibration {
  /** The initial threshold t. */
  initialThreshold: number;
  /** q: the share of calibration scores above t. */
  tailShare: number;
  shape: number;
  scale: number;
}

/** The tail of a POT threshold's params, checked; null for any other method. */
export function tailCalibration(t: Threshold): TailCalibration | null {
  if (t.method !== 'pot') return null;
  const { initialThreshold, excesses, n, shape, scale } = t.params;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!num(initialThreshold) || !num(shape) || !num(scale) || !num(excesses) || !num(n) || !((scale as number) > 0) || !((excesses as number) > 0) || (excesses as number) > (n as number))
    throw new Error(`a pot threshold needs finite params initialThreshold, shape, scale > 0 and 0 < excesses <= n, got ${JSON.stringify(t.params)}`);
  return { initialThreshold: initialThreshold as number, tailShare: (excesses as number) / (n as number), shape: shape as number, scale: scale as number };
}

/** 1 - the probability that a normal score exceeds `score` (see the top of this file). */
export function calibratedScore(c: TailCalibration, score: number): number {
  if (score !== score) return NaN;
  const y = score - c.initialThreshold;
  if (y <= 0) return 1 - c.tailShare;
  const g = c.shape;
  // |g| < 1e-12 is the exponential tail, as gpdTailQuantile (lib/calibrate/gpd.ts) treats it.
  if (Math.abs(g) < 1e-12) return 1 - c.tailShare * Math.exp(-y / c.scale);
  const base = 1 + (g * y) / c.scale;
  return base <= 0 ? 1 : 1 - c.tailShare * Math.pow(base, -1 / g);
}
