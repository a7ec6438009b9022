// Tensor: a shape, a dtype, a device and a reference to native storage, plus the autograd
// fields. Storage is freed deterministically by dispose() or a tidy() scope; views (reshape,
// detach) share storage through a reference count.
//
// Two methods belong to layers above this file: reshape (a view recorded on the tape) and
// backward (the tape engine). Those layers import Tensor, so Tensor cannot import them back
// without a cycle; instead they fill the hooks below when they load (autograd/view.ts and
// autograd/engine.ts, which every op loads through autograd/function.ts).
import { descriptor, DEVICE_CODE, DTYPE_CODE, native, NativeStorage, NativeTensor } from './binding';

export type DType = 'float32' | 'float64';
export type Device = 'cpu' | 'cuda';
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
export type Shape = readonly number[];

/**
 * A node of the autograd tape as the engine sees it: autograd/function.ts's Function implements
 * it. Declared here so that Tensor.gradFn is typed without importing autograd.
 */
export interface GradNode {
  /** The op's name in error messages. */
  readonly name: string;
  /** Inputs as given to apply (null for absent optional inputs). */
  inputs: (Tensor | null)[];
  outputs: Tensor[];
  /** Per input: does it want a gradient? */
  needsInputGrad: boolean[];
  /** Adds each input's gradient into gradInputs[i] (null when input i wants none). */
  backward(gradOutputs: (Tensor | null)[], gradInputs: (Tensor | null)[]): void;
  /** Frees the buffers saved for backward. */
  release(): void;
}

/** The implementations of Tensor methods that live above this file (see the top). */
export interface TensorHooks {
  reshape(x: Tensor, shape: Shape): Tensor;
  backward(root: Tensor, gradient?: Tensor, opts?: BackwardOptions): void;
}

/** Options of a backward pass (autograd/engine). */
export interface BackwardOptions {
  /** Keep the saved buffers so backward can run again through the same graph. */
  retainGraph?: boolean;
  /**
   * The leaves that receive gradients (as PyTorch's `backward(inputs=...)`); other leaves' .grad
   * stay as they are, and no node whose outputs lead to none of these is backpropagated (no
   * dW for another player's weights). Default: every leaf that requires grad.
   */
  inputs?: readonly Tensor[];
}

const hooks: Partial<TensorHooks> = {};
const hookHome: Record<keyof TensorHooks, string> = { reshape: 'autograd/view', backward: 'autograd/engine' };

/** Installs one of Tensor's upper-layer methods; called once by the module that implements it. */
export function setTensorHook<K extends keyof TensorHooks>(name: K, fn: TensorHooks[K]): void {
  hooks[name] = fn;
}

function hook<K extends keyof TensorHooks>(name: K): TensorHooks[K] {
  const fn = hooks[name];
  if (!fn) throw new Error(`Tensor.${name}: lib/${hookHome[name]} is not loaded; import 'vigil-ad' (or any op, or lib/autograd/function) first`);
  return fn as TensorHooks[K];
}

class StorageRef {
  private refs = 1;
  constructor(readonly handle: NativeStorage) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.handle.free();
  }
  /** Other tensors (views) use this storage too. */
  get shared(): boolean {
    return this.refs > 1;
  }
}

/** The allocation budget in force (withAllocationBudget), or null. */
let budget: { left: number; message: string } | null = null;

/**
 * Runs fn allowing at most `bytes` of tensor storage to be allocated in total (frees do not give
 * any back); an allocation beyond it throws `message` before it is made. For building things whose
 * sizes come from untrusted input (a bundle's config), so a lie costs an error, not gigabytes.
 */
export function withAllocationBudget<R>(bytes: number, message: string, fn: () => R): R {
  const outer = budget;
  budget = { left: Math.min(bytes, outer ? outer.left : Infinity), message };
  try {
    return fn();
  } finally {
    if (outer) outer.left -= Math.min(bytes, outer.left) - budget.left;
    budget = outer;
  }
}

function spend(bytes: number): void {
  if (!budget) return;
  if (bytes > budget.left) throw new Error(`${budget.message} (an allocation of ${bytes} bytes is over the ${budget.left} left)`);
  budget.left -= bytes;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShape(shape: Shape, what = 'shape'): void {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what} [${shape.join(',')}]: sizes must be non-negative integers`);
  if (shape.length > 8) throw new Error(`${what} [${shape.join(',')}]: at most 8 dims`);
}

// ------------------------------------------------------------------ devices

let cudaState: { cudaCompiled: boolean; cudaDevices: number; cudaInfo: string } | null = null;

/** Throws an error naming `vigil info` when this build or machine cannot hold tensors on `device`. */
export function requireDevice(device: Device): void {
  if (device === 'cpu') return;
  if (device !== 'cuda') throw new Error(`unknown device '${String(device)}' (use 'cpu' or 'cuda')`);
  cudaState ??= native.buildInfo();
  if (!cudaState.cudaCompiled)
    throw new Error("device 'cuda': this build of Vigil has no CUDA kernels (rebuild with VIGIL_CUDA=ON " +
      'where nvcc is installed); run `vigil info` to see what this build supports');
  if (cudaState.cudaDevices === 0)
    throw new Error(`device 'cuda': no usable CUDA device (${cudaState.cudaInfo}); run \`vigil info\` for details`);
}

