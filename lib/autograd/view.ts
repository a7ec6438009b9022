// The recorded view behind Tensor#reshape and ops.reshape: the same storage with another shape;
// the gradient is the output gradient viewed back. It lives in autograd, not ops, because Tensor's
// own method needs it: this module fills the 'reshape' hook of tensor.ts when it loads.
import { accumulateInto } from './accumulate';
import { Function } from './node';
import { setTensorHook, Shape, Tensor } from '../tensor';

class ReshapeFn extends Function {
  constructor(private readonly shape: Shape) {
    super();
  }
  forward(x: Tensor): Tensor[] {
    return [x.view(this.shape)];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (dy && dx) accumulateInto(dx, dy);
  }
}

/** x with a new shape (one dim may be -1); shares x's storage. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return new ReshapeFn(shape).apply(x)[0];
}

setTensorHook('reshape', reshape);
