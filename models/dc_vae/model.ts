// DC-VAE (García González et al., WTMC 2022; seed 002): a VAE built only from dilated causal
// convolutions, with a latent SEQUENCE (J channels per time step) and a Gaussian output per
// channel and step. The layer order follows the upstream Keras code, where the activation sits
// inside Conv1D and BatchNormalization comes after it:
//   encoder: [CausalConv1d -> tanh -> BN] per layer (dilations 1, 2, 4, ...)
//            z_mean, z_log_var = two linear CausalConv1d (J channels)
//   sample:  z = z_mean + exp(z_log_var / 2) * eps   (training; z = z_mean at inference)
//   decoder: [CausalConv1d -> ELU -> BN] per layer
//            x_mean, x_log_var = two linear CausalConv1d (M channels)
// Every layer is causal, so the output at step t depends on inputs up to t only: a
// reconstruction of x_t from x_{<=t}, not a forecast. Windows arrive as [B, T, M] and are
// transposed once to the conv layout [B, M, T]; the loss is element-wise, so it is taken in that
// layout.
//
// Sigma (docs/models/dc-vae.md): x_log_var is the log-VARIANCE everywhere here (plus a small
// variance floor, config.varianceFloor). The loss is the Gaussian NLL
// 0.5 (l + (x - mu)^2 e^-l + ln 2 pi), or (config.likelihood, the named configs' default) the
// Student-t NLL of student_t.ts with scale exp(l / 2); scoring uses sigma = exp(l / 2). Upstream
// trains with 0.5 ((x - mu) / e^l)^2 + l, which treats e^l as the standard deviation, yet scores
// with sigma = sqrt(e^l), so its alphas were not in units of the fitted sigma.
import { BatchNorm1d, CausalConv1d, Module } from '../../lib/nn';
import { add, affine, elu, exp, mul, slice, softplus, tanh, transpose } from '../../lib/ops';
import { gaussianChannelErrors } from '../../lib/calibrate/gaussian_error';
import { gaussianNll, klNormal } from '../../lib/ops/losses';
import { reparamSample } from '../../lib/ops/reparam_sample';
import { studentTNll } from './student_t';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import type { AnomalyModel } from '../../lib/model';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';

export interface DcVaeLayer {
  units: number;
  dilation: number;
}

export interface DcVaeConfig {
  /** Channels per time step (M). */
  inputs: number;
  /** Window length T. */
  window: number;
  /** Kernel size of every convolution (upstream: 2, i.e. y_t = W0 x_{t-d} + W1 x_t + b). */
  kernel: number;
  /** Latent channels per time step (J). */
  latent: number;
  /** Encoder conv layers (tanh, then BN). */
  encoder: DcVaeLayer[];
  /** Dilation of the z_mean / z_log_var convolutions. */
  latentDilation: number;
  /** Decoder conv layers (ELU, then BN). */
  decoder: DcVaeLayer[];
  /** Dilation of the x_mean / x_log_var convolutions. */
  outputDilation: number;
  /** BatchNorm momentum in PyTorch's convention (Keras momentum 0.99 = 0.01 here) and eps. */
  bnMomentum: number;
  bnEps: number;
  /** Weight of the KL term (upstream: 1). */
  klWeight: number;
  /**
   * Floor added to the output variance: sigma^2 = e^x_log_var + varianceFloor, in scaled units
   * (default 1e-4, sigma >= 0.01; upstream: none). Without it the NLL is unbounded below on a
   * constant channel (sigma -> 0) and training can diverge (seen on BATADAL's pump states).
   */
  varianceFloor: number;
  /**
   * How the NLL and KL are reduced over channels (M, J): 'mean' as upstream HEAD, 'sum' as the
   * May-2022 code. Both are then averaged over batch and time.
   */
  reduction: 'mean' | 'sum';
  /**
   * The output distribution the loss fits: 'student-t' (the named configs' default, nu degrees
   * of freedom; student_t.ts says why) or 'gaussian' (upstream; also what a config without the
   * field, e.g. a bundle written before it, means). Scoring is |x - mu| / sigma either way.
   */
  likelihood?: 'gaussian' | 'student-t';
  /** Degrees of freedom of the Student-t (default 4); unused for 'gaussian'. */
  nu?: number;
}

