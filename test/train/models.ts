// Small models and data for the fit tests (also loaded by the child process and the worker).
import { BatchNorm1d, Dropout, Linear, LSTM, Module } from '../../lib/nn';
import { add, mul } from '../../lib/ops/elementwise';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import { FitData, fromSources, SampleSource } from '../../lib/train/data';

/** LSTM -> BatchNorm -> Dropout -> Linear: weights, buffers, optimiser state and a dropout stream. */
export class SeqNet extends Module {
  readonly lstm: LSTM;
  readonly bn: BatchNorm1d;
  readonly drop: Dropout;
  readonly fc: Linear;
  constructor(features: number, hidden: number, gen: Generator, dropGen: Generator, p = 0.2) {
    super();
    this.lstm = this.registerModule('lstm', new LSTM(features, hidden, { generator: gen }));
    this.bn = this.registerModule('bn', new BatchNorm1d(hidden, { channelAxis: -1 }));
    this.drop = this.registerModule('drop', new Dropout(p, dropGen));
    this.fc = this.registerModule('fc', new Linear(hidden, features, { generator: gen }));
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.drop.forward(this.bn.forward(this.lstm.forward(x).output)));
  }
}

/** A model that outputs one learnt vector w [F] for every position (y = 0*x + w). */
export class ConstNet extends Module {
  readonly w: Tensor;
  constructor(features: number) {
    super();
    this.w = this.registerParameter('w', Tensor.zeros([features]));
  }
  forward(x: Tensor): Tensor {
    return add(mul(x, 0), this.w);
  }
}

/** y = 0*x + w + s: a vector w [F] and a scalar s [1], so two gradients of different norms. */
export class TwoParamNet extends Module {
  readonly w: Tensor;
  readonly s: Tensor;
  constructor(features: number) {
    super();
    this.w = this.registerParameter('w', Tensor.zeros([features]));
    this.s = this.registerParameter('s', Tensor.zeros([1]));
  }
  forward(x: Tensor): Tensor {
    return add(add(mul(x, 0), this.w), this.s);
  }
}

/** A little deterministic pseudo-random sequence (no native code) for synthetic data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Windows [T, F] cut from a row-major series data [rows, F] at the given starts. */
export function windowSource(data: Float32Array, features: number, window: number, starts: number[]): SampleSource {
  return {
    count: starts.length,
    batch(indices) {
      const out = new Float32Array(indices.length * window * features);
      for (let i = 0; i < indices.length; i++) {
        const s = starts[indices[i]];
        out.set(data.subarray(s * features, (s + window) * features), i * window * features);
      }
      return out;
    },
  };
}

/** Noisy sines over F channels; windows of length T with stride 1; the last `valRows` rows validate. */
export function sineData(rows: number, features: number, window: number, valRows: number, seed = 1, noise = 0.1): FitData {
  const rnd = lcg(seed);
  const data = new Float32Array(rows * features);
  for (let t = 0; t < rows; t++)
    for (let c = 0; c < features; c++) data[t * features + c] = Math.sin(0.3 * t * (c + 1) + c) + noise * (rnd() - 0.5);
  const split = rows - valRows;
  const starts = (a: number, b: number) => Array.from({ length: b - a - window + 1 }, (_, i) => a + i);
  return fromSources([window, features], windowSource(data, features, window, starts(0, split)),
    windowSource(data, features, window, starts(split, rows)));
}

/** Constant windows: training samples all `trainValue`, validation samples all `valValue`. */
export function constData(features: number, window: number, trainValue: number, valValue: number, n = 8): FitData {
  const fill = (v: number): SampleSource => ({ count: n, batch: (idx) => new Float32Array(idx.length * window * features).fill(v) });
  return fromSources([window, features], fill(trainValue), fill(valValue));
}

/** Host copies of a module's state, for exact comparisons. */
export function weightsOf(m: Module): Record<string, number[]> {
  return Object.fromEntries([...m.stateDict()].map(([k, t]) => [k, Array.from(t.toArray())]));
}

/** History without the timings (everything else must repeat exactly). */
export function losses(h: { seconds: number }[]): unknown[] {
  return h.map(({ seconds: _s, ...rest }) => rest);
}

/** The raw bytes of every state tensor (base64), for bit-for-bit comparisons across processes. */
export function weightBytes(m: Module): Record<string, string> {
  return Object.fromEntries([...m.stateDict()].map(([k, t]) => {
    const a = t.toArray();
    return [k, Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')];
  }));
}
