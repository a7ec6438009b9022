// conv_lstm: one ConvLSTM layer over a whole sequence in one native call each way (the cells
// and their math are in native/include/vigil/ops.h). Training keeps the native `saved` buffer
// (per sample and step: 5F*H*W for 'plain', the activated gates and c_t; 4F*H*W + 2F for
// 'input-attention', its s, z, g, c_t maps and f, o; 13F*H*W + 2(H*W)^2 for
// 'self-attention-memory', the plain part, both attention matrices, Z_h/Z_m, Z, the memory gates
// and M_t; (10F + 4)*H*W for 'seed-self-attention-memory', the same blocks with [H,W] attention
// matrices and one-channel z_h, z_m) for the fused BPTT backward; inference keeps nothing.
import { CONV_LSTM_CELL, native, type ConvLstmCell, type ConvLstmNativeOptions } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';

export type { ConvLstmCell };

export interface ConvLstmOptions {
  /**
   * 'plain' (Keras ConvLSTM2D), 'input-attention' (STAEAD's AttenInputConvLSTM2D),
   * 'self-attention-memory' (SA-ConvLSTM, Lin et al. AAAI-20) or 'seed-self-attention-memory'
   * (Macas' SaConvLSTM2DCell, Sa-DVCRAE's seed, without its h/c swap; needs H == W); default
   * 'plain'
   */
  cell?: ConvLstmCell;
  /**
   * recurrent activation: Keras' hard sigmoid clip(0.2z + 0.5, 0, 1) (default) or the sigmoid
   * (for the two memory cells it applies to the ConvLSTM gates; the memory gates always use the
   * sigmoid)
   */
  recurrentActivation?: 'hard-sigmoid' | 'sigmoid';
  /** dropout masks on x [G,B,Cin,H,W], G 1 or 4 (one per gate), values 0 or 1/(1-p) */
  xMask?: Tensor | null;
  h0?: Tensor | null;
  /** [B,F,H,W]; for the two memory cells [B,2F,H,W]: c then the memory M (cellStates 2) */
  c0?: Tensor | null;
}

/**
 * Each cell's parameters in the native order, the optional ones (passed as `null` when absent),
 * where the state channels F are read: params[stateChannels[0]].shape[stateChannels[1]], and
 * how many F-channel blocks the cell state c0/cN holds (2 for the memory cells: c, M).
 */
export const CONV_LSTM_PARAMS: Record<ConvLstmCell, {
  names: readonly string[]; optional: readonly string[]; stateChannels: readonly [number, number];
  cellStates: number;
}> = {
  plain: { names: ['w_x', 'w_h', 'bias'], optional: ['bias'], stateChannels: [1, 1], cellStates: 1 },  // w_h [4F,F,KH,KW]
  'input-attention': {
    names: ['dw_x', 'pw_x', 'dw_h', 'pw_h', 'bias', 'gw_x', 'gw_h', 'gate_bias'],
    optional: ['bias', 'gate_bias'],
    stateChannels: [3, 1],  // pw_h [3F,F,1,1]
    cellStates: 1,
  },
  'self-attention-memory': {
    names: ['w_x', 'w_h', 'bias', 'w_qkv', 'b_qkv', 'w_kv_m', 'b_kv_m', 'w_z', 'b_z', 'w_mem', 'b_mem'],
    optional: ['bias', 'b_qkv', 'b_kv_m', 'b_z', 'b_mem'],
    stateChannels: [1, 1],  // w_h [4F,F,KH,KW]
    cellStates: 2,
  },
  'seed-self-attention-memory': {
    names: ['w_x', 'w_h', 'bias', 'w_sa', 'w_z', 'w_mem', 'b_mem'],
    optional: ['bias', 'b_mem'],
    stateChannels: [1, 1],  // w_h [4F,F,KH,KW]
    cellStates: 2,
  },
};

class ConvLstmFn extends Function {
  private saved: Tensor | null = null;
  private y: Tensor | null = null;
  constructor(private readonly opts: ConvLstmNativeOptions, private readonly nParams: number,
    private readonly stateChannels: readonly [number, number], private readonly cellStates: number) {
    super();
  }

