// Stochastic gradient descent with optional L2 weight decay, (Nesterov) momentum as in
// torch.optim.SGD without dampening; one native sgd_step per parameter.
import { native } from '../binding';
import { Tensor } from '../tensor';
import { checkHyper, Optimizer, ParamGroupSpec } from './optimizer';

export interface SgdOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export class SGD extends Optimizer<SgdOptions> {
  constructor(params: Tensor[] | ParamGroupSpec<SgdOptions>[], opts: Partial<SgdOptions> & { lr: number }) {
    super(params, { momentum: 0, weightDecay: 0, nesterov: false, ...opts });
  }
  protected validate(g: SgdOptions): void {
    checkHyper('SGD', 'lr', g.lr);
    checkHyper('SGD', 'momentum', g.momentum);
    checkHyper('SGD', 'weightDecay', g.weightDecay);
    if (g.nesterov && g.momentum <= 0) throw new Error('SGD: nesterov needs momentum > 0');
  }
  protected update(p: Tensor, grad: Tensor, g: SgdOptions, st: { step: number; buffers: Map<string, Tensor> }): void {
    const buf = g.momentum > 0 ? this.buffer(p, st, 'momentum_buffer') : null;
    native.sgdStep(p.native, grad.native, buf?.native ?? null, g.lr, g.momentum, g.weightDecay, g.nesterov,
      st.step === 1 || !buf);
  }
}
