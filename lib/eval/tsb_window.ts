// The VUS window TSB-AD's leaderboard uses for a series (its find_length_rank with rank 1, applied
// to the first channel): the lag of the highest local maximum of the channel's autocorrelation
// over lags 3..400, from its first 20,000 values; 125 when that lag is below 3 + 3 or above
// 300 + 3, or when the autocorrelation has no local maximum there (a constant channel). With
// vus(scores, labels, { window: s, thresholds: 250 }) this gives VUS-PR as TSB-AD computes it.

/** Lags searched: 3 (TSB-AD's `base`) .. 400 (its `nlags`). */
const BASE = 3;
const MAX_LAG = 400;
/** Values read from the start of the channel. */
const HEAD = 20000;
/** TSB-AD's answer when no usable period is found. */
export const TSB_DEFAULT_WINDOW = 125;

/**
 * The sample autocorrelation at lags 0..maxLag (statsmodels' acf: mean removed, every lag divided
 * by n times the variance, so it shrinks with the lag as (n - k) / n for a pure period). NaN at
 * every lag of a constant series.
 */
export function autocorrelation(values: ArrayLike<number>, maxLag: number): Float64Array {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  const d = Float64Array.from({ length: n }, (_, i) => values[i] - mean);
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += d[i] * d[i];
  const lags = Math.min(maxLag, n - 1);
  const out = new Float64Array(lags + 1);
  for (let k = 0; k <= lags; k++) {
    let s = 0;
    for (let i = 0; i + k < n; i++) s += d[i] * d[i + k];
    out[k] = s / c0;
  }
  return out;
}

/** TSB-AD's sliding window (its VUS window L) of one channel's values. */
export function tsbSlidingWindow(values: ArrayLike<number>): number {
  if (values.length < 2) throw new Error(`tsbSlidingWindow: needs at least 2 values, got ${values.length}`);
  const head = Array.prototype.slice.call(values, 0, Math.min(HEAD, values.length)) as number[];
  const acf = autocorrelation(head, MAX_LAG).subarray(BASE);
  // Strict local maxima inside the searched lags (scipy's argrelextrema with np.greater: the ends
  // never count); the highest one, the later on a tie (numpy's argsort reversed).
  let best = -1;
  for (let i = 1; i + 1 < acf.length; i++) {
    if (!(acf[i] > acf[i - 1] && acf[i] > acf[i + 1])) continue;
    if (best < 0 || acf[i] >= acf[best]) best = i;
  }
  if (best < 0 || best < 3 || best > 300) return TSB_DEFAULT_WINDOW;
  return best + BASE;
}

/** The window of a row-major [rows, channels] series: its first channel's. */
export function tsbWindowOfSeries(data: Float32Array, rows: number, channels: number): number {
  if (channels < 1) throw new Error('tsbWindowOfSeries: the series has no channels');
  return tsbSlidingWindow(Float64Array.from({ length: rows }, (_, r) => data[r * channels]));
}
