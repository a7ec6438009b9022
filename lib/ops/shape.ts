// Data-movement ops: permute/transpose, concat and slice (both one native axisCopy per piece),
// repeat (tile), and unsqueeze/squeeze as reshape views.
import { Function } from '../autograd/function';
import { descriptor, native, NativeTensor } from '../binding';
import { Shape, Tensor } from '../tensor';

const fmt = (s: Shape): string => `[${s.join(',')}]`;

function axisIn(op: string, axis: number, ndim: number, shape: Shape): number {
  const k = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(axis) || k < 0 || k >= ndim) throw new Error(`${op}: axis ${axis} out of range for ${fmt(shape)}`);
  return k;
}

// ------------------------------------------------------------------ permute

class PermuteFn extends Function {
  constructor(private readonly perm: number[]) {
    super();
  }
  override get name(): string {
    return 'permute';
  }
  forward(x: Tensor): Tensor[] {
    const y = Tensor.empty(this.perm.map((p) => x.shape[p]), { dtype: x.dtype, device: x.device });
    native.permuteForward(x.native, this.perm, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (dy && dx) native.permuteBackward(dy.native, this.perm, dx.native);
  }
}

/** y.shape[k] = x.shape[perm[k]]; perm entries may be negative. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const n = x.ndim;
  const p = perm.map((a) => (a < 0 ? a + n : a));
  const ok = p.length === n && p.every((a, i) => Number.isInteger(perm[i]) && a >= 0 && a < n) && new Set(p).size === n;
  if (!ok) throw new Error(`permute: [${perm.join(',')}] is not a permutation of the axes of x ${fmt(x.shape)}`);
  return new PermuteFn(p).apply(x)[0];
}

/** Swaps axes a and b. */
export function transpose(x: Tensor, a: number, b: number): Tensor {
  const perm = x.shape.map((_, k) => k);
  const i = axisIn('transpose', a, x.ndim, x.shape);
  const j = axisIn('transpose', b, x.ndim, x.shape);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return new PermuteFn(perm).apply(x)[0];
}

// ------------------------------------------------------------------ concat

class ConcatFn extends Function {
  constructor(private readonly axis: number) {
    super();
  }
  override get name(): string {
    return 'concat';
  }
  forward(...xs: Tensor[]): Tensor[] {
    const shape = [...xs[0].shape];
    shape[this.axis] = xs.reduce((s, x) => s + x.shape[this.axis], 0);
    const y = Tensor.empty(shape, { dtype: xs[0].dtype, device: xs[0].device });
    let at = 0;
    for (const x of xs) {
      const len = x.shape[this.axis];
      native.axisCopy(x.native, 0, y.native, at, this.axis, len, false);
      at += len;
    }
    return [y];
  }
  backward([dy]: (Tensor | null)[], dxs: (Tensor | null)[]): void {
    if (!dy) return;
    let at = 0;
    dxs.forEach((dx, i) => {
      const len = this.inputs[i]!.shape[this.axis];
      if (dx) native.axisCopy(dy.native, at, dx.native, 0, this.axis, len, true);
      at += len;
    });
  }
}

/** Joins tensors along `axis`; every other dim must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('concat: no tensors given');
  const first = xs[0];
  const k = axisIn('concat', axis, first.ndim, first.shape);
  const agree = xs.every((x) =>
    x.dtype === first.dtype && x.device === first.device && x.ndim === first.ndim &&
    x.shape.every((d, i) => i === k || d === first.shape[i]));
  if (!agree)
    throw new Error(`concat: tensors must agree on dtype, device and every dim but axis ${axis} (${xs.map((x) => `${fmt(x.shape)} ${x.dtype}`).join(', ')})`);
  return new ConcatFn(k).apply(...xs)[0];
}

// ------------------------------------------------------------------ slice

class SliceFn extends Function {
  constructor(private readonly axis: number, private readonly start: number, private readonly len: number) {
    super();
  }
  override get name(): string {
    return 'slice';
  }
  forward(x: Tensor): Tensor[] {
    const shape = [...x.shape];
    shape[this.axis] = this.len;
    const y = Tensor.empty(shape, { dtype: x.dtype, device: x.device });
    native.axisCopy(x.native, this.start, y.native, 0, this.axis, this.len, false);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (dy && dx) native.axisCopy(dy.native, 0, dx.native, this.start, this.axis, this.len, true);
  }
}

/** x[..., start:end, ...] along `axis` (a copy). Negative start/end count from the end and both
 *  clamp to the axis, as Python slicing; end defaults to the axis length. */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const k = axisIn('slice', axis, x.ndim, x.shape);
  const n = x.shape[k];
  const e0 = end ?? n;
  if (!Number.isInteger(start) || !Number.isInteger(e0))
    throw new Error(`slice: start ${start} and end ${end} must be integers (x ${fmt(x.shape)})`);
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clamp(start);
  const len = Math.max(clamp(e0) - s, 0);
  return new SliceFn(k, s, len).apply(x)[0];
}

// ------------------------------------------------------------------ repeat

class RepeatFn extends Function {
  constructor(private readonly repeats: number[], private readonly padded: number[]) {
    super();
  }
  override get name(): string {
    return 'repeat';
  }
  private as(t: Tensor): NativeTensor {
    const d = t.native;
    return descriptor(d.storage, d.dtype, d.device, this.padded);
  }
  forward(x: Tensor): Tensor[] {
    const y = Tensor.empty(this.padded.map((d, k) => d * this.repeats[k]), { dtype: x.dtype, device: x.device });
    native.repeatForward(this.as(x), this.repeats, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (dy && dx) native.repeatBackward(dy.native, this.repeats, this.as(dx));
  }
}

/** Tiles x: y.shape[k] = x.shape[k] * repeats[k]. Extra leading repeats add leading dims (as
 *  torch.Tensor.repeat). */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim || !repeats.every((r) => Number.isInteger(r) && r >= 0))
    throw new Error(`repeat: repeats [${repeats.join(',')}] must be ${x.ndim} or more integers >= 0 (x ${fmt(x.shape)})`);
  const padded = [...new Array(repeats.length - x.ndim).fill(1), ...x.shape];
  return new RepeatFn([...repeats], padded).apply(x)[0];
}

// ------------------------------------------------------------------ unsqueeze / squeeze

/** Inserts a dim of size 1 at `axis` (in [-(ndim+1), ndim]); a reshape view. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const k = axisIn('unsqueeze', axis, x.ndim + 1, x.shape);
  return x.reshape([...x.shape.slice(0, k), 1, ...x.shape.slice(k)]);
}

/** Removes dim `axis`, which must have size 1 (without axis: every dim of size 1); a reshape view. */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return x.reshape(x.shape.filter((d) => d !== 1));
  const k = axisIn('squeeze', axis, x.ndim, x.shape);
  if (x.shape[k] !== 1) throw new Error(`squeeze: dim ${axis} of x ${fmt(x.shape)} has size ${x.shape[k]}, not 1`);
  return x.reshape(x.shape.filter((_, i) => i !== k));
}