// ------------------------------------------------------------------ tidy scopes

const scopes: Set<Tensor>[] = [];

/**
 * Runs fn and disposes every tensor created inside it, except what fn returns (a tensor, or
 * tensors inside returned arrays/plain objects) and tensors passed to keep(). Synchronous
 * functions only: a scope cannot follow an await.
 */
export function tidy<R>(fn: () => R): R {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Exempts t from the tidy scope it was made in (it lives until disposed). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Runs fn with tensor tracking off: what it creates belongs to no scope. */
export function untracked<R>(fn: () => R): R {
  const saved = scopes.splice(0, scopes.length);
  try {
    return fn();
  } finally {
    scopes.push(...saved);
  }
}

function collectTensors(v: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || v === null || typeof v !== 'object') return;
  if (v instanceof Tensor) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collectTensors(x, out, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype)
    for (const x of Object.values(v as object)) collectTensors(x, out, depth + 1);
}

// ------------------------------------------------------------------ Tensor

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Leaves with requiresGrad receive .grad from backward(). */
  requiresGrad = false;
  grad: Tensor | null = null;
  /** The Function that produced this tensor (null for leaves). */
  gradFn: GradNode | null = null;
  /** Which output of gradFn this is. */
  outputIndex = 0;
  private ref: StorageRef | null;
  private desc: NativeTensor | null = null;
  private deviceValue: Device;

  private constructor(ref: StorageRef, shape: Shape, dtype: DType, device: Device) {
    this.ref = ref;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.deviceValue = device;
    scopes[scopes.length - 1]?.add(this);
  }

  /** Uninitialised storage. */
  static empty(shape: Shape, opts: TensorOptions = {}): Tensor {
    return Tensor.allocate(shape, opts, false);
  }

  static full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
    // Host zeros come from the allocation itself (one native call instead of two: gradient
    // buffers are the commonest allocation of a training step). +0 only: -0 has its sign bit set.
    if (value === 0 && !Object.is(value, -0) && (opts.device ?? 'cpu') === 'cpu') return Tensor.allocate(shape, opts, true);
    const t = Tensor.empty(shape, opts);
    native.fill(t.native, value);
    return t;
  }

  private static allocate(shape: Shape, opts: TensorOptions, zeroed: boolean): Tensor {
    checkShape(shape);
    const dtype = opts.dtype ?? 'float32';
    const device = opts.device ?? 'cpu';
    requireDevice(device);
    const bytes = sizeOf(shape) * (dtype === 'float64' ? 8 : 4);
    spend(bytes);
    const t = new Tensor(new StorageRef(native.alloc(DEVICE_CODE[device], bytes, zeroed)), shape, dtype, device);
    t.requiresGrad = opts.requiresGrad ?? false;
    return t;
  }

  static zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 0, opts);
  }

  static ones(shape: Shape, opts: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 1, opts);
  }

  static scalar(value: number, opts: TensorOptions = {}): Tensor {
    return Tensor.full([], value, opts);
  }

  /** Copies data (row-major) into a new tensor of this shape. */
  static fromArray(data: ArrayLike<number>, shape: Shape, opts: TensorOptions = {}): Tensor {
    checkShape(shape);
    if (data.length !== sizeOf(shape))
      throw new Error(`fromArray: ${data.length} values do not fill shape [${shape.join(',')}] (${sizeOf(shape)})`);
    const t = Tensor.empty(shape, opts);
    const host = t.dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data);
    native.write(t.native, host);
    return t;
  }

  get size(): number {
    return sizeOf(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get disposed(): boolean {
    return this.ref === null;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Where the storage lives; changes only through moveTo(). */
  get device(): Device {
    return this.deviceValue;
  }

  /** The descriptor native ops read. */
  get native(): NativeTensor {
    if (!this.ref) throw new Error(`tensor [${this.shape.join(',')}] was disposed`);
    if (!this.desc)
      this.desc = descriptor(this.ref.handle, DTYPE_CODE[this.dtype], DEVICE_CODE[this.device], this.shape);
    return this.desc;
  }

  /** Host copy of the data. */
  toArray(): Float32Array | Float64Array {
    const out = this.dtype === 'float64' ? new Float64Array(this.size) : new Float32Array(this.size);
    native.read(this.native, out);
    return out;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor [${this.shape.join(',')}] has ${this.size} elements, not 1`);
    return this.toArray()[0];
  }

  /** Overwrites the data from a host array of the same length. */
  assign(data: ArrayLike<number>): this {
    if (data.length !== this.size) throw new Error(`assign: ${data.length} values for a tensor of ${this.size}`);
    native.write(this.native, this.dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data));
    return this;
  }

  /** A tensor sharing this storage with another shape (no gradient link; see ops/reshape). */
  view(shape: Shape): Tensor {
    const resolved = resolveShape(this.shape, shape);
    if (!this.ref) throw new Error('view of a disposed tensor');
    return new Tensor(this.ref.retain(), resolved, this.dtype, this.device);
  }

  /** reshape with gradient flow (see ops/reshape); one dim may be -1. */
  reshape(shape: Shape): Tensor {
    return hook('reshape')(this, shape);
  }

  /** Same storage, cut from the graph. */
  detach(): Tensor {
    return this.view(this.shape);
  }

  /** A copy with its own storage (no gradient link). */
  clone(): Tensor {
    const t = Tensor.empty(this.shape, { dtype: this.dtype, device: this.device });
    native.copy(this.native, t.native);
    return t;
  }

  /**
   * This tensor on another device: a copy through host memory (no gradient link, requiresGrad
   * off), or this tensor itself when it is already there. Throws an error naming `vigil info`
   * when CUDA is not compiled in or no CUDA device is usable.
   */
  to(device: Device): Tensor {
    if (device === this.device) return this;
    requireDevice(device);
    const t = Tensor.empty(this.shape, { dtype: this.dtype, device });
    try {
      native.write(t.native, this.toArray());
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /**
   * Moves this tensor's storage to `device` in place and returns it: the same object, data,
   * requiresGrad and gradient (moved along), so layers and optimisers that hold the tensor see
   * the move. For leaves that own their storage, such as parameters and buffers (Module.to);
   * an op's output (its graph saved tensors on the old device) or a tensor sharing storage with
   * views cannot move: use to() for a copy. Throws like to() when the device is not usable;
   * nothing has changed when it throws.
   */
  moveTo(device: Device): this {
    if (device === this.deviceValue) return this;
    const what = `moveTo('${device}'): tensor [${this.shape.join(',')}]`;
    if (!this.ref) throw new Error(`${what} was disposed`);
    if (this.gradFn) throw new Error(`${what} is the output of an op (only leaves move in place; to() copies)`);
    if (this.ref.shared) throw new Error(`${what} shares its storage with views (only a tensor that owns its storage moves in place)`);
    if (this.grad?.ref?.shared) throw new Error(`${what}: its gradient shares storage with views`);
    requireDevice(device);
    const bytes = this.size * (this.dtype === 'float64' ? 8 : 4);
    spend(bytes);
    const ref = new StorageRef(native.alloc(DEVICE_CODE[device], bytes));
    try {
      native.write(descriptor(ref.handle, DTYPE_CODE[this.dtype], DEVICE_CODE[device], this.shape), this.toArray());
    } catch (e) {
      ref.release();
      throw e;
    }
    this.ref.release();
    this.ref = ref;
    this.deviceValue = device;
    this.desc = null;
    this.grad?.moveTo(device);
    return this;
  }

  /** A copy in another dtype (no gradient link). */
  toDType(dtype: DType): Tensor {
    const t = Tensor.empty(this.shape, { dtype, device: this.device });
    native.cast(this.native, t.native);
    return t;
  }

  /** Backpropagates from this tensor (see autograd/engine); opts.inputs limits which leaves get gradients. */
  backward(gradient?: Tensor, opts?: BackwardOptions): void {
    hook('backward')(this, gradient, opts);
  }

  /** Frees the storage (shared views keep it alive until they are disposed too). */
  dispose(): void {
    if (!this.ref) return;
    this.ref.release();
    this.ref = null;
    this.desc = null;
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(',')}]${this.device === 'cpu' ? '' : ', ' + this.device})`;
  }
}

/** Resolves one -1 in `shape` against the size of `from`. */
export function resolveShape(from: Shape, shape: Shape): number[] {
  const total = sizeOf(from);
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free >= 0) {
    const rest = sizeOf(out.filter((_, i) => i !== free));
    if (rest === 0 || total % rest !== 0)
      throw new Error(`reshape: cannot reshape [${from.join(',')}] to [${shape.join(',')}]`);
    out[free] = total / rest;
  }
  checkShape(out);
  if (sizeOf(out) !== total) throw new Error(`reshape: cannot reshape [${from.join(',')}] (${total} elements) to [${shape.join(',')}]`);
  return out;
}
