// ConvLSTM2d: one ConvLSTM layer over [B, T, Cin, H, W] sequences, 'same' convs at stride 1,
// one fused native call each way (lib/ops/conv_lstm.ts), input dropout masks fixed over time,
// returnSequences and state carry, and its ONNX graph unrolled over the fixed sequence length.
// Three cells (equations in native/include/vigil/ops.h; the ONNX emitters in conv_lstm_onnx.ts):
//   'plain'           Keras ConvLSTM2D: w_x, w_h, bias; glorot input kernel, orthogonal
//                     recurrent kernel, unit forget bias, hard-sigmoid recurrent activation.
//   'input-attention' STAEAD's AttenInputConvLSTM2D (seed 001): separable input and recurrent
//                     convs (dw_x, pw_x, dw_h, pw_h, bias), the spatial input attention
//                     i = exp(z - max_{H,W} z), f and o from the pooled x_t and h_{t-1}
//                     (gw_x, gw_h, gate_bias), constant over the map; the seed's initialisers
//                     (inputAttentionParams below). Dropout draws the same 4-gate mask, of which
//                     this cell reads m_0 (i branch) and m_2 (g branch).
//   'self-attention-memory' SA-ConvLSTM (Lin et al. AAAI-20), Sa-DVCRAE's SaConvLSTM2D (seed
//                     000): the plain step, then the self-attention memory module (w_qkv, w_kv_m,
//                     w_z, w_mem and their biases; A = attentionChannels query/key channels) with
//                     a memory M carried in the state beside c (selfAttentionMemoryParams below).
//   'seed-self-attention-memory' the seed's own SaConvLSTM2DCell (reference/seed-models.md 0.3),
//                     chosen explicitly: one-channel attention as HxW matrix products (H == W),
//                     K/V of the memory taken from h, a KxK w_z, depthwise memory gates (w_sa,
//                     w_z, w_mem, b_mem; seedSelfAttentionMemoryParams below). The seed's swapped
//                     h/c states are a bug and are not reproduced.
import { convLstm, CONV_LSTM_PARAMS, type ConvLstmCell } from '../ops/conv_lstm';
import { dropout } from '../ops/dropout';
import { squeeze, slice } from '../ops/shape';
import type { GraphBuilder } from '../onnx/graph/builder';
import { Generator, defaultGenerator } from '../random';
import { Tensor } from '../tensor';
import { emitConvLstm } from './conv_lstm_onnx';
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
  /** the biases (default true): 'plain' bias; 'input-attention' both bias and gate_bias;
   * 'self-attention-memory' bias and the four SAM biases; 'seed-self-attention-memory' bias and
   * b_mem (the seed's sa_bias) */
  bias?: boolean;
  /** the forget gate's bias starts at 1: default true for 'plain' and the memory cells
   * (Keras), false for 'input-attention' (the seed has none; true sets gate_bias's f rows to 1) */
  unitForgetBias?: boolean;
  /** 'self-attention-memory': the query/key channels A (default F/2, at least 1: SAC's ratio) */
  attentionChannels?: number;
  /** the sequence length the ONNX graph is unrolled over (else the last forward's) */
  steps?: number;
  generator?: Generator;
}

