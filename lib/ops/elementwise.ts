// Element-wise ops over native.binary* / native.unary*: binary ops broadcast numpy-style (the
// gradient of a stretched input is summed natively), unary ops are the activations of ops.h.
// A number on either side of a binary op takes a unary fast path (AFFINE, POWS) where one
// exists; otherwise it becomes a scalar tensor owned, and freed, by the node.
import { Function } from '../autograd/function';
import { BINARY_OP, BinaryOp, native, UNARY_OP, UnaryOp } from '../binding';
import { Shape, Tensor } from '../tensor';

export type Operand = Tensor | number;

const fmt = (s: Shape): string => `[${s.join(',')}]`;

/** The numpy broadcast of two shapes: right-aligned, a dim of 1 stretches. */
export function broadcastShape(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < r; k++) {
    const da = a[k - (r - a.length)] ?? 1;
    const db = b[k - (r - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast (dim ${k - r}: ${da} vs ${db})`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

class BinaryFn extends Function {
  constructor(private readonly op: BinaryOp, private readonly scalarOperand: Tensor | null = null) {
    super();
  }
  override get name(): string {
    return this.op;
  }
  forward(a: Tensor, b: Tensor): Tensor[] {
    if (this.scalarOperand) this.saveOwned(this.scalarOperand);
    const y = Tensor.empty(broadcastShape(this.op, a.shape, b.shape), { dtype: a.dtype, device: a.device });
    native.binaryForward(BINARY_OP[this.op], a.native, b.native, y.native);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [da, db]: (Tensor | null)[]): void {
    if (!dy || (!da && !db)) return;
    const [a, b] = this.inputs as Tensor[];
    native.binaryBackward(BINARY_OP[this.op], a.native, b.native, dy.native, da?.native ?? null, db?.native ?? null);
  }
}

class UnaryFn extends Function {
  private y: Tensor | null = null;
  constructor(private readonly op: UnaryOp, private readonly p0 = 0, private readonly p1 = 0) {
    super();
  }
  override get name(): string {
    return this.op;
  }
  forward(x: Tensor): Tensor[] {
    const y = Tensor.empty(x.shape, { dtype: x.dtype, device: x.device });
    native.unaryForward(UNARY_OP[this.op], x.native, y.native, this.p0, this.p1);
    // several backwards read y (exp, tanh, sigmoid, ...): keep the storage even if y is disposed
    if (this.needsInputGrad[0]) this.y = this.saveOwned(y.view(y.shape));
    return [y];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    if (!dy || !dx) return;
    native.unaryBackward(UNARY_OP[this.op], this.inputs[0]!.native, this.y!.native, dy.native, dx.native,
      this.p0, this.p1);
  }
}

function unary(op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor`);
  return new UnaryFn(op, p0, p1).apply(x)[0];
}

function binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  if (typeof b === 'number') {
    const x = a as Tensor;
    switch (op) {
      case 'add': return unary('affine', x, 1, b);
      case 'sub': return unary('affine', x, 1, -b);
      case 'mul': return unary('affine', x, b, 0);
      case 'div': return unary('affine', x, 1 / b, 0);
      case 'pow': return unary('pows', x, b);
    }
  }
  if (typeof a === 'number') {
    const x = b as Tensor;
    if (op === 'add') return unary('affine', x, 1, a);
    if (op === 'sub') return unary('affine', x, -1, a);
    if (op === 'mul') return unary('affine', x, a, 0);
    const s = Tensor.scalar(a, { dtype: x.dtype, device: x.device });
    return new BinaryFn(op, s).apply(s, x)[0];
  }
  if (a.dtype !== b.dtype || a.device !== b.device)
    throw new Error(`${op}: operands differ in dtype or device (a ${fmt(a.shape)} ${a.dtype} ${a.device}, b ${fmt(b.shape)} ${b.dtype} ${b.device})`);
  broadcastShape(op, a.shape, b.shape); // fail before recording anything
  return new BinaryFn(op).apply(a, b)[0];
}

/** a + b (broadcasting; either may be a number) */
export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
/** a - b */
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
/** a * b */
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
/** a / b (a tensor divided by a number multiplies by its reciprocal) */
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
/** a ^ b; da = b a^(b-1), db = a^b ln a */
export const pow = (a: Operand, b: Operand): Tensor => binary('pow', a, b);

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** |x| (gradient 0 at 0) */
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** 1 / (1 + e^-x), computed without overflow */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** x > 0 ? x : slope * x */
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => unary('leakyRelu', x, slope);
/** x > 0 ? x : alpha * (e^x - 1) */
export const elu = (x: Tensor, alpha = 1): Tensor => unary('elu', x, alpha);
/** 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (e^x - 1)) */
export const selu = (x: Tensor): Tensor => unary('selu', x);
/** ln(1 + e^x), computed without overflow */
export const softplus = (x: Tensor): Tensor => unary('softplus', x);
/** clip(slope * x + shift, 0, 1): ONNX HardSigmoid; the defaults are Keras' (0.2, 0.5) */
export const hardSigmoid = (x: Tensor, slope = 0.2, shift = 0.5): Tensor => unary('hardSigmoid', x, slope, shift);
/** scale * x + shift */
export const affine = (x: Tensor, scale: number, shift: number): Tensor => unary('affine', x, scale, shift);
