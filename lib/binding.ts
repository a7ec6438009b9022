// The only file that loads the native addon. Every native function is typed here; nothing else
// in lib/ touches the .node file. Descriptors follow native/include/vigil/ops.h exactly.
import { createRequire } from 'node:module';

import { findAddon } from './addon_location';

/** A native buffer. `free()` releases it at once; GC is only the backstop. */
export interface NativeStorage {
  free(): void;
  readonly nbytes: number;
  readonly freed: boolean;
}

/** dtype codes of vigil_dtype. */
export const DTYPE_CODE = { float32: 0, float64: 1 } as const;
/** device codes of vigil_device. */
export const DEVICE_CODE = { cpu: 0, cuda: 1 } as const;

/** What every native op reads for a tensor argument. */
export interface NativeTensor {
  readonly storage: NativeStorage;
  readonly dtype: 0 | 1;
  readonly device: 0 | 1;
  readonly shape: readonly number[];
  /**
   * [dtype, ndim, ...shape] as the addon reads it in one call (a tensor argument read field by
   * field cost more than a small op's arithmetic); descriptors made by `descriptor` carry it.
   */
  readonly meta?: Float64Array;
}

/** A tensor descriptor with its `meta`: the one way lib/ builds them. */
export function descriptor(storage: NativeStorage, dtype: 0 | 1, device: 0 | 1, shape: readonly number[]): NativeTensor {
  const meta = new Float64Array(2 + shape.length);
  meta[0] = dtype;
  meta[1] = shape.length;
  for (let k = 0; k < shape.length; k++) meta[2 + k] = shape[k];
  // Not enumerable: a copy made by spreading ({ ...d, shape }) drops it and is read field by field,
  // never with the meta of another shape.
  return Object.defineProperty({ storage, dtype, device, shape }, 'meta', { value: meta, enumerable: false }) as NativeTensor;
}
type T = NativeTensor;
type OptT = NativeTensor | null;
/** vigil_reduction */
export const REDUCTION = { mean: 0, sum: 1 } as const;
export type Reduction = keyof typeof REDUCTION;

export const BINARY_OP = { add: 0, sub: 1, mul: 2, div: 3, pow: 4 } as const;
export type BinaryOp = keyof typeof BINARY_OP;
export const UNARY_OP = {
  neg: 0, exp: 1, log: 2, sqrt: 3, tanh: 4, sigmoid: 5, relu: 6, leakyRelu: 7, elu: 8, selu: 9,
  softplus: 10, affine: 11, pows: 12, abs: 13, square: 14, hardSigmoid: 15,
} as const;
export type UnaryOp = keyof typeof UNARY_OP;
export const REDUCE_OP = { sum: 0, mean: 1, max: 2 } as const;
export type ReduceOp = keyof typeof REDUCE_OP;
export const RNG_DIST = { uniform: 0, normal: 1 } as const;
/** vigil_conv_lstm_cell */
export const CONV_LSTM_CELL = {
  plain: 0, 'input-attention': 1, 'self-attention-memory': 2, 'seed-self-attention-memory': 3,
} as const;
export type ConvLstmCell = keyof typeof CONV_LSTM_CELL;
/** vigil_conv_lstm_options */
export interface ConvLstmNativeOptions { cell: number; hardSigmoid: boolean }

/** The addon's handle of a native inference plan (vigil/inference_plan.h); see lib/nn/inference_plan.ts. */
export interface NativeInferencePlan {
  addLstm(wIh: NativeTensor, wHh: NativeTensor, bIh: NativeTensor | null, bHh: NativeTensor | null, lastOnly: boolean): void;
  addBatchNorm(mean: NativeTensor, variance: NativeTensor, gamma: NativeTensor | null, beta: NativeTensor | null, eps: number): void;
  addLinear(w: NativeTensor, bias: NativeTensor | null): void;
  addRepeat(): void;
  outputSize(errors: boolean): number;
  run(x: Float32Array, batch: number, errors: boolean, out: Float32Array): void;
  runSeries(rows: Float32Array, batch: number, errors: boolean, out: Float32Array): void;
  free(): void;
}

