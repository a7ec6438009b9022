// Per-channel error scale: how large each channel's error is on normal data, so that a window's
// score compares every channel with its own normal level. Without it the score (mean or max of
// the raw channel errors) is dominated by the channels the model reconstructs worst on normal
// data (a pump toggling faster than the sampling), and a steady channel whose error rises 1000x
// barely moves it; the top channels are biased to the noisy ones the same way.
//
// The scale of channel c is the MEAN of its errors over the normal validation windows, floored
// at ERROR_SCALE_FLOOR times the MEDIAN over channels of those means:
// - the mean, not the median: a channel whose normal error comes in bursts (a valve switching
//   every few minutes: near zero between switches, large at them) has a small median, and
//   dividing by it would turn every normal switch into a huge scaled error; the mean counts the
//   bursts. It also makes each channel's scaled error average exactly 1 on the validation
//   windows, so the mean-reduced score averages 1 there and every channel weighs the same.
// - the floor: a constant (or perfectly reconstructed) channel has a normal error near 0, and the
//   least wobble of its reconstruction would then dominate the score. With the floor no channel
//   weighs more than 1000x the typical (median) channel; the median, not the mean over channels,
//   so that one very noisy channel does not raise the floor above well-reconstructed ones. (When
//   most channels have zero error the mean over channels stands in; all zero: scale 1.)
//   Validation data is declared normal (it also fits the threshold), so the mean's lack of
//   robustness to anomalies is not at stake there.
// The scaled errors e_c / scale_c are what a detector reduces (mean or max), ranks (top
// channels) and reports (channel errors); a bundle without a scale uses scale 1 (the raw errors).
import { median } from '../eval/stats';

/** No channel's scale is below this fraction of the median channel's. */
export const ERROR_SCALE_FLOOR = 1e-3;

/** The scale of each channel from the per-window channel errors of normal data ([n, channels]). */
export function fitErrorScale(channelErrors: ArrayLike<number>, channels: number): number[] {
  if (!(Number.isInteger(channels) && channels >= 1)) throw new Error(`fitErrorScale: channels must be a positive integer, got ${channels}`);
  if (channelErrors.length % channels) throw new Error(`fitErrorScale: ${channelErrors.length} errors are not a multiple of ${channels} channels`);
  const sum = new Float64Array(channels), n = new Float64Array(channels);
  for (let i = 0; i < channelErrors.length; i++) {
    const e = channelErrors[i];
    if (Number.isFinite(e)) (sum[i % channels] += e), n[i % channels]++;
  }
  const means: number[] = [];
  for (let c = 0; c < channels; c++) {
    if (!n[c]) throw new Error(`fitErrorScale: channel ${c} has no finite error in the ${channelErrors.length / channels} windows`);
    means.push(sum[c] / n[c]);
  }
  const typical = median(means) || means.reduce((a, b) => a + b, 0) / channels;
  const floor = ERROR_SCALE_FLOOR * typical;
  // Every error zero: nothing to compare with; scale 1 leaves the raw errors.
  if (!(floor > 0)) return means.map(() => 1);
  return means.map((m) => Math.max(m, floor));
}

/** A bundle's errorScale checked against its channel count (null: none, scale 1). */
export function checkErrorScale(scale: ArrayLike<number> | null | undefined, channels: number): Float64Array | null {
  if (scale === undefined || scale === null) return null;
  if (typeof scale !== 'object' || scale.length !== channels) throw new Error(`errorScale: ${typeof scale === 'object' ? `${scale.length} values` : typeof scale} for ${channels} channels`);
  const s = Float64Array.from(scale);
  s.forEach((v, c) => {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`errorScale: channel ${c} has scale ${scale[c]}; scales must be finite and positive`);
  });
  return s;
}

/**
 * One window's score from its raw channel errors e[from, from + F): writes the scaled errors
 * e_c / scale_c (e_c with no scale) to out[to, to + F) and returns their mean (summed in
 * float64) or max. The one place a threshold-rule score is computed (scoreWindows and the
 * Detector's decisions), so both give the same bits.
 */
export function scaledScore(e: ArrayLike<number>, from: number, F: number, useMax: boolean, scale: ArrayLike<number> | null, out: Float32Array, to: number): number {
  let s = useMax ? -Infinity : 0;
  for (let c = 0; c < F; c++) {
    const q = scale ? e[from + c] / scale[c] : e[from + c];
    out[to + c] = q;
    s = useMax ? Math.max(s, q) : s + q;
  }
  return useMax ? s : s / F;
}

/** Scores and scaled channel errors of windows from their raw channel errors ([n, F]). */
export function rescore(channelErrors: Float32Array, F: number, reduction: 'mean' | 'max' = 'mean', scale: ArrayLike<number> | null = null): { scores: Float32Array; channelErrors: Float32Array } {
  const n = channelErrors.length / F;
  if (!Number.isInteger(n)) throw new Error(`rescore: ${channelErrors.length} errors are not a multiple of ${F} channels`);
  const s = checkErrorScale(scale, F);
  const scores = new Float32Array(n), out = new Float32Array(n * F);
  for (let i = 0; i < n; i++) scores[i] = scaledScore(channelErrors, i * F, F, reduction === 'max', s, out, i * F);
  return { scores, channelErrors: out };
}
