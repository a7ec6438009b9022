// Exponential moving averages of a model's parameters (Polyak averaging, as TensorFlow's
// ExponentialMovingAverage without num_updates): after every training step
//   average -= (1 - decay) * (average - parameter),
// computed on the parameters' device with native kernels (no host round trip per step).
// GANs such as ALAD score with the averages; swap() exchanges averages and raw weights in place
// (copies, so swapping twice restores both bit for bit and optimisers keep their tensors).
import { descriptor, native, NativeTensor } from '../binding';
import type { Module, TensorData } from '../nn/module';
import { Tensor, untracked } from '../tensor';

export class Ema {
  /** Parameter name -> [the parameter, its average]. */
  private readonly entries: [string, Tensor, Tensor][];
  private scratch: Tensor | null = null;
  private swapped = false;

  /** Averages start equal to the parameters' current values. */
  constructor(model: Module, readonly decay: number) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`Ema: decay must be in [0, 1), got ${decay}`);
    this.entries = model.namedParameters().map(([name, p]) => [name, p, untracked(() => p.clone())]);
  }

  /** Parameter names, in the model's order (the checkpoint's names for the averages). */
  get names(): string[] {
    return this.entries.map(([n]) => n);
  }

  /** One step of the recurrence for every parameter. */
  update(): void {
    if (this.swapped) throw new Error('Ema.update: the averages are swapped in; swap back first');
    for (const [, p, avg] of this.entries) native.emaUpdate(avg.native, p.native, this.decay); // avg += (1 - decay)(p - avg)
  }

  /** Exchanges the averages and the raw weights in place; calling it again undoes it. */
  swap(): void {
    for (const [, p, avg] of this.entries) {
      const [param, tmp] = this.flatPair(p);
      const average = flat(avg.native, avg.size);
      native.copy(param, tmp);
      native.copy(average, param);
      native.copy(tmp, average);
    }
    this.swapped = !this.swapped;
  }

  /** Whether the parameters hold the averages right now. */
  get inUse(): boolean {
    return this.swapped;
  }

  /** Runs fn (sync or async) with the averages in the parameters, then puts the raw weights back. */
  withAverages<R>(fn: () => R): R {
    this.swap();
    let r: R;
    try {
      r = fn();
    } catch (e) {
      this.swap();
      throw e;
    }
    if (r instanceof Promise) return r.finally(() => this.swap()) as R;
    this.swap();
    return r;
  }

  /** Overwrites the parameters with the averages for good (the raw weights are dropped). */
  loadIntoParameters(): void {
    if (this.swapped) return void (this.swapped = false); // already there; the raw weights sit in avg
    for (const [, p, avg] of this.entries) native.copy(avg.native, p.native);
  }

  /** Host copies of the averages by parameter name. */
  stateDict(): Map<string, TensorData> {
    return new Map(this.entries.map(([n, , avg]) => [n, { shape: [...avg.shape], data: avg.toArray() }]));
  }

  /** Restores averages saved by stateDict (every name and shape must match). */
  loadStateDict(state: Map<string, TensorData>): void {
    const problems: string[] = [];
    for (const [n, , avg] of this.entries) {
      const s = state.get(n);
      if (!s) problems.push(`missing average "${n}"`);
      else if (s.data.length !== avg.size || s.shape.length !== avg.shape.length || s.shape.some((d, i) => d !== avg.shape[i]))
        problems.push(`average "${n}" is [${s.shape.join(',')}], the parameter is [${avg.shape.join(',')}]`);
    }
    for (const n of state.keys()) if (!this.entries.some(([m]) => m === n)) problems.push(`unexpected average "${n}"`);
    if (problems.length) throw new Error(`Ema.loadStateDict: ${problems.join('; ')}`);
    for (const [n, , avg] of this.entries) avg.assign(state.get(n)!.data);
  }

  dispose(): void {
    for (const [, , avg] of this.entries) avg.dispose();
    this.scratch?.dispose();
    this.scratch = null;
  }

  /** p's storage as a flat native tensor, and a scratch of the same length (one buffer, reused). */
  private flatPair(p: Tensor): [NativeTensor, NativeTensor] {
    if (!this.scratch || this.scratch.size < p.size || this.scratch.dtype !== p.dtype || this.scratch.device !== p.device) {
      this.scratch?.dispose();
      const size = Math.max(...this.entries.map(([, q]) => q.size));
      this.scratch = untracked(() => Tensor.empty([size], { dtype: p.dtype, device: p.device }));
    }
    return [flat(p.native, p.size), flat(this.scratch.native, p.size)];
  }
}

function flat(t: NativeTensor, n: number): NativeTensor {
  return descriptor(t.storage, t.dtype, t.device, [n]);
}
