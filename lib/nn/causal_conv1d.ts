import { causalConv1d } from '../ops/causal_conv1d';
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
}
