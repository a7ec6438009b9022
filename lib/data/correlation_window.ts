// One matrix over the w rows ending at a row, computed directly (two passes over the window), and
// the finishing steps (moments -> matrix, zero padding) that the batch samples
// (lib/data/correlation.ts) and the running-sum stream (lib/data/correlation_stream.ts) share,
// so the two differ only by the rounding of how the moments were summed.
//
// Data are row-major [rows, C] values in any numeric array (a Series' Float32Array, a Float64Array).
// A matrix is written as a P x P block (P >= C): the C x C matrix sits in the bottom-right corner,
// the first P - C rows and columns are zeros (the seed's np.pad(((1, 0), (1, 0))) for P = C + 1).

export type Matrix = Float32Array | Float64Array;

/**
 * A channel counts as constant over a window when its standard deviation there is at most
 * CONSTANT_REL_STD * (1 + |mean|): on scaled rows (unit spread), a stuck sensor, an actuator that
 * did not switch, or values that differ by a few float32 steps. Its Pearson and Student-t
 * correlation with any other channel is undefined (0 / 0); Vigil writes 0 off the diagonal and
 * 1 on it. The threshold is far above the rounding of the stream's running sums.
 */
export const CONSTANT_REL_STD = 1e-6;

/** Whether a channel with this (population) variance and mean over a window is constant. NaN is not (it propagates). */
export function isConstant(variance: number, mean: number): boolean {
  const t = CONSTANT_REL_STD * (1 + Math.abs(mean));
  return variance <= t * t;
}

/** Sum over the w rows ending at `end` of x_i * x_j, into acc's upper triangle (i <= j); acc is overwritten. */
export function windowProducts(x: ArrayLike<number>, C: number, end: number, w: number, acc: Float64Array): void {
  acc.fill(0, 0, C * C);
  for (let r = end - w + 1; r <= end; r++) {
    const row = r * C;
    for (let i = 0; i < C; i++) {
      const xi = x[row + i];
      for (let j = i; j < C; j++) acc[i * C + j] += xi * x[row + j];
    }
  }
}

/**
 * Mean and centred co-moment sum_r (x_i - m_i)(x_j - m_j) (upper triangle, i <= j) of the w rows
 * ending at `end`, in two passes (mean first), so a large mean costs no precision.
 */
export function windowMoments(x: ArrayLike<number>, C: number, end: number, w: number, mean: Float64Array, co: Float64Array): void {
  mean.fill(0, 0, C);
  co.fill(0, 0, C * C);
  const first = end - w + 1;
  for (let r = first; r <= end; r++) for (let i = 0; i < C; i++) mean[i] += x[r * C + i];
  for (let i = 0; i < C; i++) mean[i] /= w;
  const d = new Float64Array(C);
  for (let r = first; r <= end; r++) {
    for (let i = 0; i < C; i++) d[i] = x[r * C + i] - mean[i];
    for (let i = 0; i < C; i++) {
      const di = d[i];
      for (let j = i; j < C; j++) co[i * C + j] += di * d[j];
    }
  }
}

/** Zeros the padding band of a P x P block whose matrix starts at row and column P - C. */
function clearPadding(out: Matrix, offset: number, P: number, C: number): void {
  const o = P - C;
  if (o === 0) return;
  out.fill(0, offset, offset + o * P);
  for (let i = o; i < P; i++) out.fill(0, offset + i * P, offset + i * P + o);
}

/** Writes the symmetric C x C matrix value(i, j) (asked for i <= j only) as a padded P x P block. */
export function writeSymmetric(out: Matrix, offset: number, P: number, C: number, value: (i: number, j: number) => number): void {
  clearPadding(out, offset, P, C);
  const base = offset + (P - C) * (P + 1);
  for (let i = 0; i < C; i++)
    for (let j = i; j < C; j++) out[base + i * P + j] = out[base + j * P + i] = value(i, j);
}

/** The MSCRED signature matrix sum x_i x_j / w from the window's products. */
export function writeInnerProduct(acc: Float64Array, C: number, w: number, out: Matrix, offset: number, P: number): void {
  writeSymmetric(out, offset, P, C, (i, j) => acc[i * C + j] / w);
}

/** Which channels are constant over a window, from its mean and co-moment (co_ii / w is the variance). */
export function constantChannels(mean: Float64Array, co: Float64Array, C: number, w: number): Uint8Array {
  const flat = new Uint8Array(C);
  for (let i = 0; i < C; i++) flat[i] = isConstant(co[i * C + i] / w, mean[i]) ? 1 : 0;
  return flat;
}

/**
 * Pearson correlation co_ij / sqrt(co_ii co_jj) from the window's moments, clamped to [-1, 1]
 * (rounding can step past 1 on near-collinear channels); constant channels get 0 off the
 * diagonal, and the diagonal is 1.
 */
export function writePearson(mean: Float64Array, co: Float64Array, C: number, w: number, out: Matrix, offset: number, P: number): void {
  const flat = constantChannels(mean, co, C, w);
  writeSymmetric(out, offset, P, C, (i, j) => {
    if (i === j) return 1;
    if (flat[i] || flat[j]) return 0;
    const r = co[i * C + j] / Math.sqrt(co[i * C + i] * co[j * C + j]);
    return r > 1 ? 1 : r < -1 ? -1 : r;
  });
}