/**
 * The layer lists upstream's DCVAE.__init__ builds from its settings `cnn_units` and `dil_rate`,
 * reproducing its indexing: the encoder runs len(cnn_units) - 1 layers, the z convolutions reuse
 * the last encoder dilation (the loop variable leaks), the decoder walks cnn_units and dil_rate
 * backwards from their ends. HEAD stops the decoder one layer short of the May-2022 code
 * ('may-2022' runs `range(-2, -len-1, -1)`), so at HEAD dilation 2 and cnn_units[0] go unused.
 */
export function upstreamLayout(cnnUnits: number[], dilRate: number[], variant: 'head' | 'may-2022' = 'head'):
  Pick<DcVaeConfig, 'encoder' | 'latentDilation' | 'decoder' | 'outputDilation'> {
  if (cnnUnits.length < 3) throw new Error(`dc-vae: cnn_units needs at least 3 entries (upstream's loop variable is undefined below that), got ${cnnUnits.length}`);
  if (dilRate.length < cnnUnits.length) throw new Error(`dc-vae: dil_rate (${dilRate.length}) must have at least as many entries as cnn_units (${cnnUnits.length})`);
  const at = <T>(a: T[], i: number): T => a[i < 0 ? a.length + i : i];
  const encoder: DcVaeLayer[] = [{ units: cnnUnits[0], dilation: dilRate[0] }];
  for (let i = 0; i < cnnUnits.length - 2; i++) encoder.push({ units: cnnUnits[i + 1], dilation: dilRate[i + 1] });
  const latentDilation = dilRate[cnnUnits.length - 2];
  const decoder: DcVaeLayer[] = [{ units: at(cnnUnits, -1), dilation: at(dilRate, -1) }];
  const stop = variant === 'head' ? -cnnUnits.length : -cnnUnits.length - 1;
  for (let i = -2; i > stop; i--) decoder.push({ units: at(cnnUnits, i), dilation: at(dilRate, i) });
  return { encoder, latentDilation, decoder, outputDilation: dilRate[0] };
}

/** The likelihood new models train with (upstream: Gaussian; docs/models/dc-vae.md, "Likelihood"). */
export const ROBUST_LIKELIHOOD = { likelihood: 'student-t', nu: 4 } as const;

/** Upstream HEAD's settings/model_settings.txt: T=128, cnn_units [64]*6, dilations 1..64, kernel 2, J=4. */
export function seedDcVaeConfig(inputs: number): DcVaeConfig {
  return {
    inputs, window: 128, kernel: 2, latent: 4,
    ...upstreamLayout([64, 64, 64, 64, 64, 64], [1, 2, 4, 8, 16, 32, 64], 'head'),
    bnMomentum: 0.01, bnEps: 1e-3, klWeight: 1, reduction: 'mean', varianceFloor: 1e-4, ...ROBUST_LIKELIHOOD,
  };
}

/** The May-2022 (WTMC paper) version: T=512, 9 layers of 64..4 units, dilations 1..256, sums over channels. */
export function may2022DcVaeConfig(inputs: number): DcVaeConfig {
  return {
    inputs, window: 512, kernel: 2, latent: 4,
    ...upstreamLayout([64, 64, 32, 32, 16, 16, 8, 8, 4], [1, 2, 4, 8, 16, 32, 64, 128, 256], 'may-2022'),
    bnMomentum: 0.01, bnEps: 1e-3, klWeight: 1, reduction: 'sum', varianceFloor: 1e-4, ...ROBUST_LIKELIHOOD,
  };
}

export const DC_VAE_NAMED_CONFIGS: Record<string, (inputs: number) => DcVaeConfig> = {
  head: seedDcVaeConfig,
  'may-2022': may2022DcVaeConfig,
};

