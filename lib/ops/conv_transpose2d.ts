// convTranspose2d: the transposed 2-D convolution (PyTorch's F.conv_transpose2d, Keras's
// Conv2DTranspose): the input gradient of conv2d with the same weight and geometry, so each
// input element scatters w[c, :, :, :] into the output at stride steps. The math is in
// native/include/vigil/ops.h.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';
import { checkRanks, type Conv2dPadding, type Geometry, groupsOf, pair, type Pair, resolvePads } from './conv2d';

export interface ConvTranspose2dOptions {
  stride?: Pair;
  /**
   * 'same' (Keras: output size * stride), 'valid' (Keras: no pads, output (size-1)*stride +
   * the dilated kernel, or size*stride when the kernel is shorter than the stride), or pads
   * removed from the full output, one for every side or [top, bottom, left, right] (PyTorch's
   * padding, which is symmetric).
   */
  padding?: Conv2dPadding;
  /** Extra rows/columns at the bottom/right (PyTorch's output_padding), below the stride; only
   * with numeric pads ('same' and 'valid' fix the output size themselves). */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

class ConvTranspose2dFn extends Function {
  constructor(private readonly geometry: Geometry, private readonly outShape: number[]) {
    super();
  }
  forward(x: Tensor, w: Tensor, bias: Tensor | null): Tensor[] {
    const y = Tensor.empty(this.outShape, { dtype: x.dtype, device: x.device });
    native.convTranspose2dForward(x.native, w.native, bias?.native ?? null, this.geometry, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx, dw, dbias]: (Tensor | null)[]): void {
    const [x, w] = this.inputs;
    if (dy)
      native.convTranspose2dBackward(x!.native, w!.native, dy.native, this.geometry, dx?.native ?? null,
        dw?.native ?? null, dbias?.native ?? null);
  }
}

/**
 * The native geometry, the output padding and the output's [Ho, Wo] for an input of spatial
 * size `size`. For 'same', 'valid' and numeric pads alike, the pads and output padding do not
 * depend on `size` (the ONNX emitter relies on that).
 */
export function transposeGeometry(op: string, size: readonly number[], kernel: readonly number[],
  opts: ConvTranspose2dOptions): { geometry: Geometry; outPad: [number, number]; outHW: [number, number] } {
  const groups = groupsOf(op, opts.groups);
  const stride = pair(op, 'stride', opts.stride ?? 1, 1), dilation = pair(op, 'dilation', opts.dilation ?? 1, 1);
  const padding = opts.padding ?? 'valid';
  const span = (a: number) => dilation[a] * (kernel[a] - 1) + 1;  // the dilated kernel
  // Keras fixes the output: 'same' -> size*stride, 'valid' -> (size-1)*stride + max(span, stride)
  const keras = padding === 'same' || padding === 'valid';
  const kerasOut = (a: number) => (padding === 'same' ? size[a] * stride[a] : (size[a] - 1) * stride[a] + Math.max(span(a), stride[a]));
  if (keras && opts.outputPadding !== undefined)
    throw new Error(`${op}: outputPadding needs numeric pads ('${padding}' fixes the output size)`);
  // 'same': the pads a 'same' conv2d over the output would have (TF's conv2d_transpose)
  const pads = resolvePads(op, padding, keras ? [kerasOut(0), kerasOut(1)] : size, kernel, stride, dilation);
  const full = (a: number) => (size[a] - 1) * stride[a] + span(a) - pads[2 * a] - pads[2 * a + 1];
  const outPad: [number, number] = keras ? [kerasOut(0) - full(0), kerasOut(1) - full(1)]
    : pair(op, 'outputPadding', opts.outputPadding ?? 0, 0);
  if (outPad[0] >= stride[0] || outPad[1] >= stride[1])
    throw new Error(`${op}: outputPadding [${outPad.join(',')}] must be below the stride [${stride.join(',')}]`);
  const outHW: [number, number] = [full(0) + outPad[0], full(1) + outPad[1]];
  if (outHW[0] < 1 || outHW[1] < 1)
    throw new Error(`${op}: pads [${pads.join(',')}] leave no output for a [${size.join(',')}] input and kernel [${kernel.join(',')}]`);
  return { geometry: [stride[0], stride[1], dilation[0], dilation[1], ...pads, groups], outPad, outHW };
}

/** x [B,Cin,H,W], w [Cin,Cout/groups,KH,KW], bias [Cout] or null -> y [B,Cout,Ho,Wo]. */
export function convTranspose2d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  const groups = groupsOf(op, opts.groups);
  checkRanks(op, x, w, bias, w.shape[1] * groups);
  const { geometry, outHW } = transposeGeometry(op, x.shape.slice(2), w.shape.slice(2), opts);
  return new ConvTranspose2dFn(geometry, [x.shape[0], w.shape[1] * groups, ...outHW]).apply(x, w, bias)[0];
}
