// reshape and flatten. The recorded view itself is autograd/view.ts (Tensor#reshape runs it too,
// and tensor.ts cannot import ops); this file is its place among the ops.
import { reshape } from '../autograd/view';
import type { Tensor } from '../tensor';

export { reshape };

/** Flattens dims [start, end] into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  const n = x.ndim;
  const s = start < 0 ? start + n : start;
  const e = end < 0 ? end + n : end;
  if (s < 0 || e >= n || s > e) throw new Error(`flatten: dims ${start}..${end} out of range for [${x.shape.join(',')}]`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}
