// STAEAD (STAE-AD, Macas & Wu, ICMLA 2019; seed 001): an autoencoder over a series of
// correlation matrices of the sensors (lib/data/correlation.ts), layer by layer the seed's
// STAE_AD (STAE-AD/S_ModelsProyTS_Deploy.py):
//   TD Conv2D enc[0] 3x3 s2 'same' -> tanh -> TD Conv2D enc[1] 3x3 s2 'same' -> tanh
//   AttenInputConvLSTM2D att[0] -> AttenInputConvLSTM2D att[1]   (the input-attention cell)
//   ConvLSTM2D rec[0]                                           (Keras's plain cell)
//   TD Conv2DTranspose dec[0] 3x3 s2 'same' -> tanh -> TD Conv2DTranspose scales 3x3 s2 'same' -> tanh
// with the seed's sizes 128, 64 | 64, 32 | 64 | 128 in the `seed` config. The seed reads NHWC
// [B, T, 52, 52, 1]; here a sample is [B, T, S, P, P] (T matrices, S window lengths as channels,
// P x P zero-padded matrices: NCHW per step), TimeDistributed folds [B, T] into the batch.
// Every ConvLSTM returns its whole sequence; dropout 0.3 on their inputs (Keras's one mask per
// gate, fixed over the sequence). Init as the seed's Keras: glorot-uniform conv kernels, zero
// conv biases; the ConvLSTM layers bring their own (lib/nn/conv_lstm.ts).
//
// Loss: MSE of the reconstruction over the whole sample (every step, the padding included), as
// the seed's `mean_squared_error`.
// Score (Anomaly Detection/S_Distance_Matrix.py): per matrix, the Frobenius norm of the residual
// ||X - X^||_F (the padding included, as the seed). A sample ending at row r holds the matrices
// ending at r - (T-1) gap, ..., r; its score (the row's) is that of its LAST matrix, the one that
// ends at r (config.score 'last', default), or the mean of its T matrices' norms ('mean'). The
// score is the model's own (`scores`): no per-channel error scale, as the seed thresholds the raw
// norm. Attribution (`channelErrors`, unscaled): channel c's residual row norm
// sqrt(sum_{s,j} R[s, c, j]^2) over the real columns j (the padding left out), of the same
// matrices, so that every alarm names sensors; the squared row norms sum to the squared score
// less the padding.
//
// The model also reads windows of rows [B, context, inputs] (what an exported detector and
// `vigil export --verify` hand it): it builds their matrices with lib/data's MatrixSeries first
// (host code, inference only). Its ONNX graph does the same in the graph (inner product and
// Pearson; a Student-t fit has no graph).
import { CORRELATION_MEASURES, checkMatrixSeriesSpec, matrixSeriesContext, measureOf, type CorrelationMeasure, type MatrixSeriesSpec } from '../../lib/data/correlation';
import { CONSTANT_REL_STD } from '../../lib/data/correlation_window';
import { matrixSeriesOf } from '../../lib/data/matrix_windows';
import type { InputSpec } from '../../lib/data/representation';
import { Conv2d, ConvLSTM2d, ConvTranspose2d, Module } from '../../lib/nn';
import { glorotUniform } from '../../lib/nn/init';
import { mean, slice, sqrt, square, sub, sum, tanh } from '../../lib/ops';
import { mseLoss } from '../../lib/ops/losses';
import { reshape } from '../../lib/ops/reshape';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import type { AnomalyModel } from '../../lib/model';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import type { StudentTOptions } from '../../lib/data/correlation_student_t';

