// k nearest neighbours over windows of rows as a model: a reference set of flattened training
// windows (scaled rows, as every kind reads them) held in a float32 buffer (the windows' own
// values, so nothing is rounded) that the bundle keeps; a window's score is its distance to the
// k-th nearest reference window, the mean distance to the k nearest, or its local outlier factor
// over the reference (config `score`). Per-channel errors (attribution only): each channel's
// share of the squared distance to the k nearest reference windows.
import { Module } from '../../lib/nn';
import { Tensor } from '../../lib/tensor';
import type { AnomalyModel } from '../../lib/model';
import type { Generator } from '../../lib/random';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import { knnOnnx } from './onnx';
import type { KnnConfig, KnnScore } from './config';
import { distinctRows, meanReach, nearest, referenceDensities, stratifiedSample, type Densities, type Neighbours } from './neighbours';

export class Knn extends Module implements AnomalyModel {
  /** [reference, window * inputs]: the first `count` rows are the reference windows. */
  private readonly windows: Tensor;
  /** [1]: reference windows kept (0 before the fit). */
  private readonly count: Tensor;
  /** The reference on the host (and LOF's densities), read once after each fit or load. */
  private host: { windows: Float32Array; count: number; densities: Densities | null } | null = null;

  constructor(readonly config: KnnConfig) {
    super();
    this.windows = this.registerBuffer('windows', Tensor.zeros([config.reference, config.window * config.inputs]));
    this.count = this.registerBuffer('count', Tensor.zeros([1], { dtype: 'float64' }));
  }

  get window(): number {
    return this.config.window;
  }

  private get dim(): number {
    return this.config.window * this.config.inputs;
  }

  /**
   * Keeps at most `reference` of the `count` windows (row-major [count, window, inputs]) as the
   * reference, drawn by `gen` one per time stratum; for LOF without exact repeats (a window
   * repeated k times would have an infinite density).
   */
  fitSamples(x: Float32Array, count: number, gen: Generator): void {
    const { k, score, reference } = this.config;
    const dim = this.dim;
    const picked = stratifiedSample(count, reference, gen);
    let ref = new Float32Array(picked.length * dim);
    picked.forEach((s, i) => ref.set(x.subarray(s * dim, (s + 1) * dim), i * dim));
    let kept = picked.length;
    if (score === 'lof') {
      const distinct = distinctRows(ref, kept, dim);
      ref = Float32Array.from({ length: distinct.length * dim }, (_, j) => ref[distinct[Math.floor(j / dim)] * dim + (j % dim)]);
      kept = distinct.length;
    }
    const least = score === 'lof' ? k + 1 : k;
    if (kept < least)
      throw new Error(`knn: k ${k} needs at least ${least} ${score === 'lof' ? 'distinct ' : ''}training windows, got ${kept}: lower k or give more rows`);
    const all = new Float32Array(reference * dim);
    all.set(ref);
    this.windows.assign(all);
    this.count.assign([kept]);
    this.host = null;
    this.fitted();
  }

  /** Loads, then checks the stored reference at once: a bad bundle fails at load, not at the first score. */
  override loadStateDict(state: Parameters<Module['loadStateDict']>[0], strict = true): void {
    super.loadStateDict(state, strict);
    this.host = null;
    this.fitted();
  }

  private fitted(): { windows: Float32Array; count: number; densities: Densities | null } {
    if (this.host) return this.host;
    const { k, score, reference } = this.config;
    const count = this.count.toArray()[0];
    const least = score === 'lof' ? k + 1 : k;
    if (!(Number.isInteger(count) && count >= least && count <= reference))
      throw new Error(`knn: the stored reference count must be an integer in [${least}, ${reference}] for k ${k} (${score}), got ${count} (not fitted?)`);
    const windows = this.windows.toArray() as Float32Array;
    const densities = score === 'lof' ? referenceDensities(windows, count, this.dim, k) : null;
    this.host = { windows, count, densities };
    return this.host;
  }

  /** Not trained by gradient (the kind keeps a reference set); a loss of 0 keeps the contract. */
  loss(): Tensor {
    return Tensor.zeros([]);
  }

  /** The k nearest reference windows of each window of x. */
  private neighbours(x: Tensor): { q: Float32Array; nb: Neighbours; B: number } {
    const { inputs, window, k } = this.config;
    if (x.ndim !== 3 || x.shape[1] !== window || x.shape[2] !== inputs)
      throw new Error(`knn: input must be [batch, ${window}, ${inputs}], got [${x.shape.join(',')}]`);
    const { windows, count } = this.fitted();
    const B = x.shape[0];
    const q = Float32Array.from(x.toArray());
    return { q, nb: nearest(q, B, windows, count, this.dim, k), B };
  }

  /** The configured score of each window: [batch]. */
  scores(x: Tensor): Tensor {
    const { k, score } = this.config;
    const { nb, B } = this.neighbours(x);
    const out = new Float32Array(B);
    for (let b = 0; b < B; b++) out[b] = scoreOf(score, nb, b, k, this.host!.densities);
    return Tensor.fromArray(out, [B]);
  }

  /**
   * Per channel, the mean over the k nearest reference windows of the squared differences of
   * that channel summed over the window's rows: [batch, inputs], for attribution only (the
   * channels sum to the mean squared distance to the k nearest).
   */
  channelErrors(x: Tensor): Tensor {
    const { inputs, k } = this.config;
    const { q, nb, B } = this.neighbours(x);
    const { windows } = this.host!;
    const dim = this.dim;
    const out = new Float32Array(B * inputs);
    const acc = new Float64Array(inputs);
    for (let b = 0; b < B; b++) {
      acc.fill(0);
      for (let m = b * k; m < (b + 1) * k; m++) {
        const r = nb.index[m] * dim;
        for (let j = 0; j < dim; j++) acc[j % inputs] += (q[b * dim + j] - windows[r + j]) ** 2;
      }
      for (let c = 0; c < inputs; c++) out[b * inputs + c] = acc[c] / k;
    }
    return Tensor.fromArray(out, [B, inputs]);
  }

  /** ONNX graph (onnx.ts): outputs `channel_errors` [batch, inputs] and `scores` [batch], as natively. */
  toOnnx(g: GraphBuilder, x: string): string[] {
    return knnOnnx(g, x, { config: this.config, ...this.fitted() });
  }
}

/** Window b's score from its neighbours. */
function scoreOf(score: KnnScore, nb: Neighbours, b: number, k: number, densities: Densities | null): number {
  if (score === 'kth') return nb.distance[b * k + k - 1];
  if (score === 'mean') {
    let s = 0;
    for (let m = b * k; m < (b + 1) * k; m++) s += nb.distance[m];
    return s / k;
  }
  // LOF: the neighbours' mean density over the window's own, lrd(b) = 1 / mean reach.
  const { kDistance, lrd } = densities!;
  let s = 0;
  for (let m = b * k; m < (b + 1) * k; m++) s += lrd[nb.index[m]];
  return (s / k) * meanReach(nb, b, kDistance);
}
