// Sa-DVCRAE (Macas et al.; seed 000's title): a variational autoencoder over a series of sensor
// correlation matrices (lib/data/correlation.ts) whose encoder and decoder are TimeDistributed
// 2-D convolutions and self-attention-memory ConvLSTM layers, layer by layer the seed's
// ConvLSTMVae_Attention (Sa-DVCRAE DoModels_ML.py; reference/seed-models.md section 0.3):
//   encoder  TD Conv2D enc[i] 3x3 s2 'same' -> ReLU -> Dropout p          (seed 32, 64, 128)
//            SA-ConvLSTM encLstm[i], every step returned, input dropout p  (seed 128, 64)
//            Flatten [T, F, P/8, P/8] -> Dense z_mean, Dense z_log_var (linear, latent each)
//            z = z_mean + exp(z_log_var / 2) eps in training (reparam_sample); z_mean in eval
//   decoder  Dense hidden tanh -> Dense D (P/s)^2 Cd tanh -> reshape [D, Cd, P/s, P/s]
//            (s = the product of the decoder strides: the seed's 1, 2, 2 -> P/4; Cd seed 128)
//            SA-ConvLSTM decLstm[i], every step returned, input dropout p   (seed 64)
//            TD Conv2DTranspose dec[i] 3x3 stride decoderStrides[i] 'same' -> ReLU -> Dropout p
//                                                                           (seed 128 s1, 64 s2, 32 s2)
//            TD Conv2DTranspose S 3x3 s1 'same' -> output activation -> optional Dropout p
// D, the decoded frames: the seed's 1 (decoderSteps 'one': that frame is broadcast against the
// T input frames in the loss and the residual) or T ('all': one frame per input matrix).
// Output: the seed's ReLU ('relu') or linear, and the seed's dropout on the reconstruction
// (outputDropout, training only). The SA cell (`cell`) is lib/nn's 'self-attention-memory'
// (SA-ConvLSTM as Lin et al. AAAI-20 write it, A = attentionChannels query/key channels) or
// 'seed-self-attention-memory', the seed's SaConvLSTM2DCell (one-channel attention as H x W
// matrix products, depthwise gates; without its h/c swap: docs/models/sa-dvcrae.md).
// A sample is [B, T, S, P, P] (T matrices, S window lengths as channels, P x P zero-padded, NCHW
// per step); TimeDistributed folds [B, T] into the batch. Init as Keras: glorot-uniform conv and
// dense kernels, zero biases; the ConvLSTM layers bring their own (lib/nn/conv_lstm.ts).
//
// Loss (DoVaeSupplementary.py VAE_TD.train_step, loss 'seed'): with x^ broadcast over T,
//   rec = mean_{b, w} sum_{t, h} mean_s (x - x^)^2 = SSE / (B P S),  kl = sum_{b, j} KL_bj / B,
//   loss = rec + kl  (per sample SSE / (P S) + KL: the KL weighs P times a per-sample SSE);
// loss 'element': mean_{all elements} (x - x^)^2 + kl / (T S P P), i.e. (SSE + KL) / N per sample.
// Score (eval, no dropout), config.scoreBy: 'error', score.ts over the residual X - X^ at
// z = z_mean; 'probability', -log of An & Cho's reconstruction probability over L draws of z
// (probability.ts; the variance from variance.ts). Attribution: score.ts's residual rows at z = z_mean.
import { CORRELATION_MEASURES, checkMatrixSeriesSpec, matrixSeriesContext, type CorrelationMeasure, type MatrixSeriesSpec } from '../../lib/data/correlation';
import { matrixSeriesOf } from '../../lib/data/matrix_windows';
import type { InputSpec } from '../../lib/data/representation';
import type { AnomalyModel } from '../../lib/model';
import { Conv2d, ConvLSTM2d, ConvTranspose2d, Dropout, Linear, Module } from '../../lib/nn';
import { glorotUniform } from '../../lib/nn/init';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import { add, klNormal, mul, relu, reparamSample, reshape, square, sub, sum, tanh } from '../../lib/ops';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import { matricesOnnx, type StaeadConfig } from '../staead/model';
import { latentDraws, reconstructionProbabilityScores, scoredGaussian, type DecoderVariance, type ScoreBy } from './probability';
import { latentSamplesOnnx, probabilityScoresOnnx } from './probability_onnx';
import { residualRowNorms, residualScores, residualScoresOnnx, type MatrixScore } from './score';

