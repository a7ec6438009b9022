// Adam (Kingma & Ba) with L2 weight decay folded into the gradient, and AdamW (Loshchilov &
// Hutter) with decoupled decay; one native adam_step per parameter (ops.h has the update).
//
// amsgrad (Reddi et al.) follows torch.optim.Adam(amsgrad=True): a state tensor
// max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq) of the raw (uncorrected) second moment, used
// in place of exp_avg_sq in the denominator, bias-corrected like it:
//   param -= lr/(1-b1^t) * m / (sqrt(vmax)/sqrt(1-b2^t) + eps)
// Keras (Adam(amsgrad=True), tf.keras and Keras 2.x) takes the same maximum of the raw v but folds
// the bias correction into the rate and adds eps outside it:
//   param -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(vmax) + eps)
// which is this update with eps replaced by eps/sqrt(1-b2^t) (31.6 eps at t = 1, eps as t
// grows); with eps = 1e-8 the two differ only where sqrt(vmax) is near 1e-7. Keras's default eps
// is also 1e-7 where PyTorch's is 1e-8 (STAE-AD passes 1e-8 explicitly).
import { native } from '../binding';
import { Tensor } from '../tensor';
import { checkHyper, Optimizer, ParamGroupSpec } from './optimizer';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** AMSGrad: the denominator uses the running maximum of the second moment (default false). */
  amsgrad: boolean;
}

export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;
  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...opts });
  }
  protected validate(g: AdamOptions): void {
    const name = this.constructor.name;
    checkHyper(name, 'lr', g.lr);
    checkHyper(name, 'betas[0]', g.betas[0], true);
    checkHyper(name, 'betas[1]', g.betas[1], true);
    checkHyper(name, 'eps', g.eps);
    checkHyper(name, 'weightDecay', g.weightDecay);
    if (typeof g.amsgrad !== 'boolean') throw new Error(`${name}: amsgrad must be true or false, got ${String(g.amsgrad)}`);
  }
  protected update(p: Tensor, grad: Tensor, g: AdamOptions, st: { step: number; buffers: Map<string, Tensor> }): void {
    const m = this.buffer(p, st, 'exp_avg');
    const v = this.buffer(p, st, 'exp_avg_sq');
    const vmax = g.amsgrad ? this.buffer(p, st, 'max_exp_avg_sq') : null;
    native.adamStep(p.native, grad.native, m.native, v.native, vmax?.native ?? null, g.lr, g.betas[0], g.betas[1], g.eps,
      g.weightDecay, st.step, this.decoupled);
  }
}

/** Adam with decoupled weight decay: param *= 1 - lr*weightDecay before the Adam update. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...opts });
  }
}