  forward(x: Tensor, xMask: Tensor | null, h0: Tensor | null, c0: Tensor | null, ...params: (Tensor | null)[]): Tensor[] {
    const [B, T, , H, W] = x.shape;
    const F = params[this.stateChannels[0]]!.shape[this.stateChannels[1]];
    const o = { dtype: x.dtype, device: x.device };
    const y = Tensor.empty([B, T, F, H, W], o);
    const cN = Tensor.empty([B, this.cellStates * F, H, W], o);
    if (this.needsInputGrad.some(Boolean)) {
      const n = native.convLstmSavedSize(this.opts, B, T, F, H, W);
      this.saved = this.saveOwned(Tensor.empty([n], o));
      this.y = this.saveOwned(y.view(y.shape)); // h_t for backward, even if the caller drops y
    }
    native.convLstmForward(this.opts, x.native, params.map((p) => p?.native ?? null), xMask?.native ?? null,
      h0?.native ?? null, c0?.native ?? null, y.native, cN.native, this.saved?.native ?? null);
    return [y, cN];
  }

  backward([dy]: (Tensor | null)[], grads: (Tensor | null)[]): void {
    if (!dy) return;  // only c_n was used: no gradient flows from it (ops.h)
    const [x, xMask, h0, c0, ...params] = this.inputs;
    const [dx, , dh0, dc0, ...dparams] = grads;
    native.convLstmBackward(this.opts, x!.native, params.map((p) => p?.native ?? null), xMask?.native ?? null,
      h0?.native ?? null, c0?.native ?? null, this.y!.native, this.saved!.native, dy.native,
      dx?.native ?? null, dparams.slice(0, this.nParams).map((g) => g?.native ?? null),
      dh0?.native ?? null, dc0?.native ?? null);
  }
}

/**
 * One ConvLSTM layer: x [B,T,Cin,H,W] and the cell's params in CONV_LSTM_PARAMS order (for
 * 'plain': w_x [4F,Cin,KH,KW], w_h [4F,F,KH,KW], bias [4F] or null; gates i, f, g, o; for
 * 'input-attention': dw_x [2Cin,1,KH,KW], pw_x [2F,Cin,1,1], dw_h [3F,1,KH,KW], pw_h [3F,F,1,1],
 * bias [2F] or null, gw_x [2F,Cin], gw_h [2F,F], gate_bias [2F] or null; for
 * 'self-attention-memory': w_x, w_h, bias as 'plain', then with A query/key channels
 * w_qkv [2A+F,F,1,1], b_qkv [2A+F], w_kv_m [A+F,F,1,1], b_kv_m [A+F], w_z [2F,2F,1,1], b_z [2F],
 * w_mem [3F,3F,1,1] (i', g', o'), b_mem [3F], the biases nullable; for
 * 'seed-self-attention-memory' (H == W): w_x, w_h, bias as 'plain', then w_sa [5,F,1,1] (rows
 * v_h, k_h, q_h, k_m, v_m), w_z [F,2,KH,KW], w_mem [6F,1,KH,KW] (depthwise, blocks zi, hi, zg,
 * hg, zo, ho), b_mem [3F] or null; ops.h). Every conv is 'same' at stride 1. Returns every
 * hidden state y [B,T,F,H,W] (h_T = y[:, T-1]) and the last cell state cN [B,F,H,W]
 * ([B,2F,H,W], c then M, for the memory cells; it can be passed back as c0), through which no
 * gradient flows.
 */
export function convLstm(x: Tensor, params: (Tensor | null)[], opts: ConvLstmOptions = {}): { y: Tensor; cN: Tensor } {
  const cell = opts.cell ?? 'plain';
  const spec = CONV_LSTM_PARAMS[cell];
  if (!spec) throw new Error(`convLstm: unknown cell '${cell}' (${Object.keys(CONV_LSTM_PARAMS).join(', ')})`);
  if (params.length !== spec.names.length)
    throw new Error(`convLstm: the '${cell}' cell takes ${spec.names.length} params (${spec.names.join(', ')}), got ${params.length}`);
  spec.names.forEach((name, k) => {
    if (!params[k] && !spec.optional.includes(name)) throw new Error(`convLstm: ${name} is required`);
  });
  if (x.shape.length !== 5) throw new Error(`convLstm: x must be [B,T,Cin,H,W], got [${x.shape.join(',')}]`);
  const act = opts.recurrentActivation ?? 'hard-sigmoid';
  const native_: ConvLstmNativeOptions = { cell: CONV_LSTM_CELL[cell], hardSigmoid: act === 'hard-sigmoid' };
  const [y, cN] = new ConvLstmFn(native_, params.length, spec.stateChannels, spec.cellStates).apply(x, opts.xMask ?? null, opts.h0 ?? null, opts.c0 ?? null, ...params);
  return { y, cN };
}