export interface StaeadConfig {
  /** Sensors (channels of the rows). */
  inputs: number;
  /** Matrices per sample T (seed: 4). */
  steps: number;
  /** Rows between the end rows of consecutive matrices (seed: 1, a matrix every row). */
  gap: number;
  /** Window lengths of the matrices, one input channel each (seed: one, w + 1 = 151 rows). */
  scales: number[];
  /** What a matrix holds (seed: a Bayesian Student-t correlation; 'student-t' is its deterministic fit). */
  measure: CorrelationMeasure;
  /** The Student-t fit's settings (measure 'student-t'; lib/data defaults otherwise). */
  studentT?: StudentTOptions;
  /** Side of the zero-padded matrices (rows on top, columns on the left): a multiple of 2^encoder.length, >= inputs. */
  padTo: number;
  /** Filters of the TD Conv2D layers, stride 2 each, tanh (seed: 128, 64). */
  encoder: number[];
  /** Filters of the AttenInputConvLSTM2D layers (seed: 64, 32). */
  attention: number[];
  /** Filters of the plain ConvLSTM2D layers after them (seed: 64). */
  recurrent: number[];
  /** Filters of the TD Conv2DTranspose layers before the last, which outputs the scales (seed: 128). */
  decoder: number[];
  /** Square kernel of every conv (seed: 3). */
  kernel: number;
  /** Input dropout of every ConvLSTM layer (seed: 0.3). */
  dropout: number;
  /** A sample's score: its last matrix's residual norm (default) or the mean over its T matrices. */
  score: 'last' | 'mean';
  /** How the kind's fit trains it (null: lib/train's fit as the caller asks: plain Adam at --lr). */
  training: StaeadTraining | null;
}

/** The seed's optimiser settings (S_NormalTrain_ProyTS.py), handed to lib/train's fit by the kind. */
export interface StaeadTraining {
  /** Adam with AMSGrad (the seed: Adam(..., amsgrad=True)). */
  amsgrad: boolean;
  /** Keras's clipnorm: each parameter's gradient norm clipped on its own to this (null: off; seed 1). */
  clipNormPerTensor: number | null;
  /** The triangular cyclic learning rate per step (null: the constant --lr; seed: CLR's defaults 1e-3, 6e-3, 2000). */
  cyclicLr: { baseLr: number; maxLr: number; stepSize: number } | null;
}

/** The seed's training: AMSGrad, per-tensor clipnorm 1, CyclicLR(triangular) at the callback's defaults. */
export const SEED_TRAINING: StaeadTraining = { amsgrad: true, clipNormPerTensor: 1, cyclicLr: { baseLr: 1e-3, maxLr: 6e-3, stepSize: 2000 } };

/** The smallest multiple of 2^levels that holds n. */
export function paddedSide(n: number, levels: number): number {
  const m = 2 ** levels;
  return Math.ceil(n / m) * m;
}

/**
 * The seed's network and input for `inputs` sensors: T 4 matrices one row apart, each over
 * w + 1 = 151 rows (the seed's w = 150 read w + 1 samples), the Student-t correlation in place
 * of its 5-draw MCMC, zero-padded to a multiple of 4 (51 -> 52 for SWaT, as the seed), filters
 * 128, 64 | 64, 32 | 64 | 128, kernel 3, dropout 0.3, the last matrix's norm.
 */
export function seedStaeadConfig(inputs: number): StaeadConfig {
  return {
    inputs, steps: 4, gap: 1, scales: [151], measure: 'student-t', padTo: paddedSide(inputs, 2),
    encoder: [128, 64], attention: [64, 32], recurrent: [64], decoder: [128], kernel: 3, dropout: 0.3, score: 'last',
    training: { ...SEED_TRAINING, cyclicLr: { ...SEED_TRAINING.cyclicLr! } },
  };
}

/**
 * The default: the seed's layout at a size that trains in a minute or two on 2 cores for a
 * handful of sensors: filters 16, 8 | 8, 8 | 8 | 16; Pearson matrices over 30 rows, T 4 of them
 * 10 rows apart (context 60 rows), so the four steps see different windows; the seed's AMSGrad
 * and per-tensor clipnorm 1 at a constant rate (--lr: the cycle's 2000-step half period is
 * longer than a short run).
 */
export function defaultStaeadConfig(inputs: number): StaeadConfig {
  return {
    inputs, steps: 4, gap: 10, scales: [30], measure: 'pearson', padTo: paddedSide(inputs, 2),
    encoder: [16, 8], attention: [8, 8], recurrent: [8], decoder: [16], kernel: 3, dropout: 0.3, score: 'last',
    training: { amsgrad: true, clipNormPerTensor: 1, cyclicLr: null },
  };
}

