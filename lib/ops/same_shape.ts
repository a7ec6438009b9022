// Argument check shared by the element-wise ops of the randomness and loss family: every tensor
// has the first one's shape, dtype and device; errors name the op and every shape.
import { Tensor } from '../tensor';

export function requireSameShape(op: string, tensors: Record<string, Tensor>): void {
  const entries = Object.entries(tensors);
  const [, first] = entries[0];
  const same = entries.every(([, t]) =>
    t.dtype === first.dtype && t.device === first.device && t.shape.length === first.shape.length &&
    t.shape.every((d, i) => d === first.shape[i]));
  if (!same) {
    const desc = entries.map(([n, t]) => `${n} [${t.shape.join(',')}] ${t.dtype} ${t.device}`).join(', ');
    throw new Error(`${op}: inputs must have the same shape, dtype and device (${desc})`);
  }
}
