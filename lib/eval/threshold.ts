// A fitted threshold as reports apply it and bundles store it: plain JSON { value, method,
// params }; a step is flagged when its score is STRICTLY above the value. Fitting lives in
// lib/calibrate (thresholds.ts), which builds on eval's metrics; applying lives here so the
// report needs nothing above eval.
export interface Threshold {
  value: number;
  method: 'mean-std' | 'quantile' | 'false-alarm-budget' | 'pot' | 'best-f1' | 'roc-gmean' | 'fixed';
  params: Record<string, number | string | boolean | null>;
}

/** 1 where score > threshold, else 0. */
export function applyThreshold(scores: ArrayLike<number>, threshold: number | Threshold): Uint8Array {
  const t = typeof threshold === 'number' ? threshold : threshold.value;
  return Uint8Array.from(scores, (s) => (s > t ? 1 : 0));
}