/** Checks a config; errors name the field and its value. */
export function checkStaeadConfig(c: StaeadConfig): void {
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  const list = (name: keyof StaeadConfig, v: unknown, min: number) => {
    if (!Array.isArray(v) || v.length < min || !v.every(posInt))
      throw new Error(`staead: ${name} must be a list of at least ${min} positive integers, got ${JSON.stringify(v)}`);
  };
  for (const name of ['inputs', 'steps', 'gap', 'padTo', 'kernel'] as const)
    if (!posInt(c[name])) throw new Error(`staead: ${name} must be a positive integer, got ${JSON.stringify(c[name])}`);
  list('scales', c.scales, 1);
  list('encoder', c.encoder, 1);
  list('attention', c.attention, 0);
  list('recurrent', c.recurrent, 0);
  list('decoder', c.decoder, 0);
  // Named in every config the kind writes: lib/data's default measure would otherwise decide silently.
  if (!CORRELATION_MEASURES.includes(c.measure)) throw new Error(`staead: measure must be one of ${CORRELATION_MEASURES.join(', ')}, got ${JSON.stringify(c.measure)}`);
  checkMatrixSeriesSpec(staeadInput(c), c.inputs);
  if (c.attention.length + c.recurrent.length < 1) throw new Error('staead: the network needs at least one ConvLSTM layer (attention or recurrent)');
  if (c.decoder.length !== c.encoder.length - 1)
    throw new Error(`staead: decoder has ${c.decoder.length} layers before the output layer; with ${c.encoder.length} stride-2 encoder layers it needs ${c.encoder.length - 1} (the same number of stride-2 steps back)`);
  const m = 2 ** c.encoder.length;
  if (c.padTo < c.inputs || c.padTo % m)
    throw new Error(`staead: padTo ${c.padTo} must be >= the ${c.inputs} inputs and a multiple of ${m} (2^${c.encoder.length} stride-2 layers); e.g. ${paddedSide(c.inputs, c.encoder.length)}`);
  // Padding adds only zeros, and no weight's shape depends on it: a bound keeps a bundle's config
  // from sizing every sample (padTo^2 per matrix) beyond what the file could mean.
  const side = paddedSide(c.inputs, c.encoder.length);
  if (c.padTo > 8 * side) throw new Error(`staead: padTo ${c.padTo} is more than 8 x ${side}, the smallest side for ${c.inputs} inputs (padding adds only zeros)`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`staead: dropout must be in [0, 1), got ${c.dropout}`);
  if (c.score !== 'last' && c.score !== 'mean') throw new Error(`staead: score must be 'last' or 'mean', got ${JSON.stringify(c.score)}`);
  const t = c.training ?? null;
  if (t !== null) {
    if (typeof t !== 'object' || typeof t.amsgrad !== 'boolean') throw new Error(`staead: training must be null or { amsgrad, clipNormPerTensor, cyclicLr }, got ${JSON.stringify(t)}`);
    if (t.clipNormPerTensor !== null && !(t.clipNormPerTensor > 0)) throw new Error(`staead: training.clipNormPerTensor must be > 0 or null, got ${t.clipNormPerTensor}`);
    const cl = t.cyclicLr;
    if (cl !== null && !(typeof cl === 'object' && cl.maxLr >= cl.baseLr && cl.baseLr >= 0 && Number.isInteger(cl.stepSize) && cl.stepSize >= 1))
      throw new Error(`staead: training.cyclicLr must be null or { baseLr, maxLr >= baseLr, stepSize >= 1 }, got ${JSON.stringify(cl)}`);
  }
}

/** The input spec of a config (lib/data's MatrixSeriesSpec). */
export function staeadInput(c: StaeadConfig): MatrixSeriesSpec {
  return { steps: c.steps, gap: c.gap, scales: [...c.scales], measure: c.measure, padTo: c.padTo, ...(c.studentT ? { studentT: c.studentT } : {}) };
}

/** Keras's init of a conv layer: glorot-uniform kernel over fans (in + out) K^2, zero bias. */
function kerasInit(layer: Conv2d | ConvTranspose2d, cin: number, cout: number, K: number, gen?: Generator): void {
  const w = glorotUniform([...layer.weight.shape], cin * K * K, cout * K * K, gen);
  layer.weight.assign(w.toArray());
  w.dispose();
  layer.bias?.assign(new Float32Array(layer.bias.size));
}

export class Staead extends Module implements AnomalyModel {
  readonly input: InputSpec;
  readonly readsRowWindows: boolean;
  readonly window: number;
  private readonly enc: Conv2d[] = [];
  private readonly lstm: ConvLSTM2d[] = [];
  private readonly dec: ConvTranspose2d[] = [];