/**
 * The input fields are lib/data's MatrixSeriesSpec (seed: T 4 matrices, gap 1, one window of
 * w + 1 = 181 rows, the inner product); padTo must be >= inputs and a multiple of
 * 2^encoder.length and of the decoder strides' product.
 */
export interface SaDvcraeConfig extends Required<Pick<MatrixSeriesSpec, 'steps' | 'gap' | 'scales' | 'measure' | 'padTo'>>, Pick<MatrixSeriesSpec, 'studentT'> {
  /** Sensors (channels of the rows). */
  inputs: number;
  /** Filters of the TD Conv2D layers, 3x3 stride 2, ReLU + dropout (seed: 32, 64, 128). */
  encoder: number[];
  /** Filters of the encoder's SA-ConvLSTM layers (seed: 128, 64). */
  encoderLstm: number[];
  /** Latent size (the seed's free latent_dim; 100 as 3Da-CVAE's notebook). */
  latent: number;
  /** Units of the decoder's first Dense, tanh (seed: 128). */
  hidden: number;
  /** Channels of the decoder's reshaped Dense output (seed: 128). */
  decoderChannels: number;
  /** Filters of the decoder's SA-ConvLSTM layers (seed: 64). */
  decoderLstm: number[];
  /** Filters of the TD Conv2DTranspose layers before the output layer, ReLU + dropout (seed: 128, 64, 32). */
  decoder: number[];
  /** Their strides (seed: 1, 2, 2): the decoder starts from P / their product (seed: P/4). */
  decoderStrides: number[];
  /** Frames the decoder outputs: 'one' (the seed: broadcast over the T inputs) or 'all' (T). */
  decoderSteps: 'one' | 'all';
  /** Output activation: the seed's 'relu' or 'linear' (correlations can be negative). */
  output: 'relu' | 'linear';
  /** Dropout on the reconstruction itself in training (the seed: true). */
  outputDropout: boolean;
  /** Query/key channels of every SA-ConvLSTM (null: lib/nn's default F/2). */
  attentionChannels: number | null;
  /** Square kernel of every conv (seed: 3). */
  kernel: number;
  /** Dropout after every TD conv and on every SA-ConvLSTM's input (seed: 0.3). */
  dropout: number;
  /** 'seed': SSE / (B P S) + KL / B; 'element': MSE + KL / (B T S P P). */
  loss: 'seed' | 'element';
  /** Weight of the KL term (the seed: 1; below 1 against posterior collapse, a beta-VAE's beta). */
  klWeight: number;
  /** The matrices a sample's score reads: its last one, or all T (the mean of their norms, or -log RP / T). */
  score: MatrixScore;
  /** The score: the residual's Frobenius norm at z = z_mean ('error'), or -log reconstruction probability ('probability'). */
  scoreBy: ScoreBy;
  /** L, the draws of z per sample for 'probability' (more: less Monte Carlo noise, L decoder passes per window). */
  latentSamples: number;
  /** Seed of the L fixed standard-normal draws eps_l (the same for every sample: scores are reproducible). */
  latentSeed: number;
  /** The decoder's Gaussian variance for 'probability': 1 (the seed's) or per real cell from the training residuals. */
  decoderVariance: DecoderVariance;
  /** The SA-ConvLSTM cell: Lin et al.'s, or the seed's variant (its maps must be square, as the padded matrices are). */
  cell: SaCell;
}

export type SaCell = 'self-attention-memory' | 'seed-self-attention-memory';

/** What a config written before a field existed (a bundle, a fixture) means by its absence. */
const FIELDS_BEFORE = { scoreBy: 'error', latentSamples: 16, latentSeed: 0, decoderVariance: 'unit', cell: 'self-attention-memory' } as const;

