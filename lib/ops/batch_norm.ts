// batch_norm: normalises over every axis but the channel axis (size C).
//   training: y = (x - mean_b) / sqrt(var_b + eps) * gamma + beta with the batch's mean and biased
//             variance; runningMean/runningVar (updated in place) <- (1-m) running + m batch
//             (unbiased variance, as PyTorch).
//   eval:     the running statistics instead (constants for backward).
// Backward flows through the batch statistics in training mode.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';

export interface BatchNormOptions {
  /** Channel axis (negative counts from the end). Default 1. */
  axis?: number;
  gamma?: Tensor | null;
  beta?: Tensor | null;
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  /** Batch statistics (true, the default) or the running ones (false: needs both running tensors). */
  training?: boolean;
  /** Weight of the batch statistics in the running update. Default 0.1. */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
}

class BatchNormFn extends Function {
  private saveMean: Tensor | null = null;
  private saveInvstd: Tensor | null = null;
  constructor(
    private readonly axis: number,
    private readonly runningMean: Tensor | null,
    private readonly runningVar: Tensor | null,
    private readonly training: boolean,
    private readonly momentum: number,
    private readonly eps: number,
  ) {
    super();
  }
  forward(x: Tensor, gamma: Tensor | null, beta: Tensor | null): Tensor[] {
    const opts = { dtype: x.dtype, device: x.device };
    const C = x.shape[this.axis];
    const y = Tensor.empty(x.shape, opts);
    const wantGrad = this.needsInputGrad.some(Boolean);
    const mean = wantGrad ? this.saveOwned(Tensor.empty([C], opts)) : null;
    const invstd = wantGrad ? this.saveOwned(Tensor.empty([C], opts)) : null;
    native.batchNormForward(x.native, this.axis, gamma?.native ?? null, beta?.native ?? null,
      this.runningMean?.native ?? null, this.runningVar?.native ?? null, this.training, this.momentum, this.eps,
      y.native, mean?.native ?? null, invstd?.native ?? null);
    this.saveMean = mean;
    this.saveInvstd = invstd;
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx, dgamma, dbeta]: (Tensor | null)[]): void {
    if (!dy) return;
    const [x, gamma] = this.inputs;
    native.batchNormBackward(x!.native, this.axis, gamma?.native ?? null, this.saveMean!.native,
      this.saveInvstd!.native, dy.native, this.training, dx?.native ?? null, dgamma?.native ?? null,
      dbeta?.native ?? null);
  }
}

/** Batch normalisation of x over every axis but `axis`; see BatchNormOptions. */
export function batchNorm(x: Tensor, opts: BatchNormOptions = {}): Tensor {
  const shapes = () => `x [${x.shape.join(',')}]`;
  const rawAxis = opts.axis ?? 1;
  const axis = rawAxis < 0 ? rawAxis + x.ndim : rawAxis;
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.ndim)
    throw new Error(`batchNorm: axis ${rawAxis} out of range for ${shapes()}`);
  const C = x.shape[axis];
  const training = opts.training ?? true;
  const perChannel: Record<string, Tensor | null | undefined> = {
    gamma: opts.gamma, beta: opts.beta, runningMean: opts.runningMean, runningVar: opts.runningVar,
  };
  for (const [name, t] of Object.entries(perChannel)) {
    if (!t) continue;
    if (t.ndim !== 1 || t.shape[0] !== C)
      throw new Error(`batchNorm: ${name} [${t.shape.join(',')}] must be [${C}] (channel axis ${axis} of ${shapes()})`);
    if (t.dtype !== x.dtype || t.device !== x.device)
      throw new Error(`batchNorm: ${name} is ${t.dtype} on ${t.device}, x is ${x.dtype} on ${x.device}`);
  }
  if (!opts.runningMean !== !opts.runningVar)
    throw new Error('batchNorm: runningMean and runningVar come together');
  if (!training && !opts.runningMean)
    throw new Error(`batchNorm: eval mode needs runningMean and runningVar (${shapes()})`);
  if (training && x.size / C < 2)
    throw new Error(`batchNorm: training needs more than one value per channel (${shapes()}, axis ${axis})`);
  const fn = new BatchNormFn(axis, opts.runningMean ?? null, opts.runningVar ?? null, training,
    opts.momentum ?? 0.1, opts.eps ?? 1e-5);
  return fn.apply(x, opts.gamma ?? null, opts.beta ?? null)[0];
}
