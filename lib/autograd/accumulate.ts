// dst += src for tensors with the same number of elements (shapes may differ): the one
// accumulation primitive of the engine and of view-like ops.
import { descriptor, native, NativeTensor } from '../binding';
import { Tensor } from '../tensor';

function flat(t: Tensor): NativeTensor {
  const d = t.native;
  return descriptor(d.storage, d.dtype, d.device, [t.size]);
}

export function accumulateInto(dst: Tensor, src: Tensor): void {
  if (dst.size !== src.size)
    throw new Error(`accumulate: gradient [${src.shape.join(',')}] does not match [${dst.shape.join(',')}]`);
  if (dst.size === 0) return;
  native.axisCopy(flat(src), 0, flat(dst), 0, 0, dst.size, true);
}
