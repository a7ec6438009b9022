import { linear } from '../ops/linear';
import { Generator } from '../random';
import { Tensor } from '../tensor';
import { uniformInit } from './init';
import { Module } from './module';

export interface LinearOptions {
  bias?: boolean;
  generator?: Generator;
}

/** y = x W^T + b over the last axis of x. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', uniformInit([outFeatures, inFeatures], bound, opts.generator));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniformInit([outFeatures], bound, opts.generator));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
