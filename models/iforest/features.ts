// What the forest sees of a window of rows: per channel its last value (the row being judged),
// its mean and its standard deviation over the window: level, recent level and agitation, 3
// features a channel whatever the window's length (a flattened window would give the trees
// window x channels near-duplicate features to split on at random).

/** Features per sample for `channels` channels. */
export function featureCount(channels: number): number {
  return 3 * channels;
}

/**
 * Features of `count` windows (row-major [count, window, channels] in `x`): for each, the last
 * values, then the means, then the (population) standard deviations, channel by channel.
 */
export function windowFeatures(x: ArrayLike<number>, count: number, window: number, channels: number): Float64Array {
  const dim = featureCount(channels);
  const out = new Float64Array(count * dim);
  for (let b = 0; b < count; b++) {
    const start = b * window * channels;
    const o = b * dim;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let t = 0; t < window; t++) sum += x[start + t * channels + c];
      const mean = sum / window;
      let sq = 0;
      for (let t = 0; t < window; t++) sq += (x[start + t * channels + c] - mean) ** 2;
      out[o + c] = x[start + (window - 1) * channels + c];
      out[o + channels + c] = mean;
      out[o + 2 * channels + c] = Math.sqrt(sq / window);
    }
  }
  return out;
}
