// A fitted threshold as reports apply it and bundles store it: plain JSON { value, method,
// params }; a step is flagged when its score is STRICTLY above the value. Method 'dynamic' is a
// rule over the series instead (dynamic_threshold.ts: a threshold per row from the scores before
// it; its value is the fallback for the first rows). Fitting lives in lib/calibrate
// (thresholds.ts), which builds on eval's metrics; applying lives here so the report needs
// nothing above eval.
import { dynamicFlags, dynamicRuleOf } from './dynamic_threshold';

export const THRESHOLD_METHODS = ['mean-std', 'quantile', 'false-alarm-budget', 'pot', 'best-f1', 'roc-gmean', 'fixed', 'dynamic'] as const;

export interface Threshold {
  value: number;
  method: (typeof THRESHOLD_METHODS)[number];
  params: Record<string, number | string | boolean | null>;
}

/** Throws, naming `what`, unless t is a stored threshold: a finite value, a known method, params. */
export function checkThreshold(t: unknown, what = 'threshold'): asserts t is Threshold {
  const o = t as Partial<Threshold> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${what} must be an object { value, method, params }, not ${JSON.stringify(t)}`);
  if (typeof o.value !== 'number' || !Number.isFinite(o.value)) throw new Error(`${what}.value must be a finite number, not ${JSON.stringify(o.value)}`);
  if (!THRESHOLD_METHODS.includes(o.method as never)) throw new Error(`${what}.method must be one of ${THRESHOLD_METHODS.join(', ')}, not ${JSON.stringify(o.method)}`);
  if (o.params === null || typeof o.params !== 'object' || Array.isArray(o.params)) throw new Error(`${what}.params must be an object`);
  if (o.method === 'dynamic') dynamicRuleOf(o as Threshold);
}

/**
 * The threshold in words for a one-line message: "0.4213 (pot)", or for the dynamic rule
 * "dynamic (window of 2100 smoothed scores; 0.4213 before it fills)", whose value alone would
 * mislead.
 */
export function describeThreshold(t: Threshold, digits = 5): string {
  if (t.method === 'dynamic') return `dynamic (window of ${t.params.history} smoothed scores; ${t.value.toPrecision(digits)} before it fills)`;
  return `${t.value.toPrecision(digits)} (${t.method})`;
}

/** The threshold in a report table's cell, the value formatted by `num`. */
export function thresholdCell(t: Threshold, num: (v: number) => string): string {
  return t.method === 'dynamic' ? `dynamic (${num(t.value)} until its window fills)` : num(t.value);
}

/** 1 where score > threshold, else 0; a dynamic threshold flags the scores as one series, in order. */
export function applyThreshold(scores: ArrayLike<number>, threshold: number | Threshold): Uint8Array {
  if (typeof threshold !== 'number' && threshold.method === 'dynamic') return dynamicFlags(scores, dynamicRuleOf(threshold));
  const t = typeof threshold === 'number' ? threshold : threshold.value;
  return Uint8Array.from(scores, (s) => (s > t ? 1 : 0));
}