/** The side P for n sensors: a multiple of 2^levels (the encoder) and of the decoder strides' product. */
export function saDvcraeSide(n: number, encoderLevels: number, decoderStrides: number[]): number {
  const up = decoderStrides.reduce((a, b) => a * b, 1);
  const m = 2 ** encoderLevels;
  const lcm = (a: number, b: number): number => (a * b) / gcd(a, b);
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const step = lcm(m, up);
  return Math.ceil(n / step) * step;
}

/**
 * The seed's network: T 4 inner-product matrices one row apart over w + 1 = 181 rows (the seed's
 * data file name says w = 180; it reads w + 1 samples), padded to a multiple of 8 (40 stays 40),
 * filters 32, 64, 128 | 128, 64 | latent 100 | 128, 128 | 64 | 128, 64, 32 (strides 1, 2, 2),
 * one decoded frame, ReLU output with dropout on it, the seed's SA cell (without its h/c
 * swap), the seed's loss, the window's score (the seed scores whole windows) by the
 * reconstruction probability at unit variance (the seed's intent, section 0.5) over L = 16 draws.
 */
export function seedSaDvcraeConfig(inputs: number): SaDvcraeConfig {
  return {
    inputs, steps: 4, gap: 1, scales: [181], measure: 'inner-product', padTo: saDvcraeSide(inputs, 3, [1, 2, 2]),
    encoder: [32, 64, 128], encoderLstm: [128, 64], latent: 100, hidden: 128, decoderChannels: 128, decoderLstm: [64],
    decoder: [128, 64, 32], decoderStrides: [1, 2, 2], decoderSteps: 'one', output: 'relu', outputDropout: true,
    attentionChannels: null, kernel: 3, dropout: 0.3, loss: 'seed', klWeight: 1, score: 'mean',
    scoreBy: 'probability', latentSamples: 16, latentSeed: 0, decoderVariance: 'unit', cell: 'seed-self-attention-memory',
  };
}

/**
 * The default: the seed's layout at a size that trains in a minute or two on 2 cores for a
 * handful of sensors (filters 8, 16, 16 | 16, 8 | latent 8 | 32, 16 | 8 | 16, 8, 8), Pearson
 * matrices over 30 rows, T 4 of them 10 rows apart; a decoder that reconstructs all T frames, a
 * linear output without dropout; the seed's loss with the KL at weight 0.01 and dropout 0.1 (at
 * the seed's 1 and 0.3 these small layers let the posterior collapse: KL -> 0, z unused, the
 * reconstruction one constant series; docs/models/sa-dvcrae.md); the last matrix's residual
 * norm as the score (deterministic, one decoder pass; scoreBy 'probability' then uses the
 * per-cell training variance).
 */
export function defaultSaDvcraeConfig(inputs: number): SaDvcraeConfig {
  return {
    ...seedSaDvcraeConfig(inputs), gap: 10, scales: [30], measure: 'pearson',
    encoder: [8, 16, 16], encoderLstm: [16, 8], latent: 8, hidden: 32, decoderChannels: 16, decoderLstm: [8], decoder: [16, 8, 8],
    decoderSteps: 'all', output: 'linear', outputDropout: false, dropout: 0.1, klWeight: 0.01, score: 'last',
    scoreBy: 'error', decoderVariance: 'estimated', cell: 'self-attention-memory',
  };
}

