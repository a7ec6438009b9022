import { linear } from '../ops/linear';
import type { GraphBuilder } from '../onnx/graph/builder';
import type { InferencePlan } from './inference_plan';
import { transpose2d } from '../onnx/graph/layout';
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
  toPlan(plan: InferencePlan): void {
    plan.linear(this.weight, this.bias);
  }
  /** ONNX: MatMul with W^T (any leading axes) + Add of the bias. */
  toOnnx(g: GraphBuilder, x: string, prefix = 'linear'): string {
    const wT = g.tensor(`${prefix}.weight`, this.weight, { shape: [this.inFeatures, this.outFeatures], map: (w) => transpose2d(w, this.outFeatures, this.inFeatures) });
    const y = g.op('MatMul', [x, wT], {}, `${prefix}/MatMul`);
    return this.bias ? g.op('Add', [y, g.tensor(`${prefix}.bias`, this.bias)], {}, `${prefix}/Add`) : y;
  }
}
