// softmax and logSoftmax along one axis (max-shifted, so large logits do not overflow).
// Backward reads only y: softmax dx += y (dy - sum(dy y)), log dx += dy - e^y sum(dy).
import { Function } from '../autograd/function';
import { native } from '../binding';
import { Tensor } from '../tensor';

class SoftmaxFn extends Function {
  private y: Tensor | null = null;
  constructor(private readonly axis: number, private readonly log: boolean) {
    super();
  }
  override get name(): string {
    return this.log ? 'logSoftmax' : 'softmax';
  }
  forward(x: Tensor): Tensor[] {
    const y = Tensor.empty(x.shape, { dtype: x.dtype, device: x.device });
    native.softmaxForward(x.native, this.axis, this.log, y.native);
    if (this.needsInputGrad[0]) this.y = this.saveOwned(y.view(y.shape));
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (dy && dx) native.softmaxBackward(this.y!.native, dy.native, this.axis, this.log, dx.native);
  }
}

function run(name: string, x: Tensor, axis: number, log: boolean): Tensor {
  const n = x.ndim;
  const k = axis < 0 ? axis + n : axis;
  if (!Number.isInteger(axis) || k < 0 || k >= n)
    throw new Error(`${name}: axis ${axis} out of range for x [${x.shape.join(',')}]`);
  return new SoftmaxFn(k, log).apply(x)[0];
}

/** e^(x - max) / sum along `axis`. */
export const softmax = (x: Tensor, axis = -1): Tensor => run('softmax', x, axis, false);
/** x - max - ln(sum e^(x - max)) along `axis`. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => run('logSoftmax', x, axis, true);
