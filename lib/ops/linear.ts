// linear: y[..., out] = x[..., in] @ w[out, in]^T + bias[out] over any leading dims of x.
// Gradients: dx = dy w, dw = dy^T x (summed over every leading position), dbias = sum of dy.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';

class LinearFn extends Function {
  forward(x: Tensor, w: Tensor, bias: Tensor | null): Tensor[] {
    const y = Tensor.empty([...x.shape.slice(0, -1), w.shape[0]], { dtype: x.dtype, device: x.device });
    native.linearForward(x.native, w.native, bias?.native ?? null, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx, dw, dbias]: (Tensor | null)[]): void {
    const [x, w] = this.inputs;
    if (dy && (dx || dw || dbias))
      native.linearBackward(x!.native, w!.native, dy.native, dx?.native ?? null, dw?.native ?? null,
        dbias?.native ?? null);
  }
}

/** x [..., in], w [out, in], bias [out] or null -> y [..., out]. */
export function linear(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  const inF = x.shape[x.shape.length - 1];
  const ok = x.shape.length >= 1 && w.shape.length === 2 && w.shape[1] === inF &&
    (!bias || (bias.shape.length === 1 && bias.shape[0] === w.shape[0]));
  if (!ok)
    throw new Error(`linear: expected x [..., in], w [out, in], bias [out]; got x [${x.shape.join(',')}], ` +
      `w [${w.shape.join(',')}], bias ${bias ? `[${bias.shape.join(',')}]` : 'null'}`);
  return new LinearFn().apply(x, w, bias)[0];
}
