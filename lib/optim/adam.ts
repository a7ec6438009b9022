// Adam (Kingma & Ba) with L2 weight decay folded into the gradient, and AdamW (Loshchilov &
// Hutter) with decoupled decay; one native adam_step per parameter (ops.h has the update).
import { native } from '../binding';
import { Tensor } from '../tensor';
import { checkHyper, Optimizer, ParamGroupSpec } from './optimizer';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;
  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...opts });
  }
  protected validate(g: AdamOptions): void {
    const name = this.constructor.name;
    checkHyper(name, 'lr', g.lr);
    checkHyper(name, 'betas[0]', g.betas[0], true);
    checkHyper(name, 'betas[1]', g.betas[1], true);
    checkHyper(name, 'eps', g.eps);
    checkHyper(name, 'weightDecay', g.weightDecay);
  }
  protected update(p: Tensor, grad: Tensor, g: AdamOptions, st: { step: number; buffers: Map<string, Tensor> }): void {
    const m = this.buffer(p, st, 'exp_avg');
    const v = this.buffer(p, st, 'exp_avg_sq');
    native.adamStep(p.native, grad.native, m.native, v.native, g.lr, g.betas[0], g.betas[1], g.eps, g.weightDecay,
      st.step, this.decoupled);
  }
}

/** Adam with decoupled weight decay: param *= 1 - lr*weightDecay before the Adam update. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...opts });
  }
}