export interface ConvLSTM2dState {
  h: Tensor; // [B, F, H, W]
  /** [B, F, H, W]; for the memory cells [B, 2F, H, W]: c then the memory M */
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

/**
 * STAEAD's initialisers, read from the seed (STAE-AD/VarConvLSTM.py, AttenInputConvLSTM2D.build
 * with its defaults kernel 'glorot_uniform', recurrent 'orthogonal', bias 'zeros'), with Keras's
 * fans taken from the seed's channels-last shapes (KH, KW, in, out):
 *   dw_x  depthwise_kernel (K,K,Cin,2): glorot, fan_in K*K*Cin, fan_out K*K*2
 *   pw_x  pointwise_kernel (1,1,Cin,2F): glorot, fan_in Cin, fan_out 2F
 *   dw_h  recurrent_depthwise_kernel (K,K,F,3): orthogonal over the [K*K*F, 3] matrix, i.e. each
 *         branch's F*K*K weights one unit vector, the three orthogonal (rows of [3, F*K*K] here;
 *         the order within a row differs from Keras's, which leaves the law unchanged)
 *   pw_h  recurrent_pointwise_kernel (1,1,F,3F): orthogonal over [F, 3F], i.e. orthonormal
 *         columns of our [3F, F]
 *   bias, gate_bias  'zeros' (no unit forget bias in the seed)
 *   gw_x  gate_kernel: constant 1/Cin;  gw_h  recurrent_gate_kernel: constant 1/F
 * The seed's use_bias=False reads neither bias nor gate_bias, so `bias: false` drops both. The
 * seed stores its branches as (g, i) where ops.h has (i, g): the same law, so init is unaffected.
 */
function inputAttentionParams(cin: number, F: number, K: number, o: ConvLSTM2dOptions, gen: Generator): Record<string, Tensor | null> {
  const withBias = o.bias !== false;
  let gateBias: Tensor | null = null;
  if (withBias) {
    const b = new Float32Array(2 * F);
    if (o.unitForgetBias === true) b.fill(1, 0, F);  // f rows first
    gateBias = Tensor.fromArray(b, [2 * F]);
  }
  return {
    dw_x: glorotUniform([2 * cin, 1, K, K], K * K * cin, K * K * 2, gen),
    pw_x: glorotUniform([2 * F, cin, 1, 1], cin, 2 * F, gen),
    dw_h: orthogonalInit([3 * F, 1, K, K], gen, 3),
    pw_h: orthogonalInit([3 * F, F, 1, 1], gen),
    bias: withBias ? Tensor.zeros([2 * F]) : null,
    gw_x: Tensor.full([2 * F, cin], 1 / cin),
    gw_h: Tensor.full([2 * F, F], 1 / F),
    gate_bias: gateBias,
  };
}

/** Glorot-uniform rows stacked along dim 0: each block [rows, fanIn, 1, 1] drawn with its own fans
 * (fanIn, rows), as if each were its own 1x1 conv; together [sum rows, fanIn, 1, 1]. */
function stackedGlorot1x1(blockRows: number[], fanIn: number, gen: Generator): Tensor {
  const parts = blockRows.map((r) => {
    const t = glorotUniform([r, fanIn, 1, 1], fanIn, r, gen);
    const v = t.toArray();
    t.dispose();
    return v;
  });
  const out = new Float32Array(parts.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of parts) out.set(v, at), at += v.length;
  return Tensor.fromArray(out, [blockRows.reduce((a, b) => a + b, 0), fanIn, 1, 1]);
}

/** The default query/key width A of 'self-attention-memory': F/2 (at least 1), the ratio of the
 * SAC code's run (att_hid_dim 16 for hidden_dim 32; seed-models.md section 5.1). */
export function defaultAttentionChannels(F: number): number {
  return Math.max(1, Math.floor(F / 2));
}

/**
 * 'self-attention-memory' (Sa-DVCRAE's SaConvLSTM2D, seed 000; the cell as SA-ConvLSTM, Lin et
 * al. AAAI-20, in ops.h). Its users are Keras models, so Keras's initialisers:
 *   w_x, w_h, bias  as 'plain' (Keras ConvLSTM2D: glorot input kernel, orthogonal recurrent
 *                   kernel, unit forget bias; Macas' SaConvLSTM2DCell keeps these, its bias
 *                   init [0, 1 (forget), 0, 0]; seed-models.md section 0.3)
 *   w_qkv           glorot uniform per projection as its own 1x1 conv (SAC's layer_q, layer_k,
 *                   layer_v): q and k fans (F, A), v fans (F, F)
 *   w_kv_m          likewise (SAC's layer_k2, layer_v2): k_m fans (F, A), v_m fans (F, F)
 *   w_z             glorot uniform, one 1x1 conv 2F -> 2F (SAC's layer_z)
 *   w_mem           glorot uniform, one 1x1 conv 3F -> 3F (SAC's layer_m)
 *   b_qkv, b_kv_m, b_z, b_mem  zeros: Keras's default bias init (Macas' sa_bias is 'zeros';
 *                   SAC's convs have biases, PyTorch's init, which we do not copy)
 * Glorot is Keras's default kernel_initializer, the one Macas' cell uses for its SAM kernels
 * (sa_kernel, kernel_z, depth_wise_kernel). `bias: false` drops all five biases.
 */
function selfAttentionMemoryParams(cin: number, F: number, K: number, o: ConvLSTM2dOptions, gen: Generator): Record<string, Tensor | null> {
  const A = o.attentionChannels ?? defaultAttentionChannels(F);
  if (!(Number.isInteger(A) && A >= 1)) throw new Error(`ConvLSTM2d: attentionChannels must be a positive integer, got ${A}`);
  const withBias = o.bias !== false;
  const zeros = (n: number) => (withBias ? Tensor.zeros([n]) : null);
  return {
    ...plainParams(cin, F, K, o, gen),
    w_qkv: stackedGlorot1x1([A, A, F], F, gen),
    b_qkv: zeros(2 * A + F),
    w_kv_m: stackedGlorot1x1([A, F], F, gen),
    b_kv_m: zeros(A + F),
    w_z: glorotUniform([2 * F, 2 * F, 1, 1], 2 * F, 2 * F, gen),
    b_z: zeros(2 * F),
    w_mem: glorotUniform([3 * F, 3 * F, 1, 1], 3 * F, 3 * F, gen),
    b_mem: zeros(3 * F),
  };
}

/**
 * 'seed-self-attention-memory' (Macas' SaConvLSTM2DCell.build, seed 000): Keras's initialisers
 * with the fans Keras takes from the seed's channels-last shapes (KH, KW, in, out):
 *   w_x, w_h, bias  as 'plain' (the cell's ConvLSTM part; bias init [0, 1 (forget), 0, 0])
 *   w_sa            sa_kernel (1,1,F,5): glorot, fan_in F, fan_out 5
 *   w_z             kernel_z (K,K,2,F): glorot, fan_in 2K^2, fan_out FK^2
 *   w_mem           depth_wise_kernel (K,K,F,6): glorot, fan_in FK^2, fan_out 6K^2
 *   b_mem           sa_bias (3F): zeros
 * `bias: false` drops bias and b_mem (the seed's use_bias covers both).
 */
function seedSelfAttentionMemoryParams(cin: number, F: number, K: number, o: ConvLSTM2dOptions, gen: Generator): Record<string, Tensor | null> {
  return {
    ...plainParams(cin, F, K, o, gen),
    w_sa: glorotUniform([5, F, 1, 1], F, 5, gen),
    w_z: glorotUniform([F, 2, K, K], 2 * K * K, F * K * K, gen),
    w_mem: glorotUniform([6 * F, 1, K, K], F * K * K, 6 * K * K, gen),
    b_mem: o.bias !== false ? Tensor.zeros([3 * F]) : null,
  };
}

const CELL_PARAMS: Record<ConvLstmCell, typeof plainParams> = {
  plain: plainParams, 'input-attention': inputAttentionParams, 'self-attention-memory': selfAttentionMemoryParams,
  'seed-self-attention-memory': seedSelfAttentionMemoryParams,
};

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
    if (opts.attentionChannels !== undefined && this.cell !== 'self-attention-memory')
      throw new Error(`ConvLSTM2d: attentionChannels applies to the 'self-attention-memory' cell only, not '${this.cell}'`);
    const p = opts.dropout ?? 0;
    if (!(p >= 0 && p < 1)) throw new Error(`ConvLSTM2d: dropout must be in [0, 1), got ${p}`);
    this.opts = opts;
    this.steps = opts.steps;
    this.gen = opts.generator ?? defaultGenerator();
    const params = CELL_PARAMS[this.cell](inChannels, filters, this.kernelSize, opts, this.gen);
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
   * forward's T): see emitConvLstm (lib/nn/conv_lstm_onnx.ts) for each cell's nodes.
   */
  toOnnx(g: GraphBuilder, x: string, prefix = 'conv_lstm'): string {
    const T = this.steps;
    if (!T) throw new Error('ConvLSTM2d: the ONNX graph is unrolled over a fixed sequence length: pass `steps` to the layer or run a forward first');
    return emitConvLstm(g, x, prefix, {
      cell: this.cell, filters: this.filters, kernelSize: this.kernelSize, steps: T,
      recurrentActivation: this.opts.recurrentActivation, returnSequences: this.opts.returnSequences, params: this.cellParams(),
    });
  }
}
