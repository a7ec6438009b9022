// reparam_sample: the VAE's reparameterised draw z = mu + exp(logvar/2) * eps, eps ~ N(0, 1)
// from the Philox stream; dmu += dz, dlogvar += dz * eps * exp(logvar/2) / 2.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { defaultGenerator, Generator } from '../random';
import { Tensor } from '../tensor';
import { requireSameShape } from './same_shape';

class ReparamSampleFn extends Function {
  private eps: Tensor | null = null;
  constructor(private readonly seed: number, private readonly offset: number) {
    super();
  }
  forward(mu: Tensor, logvar: Tensor): Tensor[] {
    const opts = { dtype: mu.dtype, device: mu.device };
    const z = Tensor.empty(mu.shape, opts);
    const eps = Tensor.empty(mu.shape, opts);
    native.reparamSampleForward(mu.native, logvar.native, this.seed, this.offset, z.native, eps.native);
    if (this.needsInputGrad.some(Boolean)) this.eps = this.saveOwned(eps);
    else eps.dispose();
    return [z];
  }
  backward([dz]: (Tensor | null)[], [dmu, dlogvar]: (Tensor | null)[]): void {
    if (!dz) return;
    native.reparamSampleBackward(this.inputs[1]!.native, this.eps!.native, dz.native, dmu?.native ?? null,
      dlogvar?.native ?? null);
  }
}

/** z = mu + exp(logvar/2) * eps with eps the next mu.size normals of `generator` (one block each). */
export function reparamSample(mu: Tensor, logvar: Tensor, generator: Generator = defaultGenerator()): Tensor {
  requireSameShape('reparamSample', { mu, logvar });
  const { seed, offset } = generator.take('normal', mu.size);
  return new ReparamSampleFn(seed, offset).apply(mu, logvar)[0];
}
