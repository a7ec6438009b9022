// Losses, each a one-element tensor (shape []) reduced by 'mean' (sum / count, the default) or
// 'sum' over same-shaped inputs (ops.h has the per-element terms):
//   mseLoss(pred, target)            (pred - target)^2
//   gaussianNll(x, mu, logvar)       0.5 (logvar + (x - mu)^2 e^-logvar + ln 2pi)
//   klNormal(mu, logvar)             -0.5 (1 + logvar - mu^2 - e^logvar)   KL(N(mu, e^logvar) || N(0, 1))
//   bceWithLogits(logits, target)    max(l, 0) - l t + ln(1 + e^-|l|)
import { NativeTensor, native, REDUCTION, Reduction } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';
import { requireSameShape } from './same_shape';

export interface LossOptions {
  reduction?: Reduction;
}

type N = NativeTensor;
/** The native forward/backward pair of one loss, over its inputs in order. */
interface LossKernel {
  name: string;
  forward(ins: N[], r: number, y: N): void;
  backward(ins: N[], dy: N, r: number, grads: (N | null)[]): void;
}

class LossFn extends Function {
  constructor(private readonly kernel: LossKernel, private readonly reduction: number) {
    super();
  }
  override get name(): string {
    return this.kernel.name;
  }
  forward(...inputs: (Tensor | null)[]): Tensor[] {
    const first = inputs[0]!;
    const y = Tensor.empty([], { dtype: first.dtype, device: first.device });
    this.kernel.forward(inputs.map((t) => t!.native), this.reduction, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], grads: (Tensor | null)[]): void {
    if (!dy) return;
    this.kernel.backward(this.inputs.map((t) => t!.native), dy.native, this.reduction,
      grads.map((g) => g?.native ?? null));
  }
}

function loss(kernel: LossKernel, inputs: Record<string, Tensor>, opts: LossOptions): Tensor {
  const reduction = opts.reduction ?? 'mean';
  if (!(reduction in REDUCTION)) throw new Error(`${kernel.name}: reduction must be 'mean' or 'sum', got '${reduction}'`);
  requireSameShape(kernel.name, inputs);
  return new LossFn(kernel, REDUCTION[reduction]).apply(...Object.values(inputs))[0];
}

const MSE: LossKernel = {
  name: 'mseLoss',
  forward: ([p, t], r, y) => native.mseForward(p, t, r, y),
  backward: ([p, t], dy, r, [dp, dt]) => native.mseBackward(p, t, dy, r, dp, dt),
};
const GAUSSIAN_NLL: LossKernel = {
  name: 'gaussianNll',
  forward: ([x, mu, lv], r, y) => native.gaussianNllForward(x, mu, lv, r, y),
  backward: ([x, mu, lv], dy, r, [dx, dmu, dlv]) => native.gaussianNllBackward(x, mu, lv, dy, r, dx, dmu, dlv),
};
const KL_NORMAL: LossKernel = {
  name: 'klNormal',
  forward: ([mu, lv], r, y) => native.klNormalForward(mu, lv, r, y),
  backward: ([mu, lv], dy, r, [dmu, dlv]) => native.klNormalBackward(mu, lv, dy, r, dmu, dlv),
};
const BCE_WITH_LOGITS: LossKernel = {
  name: 'bceWithLogits',
  forward: ([l, t], r, y) => native.bceWithLogitsForward(l, t, r, y),
  backward: ([l, t], dy, r, [dl, dt]) => native.bceWithLogitsBackward(l, t, dy, r, dl, dt),
};

/** Mean (or summed) squared error. */
export function mseLoss(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return loss(MSE, { pred, target }, opts);
}

/** Negative log-likelihood of x under N(mu, e^logvar), constant included. */
export function gaussianNll(x: Tensor, mu: Tensor, logvar: Tensor, opts: LossOptions = {}): Tensor {
  return loss(GAUSSIAN_NLL, { x, mu, logvar }, opts);
}

/** KL(N(mu, e^logvar) || N(0, 1)) per element, reduced. */
export function klNormal(mu: Tensor, logvar: Tensor, opts: LossOptions = {}): Tensor {
  return loss(KL_NORMAL, { mu, logvar }, opts);
}

/** Binary cross-entropy on logits (stable for large |logits|); targets may be soft. */
export function bceWithLogits(logits: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return loss(BCE_WITH_LOGITS, { logits, target }, opts);
}
