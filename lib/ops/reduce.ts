// sum / mean / max over a set of axes. The native op keeps the rank (reduced axes become 1);
// without keepDim the output tensor is allocated in the squeezed shape and handed to native
// code under the keep-dim shape, so no reshape node is recorded.
import { Function } from '../autograd/function';
import { descriptor, native, NativeTensor, REDUCE_OP, ReduceOp } from '../binding';
import { Shape, Tensor } from '../tensor';

const fmt = (s: Shape): string => `[${s.join(',')}]`;

/** t's descriptor under another shape with the same element count. */
function as(t: Tensor, shape: Shape): NativeTensor {
  const d = t.native;
  return descriptor(d.storage, d.dtype, d.device, shape);
}

/** Sorted distinct axes in [0, ndim); negative axes count from the end; none = all. */
export function normalizeAxes(op: string, shape: Shape, axes?: number | readonly number[]): number[] {
  const n = shape.length;
  if (axes === undefined) return shape.map((_, k) => k);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = new Set<number>();
  for (const a of list) {
    const k = a < 0 ? a + n : a;
    if (!Number.isInteger(a) || k < 0 || k >= n)
      throw new Error(`${op}: axis ${a} out of range for x ${fmt(shape)}`);
    if (out.has(k)) throw new Error(`${op}: axis ${a} given twice (axes [${list.join(',')}], x ${fmt(shape)})`);
    out.add(k);
  }
  return [...out].sort((p, q) => p - q);
}

class ReduceFn extends Function {
  private y: Tensor | null = null;
  private readonly keptShape: number[];
  private readonly outShape: number[];
  private readonly mask: number;
  constructor(private readonly op: ReduceOp, x: Shape, axes: number[], keepDim: boolean) {
    super();
    this.mask = axes.reduce((m, k) => m | (1 << k), 0);
    this.keptShape = x.map((d, k) => (axes.includes(k) ? 1 : d));
    this.outShape = keepDim ? this.keptShape : x.filter((_, k) => !axes.includes(k));
  }
  override get name(): string {
    return this.op;
  }
  forward(x: Tensor): Tensor[] {
    const y = Tensor.empty(this.outShape, { dtype: x.dtype, device: x.device });
    native.reduceForward(REDUCE_OP[this.op], x.native, this.mask, as(y, this.keptShape));
    if (this.op === 'max' && this.needsInputGrad[0]) this.y = this.saveOwned(y.view(y.shape));
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (!dy || !dx) return;
    const dyk = as(dy, this.keptShape);
    // sum and mean do not read y; max finds each group's first maximal element from x
    const y = this.y ? as(this.y, this.keptShape) : dyk;
    native.reduceBackward(REDUCE_OP[this.op], this.inputs[0]!.native, y, dyk, this.mask, dx.native);
  }
}

function reduce(op: ReduceOp, x: Tensor, axes: number | readonly number[] | undefined, keepDim: boolean): Tensor {
  if (op === 'max' && x.size === 0) throw new Error(`max: x ${fmt(x.shape)} has no elements`);
  const ax = normalizeAxes(op, x.shape, axes);
  return new ReduceFn(op, x.shape, ax, keepDim).apply(x)[0];
}

/** Sum over `axes` (negative count from the end; omitted = all); keepDim leaves them as 1s. */
export const sum = (x: Tensor, axes?: number | readonly number[], keepDim = false): Tensor =>
  reduce('sum', x, axes, keepDim);
/** Mean over `axes` (as sum). */
export const mean = (x: Tensor, axes?: number | readonly number[], keepDim = false): Tensor =>
  reduce('mean', x, axes, keepDim);
/** Max over `axes` (as sum); the gradient goes to the first maximal element of each group. */
export const max = (x: Tensor, axes?: number | readonly number[], keepDim = false): Tensor =>
  reduce('max', x, axes, keepDim);
