// Isolation Forest over windows of rows as a model: the forest (forest.ts) on each window's
// features (features.ts), held in float64 buffers so the bundle keeps it; its score is the
// forest's anomaly score, its per-channel errors (attribution only) the squared deviation of
// the window's last row from the training rows' median, channel by channel.
import { Module } from '../../lib/nn';
import { Tensor } from '../../lib/tensor';
import type { AnomalyModel } from '../../lib/model';
import type { Generator } from '../../lib/random';
import { anomalyScore, growTree, nodesPerTree, type Forest } from './forest';
import { featureCount, windowFeatures } from './features';

export interface IForestConfig {
  /** Channels per row. */
  inputs: number;
  /** Rows per sample. */
  window: number;
  trees: number;
  /** Samples each tree is grown on (psi); fewer training samples: all of them. */
  subsample: number;
}

export class IForest extends Module implements AnomalyModel {
  private readonly feature: Tensor;
  private readonly threshold: Tensor;
  private readonly size: Tensor;
  /** [1]: the subsample size the trees were grown on (0 before the fit). */
  private readonly psi: Tensor;
  private readonly median: Tensor;
  /** The buffers on the host, read once after each fit or load. */
  private host: { forest: Forest; median: Float64Array } | null = null;

  constructor(readonly config: IForestConfig) {
    super();
    const shape = [config.trees, nodesPerTree(config.subsample)];
    const f64 = { dtype: 'float64' as const };
    this.feature = this.registerBuffer('feature', Tensor.zeros(shape, f64));
    this.threshold = this.registerBuffer('threshold', Tensor.zeros(shape, f64));
    this.size = this.registerBuffer('size', Tensor.zeros(shape, f64));
    this.psi = this.registerBuffer('psi', Tensor.zeros([1], f64));
    this.median = this.registerBuffer('median', Tensor.zeros([config.inputs], f64));
  }

  get window(): number {
    return this.config.window;
  }

  /**
   * Grows the forest on `count` windows (row-major [count, window, inputs]); `gen` draws each
   * tree's subsample (a permutation's head) and its split numbers, tree by tree, so a seed gives
   * one forest.
   */
  fitSamples(x: Float32Array, count: number, gen: Generator): void {
    const { inputs, window, trees, subsample } = this.config;
    if (count < 1) throw new Error('iforest: no training samples');
    const features = windowFeatures(x, count, window, inputs);
    const nodes = nodesPerTree(subsample);
    const psi = Math.min(subsample, count);
    const forest: Forest = { trees, nodes, psi, feature: new Float64Array(trees * nodes), threshold: new Float64Array(trees * nodes), size: new Float64Array(trees * nodes) };
    for (let t = 0; t < trees; t++) {
      const sample = gen.permutation(count).subarray(0, psi);
      const u = gen.uniform([2 * nodes], 0, 1, { dtype: 'float64' });
      try {
        growTree(forest, t, features, featureCount(inputs), sample, u.toArray());
      } finally {
        u.dispose();
      }
    }
    this.feature.assign(forest.feature);
    this.threshold.assign(forest.threshold);
    this.size.assign(forest.size);
    this.psi.assign([psi]);
    this.median.assign(lastRowMedians(x, count, window, inputs));
    this.host = null;
  }

  override loadStateDict(state: Parameters<Module['loadStateDict']>[0], strict = true): void {
    super.loadStateDict(state, strict);
    this.host = null;
  }

  private fitted(): { forest: Forest; median: Float64Array } {
    if (this.host) return this.host;
    const { trees, subsample, inputs } = this.config;
    const nodes = nodesPerTree(subsample);
    const psi = this.psi.toArray()[0];
    if (!(Number.isInteger(psi) && psi >= 1 && psi <= subsample)) throw new Error(`iforest: the stored subsample size must be an integer in [1, ${subsample}], got ${psi} (not fitted?)`);
    const feature = this.feature.toArray() as Float64Array;
    const dim = featureCount(inputs);
    for (const f of feature) if (!(Number.isInteger(f) && f >= -2 && f < dim)) throw new Error(`iforest: a stored split feature is ${f}, not an index below ${dim}, -1 or -2`);
    const forest: Forest = { trees, nodes, psi, feature, threshold: this.threshold.toArray() as Float64Array, size: this.size.toArray() as Float64Array };
    this.host = { forest, median: this.median.toArray() as Float64Array };
    return this.host;
  }

  /** Not trained by gradient (the kind grows the forest); a loss of 0 keeps the contract. */
  loss(): Tensor {
    return Tensor.zeros([]);
  }

  /** The forest's anomaly score of each window: [batch]. */
  scores(x: Tensor): Tensor {
    const { inputs, window } = this.config;
    const B = this.checkInput(x);
    const { forest } = this.fitted();
    const features = windowFeatures(x.toArray(), B, window, inputs);
    const dim = featureCount(inputs);
    const out = new Float32Array(B);
    for (let b = 0; b < B; b++) out[b] = anomalyScore(forest, features, b * dim);
    return Tensor.fromArray(out, [B]);
  }

  /** (last row - training median)^2 per channel: [batch, inputs], for attribution only. */
  channelErrors(x: Tensor): Tensor {
    const { inputs, window } = this.config;
    const B = this.checkInput(x);
    const { median } = this.fitted();
    const v = x.toArray();
    const out = new Float32Array(B * inputs);
    for (let b = 0; b < B; b++) {
      const last = (b * window + window - 1) * inputs;
      for (let c = 0; c < inputs; c++) out[b * inputs + c] = (v[last + c] - median[c]) ** 2;
    }
    return Tensor.fromArray(out, [B, inputs]);
  }

  /** Refused: a forest's data-dependent branching has no compact graph in the ops we export. */
  toOnnx(): string[] {
    throw new Error('iforest: no ONNX export (100 trees of data-dependent branches are not a tensor graph here); serve the bundle with the native backend (Detector, vigil detect)');
  }

  private checkInput(x: Tensor): number {
    const { inputs, window } = this.config;
    if (x.ndim !== 3 || x.shape[1] !== window || x.shape[2] !== inputs)
      throw new Error(`iforest: input must be [batch, ${window}, ${inputs}], got [${x.shape.join(',')}]`);
    return x.shape[0];
  }
}

/** Per channel, the median of the windows' last rows (the middle two's mean for an even count). */
function lastRowMedians(x: Float32Array, count: number, window: number, channels: number): Float64Array {
  const out = new Float64Array(channels);
  const col = new Float64Array(count);
  for (let c = 0; c < channels; c++) {
    for (let b = 0; b < count; b++) col[b] = x[(b * window + window - 1) * channels + c];
    col.sort();
    out[c] = count % 2 ? col[(count - 1) / 2] : (col[count / 2 - 1] + col[count / 2]) / 2;
  }
  return out;
}