/** The latent distribution and the per-step output Gaussian (xLogVar: log of the variance, floor included), all [B, C, T]. */
export interface DcVaeOutput {
  zMean: Tensor;
  zLogVar: Tensor;
  xMean: Tensor;
  xLogVar: Tensor;
}

/** How z is formed: a fresh reparameterised draw, z = z_mean, or z_mean + exp(lv/2) * eps for a given eps [B, J, T]. */
export type Latent = 'sample' | 'mean' | { eps: Tensor };

export class DcVae extends Module implements AnomalyModel {
  readonly scoreReduction = 'max' as const;
  /** Stream of the reparameterised draws (checkpointed with the model by fit). */
  readonly gen: Generator;
  private readonly encConv: CausalConv1d[] = [];
  private readonly encBn: BatchNorm1d[] = [];
  private readonly zMean: CausalConv1d;
  private readonly zLogVar: CausalConv1d;
  private readonly decConv: CausalConv1d[] = [];
  private readonly decBn: BatchNorm1d[] = [];
  private readonly xMean: CausalConv1d;
  private readonly xLogVar: CausalConv1d;

  constructor(readonly config: DcVaeConfig, gen?: Generator) {
    super();
    const c = config;
    checkConfig(c);
    this.gen = gen ?? new Generator(0);
    const conv = (name: string, cin: number, cout: number, dilation: number) =>
      this.registerModule(name, kerasInit(new CausalConv1d(cin, cout, c.kernel, { dilation, generator: this.gen }), this.gen));
    const bn = (name: string, n: number) => this.registerModule(name, new BatchNorm1d(n, { channelAxis: 1, momentum: c.bnMomentum, eps: c.bnEps }));
    let width = c.inputs;
    c.encoder.forEach((l, i) => {
      this.encConv.push(conv(`enc_conv${i}`, width, l.units, l.dilation));
      this.encBn.push(bn(`enc_bn${i}`, l.units));
      width = l.units;
    });
    this.zMean = conv('z_mean', width, c.latent, c.latentDilation);
    this.zLogVar = conv('z_log_var', width, c.latent, c.latentDilation);
    width = c.latent;
    c.decoder.forEach((l, i) => {
      this.decConv.push(conv(`dec_conv${i}`, width, l.units, l.dilation));
      this.decBn.push(bn(`dec_bn${i}`, l.units));
      width = l.units;
    });
    this.xMean = conv('x_mean', width, c.inputs, c.outputDilation);
    this.xLogVar = conv('x_log_var', width, c.inputs, c.outputDilation);
  }

  get window(): number {
    return this.config.window;
  }

  /**
   * x [B, T, M] -> the latent and output distributions ([B, C, T]). By default z is drawn in
   * training mode and is z_mean in eval mode (deterministic scores and validation losses).
   */
  forward(x: Tensor, latent: Latent = this.training ? 'sample' : 'mean'): DcVaeOutput {
    return this.forwardConv(this.convLayout(x), latent);
  }

  /** x [B, T, M] checked and transposed to the conv layout [B, M, T]. */
  private convLayout(x: Tensor): Tensor {
    const { inputs, window } = this.config;
    if (x.ndim !== 3 || x.shape[1] !== window || x.shape[2] !== inputs)
      throw new Error(`DcVae: input must be [batch, ${window}, ${inputs}], got [${x.shape.join(',')}]`);
    return transpose(x, 1, 2);
  }

  /** forward() from x already in the conv layout [B, M, T]. */
  private forwardConv(xt: Tensor, latent: Latent): DcVaeOutput {
    let h = xt;
    this.encConv.forEach((c, i) => (h = this.encBn[i].forward(tanh(c.forward(h)))));
    const zMean = this.zMean.forward(h);
    const zLogVar = this.zLogVar.forward(h);
    let z: Tensor;
    if (latent === 'mean') z = zMean;
    else if (latent === 'sample') z = reparamSample(zMean, zLogVar, this.gen);
    else z = add(zMean, mul(exp(affine(zLogVar, 0.5, 0)), latent.eps));
    h = z;
    this.decConv.forEach((c, i) => (h = this.decBn[i].forward(elu(c.forward(h)))));
    return { zMean, zLogVar, xMean: this.xMean.forward(h), xLogVar: this.floored(this.xLogVar.forward(h)) };
  }

