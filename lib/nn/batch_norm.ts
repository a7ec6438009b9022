import { batchNorm } from '../ops/batch_norm';
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
}
