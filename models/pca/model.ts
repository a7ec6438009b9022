// PCA reconstruction as a deployable model: the reports' PCA baseline (lib/eval/baselines.ts)
// fitted on the kind's training samples and scored by the same float64 code, so a detector of
// kind pca scores a series exactly as the PCA column of `vigil evaluate` does. Nothing trains by
// gradient: the kind's fit (kind.ts) computes the components in closed form. The fit is held in
// float64 buffers so the bundle keeps it to the bit; the components buffer has room for every
// eigenvector (its shape must follow from the config), of which the first `k` are used.
import { Module } from '../../lib/nn';
import { fitPcaVectors, pcaLastRowErrors, type PcaModel } from '../../lib/eval/baselines';
import { Tensor } from '../../lib/tensor';
import type { AnomalyModel } from '../../lib/model';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';

export interface PcaConfig {
  /** Channels per row. */
  inputs: number;
  /** Rows per sample, flattened to one vector; a sample scores its last row (1: rows, as the baseline). */
  window: number;
  /** Keep the fewest components whose eigenvalues reach this share of the variance. */
  varianceExplained: number;
}

export class Pca extends Module implements AnomalyModel {
  private readonly mean: Tensor;
  private readonly components: Tensor;
  private readonly eigenvalues: Tensor;
  /** [1]: how many components the fit kept (0 before the fit). */
  private readonly kept: Tensor;
  /** The buffers as lib's PcaModel, read once after each fit or load. */
  private host: PcaModel | null = null;

  constructor(readonly config: PcaConfig) {
    super();
    const dim = config.inputs * config.window;
    const f64 = { dtype: 'float64' as const };
    this.mean = this.registerBuffer('mean', Tensor.zeros([dim], f64));
    this.components = this.registerBuffer('components', Tensor.zeros([dim, dim], f64));
    this.eigenvalues = this.registerBuffer('eigenvalues', Tensor.zeros([dim], f64));
    this.kept = this.registerBuffer('kept', Tensor.zeros([1], f64));
  }

  get window(): number {
    return this.config.window;
  }

  /** Fits the components on `count` samples (flattened windows, at(i, j)); returns lib's fit. */
  fitSamples(count: number, at: (i: number, j: number) => number): PcaModel {
    const { inputs, window, varianceExplained } = this.config;
    const p = fitPcaVectors(count, at, inputs, { window, varianceExplained });
    const all = new Float64Array(p.dim * p.dim);
    all.set(p.components);
    this.mean.assign(p.mean);
    this.components.assign(all);
    this.eigenvalues.assign(p.eigenvalues);
    this.kept.assign([p.k]);
    this.host = null;
    return p;
  }

  override loadStateDict(state: Parameters<Module['loadStateDict']>[0], strict = true): void {
    super.loadStateDict(state, strict);
    this.host = null;
  }

  /** The fit as lib/eval/baselines' PcaModel (what pcaScores takes). */
  pca(): PcaModel {
    if (this.host) return this.host;
    const { inputs, window } = this.config;
    const dim = inputs * window;
    const k = this.kept.toArray()[0];
    if (!Number.isInteger(k) || k < 0 || k > dim) throw new Error(`pca: the stored component count must be an integer in [0, ${dim}], got ${k}`);
    const eigenvalues = this.eigenvalues.toArray() as Float64Array;
    let total = 0, kept = 0;
    eigenvalues.forEach((v, i) => {
      total += Math.max(v, 0);
      if (i < k) kept += Math.max(v, 0);
    });
    const components = (this.components.toArray() as Float64Array).slice(0, k * dim);
    this.host = { dim, channels: inputs, window, mean: this.mean.toArray() as Float64Array, components, k, eigenvalues, explained: total ? kept / total : 1 };
    return this.host;
  }

  /** Not trained by gradient (the kind fits in closed form); a loss of 0 keeps the contract. */
  loss(): Tensor {
    return Tensor.zeros([]);
  }

  /** Squared residual of each channel of the sample's last row: [batch, inputs] (attribution). */
  channelErrors(x: Tensor): Tensor {
    return this.errors(x).channelErrors;
  }

  /** Their sum, the baseline's score: [batch]. */
  scores(x: Tensor): Tensor {
    return this.errors(x).scores;
  }

  private errors(x: Tensor): { scores: Tensor; channelErrors: Tensor } {
    const { inputs, window } = this.config;
    if (x.ndim !== 3 || x.shape[1] !== window || x.shape[2] !== inputs)
      throw new Error(`pca: input must be [batch, ${window}, ${inputs}], got [${x.shape.join(',')}]`);
    const p = this.pca();
    const B = x.shape[0];
    const data = x.toArray();
    const vec = new Float64Array(p.dim);
    const proj = new Float64Array(p.k);
    const errs = new Float32Array(B * inputs);
    const scores = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < p.dim; j++) vec[j] = data[b * p.dim + j];
      scores[b] = pcaLastRowErrors(p, vec, proj, errs, b * inputs);
    }
    return { scores: Tensor.fromArray(scores, [B]), channelErrors: Tensor.fromArray(errs, [B, inputs]) };
  }

  /**
   * ONNX graph reading x [batch, window, inputs]: the same reconstruction in float32 (Sub,
   * MatMul by the kept components and back), outputs `channel_errors` [batch, inputs] (the last
   * row's squared residuals) and `scores` [batch] (their sum).
   */
  toOnnx(g: GraphBuilder, x: string): string[] {
    const p = this.pca();
    const { dim, k, channels } = p;
    const flat = g.op('Reshape', [x, g.int64Const([-1, dim])], {}, 'pca/flatten');
    const centred = g.op('Sub', [flat, g.floats('pca/mean', p.mean, [dim])], {}, 'pca/centre');
    let residual = centred;
    if (k > 0) {
      // V is k x dim (rows are components): projection x V^T, reconstruction (x V^T) V.
      const vt = new Float64Array(dim * k);
      for (let r = 0; r < k; r++) for (let j = 0; j < dim; j++) vt[j * k + r] = p.components[r * dim + j];
      const proj = g.op('MatMul', [centred, g.floats('pca/components_t', vt, [dim, k])], {}, 'pca/project');
      const rec = g.op('MatMul', [proj, g.floats('pca/components', p.components, [k, dim])], {}, 'pca/reconstruct');
      residual = g.op('Sub', [centred, rec], {}, 'pca/residual');
    }
    const last = g.op('Slice', [residual, g.int64Const([dim - channels]), g.int64Const([dim]), g.int64Const([1])], {}, 'pca/last_row');
    const errors = g.op('Mul', [last, last], {}, 'pca/square');
    const scores = g.op('ReduceSum', [errors, g.int64Const([1])], { keepdims: 0 }, 'pca/sum');
    g.output('channel_errors', errors, ['batch', channels]);
    g.output('scores', scores, ['batch']);
    return ['channel_errors', 'scores'];
  }
}
