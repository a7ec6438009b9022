// conv2d: 2-D cross-correlation over [B, C, H, W] maps (PyTorch's F.conv2d and Keras's Conv2D),
// with stride, dilation, zero padding given per side or as TF/Keras 'same' / 'valid', and
// groups (groups = C is depthwise). The math is in native/include/vigil/ops.h.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';

/** A value for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];
/** 'same' (TF/Keras: output ceil(size / stride), the odd pad after), 'valid' (none), one pad for
 * every side, or [top, bottom, left, right]. */
export type Conv2dPadding = 'same' | 'valid' | number | readonly [number, number, number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Conv2dPadding;
  dilation?: Pair;
  groups?: number;
}

/** The native op's geometry array (native/addon/ops_spatial.cpp). */
export type Geometry = readonly [number, number, number, number, number, number, number, number, number];

export function pair(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] | null = typeof v === 'number' ? [v, v] : v.length === 2 ? [v[0], v[1]] : null;
  if (!p || !p.every((n) => Number.isInteger(n) && n >= min))
    throw new Error(`${op}: ${name} must be an integer >= ${min} or two of them, got ${JSON.stringify(v)}`);
  return p;
}

/**
 * TF/Keras 'same' padding along one axis: the output is ceil(size / stride) and the zero rows
 * that needs are split with the odd one after, so stride 2 over an even size pads only the end
 * (PyTorch's padding='same' exists only at stride 1).
 */
export function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** [top, bottom, left, right] for an input of spatial size [H, W] and kernel [KH, KW]. */
export function resolvePads(op: string, padding: Conv2dPadding, size: readonly number[], kernel: readonly number[],
  stride: [number, number], dilation: [number, number]): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same')
    return [...samePads(size[0], kernel[0], stride[0], dilation[0]), ...samePads(size[1], kernel[1], stride[1], dilation[1])];
  const p: number[] = typeof padding === 'number' ? [padding, padding, padding, padding] : [...padding];
  if (p.length !== 4 || !p.every((n) => Number.isInteger(n) && n >= 0))
    throw new Error(`${op}: padding must be 'same', 'valid', an integer >= 0 or [top, bottom, left, right], got ${JSON.stringify(padding)}`);
  return p as [number, number, number, number];
}

export function groupsOf(op: string, groups: number | undefined): number {
  const g = groups ?? 1;
  if (!Number.isInteger(g) || g < 1) throw new Error(`${op}: groups must be an integer >= 1, got ${g}`);
  return g;
}

/** Throws naming the op when x, w or bias is not 4-D / 4-D / [channels]. */
export function checkRanks(op: string, x: Tensor, w: Tensor, bias: Tensor | null, biasSize: number): void {
  if (x.shape.length === 4 && w.shape.length === 4 && (!bias || (bias.shape.length === 1 && bias.shape[0] === biasSize)))
    return;
  throw new Error(`${op}: expected x [B,C,H,W], w 4-D and bias [${biasSize}]; got x [${x.shape.join(',')}], ` +
    `w [${w.shape.join(',')}], bias ${bias ? `[${bias.shape.join(',')}]` : 'null'}`);
}

class Conv2dFn extends Function {
  constructor(private readonly geometry: Geometry, private readonly outHW: [number, number]) {
    super();
  }
  forward(x: Tensor, w: Tensor, bias: Tensor | null): Tensor[] {
    const y = Tensor.empty([x.shape[0], w.shape[0], ...this.outHW], { dtype: x.dtype, device: x.device });
    native.conv2dForward(x.native, w.native, bias?.native ?? null, this.geometry, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx, dw, dbias]: (Tensor | null)[]): void {
    const [x, w] = this.inputs;
    if (dy)
      native.conv2dBackward(x!.native, w!.native, dy.native, this.geometry, dx?.native ?? null,
        dw?.native ?? null, dbias?.native ?? null);
  }
}

/** The native geometry and the output's [Ho, Wo] for an input of spatial size `size`. */
export function conv2dGeometry(op: string, size: readonly number[], kernel: readonly number[],
  opts: Conv2dOptions): { geometry: Geometry; outHW: [number, number] } {
  const stride = pair(op, 'stride', opts.stride ?? 1, 1), dilation = pair(op, 'dilation', opts.dilation ?? 1, 1);
  const groups = groupsOf(op, opts.groups);
  const [t, b, l, r] = resolvePads(op, opts.padding ?? 'valid', size, kernel, stride, dilation);
  const out = (a: number, pads: number) => Math.floor((size[a] + pads - dilation[a] * (kernel[a] - 1) - 1) / stride[a]) + 1;
  const outHW: [number, number] = [out(0, t + b), out(1, l + r)];
  if (outHW[0] < 1 || outHW[1] < 1)
    throw new Error(`${op}: the dilated kernel [${kernel.join(',')}] is larger than the padded input ` +
      `[${size.join(',')}] (pads ${[t, b, l, r].join(',')})`);
  return { geometry: [stride[0], stride[1], dilation[0], dilation[1], t, b, l, r, groups], outHW };
}

/** x [B,Cin,H,W], w [Cout,Cin/groups,KH,KW], bias [Cout] or null -> y [B,Cout,Ho,Wo]. The native
 * op checks the channels against the groups and names the shapes. */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  checkRanks('conv2d', x, w, bias, w.shape[0]);
  const { geometry, outHW } = conv2dGeometry('conv2d', x.shape.slice(2), w.shape.slice(2), opts);
  return new Conv2dFn(geometry, outHW).apply(x, w, bias)[0];
}
