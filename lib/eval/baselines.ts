// Baselines every report scores next to the model on the same data: a seeded random score (what
// chance looks like under each metric) and PCA reconstruction (the simple method that tops the
// rigorous leaderboards on SMD and SWaT). Both work on Series-like row-major data.
import type { Series } from '../data/series';
import { symmetricEigen } from './eigen';
import { Generator } from '../random';

export type SeriesLike = Pick<Series, 'rows' | 'columns'> & { data: ArrayLike<number> };

/**
 * One uniform [0, 1) score per row from the Philox stream (seed, offset 0): the same numbers as
 * the engine's generator for that seed, identical on every run.
 */
export function randomScores(series: Pick<Series, 'rows'>, seed = 0): Float32Array {
  const t = new Generator(seed).uniform([series.rows]);
  const out = t.toArray() as Float32Array;
  t.dispose();
  return out;
}

export interface PcaOptions {
  /** Keep the fewest components whose eigenvalues reach this share of the total (default 0.9). */
  varianceExplained?: number;
  /** Keep exactly k components instead. */
  k?: number;
  /**
   * Fit on windows of this many consecutive rows flattened to one vector (default 1: rows).
   * A step is then scored by the window that ENDS at it.
   */
  window?: number;
}

export interface PcaModel {
  /** Input width: channels * window. */
  dim: number;
  channels: number;
  window: number;
  mean: Float64Array;
  /** k principal directions as rows, k * dim row-major. */
  components: Float64Array;
  k: number;
  /** All eigenvalues of the training covariance, descending. */
  eigenvalues: Float64Array;
  /** Share of the variance the k components explain. */
  explained: number;
}

/** The training vectors: rows, or flattened windows of `window` rows (stride 1). */
function vectors(series: SeriesLike, window: number): { count: number; dim: number; at: (i: number, j: number) => number } {
  const c = series.columns.length;
  if (series.data.length !== series.rows * c) {
    throw new Error(`PCA baseline: data holds ${series.data.length} values, expected rows ${series.rows} * columns ${c}`);
  }
  // Window i covers rows i .. i+window-1, which are contiguous in row-major data.
  return { count: series.rows - window + 1, dim: c * window, at: (i, j) => series.data[i * c + j] };
}

/**
 * PCA on training rows: the float64 covariance (divided by m - 1) of the centred vectors, its
 * eigendecomposition (Jacobi, eigen.ts), and the leading components.
 */
export function fitPca(train: SeriesLike, opts: PcaOptions = {}): PcaModel {
  const { window = 1 } = opts;
  if (!Number.isInteger(window) || window < 1) throw new Error(`fitPca: window must be an integer >= 1, got ${window}`);
  const { count, at } = vectors(train, window);
  if (count < 2) throw new Error(`fitPca: need at least 2 training vectors, got ${count} (${train.rows} rows, window ${window})`);
  return fitPcaVectors(count, at, train.columns.length, opts);
}

/**
 * fitPca on `m` vectors given by at(i, j), each the flattened window of `opts.window` rows of
 * `channels` values: what a caller holding the vectors already (a model kind's samples) fits.
 */
export function fitPcaVectors(m: number, at: (i: number, j: number) => number, channels: number, opts: PcaOptions = {}): PcaModel {
  const { varianceExplained = 0.9, window = 1 } = opts;
  const dim = channels * window;
  if (m < 2) throw new Error(`fitPca: need at least 2 training vectors, got ${m}`);
  const mu = new Float64Array(dim);
  for (let i = 0; i < m; i++) for (let j = 0; j < dim; j++) mu[j] += at(i, j);
  for (let j = 0; j < dim; j++) mu[j] /= m;
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < dim; j++) x[j] = at(i, j) - mu[j];
    for (let p = 0; p < dim; p++) {
      const xp = x[p];
      if (xp === 0) continue;
      for (let q = p; q < dim; q++) cov[p * dim + q] += xp * x[q];
    }
  }
  for (let p = 0; p < dim; p++) {
    for (let q = p; q < dim; q++) {
      const v = cov[p * dim + q] / (m - 1);
      cov[p * dim + q] = v;
      cov[q * dim + p] = v;
    }
  }
  const { values, vectors: vecs } = symmetricEigen(cov, dim);
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  let k = opts.k ?? 0;
  if (opts.k === undefined) {
    let acc = 0;
    while (k < dim && acc < varianceExplained * total) acc += Math.max(values[k++], 0);
  } else if (!Number.isInteger(k) || k < 0 || k > dim) {
    throw new Error(`fitPca: k must be an integer in [0, ${dim}], got ${k}`);
  }
  let kept = 0;
  for (let i = 0; i < k; i++) kept += Math.max(values[i], 0);
  return {
    dim, channels, window, mean: mu, components: vecs.slice(0, k * dim), k,
    eigenvalues: values, explained: total ? kept / total : 1,
  };
}

export interface PcaScores {
  /** Squared reconstruction error per step (of the last row of the step's window). */
  scores: Float32Array;
  /** Squared reconstruction error per step and channel, rows * channels (for attribution). */
  channelErrors: Float32Array;
}

/**
 * Reconstruction error of each step: x -> mean + V^T V (x - mean), error = squared residual of
 * the row (with windows: of the window's last row, the window ending at the step). The first
 * window-1 steps have no full window and repeat the first window's errors.
 */
export function pcaScores(model: PcaModel, series: SeriesLike): PcaScores {
  const c = model.channels;
  if (series.columns.length !== c) throw new Error(`pcaScores: the model has ${c} channels, the series ${series.columns.length}`);
  const { dim, k, window } = model;
  const rows = series.rows;
  const scores = new Float32Array(rows);
  const channelErrors = new Float32Array(rows * c);
  if (rows < window) return { scores, channelErrors };
  const { count, at } = vectors(series, window);
  const x = new Float64Array(dim);
  const proj = new Float64Array(k);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) x[j] = at(i, j);
    const step = i + window - 1;
    scores[step] = pcaLastRowErrors(model, x, proj, channelErrors, step * c);
  }
  for (let step = 0; step < window - 1; step++) {
    scores[step] = scores[window - 1];
    channelErrors.copyWithin(step * c, (window - 1) * c, window * c);
  }
  return { scores, channelErrors };
}

/**
 * One vector's reconstruction error (the loop body of pcaScores, shared with the pca model kind):
 * `x` holds the flattened window (dim values; it is centred in place), `proj` k values of
 * scratch; the squared residual of each channel of the window's last row goes to
 * errs[at .. at + channels), and their sum is returned.
 */
export function pcaLastRowErrors(model: PcaModel, x: Float64Array, proj: Float64Array, errs: Float32Array, at: number): number {
  const { dim, k, channels: c, components: v, mean: mu } = model;
  for (let j = 0; j < dim; j++) x[j] -= mu[j];
  for (let r = 0; r < k; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += v[r * dim + j] * x[j];
    proj[r] = s;
  }
  const lastRow = dim - c;
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    const j = lastRow + ch;
    let rec = 0;
    for (let r = 0; r < k; r++) rec += v[r * dim + j] * proj[r];
    const e = (x[j] - rec) ** 2;
    errs[at + ch] = e;
    total += e;
  }
  return total;
}