export interface NativeBinding {
  InferencePlan: new (inputs: number, window: number) => NativeInferencePlan;
  /** zeroed: host storage filled with zero bytes in the same call (ignored for CUDA). */
  alloc(device: 0 | 1, nbytes: number, zeroed?: boolean): NativeStorage;
  write(t: T, src: Float32Array | Float64Array): void;
  read(t: T, dst: Float32Array | Float64Array): void;
  fill(y: T, value: number): void;
  copy(x: T, y: T): void;
  cast(x: T, y: T): void;
  /** Returns the Philox blocks consumed: the caller advances its offset by it. */
  randomFill(y: T, dist: number, a: number, b: number, seed: number, offset: number): number;
  /** Bytes and buffers in use, and bytes the caching allocators keep for reuse. */
  memory(): {
    cpuBytes: number; cpuBuffers: number; cudaBytes: number; cudaBuffers: number;
    cpuCachedBytes: number; cudaCachedBytes: number;
    /** External memory as this isolate's V8 counts it: host memory Vigil holds from the system (cache included), device memory in use, and any other addon's reports. */
    v8ExternalBytes: number;
  };
  /** Returns the caching allocators' spare blocks to the system (CPU) and the driver (CUDA). */
  releaseCached(): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /**
   * cudaCompiled: CUDA kernels are in this build; cudaDevices: usable devices (0 without a GPU,
   * a driver, or kernels for the GPU's architecture); cudaInfo: one line with the runtime and
   * driver versions and the device, or why none is usable; cpuTarget: the CPU the kernels were
   * compiled for (CMake's VIGIL_CPU_TARGET: native, x86-64-v3, x86-64 or generic).
   */
  buildInfo(): { cudaCompiled: boolean; cudaDevices: number; cudaInfo: string; threads: number; cpuTarget: string };
  /** Whether this build has a kernel for an op family ('matmul', 'lstm', ...) on a device. */
  supports(op: string, device: 0 | 1): boolean;
  /**
   * TF32 tensor cores for f32 GEMMs on CUDA (relative error ~1e-3; off by default, on with
   * VIGIL_CUDA_TF32=1). Returns the previous setting; no effect without CUDA.
   */
  cudaSetTf32(enable: boolean): boolean;

  matmulForward(a: T, b: T, y: T, transA: boolean, transB: boolean): void;
  matmulBackward(a: T, b: T, dy: T, da: OptT, db: OptT, transA: boolean, transB: boolean): void;
  linearForward(x: T, w: T, bias: OptT, y: T): void;
  linearBackward(x: T, w: T, dy: T, dx: OptT, dw: OptT, dbias: OptT): void;
  binaryForward(op: number, a: T, b: T, y: T): void;
  binaryBackward(op: number, a: T, b: T, dy: T, da: OptT, db: OptT): void;
  unaryForward(op: number, x: T, y: T, p0: number, p1: number): void;
  unaryBackward(op: number, x: T, y: T, dy: T, dx: T, p0: number, p1: number): void;
  reduceForward(op: number, x: T, axesMask: number, y: T): void;
  reduceBackward(op: number, x: T, y: T, dy: T, axesMask: number, dx: T): void;
  softmaxForward(x: T, axis: number, log: boolean, y: T): void;
  softmaxBackward(y: T, dy: T, axis: number, log: boolean, dx: T): void;
  permuteForward(x: T, perm: readonly number[], y: T): void;
  permuteBackward(dy: T, perm: readonly number[], dx: T): void;
  axisCopy(src: T, srcStart: number, dst: T, dstStart: number, axis: number, len: number,
    accumulate: boolean): void;
  repeatForward(x: T, repeats: readonly number[], y: T): void;
  repeatBackward(dy: T, repeats: readonly number[], dx: T): void;