  constructor(readonly config: StaeadConfig, gen?: Generator) {
    super();
    const c = config;
    checkStaeadConfig(c);
    this.input = { kind: 'matrix-series', ...staeadInput(c) };
    this.readsRowWindows = true;  // matrices(): windows of rows become their matrix series
    this.window = matrixSeriesContext(c);
    const K = c.kernel, S = c.scales.length;
    let ch = S;
    c.encoder.forEach((f, i) => {
      const conv = new Conv2d(ch, f, K, { stride: 2, padding: 'same', generator: gen });
      kerasInit(conv, ch, f, K, gen);
      this.enc.push(this.registerModule(`enc${i}`, conv));
      ch = f;
    });
    const recurrent = [...c.attention.map((f) => ['input-attention', f] as const), ...c.recurrent.map((f) => ['plain', f] as const)];
    recurrent.forEach(([cell, f], i) => {
      this.lstm.push(this.registerModule(`lstm${i}`, new ConvLSTM2d(ch, f, { cell, kernelSize: K, dropout: c.dropout, steps: c.steps, generator: gen })));
      ch = f;
    });
    [...c.decoder, S].forEach((f, i) => {
      const deconv = new ConvTranspose2d(ch, f, K, { stride: 2, padding: 'same', generator: gen });
      kerasInit(deconv, ch, f, K, gen);
      this.dec.push(this.registerModule(`dec${i}`, deconv));
      ch = f;
    });
  }

  /** Shape of one sample: [T, S, P, P]. */
  get sampleShape(): number[] {
    const c = this.config;
    return [c.steps, c.scales.length, c.padTo, c.padTo];
  }

  /**
   * The matrix series of x: x itself when it is [B, T, S, P, P]; windows of scaled rows
   * [B, context, inputs] become their matrices (lib/data's MatrixSeries, on the host: inference only).
   */
  matrices(x: Tensor): Tensor {
    return matrixSeriesOf(x, this.config.inputs, staeadInput(this.config), 'staead');
  }


  /**
   * Matrix series [B, T, S, P, P] (or windows of rows) -> reconstruction [B, T, S, P, P].
   * `tap` sees every layer's output as [B, T, channels, H, W] (enc0.., lstm0.., dec0..).
   */
  forward(x: Tensor, tap?: (layer: string, y: Tensor) => void): Tensor {
    const m = this.matrices(x);
    const [B, T] = m.shape;
    const unfold = (v: Tensor) => reshape(v, [B, T, ...v.shape.slice(1)]);
    let h = reshape(m, [B * T, ...m.shape.slice(2)]);  // TimeDistributed: [B, T] folded into the batch
    this.enc.forEach((conv, i) => {
      h = tanh(conv.forward(h));
      tap?.(`enc${i}`, unfold(h));
    });
    let seq = unfold(h);
    this.lstm.forEach((l, i) => {
      seq = l.forward(seq).output;
      tap?.(`lstm${i}`, seq);
    });
    h = reshape(seq, [B * T, ...seq.shape.slice(2)]);
    this.dec.forEach((d, i) => {
      h = tanh(d.forward(h));
      tap?.(`dec${i}`, unfold(h));
    });
    return unfold(h);
  }

  /** Mean squared reconstruction error over the whole sample, as the seed trained it. */
  loss(x: Tensor): Tensor {
    const m = this.matrices(x);
    return mseLoss(this.forward(m), m);
  }

  /** The residual of the matrices the score reads: [B, T', S, P, P] (T' = 1 for 'last', T for 'mean'). */
  private scoredResidual(x: Tensor): Tensor {
    const m = this.matrices(x);
    const r = sub(m, this.forward(m));
    const T = this.config.steps;
    return this.config.score === 'last' ? slice(r, 1, T - 1, T) : r;
  }

  /** Per sample: the Frobenius norm of its last matrix's residual (or the mean over its matrices). [B] */
  scores(x: Tensor): Tensor {
    const norms = sqrt(sum(square(this.scoredResidual(x)), [2, 3, 4]));  // [B, T']
    return mean(norms, 1);
  }

  /** Per sample and sensor: the residual's row norm over the real columns of the same matrices. [B, inputs] */
  channelErrors(x: Tensor): Tensor {
    const { inputs: C, padTo: P } = this.config;
    const r = slice(slice(this.scoredResidual(x), 3, P - C, P), 4, P - C, P);  // [B, T', S, C, C]
    const rows = sqrt(sum(square(r), [2, 4]));  // [B, T', C]
    return mean(rows, 1);
  }

