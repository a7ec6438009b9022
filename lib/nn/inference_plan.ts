// InferencePlan: a model's inference forward as one native call per batch (native/cpu/
// inference_plan.h). Layers add themselves (toPlan), the plan packs their weights once, and
// run() scores float32 windows straight from a Float32Array: no tensors, no tape, no per-op
// crossings. It is a snapshot: later changes to the layers' weights do not reach it. CPU and
// float32 only; a model on another device or dtype keeps its per-op forward.
import { native, NativeInferencePlan } from '../binding';
import type { Tensor } from '../tensor';

export class InferencePlan {
  private handle: NativeInferencePlan | null;

  /** Windows [batch, window, inputs] enter the plan. */
  constructor(readonly inputs: number, readonly window: number) {
    this.handle = new native.InferencePlan(inputs, window);
  }

  private live(): NativeInferencePlan {
    if (!this.handle) throw new Error('InferencePlan: used after dispose()');
    return this.handle;
  }

  /** One LSTM layer (weights in the lstm op's layout); lastOnly keeps only the final step. */
  lstm(wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null, lastOnly = false): this {
    this.live().addLstm(plain(wIh), plain(wHh), bIh && plain(bIh), bHh && plain(bHh), lastOnly);
    return this;
  }

  /** Over the last axis with fixed statistics: (x - mean) / sqrt(var + eps) * gamma + beta. */
  batchNorm(mean: Tensor, variance: Tensor, gamma: Tensor | null, beta: Tensor | null, eps: number): this {
    this.live().addBatchNorm(plain(mean), plain(variance), gamma && plain(gamma), beta && plain(beta), eps);
    return this;
  }

  /** x w^T + bias; w [out, in]. */
  linear(w: Tensor, bias: Tensor | null): this {
    this.live().addLinear(plain(w), bias && plain(bias));
    return this;
  }

  /** [batch, C] -> [batch, window, C], the same vector at every step. */
  repeat(): this {
    this.live().addRepeat();
    return this;
  }

  /** Values per window that run() writes. */
  outputSize(errors: boolean): number {
    return this.live().outputSize(errors);
  }

  /**
   * x: batch * window * inputs floats. Returns (or fills `out` with) the final activation of
   * each window, or with `errors` the mean over steps of (output - x)^2 per channel.
   */
  run(x: Float32Array, batch: number, errors: boolean, out?: Float32Array): Float32Array {
    const y = out ?? new Float32Array(batch * this.outputSize(errors));
    this.live().run(x, batch, errors, y);
    return y;
  }

  /**
   * The `batch` windows of consecutive rows of one series (rows: (batch + window - 1) * inputs
   * floats; window b starts at row b): run()'s results for them bit for bit, without copying
   * them, and with each row projected into the first LSTM once instead of once per window.
   * Needs a chain whose first step is an LSTM.
   */
  runSeries(rows: Float32Array, batch: number, errors: boolean, out?: Float32Array): Float32Array {
    const y = out ?? new Float32Array(batch * this.outputSize(errors));
    this.live().runSeries(rows, batch, errors, y);
    return y;
  }

  dispose(): void {
    this.handle?.free();
    this.handle = null;
  }
}

/** A plan reads weights as float32 host memory. */
function plain(t: Tensor) {
  if (t.device !== 'cpu' || t.dtype !== 'float32')
    throw new Error(`InferencePlan: weights must be float32 on the CPU, got ${t.dtype} on ${t.device}`);
  return t.native;
}