/** Checks a config; errors name the field and its value. */
export function checkSaDvcraeConfig(c: SaDvcraeConfig): void {
  const err = (m: string) => new Error(`sa-dvcrae: ${m}`);
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  for (const name of ['inputs', 'steps', 'gap', 'padTo', 'kernel', 'latent', 'hidden', 'decoderChannels'] as const)
    if (!posInt(c[name])) throw err(`${name} must be a positive integer, got ${JSON.stringify(c[name])}`);
  for (const [name, min] of [['scales', 1], ['encoder', 1], ['encoderLstm', 1], ['decoderLstm', 0], ['decoder', 0], ['decoderStrides', 0]] as const) {
    const v = c[name];
    if (!Array.isArray(v) || v.length < min || !v.every(posInt)) throw err(`${name} must be a list of at least ${min} positive integers, got ${JSON.stringify(v)}`);
  }
  // Named in every config the kind writes: lib/data's default measure would otherwise decide silently.
  if (!CORRELATION_MEASURES.includes(c.measure)) throw err(`measure must be one of ${CORRELATION_MEASURES.join(', ')}, got ${JSON.stringify(c.measure)}`);
  checkMatrixSeriesSpec(saDvcraeInput(c), c.inputs);
  if (c.decoderStrides.length !== c.decoder.length)
    throw err(`decoderStrides has ${c.decoderStrides.length} entries for ${c.decoder.length} decoder layers`);
  const side = saDvcraeSide(c.inputs, c.encoder.length, c.decoderStrides);
  const up = c.decoderStrides.reduce((a, b) => a * b, 1);
  if (c.padTo < c.inputs || c.padTo % 2 ** c.encoder.length || c.padTo % up)
    throw err(`padTo ${c.padTo} must be >= the ${c.inputs} inputs and a multiple of ${2 ** c.encoder.length} (2^${c.encoder.length} stride-2 encoder layers) and of ${up} (the decoder strides' product); e.g. ${side}`);
  if (c.decoderSteps !== 'one' && c.decoderSteps !== 'all') throw err(`decoderSteps must be 'one' or 'all', got ${JSON.stringify(c.decoderSteps)}`);
  if (c.output !== 'relu' && c.output !== 'linear') throw err(`output must be 'relu' or 'linear', got ${JSON.stringify(c.output)}`);
  if (typeof c.outputDropout !== 'boolean') throw err(`outputDropout must be true or false, got ${JSON.stringify(c.outputDropout)}`);
  if (c.attentionChannels !== null && !posInt(c.attentionChannels)) throw err(`attentionChannels must be a positive integer or null, got ${JSON.stringify(c.attentionChannels)}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw err(`dropout must be in [0, 1), got ${c.dropout}`);
  if (c.loss !== 'seed' && c.loss !== 'element') throw err(`loss must be 'seed' or 'element', got ${JSON.stringify(c.loss)}`);
  if (!(typeof c.klWeight === 'number' && c.klWeight >= 0 && Number.isFinite(c.klWeight))) throw err(`klWeight must be a finite number >= 0, got ${JSON.stringify(c.klWeight)}`);
  if (c.score !== 'last' && c.score !== 'mean') throw err(`score must be 'last' or 'mean', got ${JSON.stringify(c.score)}`);
  if (c.scoreBy !== 'error' && c.scoreBy !== 'probability') throw err(`scoreBy must be 'error' or 'probability', got ${JSON.stringify(c.scoreBy)}`);
  if (!posInt(c.latentSamples)) throw err(`latentSamples must be a positive integer, got ${JSON.stringify(c.latentSamples)}`);
  if (!(Number.isSafeInteger(c.latentSeed) && c.latentSeed >= 0)) throw err(`latentSeed must be a non-negative integer, got ${JSON.stringify(c.latentSeed)}`);
  if (c.cell !== 'self-attention-memory' && c.cell !== 'seed-self-attention-memory')
    throw err(`cell must be 'self-attention-memory' or 'seed-self-attention-memory', got ${JSON.stringify(c.cell)}`);
  if (c.decoderVariance !== 'unit' && c.decoderVariance !== 'estimated') throw err(`decoderVariance must be 'unit' or 'estimated', got ${JSON.stringify(c.decoderVariance)}`);
}

/** The input spec of a config (lib/data's MatrixSeriesSpec). */
export function saDvcraeInput(c: SaDvcraeConfig): MatrixSeriesSpec {
  return { steps: c.steps, gap: c.gap, scales: [...c.scales], measure: c.measure, padTo: c.padTo, ...(c.studentT ? { studentT: c.studentT } : {}) };
}

/** Keras's init: glorot-uniform kernel over the given fans, zero bias. */
function kerasInit<L extends Conv2d | ConvTranspose2d | Linear>(layer: L, fanIn: number, fanOut: number, gen: Generator): L {
  const w = glorotUniform([...layer.weight.shape], fanIn, fanOut, gen);
  layer.weight.assign(w.toArray());
  w.dispose();
  layer.bias?.assign(new Float32Array(layer.bias.size));
  return layer;
}

/** One forward's tensors: the reconstruction [B, D, S, P, P] and the latent distribution [B, latent]. */
export interface SaDvcraeOutput {
  recon: Tensor;
  zMean: Tensor;
  zLogVar: Tensor;
}

/** How z is formed: a fresh reparameterised draw, or z = z_mean. */
export type Latent = 'sample' | 'mean';

export class SaDvcrae extends Module implements AnomalyModel {
  readonly input: InputSpec;
  /** matrices(): windows of rows become their matrix series, so the Detector and its streams serve it. */
  readonly readsRowWindows = true;
  readonly window: number;
  /** Stream of the dropout masks and reparameterised draws (checkpointed with the model by fit). */
  readonly gen: Generator;
  private readonly enc: Conv2d[] = [];
  private readonly encLstm: ConvLSTM2d[] = [];
  private readonly zMeanLayer: Linear;
  private readonly zLogVarLayer: Linear;
  private readonly dense1: Linear;
  private readonly dense2: Linear;
  private readonly decLstm: ConvLSTM2d[] = [];
  private readonly dec: ConvTranspose2d[] = [];
  private readonly drop: Dropout;
  /** Per real cell [T, S, C, C], sigma^2 of the decoder's Gaussian (scoreBy 'probability', decoderVariance 'estimated'; set by fit). */
  private readonly variance: Tensor | null;
  readonly config: SaDvcraeConfig;

  constructor(config: SaDvcraeConfig, gen?: Generator) {
    super();
    const c = (this.config = { ...FIELDS_BEFORE, ...config });
    checkSaDvcraeConfig(c);
    this.gen = gen ?? new Generator(0);
    const g = this.gen;
    this.input = { kind: 'matrix-series', ...saDvcraeInput(c) };
    this.window = matrixSeriesContext(c);
    this.drop = this.registerModule('drop', new Dropout(c.dropout, g));
    const K = c.kernel, S = c.scales.length;
    const lstm = (cin: number, f: number, steps: number) => new ConvLSTM2d(cin, f, {
      cell: c.cell, kernelSize: K, dropout: c.dropout, steps, generator: g,
      ...(c.attentionChannels !== null && c.cell === 'self-attention-memory' ? { attentionChannels: c.attentionChannels } : {}),
    });
    let ch = S;
    c.encoder.forEach((f, i) => {
      this.enc.push(this.registerModule(`enc${i}`, kerasInit(new Conv2d(ch, f, K, { stride: 2, padding: 'same', generator: g }), ch * K * K, f * K * K, g)));
      ch = f;
    });
    c.encoderLstm.forEach((f, i) => {
      this.encLstm.push(this.registerModule(`enc_lstm${i}`, lstm(ch, f, c.steps)));
      ch = f;
    });
    const flat = c.steps * ch * this.bottleneck ** 2;
    const dense = (name: string, i: number, o: number) => this.registerModule(name, kerasInit(new Linear(i, o, { generator: g }), i, o, g));
    this.zMeanLayer = dense('z_mean', flat, c.latent);
    this.zLogVarLayer = dense('z_log_var', flat, c.latent);
    this.dense1 = dense('dec_dense0', c.latent, c.hidden);
    this.dense2 = dense('dec_dense1', c.hidden, this.decodedSteps * c.decoderChannels * this.decoderStart ** 2);
    ch = c.decoderChannels;
    c.decoderLstm.forEach((f, i) => {
      this.decLstm.push(this.registerModule(`dec_lstm${i}`, lstm(ch, f, this.decodedSteps)));
      ch = f;
    });
    [...c.decoder, S].forEach((f, i) => {
      const stride = c.decoderStrides[i] ?? 1;
      this.dec.push(this.registerModule(`dec${i}`, kerasInit(new ConvTranspose2d(ch, f, K, { stride, padding: 'same', generator: g }), f * K * K, ch * K * K, g)));
      ch = f;
    });
    // Only a model that needs it holds the buffer, so bundles of the other scores load as before.
    this.variance = c.scoreBy === 'probability' && c.decoderVariance === 'estimated'
      ? this.registerBuffer('decoder_variance', Tensor.ones([c.steps, S, c.inputs, c.inputs])) : null;
  }

  /** sigma^2 per real cell [T, S, C, C] of the decoder's Gaussian; null at unit variance. */
  get decoderVariance(): Tensor | null {
    return this.variance;
  }

  /** Side of the encoder's last maps: P / 2^encoder.length (seed: 5 at P 40). */
  get bottleneck(): number {
    return this.config.padTo / 2 ** this.config.encoder.length;
  }

  /** Side of the decoder's first maps: P / the decoder strides' product (seed: 10 at P 40). */
  get decoderStart(): number {
    return this.config.padTo / this.config.decoderStrides.reduce((a, b) => a * b, 1);
  }

  /** Frames the decoder outputs: 1 (decoderSteps 'one') or T. */
  get decodedSteps(): number {
    return this.config.decoderSteps === 'one' ? 1 : this.config.steps;
  }

  /** Shape of one sample: [T, S, P, P]. */
  get sampleShape(): number[] {
    const c = this.config;
    return [c.steps, c.scales.length, c.padTo, c.padTo];
  }

  /** The matrix series of x: x itself when [B, T, S, P, P]; windows of scaled rows [B, context, inputs] become their matrices. */
  matrices(x: Tensor): Tensor {
    return matrixSeriesOf(x, this.config.inputs, saDvcraeInput(this.config), 'sa-dvcrae');
  }

  /**
   * Matrix series (or windows of rows) -> reconstruction [B, D, S, P, P] and the latent
   * distribution; z is drawn in training and z_mean in eval unless `latent` says. `tap` sees
   * every layer's output (enc0.., enc_lstm0.., z_mean, dec_dense1 (reshaped), dec_lstm0.., dec0..).
   */
  run(x: Tensor, latent: Latent = this.training ? 'sample' : 'mean', tap?: (layer: string, y: Tensor) => void): SaDvcraeOutput {
    const { zMean, zLogVar } = this.encode(this.matrices(x), tap);
    const z = latent === 'sample' ? reparamSample(zMean, zLogVar, this.gen) : zMean;
    return { recon: this.decode(z, tap), zMean, zLogVar };
  }

  /** Matrix series [B, T, S, P, P] -> the latent distribution q(z|x): z_mean, z_log_var [B, latent]. */
  encode(m: Tensor, tap?: (layer: string, y: Tensor) => void): { zMean: Tensor; zLogVar: Tensor } {
    const [B, T] = m.shape;
    let h = reshape(m, [B * T, ...m.shape.slice(2)]);  // TimeDistributed: [B, T] folded into the batch
    this.enc.forEach((conv, i) => {
      h = this.drop.forward(relu(conv.forward(h)));
      tap?.(`enc${i}`, reshape(h, [B, T, ...h.shape.slice(1)]));
    });
    let seq = reshape(h, [B, T, ...h.shape.slice(1)]);
    this.encLstm.forEach((l, i) => {
      seq = l.forward(seq).output;
      tap?.(`enc_lstm${i}`, seq);
    });
    const flat = reshape(seq, [B, seq.size / B]);
    const zMean = this.zMeanLayer.forward(flat), zLogVar = this.zLogVarLayer.forward(flat);
    tap?.('z_mean', zMean);
    return { zMean, zLogVar };
  }

  /** Latent codes z [N, latent] -> reconstructions [N, D, S, P, P]. */
  decode(z: Tensor, tap?: (layer: string, y: Tensor) => void): Tensor {
    const c = this.config;
    const N = z.shape[0], D = this.decodedSteps, s = this.decoderStart;
    let seq = reshape(tanh(this.dense2.forward(tanh(this.dense1.forward(z)))), [N, D, c.decoderChannels, s, s]);
    tap?.('dec_dense1', seq);
    this.decLstm.forEach((l, i) => {
      seq = l.forward(seq).output;
      tap?.(`dec_lstm${i}`, seq);
    });
    let h = reshape(seq, [N * D, ...seq.shape.slice(2)]);
    const last = this.dec.length - 1;
    this.dec.forEach((d, i) => {
      h = d.forward(h);
      if (i < last) h = this.drop.forward(relu(h));
      else {
        if (c.output === 'relu') h = relu(h);
        if (c.outputDropout) h = this.drop.forward(h);
      }
      tap?.(`dec${i}`, reshape(h, [N, D, ...h.shape.slice(1)]));
    });
    return reshape(h, [N, D, ...h.shape.slice(1)]);
  }

  /** The reconstruction [B, D, S, P, P] (D = 1 for decoderSteps 'one'). */
  forward(x: Tensor, tap?: (layer: string, y: Tensor) => void): Tensor {
    return this.run(x, undefined, tap).recon;
  }

  /** The loss (config.loss: rec + klWeight kl) of a batch and its two terms (kl unweighted). */
  loss(x: Tensor, latent?: Latent): { loss: Tensor; terms: { rec: number; kl: number } } {
    const c = this.config;
    const m = this.matrices(x);
    const out = this.run(m, latent);
    const [B, T, S, P] = m.shape;
    const sse = sum(square(sub(m, out.recon)));  // x^ broadcast over T when D = 1
    const klSum = klNormal(out.zMean, out.zLogVar, { reduction: 'sum' });
    const [rec, kl] = c.loss === 'seed'
      ? [mul(sse, 1 / (B * P * S)), mul(klSum, 1 / B)]
      : [mul(sse, 1 / (B * T * S * P * P)), mul(klSum, 1 / (B * T * S * P * P))];
    return { loss: c.klWeight === 1 ? add(rec, kl) : add(rec, mul(kl, c.klWeight)), terms: { rec: rec.item(), kl: kl.item() } };
  }

  /** The residual X - X^ of every matrix [B, T, S, P, P] (eval: z = z_mean). */
  residual(x: Tensor): Tensor {
    const m = this.matrices(x);
    return sub(m, this.run(m).recon);  // x^ broadcast over T when D = 1
  }

  /**
   * Per sample [B]: the Frobenius norm of its last matrix's residual (or the mean over its
   * matrices), or -log RP of those matrices (scoreBy 'probability', divided by T for 'mean').
   */
  scores(x: Tensor): Tensor {
    if (this.config.scoreBy === 'probability') return reconstructionProbabilityScores(this, x);
    return residualScores(this.residual(x), this.config.score);
  }

  /** Per sample and sensor: the residual's row norm over the real columns of the same matrices. [B, inputs] */
  channelErrors(x: Tensor): Tensor {
    return residualRowNorms(this.residual(x), this.config.score, this.config.inputs);
  }

  /**
   * ONNX inference graph reading windows of scaled rows x [batch, context, inputs]: the matrices
   * built in the graph (STAEAD's matricesOnnx: inner product or Pearson), the network unrolled
   * over T (and D) with z = z_mean (the sampling replaced by the mean, as the eval path), and
   * outputs `scores` [batch], `channel_errors` [batch, inputs], `reconstruction` [batch, D, S, P, P].
   * With scoreBy 'probability' the decoder also decodes the L codes z_l from the fixed draws
   * (a constant) and `scores` is -log RP as natively (probability_onnx.ts); the other outputs
   * stay at z = z_mean.
   */
  toOnnx(g: GraphBuilder, x: string): string[] {
    const c = this.config;
    // matricesOnnx reads only the matrix-series fields and inputs, which both configs share.
    const m = matricesOnnx(g, x, c as unknown as StaeadConfig);
    const [T, S, P, D, s, b] = [c.steps, c.scales.length, c.padTo, this.decodedSteps, this.decoderStart, this.bottleneck];
    const shapeOf = (dims: number[]) => g.int64Const(dims);
    let h = g.op('Reshape', [m, shapeOf([-1, S, P, P])], {}, 'td/fold');
    this.enc.forEach((conv, i) => (h = g.op('Relu', [conv.toOnnx(g, h, `enc${i}`)], {}, `enc${i}/Relu`)));
    let seq = g.op('Reshape', [h, shapeOf([-1, T, c.encoder.at(-1)!, b, b])], {}, 'td/unfold');
    this.encLstm.forEach((l, i) => (seq = l.toOnnx(g, seq, `enc_lstm${i}`)));
    const flat = g.op('Reshape', [seq, shapeOf([-1, T * c.encoderLstm.at(-1)! * b * b])], {}, 'flatten');
    const zMean = this.zMeanLayer.toOnnx(g, flat, 'z_mean');
    const L = c.latentSamples, rp = c.scoreBy === 'probability';
    const eps = rp ? latentDraws(c.latentSeed, L, c.latent) : null;
    const z = eps ? latentSamplesOnnx(g, zMean, this.zLogVarLayer.toOnnx(g, flat, 'z_log_var'), eps.toArray(), L, c.latent) : zMean;
    eps?.dispose();
    const d1 = g.op('Tanh', [this.dense1.toOnnx(g, z, 'dec_dense0')], {}, 'dec_dense0/Tanh');
    const d2 = g.op('Tanh', [this.dense2.toOnnx(g, d1, 'dec_dense1')], {}, 'dec_dense1/Tanh');
    seq = g.op('Reshape', [d2, shapeOf([-1, D, c.decoderChannels, s, s])], {}, 'dec/reshape');
    this.decLstm.forEach((l, i) => (seq = l.toOnnx(g, seq, `dec_lstm${i}`)));
    h = g.op('Reshape', [seq, shapeOf([-1, c.decoderLstm.at(-1) ?? c.decoderChannels, s, s])], {}, 'td/fold2');
    const last = this.dec.length - 1;
    this.dec.forEach((d, i) => {
      h = d.toOnnx(g, h, `dec${i}`);
      if (i < last || c.output === 'relu') h = g.op('Relu', [h], {}, `dec${i}/Relu`);
    });
    let recon = g.op('Reshape', [h, shapeOf([-1, D, S, P, P])], {}, 'td/unfold2');
    let probability: string | null = null;
    if (rp) {
      // The decoder's batch is [z_mean; z_1 .. z_L] per sample: split off the mean path.
      const split = g.op('Reshape', [recon, shapeOf([-1, L + 1, D, S, P, P])], {}, 'rp/split');
      const sampled = g.op('Slice', [split, shapeOf([1]), shapeOf([L + 1]), shapeOf([1])], {}, 'rp/sampled');
      recon = g.op('Reshape', [g.op('Slice', [split, shapeOf([0]), shapeOf([1]), shapeOf([1])], {}, 'rp/mean_path'), shapeOf([-1, D, S, P, P])], {}, 'rp/recon');
      const { invVar, logNormaliser } = scoredGaussian(this);
      probability = probabilityScoresOnnx(g, m, sampled, { steps: T, decoded: D, side: P, inputs: c.inputs, scales: S, L, score: c.score, invVar, logNormaliser });
    }
    const r = g.op('Sub', [m, recon], {}, 'residual/Sub');  // broadcasts the one frame over T when D = 1
    const [norms, errors] = residualScoresOnnx(g, r, T, P, c.inputs, c.score);
    g.output('scores', probability ?? norms, ['batch']);
    g.output('channel_errors', errors, ['batch', c.inputs]);
    g.output('reconstruction', recon, ['batch', D, S, P, P]);
    return ['scores', 'channel_errors', 'reconstruction'];
  }
}