  lstmForward(x: T, wIh: T, wHh: T, bIh: OptT, bHh: OptT, h0: OptT, c0: OptT, y: T, hN: T, cN: T,
    gates: OptT, cells: OptT): void;
  lstmBackward(x: T, wIh: T, wHh: T, h0: OptT, c0: OptT, y: T, gates: T, cells: T, dy: OptT,
    dhN: OptT, dcN: OptT, dx: OptT, dwIh: OptT, dwHh: OptT, dbIh: OptT, dbHh: OptT, dh0: OptT,
    dc0: OptT): void;
  causalConv1dForward(x: T, w: T, bias: OptT, dilation: number, y: T): void;
  causalConv1dBackward(x: T, w: T, dy: T, dilation: number, dx: OptT, dw: OptT, dbias: OptT): void;
  /** geometry: [strideH, strideW, dilationH, dilationW, padTop, padBottom, padLeft, padRight, groups] */
  conv2dForward(x: T, w: T, bias: OptT, geometry: readonly number[], y: T): void;
  conv2dBackward(x: T, w: T, dy: T, geometry: readonly number[], dx: OptT, dw: OptT, dbias: OptT): void;
  convTranspose2dForward(x: T, w: T, bias: OptT, geometry: readonly number[], y: T): void;
  convTranspose2dBackward(x: T, w: T, dy: T, geometry: readonly number[], dx: OptT, dw: OptT,
    dbias: OptT): void;
  /** params/dparams in the cell's order (vigil/ops.h, conv_lstm); saved from convLstmSavedSize */
  convLstmForward(opts: ConvLstmNativeOptions, x: T, params: readonly OptT[], xMask: OptT, h0: OptT,
    c0: OptT, y: T, cN: OptT, saved: OptT): void;
  convLstmBackward(opts: ConvLstmNativeOptions, x: T, params: readonly OptT[], xMask: OptT,
    h0: OptT, c0: OptT, y: T, saved: T, dy: T, dx: OptT, dparams: readonly OptT[], dh0: OptT,
    dc0: OptT): void;
  convLstmSavedSize(opts: ConvLstmNativeOptions, B: number, T: number, F: number, H: number, W: number): number;
  batchNormForward(x: T, axis: number, gamma: OptT, beta: OptT, runningMean: OptT,
    runningVar: OptT, training: boolean, momentum: number, eps: number, y: T, saveMean: OptT,
    saveInvstd: OptT): void;
  batchNormBackward(x: T, axis: number, gamma: OptT, saveMean: T, saveInvstd: T, dy: T,
    training: boolean, dx: OptT, dgamma: OptT, dbeta: OptT): void;
  dropoutForward(x: T, p: number, seed: number, offset: number, y: T, mask: T): void;
  dropoutBackward(dy: T, mask: T, dx: T): void;
  reparamSampleForward(mu: T, logvar: T, seed: number, offset: number, z: T, eps: T): void;
  reparamSampleBackward(logvar: T, eps: T, dz: T, dmu: OptT, dlogvar: OptT): void;

  mseForward(pred: T, target: T, reduction: number, y: T): void;
  mseBackward(pred: T, target: T, dy: T, reduction: number, dpred: OptT, dtarget: OptT): void;
  klNormalForward(mu: T, logvar: T, reduction: number, y: T): void;
  klNormalBackward(mu: T, logvar: T, dy: T, reduction: number, dmu: OptT, dlogvar: OptT): void;
  bceWithLogitsForward(logits: T, target: T, reduction: number, y: T): void;
  bceWithLogitsBackward(logits: T, target: T, dy: T, reduction: number, dlogits: OptT,
    dtarget: OptT): void;
  gaussianNllForward(x: T, mu: T, logvar: T, reduction: number, y: T): void;
  gaussianNllBackward(x: T, mu: T, logvar: T, dy: T, reduction: number, dx: OptT, dmu: OptT,
    dlogvar: OptT): void;
  /** vmax: AMSGrad's running maximum of v (null: plain Adam). */
  adamStep(param: T, grad: T, m: T, v: T, vmax: OptT, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, step: number, decoupled: boolean): void;
  sgdStep(param: T, grad: T, momentumBuf: OptT, lr: number, momentum: number, weightDecay: number,
    nesterov: boolean, firstStep: boolean): void;
  sumSquares(x: T): number;
  scaleInplace(x: T, alpha: number): void;
  /** average += (1 - decay) (param - average), in place. */
  emaUpdate(average: T, param: T, decay: number): void;
}

const requireNative = createRequire(__filename);
/** The file the addon was loaded from (a source build, or a prebuilt binary: lib/addon_location.ts). */
export const addonPath = findAddon();
/**
 * The calling convention this file speaks (native/addon/common.h, kInterfaceVersion): an addon
 * built from older sources would take the arguments it does not know for something else (alloc's
 * zeroed flag ignored leaves garbage where zeros were asked for), so it is refused.
 */
export const ADDON_INTERFACE = 2;
export const native: NativeBinding = checkedAddon(requireNative(addonPath), addonPath);

/** The loaded addon, or an error naming its file when it speaks another interface. */
export function checkedAddon(addon: { interfaceVersion?: unknown }, path: string): NativeBinding {
  if (addon.interfaceVersion !== ADDON_INTERFACE)
    throw new Error(`the native addon at ${path} speaks interface ${String(addon.interfaceVersion ?? 1)}, this vigil-ad needs ` +
      `${ADDON_INTERFACE}: it was built from older sources. Rebuild it (npm run build:native) or point VIGIL_ADDON at a current build`);
  return addon as NativeBinding;
}