  /** The log of the output variance with its floor: log(e^l + f) = log f + softplus(l - log f), without overflow. */
  private floored(l: Tensor): Tensor {
    const f = this.config.varianceFloor;
    return f > 0 ? affine(softplus(affine(l, 1, -Math.log(f))), 1, Math.log(f)) : l;
  }

  /** Negative ELBO: Gaussian NLL of x + klWeight * KL(q(z|x) || N(0, I)), reduced as config.reduction says. */
  loss(x: Tensor, latent: Latent = this.training ? 'sample' : 'mean'): { loss: Tensor; terms: { nll: number; kl: number } } {
    const xt = this.convLayout(x); // transposed once: the encoder's input and the NLL's target
    const out = this.forwardConv(xt, latent);
    const { nll, kl } = this.lossTerms(xt, out);
    const loss = this.config.klWeight === 1 ? add(nll, kl) : add(nll, mul(kl, this.config.klWeight));
    return { loss, terms: { nll: nll.item(), kl: kl.item() } };
  }

  /** The two loss terms as tensors; xt is x in the conv layout [B, M, T]. */
  lossTerms(xt: Tensor, out: DcVaeOutput): { nll: Tensor; kl: Tensor } {
    const { reduction, likelihood = 'gaussian', nu = 4 } = this.config;
    const nll = (r: 'mean' | 'sum') => likelihood === 'student-t'
      ? studentTNll(xt, out.xMean, out.xLogVar, nu, r)
      : gaussianNll(xt, out.xMean, out.xLogVar, { reduction: r });
    if (reduction === 'mean') return { nll: nll('mean'), kl: klNormal(out.zMean, out.zLogVar) };
    const perStep = 1 / (xt.shape[0] * xt.shape[2]); // sum over channels, mean over batch and time
    return { nll: mul(nll('sum'), perStep), kl: mul(klNormal(out.zMean, out.zLogVar, { reduction: 'sum' }), perStep) };
  }

  /** The output Gaussian at the LAST step of each window (mean path in eval): mean and log-variance [B, M]. */
  lastStepParams(x: Tensor): { mu: Tensor; logVar: Tensor } {
    const out = this.training ? this.forward(x) : this.lastStepEval(x);
    const last = (t: Tensor) => slice(t, 2, t.shape[2] - 1).reshape([t.shape[0], t.shape[1]]);
    return { mu: last(out.xMean), logVar: last(out.xLogVar) };
  }

  /**
   * Eval-mode forward computing every layer only over the last steps the final output depends on
   * (eval BatchNorm is per-channel affine and every conv is causal, so this is exact). Going back
   * from the output, a kernel-k conv at dilation d needs (k-1)d more input steps than outputs; a
   * layer whose need reaches T runs over the whole window (where the zero padding is the true
   * one). At upstream's sizes the decoder then costs about a fifth of the full pass.
   */
  private lastStepEval(x: Tensor): { xMean: Tensor; xLogVar: Tensor } {
    const c = this.config, T = c.window;
    const span = (d: number) => (c.kernel - 1) * d;
    const grow = (n: number, d: number) => Math.min(T, n + span(d));
    const decNeed: number[] = [];
    let n = grow(1, c.outputDilation);
    for (let i = c.decoder.length - 1; i >= 0; i--) {
      decNeed[i] = n;
      n = grow(n, c.decoder[i].dilation);
    }
    const zNeed = n;
    const encNeed: number[] = [];
    n = grow(n, c.latentDilation);
    for (let i = c.encoder.length - 1; i >= 0; i--) {
      encNeed[i] = n;
      n = grow(n, c.encoder[i].dilation);
    }
    const tail = (t: Tensor, keep: number) => (t.shape[2] === keep ? t : slice(t, 2, t.shape[2] - keep));
    let h = tail(transpose(x, 1, 2), n);
    this.encConv.forEach((conv, i) => (h = this.encBn[i].forward(tanh(tail(conv.forward(h), encNeed[i])))));
    h = tail(this.zMean.forward(h), zNeed);
    this.decConv.forEach((conv, i) => (h = this.decBn[i].forward(elu(tail(conv.forward(h), decNeed[i])))));
    return { xMean: tail(this.xMean.forward(h), 1), xLogVar: this.floored(tail(this.xLogVar.forward(h), 1)) };
  }

