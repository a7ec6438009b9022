import { lstm } from '../ops/lstm';
import { dropout } from '../ops/dropout';
import { concat, slice, unsqueeze } from '../ops/shape';
import type { GraphBuilder } from '../onnx/graph/builder';
import type { InferencePlan } from './inference_plan';
import { onnxGateOrder } from '../onnx/graph/layout';
import { Generator, defaultGenerator } from '../random';
import { Tensor } from '../tensor';
import { uniformInit } from './init';
import { Module } from './module';

export interface LSTMOptions {
  numLayers?: number;
  bias?: boolean;
  /** Dropout on the outputs of every layer but the last (training only). */
  dropout?: number;
  generator?: Generator;
}

export interface LSTMState {
  h: Tensor; // [numLayers, B, H]
  c: Tensor;
}

/**
 * A stack of LSTM layers over [B, T, inputSize] (batch first), each layer one fused native call.
 * Parameter names follow PyTorch (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ...).
 */
export class LSTM extends Module {
  readonly numLayers: number;
  private readonly dropoutP: number;
  private readonly gen: Generator;
  constructor(readonly inputSize: number, readonly hiddenSize: number, opts: LSTMOptions = {}) {
    super();
    this.numLayers = opts.numLayers ?? 1;
    this.dropoutP = opts.dropout ?? 0;
    this.gen = opts.generator ?? defaultGenerator();
    const bound = 1 / Math.sqrt(hiddenSize);
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize;
      this.registerParameter(`weight_ih_l${l}`, uniformInit([4 * hiddenSize, inSize], bound, this.gen));
      this.registerParameter(`weight_hh_l${l}`, uniformInit([4 * hiddenSize, hiddenSize], bound, this.gen));
      if (opts.bias !== false) {
        this.registerParameter(`bias_ih_l${l}`, uniformInit([4 * hiddenSize], bound, this.gen));
        this.registerParameter(`bias_hh_l${l}`, uniformInit([4 * hiddenSize], bound, this.gen));
      }
    }
  }

  private param(name: string): Tensor | null {
    return this.stateDict().get(name) ?? null;
  }

  /** Returns every step's top-layer output [B, T, H] and the last state of every layer. */
  forward(x: Tensor, state?: LSTMState): { output: Tensor; state: LSTMState } {
    if (x.ndim !== 3 || x.shape[2] !== this.inputSize)
      throw new Error(`LSTM: input must be [batch, time, ${this.inputSize}], got [${x.shape.join(',')}]`);
    let out = x;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const h0 = state ? layerOf(state.h, l) : null;
      const c0 = state ? layerOf(state.c, l) : null;
      const r = lstm(out, this.param(`weight_ih_l${l}`)!, this.param(`weight_hh_l${l}`)!,
        this.param(`bias_ih_l${l}`), this.param(`bias_hh_l${l}`), h0, c0);
      out = r.y;
      if (this.dropoutP > 0 && this.training && l < this.numLayers - 1) out = dropout(out, this.dropoutP, true, this.gen);
      hs.push(unsqueeze(r.hN, 0));
      cs.push(unsqueeze(r.cN, 0));
    }
    return { output: out, state: { h: concat(hs, 0), c: concat(cs, 0) } };
  }

  /** Adds every layer to an inference plan (zero initial state); lastOnly: the top layer hands on its final step only. */
  toPlan(plan: InferencePlan, lastOnly = false): void {
    for (let l = 0; l < this.numLayers; l++)
      plan.lstm(this.param(`weight_ih_l${l}`)!, this.param(`weight_hh_l${l}`)!, this.param(`bias_ih_l${l}`),
        this.param(`bias_hh_l${l}`), lastOnly && l === this.numLayers - 1);
  }

  /**
   * ONNX: one LSTM op per layer on the time-major sequence (onnxruntime refuses layout = 1), so
   * [B, T, I] -> Transpose -> LSTM ... -> Transpose -> [B, T, H] (every step of the top layer;
   * zero initial state). Gate blocks go from PyTorch's (i, f, g, o) to ONNX's (i, o, f, c); B is
   * [W_b, R_b]. The zero initial state [1, B, H] is built from x's batch size, so any batch works.
   */
  toOnnx(g: GraphBuilder, x: string, prefix = 'lstm'): string {
    const H = this.hiddenSize;
    const batch = g.op('Shape', [x], { start: 0, end: 1 }, `${prefix}/batch`);
    const stateShape = g.op('Concat', [g.int64Const([1]), batch, g.int64Const([H])], { axis: 0 }, `${prefix}/state_shape`);
    const zeros = g.op('ConstantOfShape', [stateShape], {}, `${prefix}/zero_state`); // float32 0 by default
    let seq = g.op('Transpose', [x], { perm: [1, 0, 2] }, `${prefix}/time_major`);
    for (let l = 0; l < this.numLayers; l++) {
      const gates = (name: string, cols: number) => g.tensor(`${prefix}.${name}`, this.param(name)!, { shape: [1, 4 * H, cols], map: (w) => onnxGateOrder(w, H, cols) });
      const w = gates(`weight_ih_l${l}`, l === 0 ? this.inputSize : H);
      const r = gates(`weight_hh_l${l}`, H);
      const bIh = this.param(`bias_ih_l${l}`), bHh = this.param(`bias_hh_l${l}`);
      const b = bIh && bHh
        ? g.floats(`${prefix}.bias_l${l}`, [...onnxGateOrder(bIh.toArray(), H), ...onnxGateOrder(bHh.toArray(), H)], [1, 8 * H])
        : '';
      const y = g.op('LSTM', [seq, w, r, b, '', zeros, zeros], { hidden_size: H }, `${prefix}/LSTM_l${l}`); // Y [T, 1, B, H]
      seq = g.op('Squeeze', [y, g.int64Const([1])], {}, `${prefix}/Squeeze_l${l}`);
    }
    return g.op('Transpose', [seq], { perm: [1, 0, 2] }, `${prefix}/batch_major`);
  }
}

function layerOf(t: Tensor, l: number): Tensor {
  const [, b, h] = t.shape;
  return slice(t, 0, l, l + 1).reshape([b, h]);
}
