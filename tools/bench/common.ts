// Shared pieces of the benchmarks' Vigil side: seeded inputs and the median time of a step.
import { Tensor, type Device } from '../../lib/tensor';
import { median } from './stats';

/** Uniform values in [-scale, scale) from a small LCG (no dependence on the engine's RNG). */
export function lcgTensor(shape: number[], seed: number, scale = 1, requiresGrad = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296 * 2 - 1) * scale;
  }
  return Tensor.fromArray(data, shape, { requiresGrad });
}

/** lcgTensor's values on `device` (the host copy freed). */
export function lcgTensorOn(shape: number[], seed: number, device: Device): Tensor {
  const host = lcgTensor(shape, seed);
  const t = host.to(device);
  if (t !== host) host.dispose();
  return t;
}

/** Median milliseconds of `step` over `reps` runs after `warmup` runs. */
export function medianMs(step: () => void, warmup: number, reps: number): number {
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    step();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}
