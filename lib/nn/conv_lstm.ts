// ConvLSTM2d: one ConvLSTM layer over [B, T, Cin, H, W] sequences (Keras ConvLSTM2D semantics:
// 'same' convs at stride 1, hard-sigmoid recurrent activation, unit forget bias, input dropout
// masks fixed over time), one fused native call each way (lib/ops/conv_lstm.ts), and its ONNX
// graph unrolled over the fixed sequence length.
import { convLstm, CONV_LSTM_PARAMS, type ConvLstmCell } from '../ops/conv_lstm';
import { dropout } from '../ops/dropout';
import { squeeze, slice } from '../ops/shape';
import type { GraphBuilder } from '../onnx/graph/builder';
import { Generator, defaultGenerator } from '../random';
import { Tensor } from '../tensor';
import { glorotUniform, orthogonalInit } from './init';
import { Module } from './module';

export interface ConvLSTM2dOptions {
  /** the cell kind (lib/ops/conv_lstm.ts); default 'plain' */
  cell?: ConvLstmCell;
  /** square kernel size of every conv; default 3 */
  kernelSize?: number;
  /** default 'hard-sigmoid' (Keras) */
  recurrentActivation?: 'hard-sigmoid' | 'sigmoid';
  /** input dropout rate (training only): one mask per gate, fixed over the sequence (Keras) */
  dropout?: number;
  /** every step's h [B,T,F,H,W] (default) or only the last [B,F,H,W] */
  returnSequences?: boolean;
  /** plain cell: a bias per gate (default true), the forget gate's starting at 1 (default true) */
  bias?: boolean;
  unitForgetBias?: boolean;
  /** the sequence length the ONNX graph is unrolled over (else the last forward's) */
  steps?: number;
  generator?: Generator;
}

export interface ConvLSTM2dState {
  h: Tensor; // [B, F, H, W]
  c: Tensor;
}

/** Keras's initialisers for the plain cell: glorot-uniform input kernel, orthogonal recurrent
 * kernel, zero bias with the forget gate's at 1. */
function plainParams(cin: number, F: number, K: number, o: ConvLSTM2dOptions, gen: Generator): Record<string, Tensor | null> {
  let bias: Tensor | null = null;
  if (o.bias !== false) {
    const b = new Float32Array(4 * F);
    if (o.unitForgetBias !== false) b.fill(1, F, 2 * F);
    bias = Tensor.fromArray(b, [4 * F]);
  }
  return {
    w_x: glorotUniform([4 * F, cin, K, K], cin * K * K, 4 * F * K * K, gen),
    w_h: orthogonalInit([4 * F, F, K, K], gen),
    bias,
  };
}

export class ConvLSTM2d extends Module {
  readonly cell: ConvLstmCell;
  readonly kernelSize: number;
  private readonly opts: ConvLSTM2dOptions;
  private readonly gen: Generator;
  private steps: number | undefined;
  constructor(readonly inChannels: number, readonly filters: number, opts: ConvLSTM2dOptions = {}) {
    super();
    this.cell = opts.cell ?? 'plain';
    if (!CONV_LSTM_PARAMS[this.cell]) throw new Error(`ConvLSTM2d: unknown cell '${this.cell}' (${Object.keys(CONV_LSTM_PARAMS).join(', ')})`);
    this.kernelSize = opts.kernelSize ?? 3;
    const p = opts.dropout ?? 0;
    if (!(p >= 0 && p < 1)) throw new Error(`ConvLSTM2d: dropout must be in [0, 1), got ${p}`);
    this.opts = opts;
    this.steps = opts.steps;
    this.gen = opts.generator ?? defaultGenerator();
    const params = plainParams(inChannels, filters, this.kernelSize, opts, this.gen);
    for (const name of CONV_LSTM_PARAMS[this.cell].names)
      if (params[name]) this.registerParameter(name, params[name]!);
  }

  private cellParams(): (Tensor | null)[] {
    const sd = this.stateDict();
    return CONV_LSTM_PARAMS[this.cell].names.map((n) => sd.get(n) ?? null);
  }

