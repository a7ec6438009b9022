// Central-difference gradient check in float64: compares the analytical gradient of
// sum(f(inputs) * w), for fixed random weights w, with (L(x+h) - L(x-h)) / 2h per element.
import { Tensor, tidy } from '../tensor';
import { backward } from './engine';
import { noGrad } from './grad_mode';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the output weights. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytical - numerical| seen. */
  maxAbsError: number;
  /** The worst element, when any check failed. */
  failure?: { input: number; index: number; analytical: number; numerical: number };
}

function weights(n: number, seed: number): Float64Array {
  const w = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[i] = s / 4294967296 - 0.5;
  }
  return w;
}

/** fn must be deterministic; inputs are float64 leaves (those with requiresGrad are checked). */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  for (const x of inputs)
    if (x.dtype !== 'float64') throw new Error('gradcheck: inputs must be float64');

  const analytical = tidy(() => {
    for (const x of inputs) x.grad?.dispose(), (x.grad = null);
    const out = fn(...inputs);
    const w = Tensor.fromArray(weights(out.size, opts.seed ?? 7), out.shape, { dtype: 'float64' });
    backward(out, w);
    return inputs.map((x) => (x.requiresGrad && x.grad ? x.grad.toArray() : null));
  });

  const loss = (): number =>
    noGrad(() =>
      tidy(() => {
        const out = fn(...inputs);
        const w = weights(out.size, opts.seed ?? 7);
        const y = out.toArray();
        let s = 0;
        for (let i = 0; i < y.length; i++) s += y[i] * w[i];
        return s;
      }),
    );

  let maxAbsError = 0;
  let failure: GradcheckResult['failure'];
  let worstExcess = 0;
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    const a = analytical[k] ?? new Float64Array(x.size);
    const data = x.toArray();
    for (let i = 0; i < data.length; i++) {
      const orig = data[i];
      data[i] = orig + eps;
      x.assign(data);
      const up = loss();
      data[i] = orig - eps;
      x.assign(data);
      const down = loss();
      data[i] = orig;
      x.assign(data);
      const num = (up - down) / (2 * eps);
      const err = Math.abs(a[i] - num);
      maxAbsError = Math.max(maxAbsError, err);
      const excess = err - (atol + rtol * Math.abs(num));
      if (excess > worstExcess || Number.isNaN(err)) {
        worstExcess = Number.isNaN(err) ? Infinity : excess;
        failure = { input: k, index: i, analytical: a[i], numerical: num };
      }
    }
  });
  for (const x of inputs) x.grad?.dispose(), (x.grad = null);
  return { ok: failure === undefined, maxAbsError, failure };
}
