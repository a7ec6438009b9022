import { batchNorm } from '../ops/batch_norm';
import type { GraphBuilder } from '../onnx/graph/builder';
import type { InferencePlan } from './inference_plan';
import { Tensor } from '../tensor';
import { Module } from './module';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
  /** The channel axis: 1 as in PyTorch ([B, C] or [B, C, L]); -1 for channels-last ([B, T, C], Keras style). */
  channelAxis?: number;
}

/**
 * Batch normalisation over every axis but the channel axis. Training uses batch statistics and
 * updates the running ones; eval uses the running ones. Names follow PyTorch (weight, bias,
 * running_mean, running_var).
 */
export class BatchNorm1d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  readonly channelAxis: number;
  constructor(readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.channelAxis = opts.channelAxis ?? 1;
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', Tensor.ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', Tensor.zeros([numFeatures])) : null;
    const track = opts.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', Tensor.zeros([numFeatures])) : null;
    this.runningVar = track ? this.registerBuffer('running_var', Tensor.ones([numFeatures])) : null;
  }
  forward(x: Tensor): Tensor {
    const axis = this.channelAxis < 0 ? this.channelAxis + x.ndim : this.channelAxis;
    if (axis < 0 || axis >= x.ndim || x.shape[axis] !== this.numFeatures)
      throw new Error(`BatchNorm1d: channel axis ${this.channelAxis} of [${x.shape.join(',')}] must have ${this.numFeatures} features`);
    return batchNorm(x, {
      axis, gamma: this.weight, beta: this.bias, runningMean: this.runningMean, runningVar: this.runningVar,
      training: this.training || !this.runningMean, momentum: this.momentum, eps: this.eps,
    });
  }
  /** Adds the eval-mode transform to an inference plan, which normalises the last axis. */
  toPlan(plan: InferencePlan): void {
    if (!this.runningMean || !this.runningVar) throw new Error('BatchNorm1d: no running statistics for an inference plan (trackRunningStats is off, so eval uses batch statistics)');
    if (this.channelAxis !== -1) throw new Error(`BatchNorm1d: an inference plan normalises the last axis (channelAxis -1), not ${this.channelAxis}`);
    plan.batchNorm(this.runningMean, this.runningVar, this.weight, this.bias, this.eps);
  }
  /**
   * ONNX (eval statistics): channel axis 1 is ONNX's own BatchNormalization; a channels-last
   * axis (negative) becomes (x - mean) * (gamma / sqrt(var + eps)) + beta with [C, 1, ...]
   * constants that broadcast over the trailing axes. Other positive axes would need the rank.
   */
  toOnnx(g: GraphBuilder, x: string, prefix = 'bn'): string {
    if (!this.runningMean || !this.runningVar) throw new Error(`BatchNorm1d: no running statistics to export (trackRunningStats is off, so eval uses batch statistics)`);
    const C = this.numFeatures, axis = this.channelAxis;
    const mean = this.runningMean.toArray(), variance = this.runningVar.toArray();
    const gamma = this.weight?.toArray(), beta = this.bias?.toArray();
    if (axis === 1) {
      const scale = g.floats(`${prefix}.weight`, gamma ?? new Float32Array(C).fill(1), [C]);
      const shift = g.floats(`${prefix}.bias`, beta ?? new Float32Array(C), [C]);
      const m = g.tensor(`${prefix}.running_mean`, this.runningMean), v = g.tensor(`${prefix}.running_var`, this.runningVar);
      return g.op('BatchNormalization', [x, scale, shift, m, v], { epsilon: { float: this.eps } }, `${prefix}/BatchNormalization`);
    }
    if (axis >= 0) throw new Error(`BatchNorm1d: ONNX export handles channel axis 1 or a negative (channels-last) axis, not ${axis}`);
    const shape = [C, ...Array<number>(-axis - 1).fill(1)];
    const mul = Float32Array.from(mean, (_, c) => (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + this.eps));
    let y = g.op('Sub', [x, g.floats(`${prefix}.running_mean`, mean, shape)], {}, `${prefix}/Sub`);
    y = g.op('Mul', [y, g.floats(`${prefix}.scale`, mul, shape)], {}, `${prefix}/Mul`);
    return beta ? g.op('Add', [y, g.floats(`${prefix}.bias`, beta, shape)], {}, `${prefix}/Add`) : y;
  }
}