  /** y [B,T,F,H,W] (or [B,F,H,W] without returnSequences) and the last state. */
  forward(x: Tensor, state?: ConvLSTM2dState): { output: Tensor; state: ConvLSTM2dState } {
    if (x.ndim !== 5 || x.shape[2] !== this.inChannels)
      throw new Error(`ConvLSTM2d: input must be [batch, time, ${this.inChannels}, H, W], got [${x.shape.join(',')}]`);
    const [B, T, C, H, W] = x.shape;
    this.steps = T;
    const p = this.opts.dropout ?? 0;
    const xMask = this.training && p > 0 ? dropout(Tensor.ones([4, B, C, H, W], { dtype: x.dtype }), p, true, this.gen) : null;
    const { y, cN } = convLstm(x, this.cellParams(), {
      cell: this.cell, recurrentActivation: this.opts.recurrentActivation, xMask, h0: state?.h, c0: state?.c,
    });
    const h = squeeze(slice(y, 1, T - 1, T), 1);
    return { output: this.opts.returnSequences === false ? h : y, state: { h, c: cN } };
  }

  /**
   * ONNX (eval mode, zero initial state), unrolled over `steps` (the option, else the last
   * forward's T): per step Gather x_t, Conv of x_t (+ Conv of h), Split into the four gates,
   * HardSigmoid/Sigmoid and Tanh, the c and h updates; the h_t are stacked along axis 1.
   */
  toOnnx(g: GraphBuilder, x: string, prefix = 'conv_lstm'): string {
    const T = this.steps;
    if (!T) throw new Error('ConvLSTM2d: the ONNX graph is unrolled over a fixed sequence length: pass `steps` to the layer or run a forward first');
    if (this.cell !== 'plain') throw new Error(`ConvLSTM2d: no ONNX emitter for the '${this.cell}' cell yet`);
    const F = this.filters, K = this.kernelSize;
    const [wx, wh, bias] = this.cellParams();
    const lo = Math.floor((K - 1) / 2), hi = K - 1 - lo;  // TF 'same' at stride 1: the odd pad after
    const conv = { kernel_shape: [K, K], pads: [lo, lo, hi, hi] };
    const wxName = g.tensor(`${prefix}.w_x`, wx!), whName = g.tensor(`${prefix}.w_h`, wh!);
    const biasName = bias ? g.tensor(`${prefix}.bias`, bias) : null;
    const split = g.int64Const([F, F, F, F]);
    const sigma = (v: string, name: string) => (this.opts.recurrentActivation === 'sigmoid'
      ? g.op('Sigmoid', [v], {}, name)
      : g.op('HardSigmoid', [v], { alpha: { float: 0.2 }, beta: { float: 0.5 } }, name));
    let h: string | null = null, c: string | null = null;
    const hs: string[] = [];
    for (let t = 0; t < T; t++) {
      const s = `${prefix}/t${t}`;
      const xt = g.op('Gather', [x, g.int64Const([t], true)], { axis: 1 }, `${s}/Gather`);
      let z = g.op('Conv', biasName ? [xt, wxName, biasName] : [xt, wxName], conv, `${s}/ConvX`);
      if (h) z = g.op('Add', [z, g.op('Conv', [h, whName], conv, `${s}/ConvH`)], {}, `${s}/Add`);
      const [zi, zf, zg, zo] = g.node('Split', [z, split], { axis: 1 }, 4, `${s}/Split`);
      const i = sigma(zi, `${s}/i`), f = sigma(zf, `${s}/f`), o = sigma(zo, `${s}/o`);
      const ig = g.op('Mul', [i, g.op('Tanh', [zg], {}, `${s}/g`)], {}, `${s}/ig`);
      c = c ? g.op('Add', [g.op('Mul', [f, c], {}, `${s}/fc`), ig], {}, `${s}/c`) : ig;
      h = g.op('Mul', [o, g.op('Tanh', [c], {}, `${s}/tanh_c`)], {}, `${s}/h`);
      hs.push(h);
    }
    if (this.opts.returnSequences === false) return h!;
    const axes = g.int64Const([1]);
    return g.op('Concat', hs.map((v, t) => g.op('Unsqueeze', [v, axes], {}, `${prefix}/t${t}/Unsqueeze`)), { axis: 1 }, `${prefix}/Concat`);
  }
}
