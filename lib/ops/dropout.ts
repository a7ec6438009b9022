// dropout: inverted dropout on the Philox stream. mask = (U >= p) / (1 - p), y = x * mask with U
// the generator's next uniforms; backward dx += dy * mask. Identity in eval mode.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { defaultGenerator, Generator } from '../random';
import { Tensor } from '../tensor';

class DropoutFn extends Function {
  private mask: Tensor | null = null;
  constructor(private readonly p: number, private readonly seed: number, private readonly offset: number) {
    super();
  }
  forward(x: Tensor): Tensor[] {
    const opts = { dtype: x.dtype, device: x.device };
    const y = Tensor.empty(x.shape, opts);
    const mask = Tensor.empty(x.shape, opts);
    native.dropoutForward(x.native, this.p, this.seed, this.offset, y.native, mask.native);
    if (this.needsInputGrad[0]) this.mask = this.saveOwned(mask);
    else mask.dispose();
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (dy && dx) native.dropoutBackward(dy.native, this.mask!.native, dx.native);
  }
}

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) when `training`;
 * returns x itself otherwise (and when p is 0). Draws ceil(n/4) Philox blocks from `generator`.
 */
export function dropout(x: Tensor, p: number, training = true, generator: Generator = defaultGenerator()): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p} (x [${x.shape.join(',')}])`);
  if (!training || p === 0) return x;
  const { seed, offset } = generator.take('uniform', x.size);
  return new DropoutFn(p, seed, offset).apply(x)[0];
}
