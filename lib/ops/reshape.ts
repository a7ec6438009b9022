// reshape: a view of the same storage with another shape; the gradient is the output gradient
// viewed back.
import { accumulateInto } from '../autograd/accumulate';
import { Function } from '../autograd/function';
import { Shape, Tensor } from '../tensor';

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

/** Flattens dims [start, end] into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  const n = x.ndim;
  const s = start < 0 ? start + n : start;
  const e = end < 0 ? end + n : end;
  if (s < 0 || e >= n || s > e) throw new Error(`flatten: dims ${start}..${end} out of range for [${x.shape.join(',')}]`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}