  /** mu and sigma = exp(logVar / 2) at the last step of each window: [B, M] each (alpha flags). */
  lastStep(x: Tensor): { mu: Tensor; sigma: Tensor } {
    const { mu, logVar } = this.lastStepParams(x);
    return { mu, sigma: exp(affine(logVar, 0.5, 0)) };
  }

  /**
   * |x - mu| / sigma at the last step of each window, per channel: [B, M] (not differentiable).
   * From lastStep's mu and sigma by lib's gaussianChannelErrors, the function the Detector's
   * alpha rule applies to the same mu and sigma, so every path scores with the same bits.
   */
  channelErrors(x: Tensor): Tensor {
    const { mu, sigma } = this.lastStep(x);
    const T = this.config.window, [B, , M] = x.shape;
    const xLast = slice(x, 1, T - 1, T).toArray();
    const out = x.dtype === 'float64' ? new Float64Array(B * M) : new Float32Array(B * M);
    gaussianChannelErrors(xLast, mu.toArray(), sigma.toArray(), B * M, out);
    return Tensor.fromArray(out, [B, M], { dtype: x.dtype, device: x.device });
  }

  /**
   * ONNX inference graph reading x [batch, window, inputs], on the MEAN PATH of the latent
   * (z = z_mean, as forward() in eval mode; no sampling in the graph). Outputs `x_mean` and
   * `x_log_var` (the log-variance with its floor) [batch, window, inputs] at every step, and
   * `channel_errors` [batch, inputs] = |x - mu| / sigma at the last step, as channelErrors() in
   * eval mode (which computes only the steps the last one needs; every layer is causal, so the
   * full pass sliced at the last step is the same number).
   */
  toOnnx(g: GraphBuilder, x: string): string[] {
    const { inputs, window, varianceFloor: f } = this.config;
    let h = g.op('Transpose', [x], { perm: [0, 2, 1] }, 'conv_layout'); // [B, M, T]
    this.encConv.forEach((c, i) => (h = this.encBn[i].toOnnx(g, g.op('Tanh', [c.toOnnx(g, h, `enc_conv${i}`)], {}, `enc_conv${i}/Tanh`), `enc_bn${i}`)));
    h = this.zMean.toOnnx(g, h, 'z_mean');
    this.decConv.forEach((c, i) => (h = this.decBn[i].toOnnx(g, g.op('Elu', [c.toOnnx(g, h, `dec_conv${i}`)], { alpha: { float: 1 } }, `dec_conv${i}/Elu`), `dec_bn${i}`)));
    const mu = this.xMean.toOnnx(g, h, 'x_mean');
    let lv = this.xLogVar.toOnnx(g, h, 'x_log_var');
    if (f > 0) { // log(e^l + f) = log f + softplus(l - log f), as floored()
      const sp = g.op('Softplus', [g.op('Add', [lv, g.floatConst(-Math.log(f))], {}, 'floor/shift')], {}, 'floor/Softplus');
      lv = g.op('Add', [sp, g.floatConst(Math.log(f))], {}, 'floor/unshift');
    }
    const lastStep = (v: string, axis: number, name: string) => g.op('Gather', [v, g.int64Const([window - 1], true)], { axis }, name);
    const resid = g.op('Abs', [g.op('Sub', [lastStep(x, 1, 'x_last'), lastStep(mu, 2, 'mu_last')], {}, 'errors/Sub')], {}, 'errors/Abs');
    const invSigma = g.op('Exp', [g.op('Mul', [lastStep(lv, 2, 'log_var_last'), g.floatConst(-0.5)], {}, 'errors/half')], {}, 'errors/Exp');
    const errors = g.op('Mul', [resid, invSigma], {}, 'errors/Mul');
    const channelsLast = (v: string, name: string) => g.op('Transpose', [v], { perm: [0, 2, 1] }, name);
    g.output('x_mean', channelsLast(mu, 'x_mean/channels_last'), ['batch', window, inputs]);
    g.output('x_log_var', channelsLast(lv, 'x_log_var/channels_last'), ['batch', window, inputs]);
    g.output('channel_errors', errors, ['batch', inputs]);
    return ['x_mean', 'x_log_var', 'channel_errors'];
  }
}

