import { causalConv1d } from '../ops/causal_conv1d';
import type { GraphBuilder } from '../onnx/graph/builder';
import { Generator } from '../random';
import { Tensor } from '../tensor';
import { uniformInit } from './init';
import { Module } from './module';

export interface CausalConv1dOptions {
  dilation?: number;
  bias?: boolean;
  generator?: Generator;
}

/** Dilated causal convolution over [B, C, T]: y[t] sees x[t], x[t-d], ..., x[t-(k-1)d]. */
export class CausalConv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly dilation: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, opts: CausalConv1dOptions = {}) {
    super();
    this.dilation = opts.dilation ?? 1;
    if (!Number.isInteger(this.dilation) || this.dilation < 1) throw new Error(`CausalConv1d: dilation must be an integer >= 1, got ${this.dilation}`);
    const bound = 1 / Math.sqrt(inChannels * kernelSize);
    this.weight = this.registerParameter('weight', uniformInit([outChannels, inChannels, kernelSize], bound, opts.generator));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniformInit([outChannels], bound, opts.generator));
  }
  forward(x: Tensor): Tensor {
    return causalConv1d(x, this.weight, this.bias, { dilation: this.dilation });
  }
  /**
   * ONNX: Conv over [B, C, T] with the causal left padding (k-1)d folded into its pads
   * attribute (begin (k-1)d, end 0). Same weight layout [Cout, Cin, k], no flip: both are
   * cross-correlations, y[t] = sum_k w[k] x[t - (k_max - k) d].
   */
  toOnnx(g: GraphBuilder, x: string, prefix = 'conv'): string {
    const k = this.kernelSize, d = this.dilation;
    const inputs = [x, g.tensor(`${prefix}.weight`, this.weight)];
    if (this.bias) inputs.push(g.tensor(`${prefix}.bias`, this.bias));
    return g.op('Conv', inputs, { kernel_shape: [k], dilations: [d], strides: [1], pads: [(k - 1) * d, 0] }, `${prefix}/Conv`);
  }
}