  /**
   * ONNX inference graph reading windows of scaled rows x [batch, context, inputs] (the export's
   * input): the matrices built in the graph (inner product or Pearson, float32), the network
   * unrolled over T, and outputs `scores` [batch] (compared with the threshold as they are) and
   * `channel_errors` [batch, inputs] (attribution), plus `reconstruction` [batch, T, S, P, P].
   */
  toOnnx(g: GraphBuilder, x: string): string[] {
    const c = this.config;
    const m = matricesOnnx(g, x, c);
    return this.networkOnnx(g, m, true);
  }

  /** The network and score outputs over matrix series `m` [batch, T, S, P, P] already in the graph. */
  networkOnnx(g: GraphBuilder, m: string, withOutputs = true): string[] {
    const c = this.config;
    const [T, S, P] = [c.steps, c.scales.length, c.padTo];
    const shapeOf = (dims: number[]) => g.int64Const(dims);
    let h = g.op('Reshape', [m, shapeOf([-1, S, P, P])], {}, 'td/fold');
    let side = P;
    this.enc.forEach((conv, i) => {
      h = g.op('Tanh', [conv.toOnnx(g, h, `enc${i}`)], {}, `enc${i}/Tanh`);
      side /= 2;
    });
    let seq = g.op('Reshape', [h, shapeOf([-1, T, c.encoder[c.encoder.length - 1], side, side])], {}, 'td/unfold');
    this.lstm.forEach((l, i) => (seq = l.toOnnx(g, seq, `lstm${i}`)));
    const last = [...c.attention, ...c.recurrent].at(-1)!;
    h = g.op('Reshape', [seq, shapeOf([-1, last, side, side])], {}, 'td/fold2');
    this.dec.forEach((d, i) => (h = g.op('Tanh', [d.toOnnx(g, h, `dec${i}`)], {}, `dec${i}/Tanh`)));
    const recon = g.op('Reshape', [h, shapeOf([-1, T, S, P, P])], {}, 'td/unfold2');
    const diff = g.op('Sub', [m, recon], {}, 'residual/Sub');
    const r = c.score === 'last' ? g.op('Slice', [diff, g.int64Const([T - 1]), g.int64Const([T]), g.int64Const([1])], {}, 'residual/last') : diff;
    const sq = g.op('Mul', [r, r], {}, 'residual/Square');
    const norms = g.op('Sqrt', [g.op('ReduceSum', [sq, g.int64Const([2, 3, 4])], { keepdims: 0 }, 'score/ReduceSum')], {}, 'score/Sqrt');
    const scores = g.op('ReduceMean', [norms], { axes: [1], keepdims: 0 }, 'score/ReduceMean');
    const o = P - c.inputs;
    const real = g.op('Slice', [sq, g.int64Const([o, o]), g.int64Const([P, P]), g.int64Const([3, 4])], {}, 'attribution/Slice');
    const rows = g.op('Sqrt', [g.op('ReduceSum', [real, g.int64Const([2, 4])], { keepdims: 0 }, 'attribution/ReduceSum')], {}, 'attribution/Sqrt');
    const errors = g.op('ReduceMean', [rows], { axes: [1], keepdims: 0 }, 'attribution/ReduceMean');
    if (!withOutputs) return [scores, errors, recon];
    g.output('scores', scores, ['batch']);
    g.output('channel_errors', errors, ['batch', c.inputs]);
    g.output('reconstruction', recon, ['batch', T, S, P, P]);
    return ['scores', 'channel_errors', 'reconstruction'];
  }
}

/**
 * The matrix series of windows of rows x [batch, context, C] in the graph, as lib/data builds
 * it: for step k and scale w, the w rows ending at row context - 1 - (T-1-k) gap;
 * inner product X^T X / w, or Pearson cov_ij / sqrt(cov_ii cov_jj) clamped to [-1, 1] with a
 * constant channel (std <= CONSTANT_REL_STD (1 + |mean|)) at 0 off the diagonal and 1 on it;
 * zero-padded to P (rows on top, columns on the left). Returns [batch, T, S, P, P].
 */