/** Keras's defaults for Conv1D: glorot_uniform kernel (fans k*cin, k*cout), zero bias. */
function kerasInit(conv: CausalConv1d, gen: Generator): CausalConv1d {
  const k = conv.kernelSize;
  const bound = Math.sqrt(6 / (k * conv.inChannels + k * conv.outChannels));
  gen.fill(conv.weight, 'uniform', -bound, bound);
  conv.bias?.assign(new Float32Array(conv.outChannels));
  return conv;
}

function checkConfig(c: DcVaeConfig): void {
  const posInt = (what: string, v: number) => {
    // the native kernels index with int32: 1e308 is an integer to JS, not to them
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new Error(`DcVae: ${what} must be a positive 32-bit integer, got ${v}`);
  };
  posInt('inputs', c.inputs);
  posInt('window', c.window);
  posInt('kernel', c.kernel);
  posInt('latent', c.latent);
  posInt('latentDilation', c.latentDilation);
  posInt('outputDilation', c.outputDilation);
  for (const [part, layers] of [['encoder', c.encoder], ['decoder', c.decoder]] as const) {
    if (!Array.isArray(layers) || !layers.length) throw new Error(`DcVae: ${part} needs at least one layer`);
    layers.forEach((l, i) => {
      if (!l || typeof l !== 'object') throw new Error(`DcVae: ${part}[${i}] must be { units, dilation }, got ${JSON.stringify(l)}`);
      posInt(`${part}[${i}].units`, l.units);
      posInt(`${part}[${i}].dilation`, l.dilation);
    });
  }
  if (c.window < 2) throw new Error(`DcVae: window must be at least 2 (BatchNorm needs more than one value per channel), got ${c.window}`);
  // typeof: null >= 0 holds, and a bundle stores -Infinity as null
  const finite = (v: unknown, lo: number, hi = Infinity) => typeof v === 'number' && v >= lo && v <= hi && Number.isFinite(v);
  if (!finite(c.klWeight, 0)) throw new Error(`DcVae: klWeight must be >= 0 and finite, got ${JSON.stringify(c.klWeight)}`);
  if (!finite(c.varianceFloor, 0)) throw new Error(`DcVae: varianceFloor must be >= 0 and finite, got ${JSON.stringify(c.varianceFloor)}`);
  if (!finite(c.bnMomentum, 0, 1)) throw new Error(`DcVae: bnMomentum must be a number in [0, 1], got ${JSON.stringify(c.bnMomentum)}`);
  if (!finite(c.bnEps, 0)) throw new Error(`DcVae: bnEps must be a finite number >= 0, got ${JSON.stringify(c.bnEps)}`);
  if (c.reduction !== 'mean' && c.reduction !== 'sum') throw new Error(`DcVae: reduction must be 'mean' or 'sum', got ${c.reduction}`);
  if (c.likelihood !== undefined && c.likelihood !== 'gaussian' && c.likelihood !== 'student-t')
    throw new Error(`DcVae: likelihood must be 'gaussian' or 'student-t', got ${JSON.stringify(c.likelihood)}`);
  if (c.nu !== undefined && !finite(c.nu, Number.MIN_VALUE)) throw new Error(`DcVae: nu must be a positive finite number, got ${JSON.stringify(c.nu)}`);
}
