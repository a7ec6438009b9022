import { lstm } from '../ops/lstm';
import { dropout } from '../ops/dropout';
import { concat, slice, unsqueeze } from '../ops/shape';
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
}

function layerOf(t: Tensor, l: number): Tensor {
  const [, b, h] = t.shape;
  return slice(t, 0, l, l + 1).reshape([b, h]);
}
