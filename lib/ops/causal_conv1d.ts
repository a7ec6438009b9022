// causalConv1d: dilated causal 1-D convolution, stride 1, left padding (K-1)*dilation, so
// y[b,o,t] = bias[o] + sum_{c,k} w[o,c,k] x[b,c,t-(K-1-k)*dilation] only looks at the past.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';

class CausalConv1dFn extends Function {
  constructor(private readonly dilation: number) {
    super();
  }
  forward(x: Tensor, w: Tensor, bias: Tensor | null): Tensor[] {
    const y = Tensor.empty([x.shape[0], w.shape[0], x.shape[2]], { dtype: x.dtype, device: x.device });
    native.causalConv1dForward(x.native, w.native, bias?.native ?? null, this.dilation, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx, dw, dbias]: (Tensor | null)[]): void {
    const [x, w] = this.inputs;
    if (dy)
      native.causalConv1dBackward(x!.native, w!.native, dy.native, this.dilation, dx?.native ?? null,
        dw?.native ?? null, dbias?.native ?? null);
  }
}

/** x [B,Cin,T], w [Cout,Cin,K], bias [Cout] or null -> y [B,Cout,T]; dilation >= 1. */
export function causalConv1d(x: Tensor, w: Tensor, bias: Tensor | null,
  opts: { dilation?: number } = {}): Tensor {
  const dilation = opts.dilation ?? 1;
  if (!Number.isInteger(dilation) || dilation < 1)
    throw new Error(`causalConv1d: dilation must be an integer >= 1, got ${dilation}`);
  const ok = x.shape.length === 3 && w.shape.length === 3 && w.shape[1] === x.shape[1] &&
    w.shape[2] >= 1 && (!bias || (bias.shape.length === 1 && bias.shape[0] === w.shape[0]));
  if (!ok)
    throw new Error(`causalConv1d: expected x [B,Cin,T], w [Cout,Cin,K], bias [Cout]; got ` +
      `x [${x.shape.join(',')}], w [${w.shape.join(',')}], bias ${bias ? `[${bias.shape.join(',')}]` : 'null'}`);
  return new CausalConv1dFn(dilation).apply(x, w, bias)[0];
}