export function matricesOnnx(g: GraphBuilder, x: string, c: StaeadConfig): string {
  const measure = measureOf(c);
  if (measure === 'student-t')
    throw new Error("staead: the Student-t correlation (measure 'student-t') is an iterative fit with no ONNX graph; export a model trained on 'pearson' or 'inner-product' matrices");
  const L = matrixSeriesContext(c), C = c.inputs, P = c.padTo, o = P - C;
  const steps: string[] = [];
  for (let k = 0; k < c.steps; k++) {
    const end = L - 1 - (c.steps - 1 - k) * c.gap;
    const chans: string[] = [];
    for (const w of c.scales) {
      const s = `matrix/t${k}/w${w}`;
      const rows = g.op('Slice', [x, g.int64Const([end - w + 1]), g.int64Const([end + 1]), g.int64Const([1])], {}, `${s}/rows`);
      let mat: string;
      if (measure === 'inner-product') {
        const prod = g.op('MatMul', [g.op('Transpose', [rows], { perm: [0, 2, 1] }, `${s}/T`), rows], {}, `${s}/MatMul`);
        mat = g.op('Div', [prod, g.floatConst(w)], {}, `${s}/mean`);
      } else {
        const mu = g.op('ReduceMean', [rows], { axes: [1], keepdims: 1 }, `${s}/mu`);  // [B, 1, C]
        const d = g.op('Sub', [rows, mu], {}, `${s}/centre`);
        const co = g.op('MatMul', [g.op('Transpose', [d], { perm: [0, 2, 1] }, `${s}/T`), d], {}, `${s}/co`);  // [B, C, C]
        const d2 = g.op('Mul', [d, d], {}, `${s}/d2`);
        const v = g.op('ReduceMean', [d2], { axes: [1], keepdims: 1 }, `${s}/var`);  // [B, 1, C] population variance
        // constant: var <= (CONSTANT_REL_STD (1 + |mu|))^2
        const tol = g.op('Mul', [g.floatConst(CONSTANT_REL_STD), g.op('Add', [g.floatConst(1), g.op('Abs', [mu], {}, `${s}/abs_mu`)], {}, `${s}/1p`)], {}, `${s}/tol`);
        const flat = g.op('LessOrEqual', [v, g.op('Mul', [tol, tol], {}, `${s}/tol2`)], {}, `${s}/flat`);  // [B, 1, C] bool
        const sd = g.op('Sqrt', [g.op('ReduceSum', [d2, g.int64Const([1])], { keepdims: 1 }, `${s}/ss`)], {}, `${s}/sd`);  // [B, 1, C]
        const outer = g.op('MatMul', [g.op('Transpose', [sd], { perm: [0, 2, 1] }, `${s}/sdT`), sd], {}, `${s}/outer`);  // [B, C, C]
        const r = g.op('Clip', [g.op('Div', [co, outer], {}, `${s}/r`), g.floatConst(-1), g.floatConst(1)], {}, `${s}/clip`);
        const flatT = g.op('Transpose', [flat], { perm: [0, 2, 1] }, `${s}/flatT`);
        const either = g.op('Or', [flatT, flat], {}, `${s}/either`);  // [B, C, C]
        const eye = g.floats(`${s}/eye`, Array.from({ length: C * C }, (_, i) => (i % (C + 1) === 0 ? 1 : 0)), [C, C]);
        const isDiag = g.op('Cast', [eye], { to: 9 }, `${s}/diag`);  // BOOL
        mat = g.op('Where', [isDiag, g.floatConst(1), g.op('Where', [either, g.floatConst(0), r], {}, `${s}/flat0`)], {}, `${s}/diag1`);
      }
      chans.push(o ? g.op('Pad', [mat, g.int64Const([0, o, o, 0, 0, 0])], { mode: 'constant' }, `${s}/pad`) : mat);  // [B, P, P]
    }
    const u = chans.map((v, i) => g.op('Unsqueeze', [v, g.int64Const([1])], {}, `matrix/t${k}/u${i}`));
    steps.push(u.length > 1 ? g.op('Concat', u, { axis: 1 }, `matrix/t${k}/scales`) : u[0]);  // [B, S, P, P]
  }
  const us = steps.map((v, k) => g.op('Unsqueeze', [v, g.int64Const([1])], {}, `matrix/t${k}/step`));
  return us.length > 1 ? g.op('Concat', us, { axis: 1 }, 'matrix/steps') : us[0];
}
