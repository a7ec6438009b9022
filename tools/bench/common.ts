// Shared pieces of the benchmarks: seeded inputs, medians, thread counts, throughput rows, and
// running the PyTorch peer.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { native } from '../../lib/binding';
import { Tensor, type Device } from '../../lib/tensor';

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

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
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

/** Runs fn with each pool thread count in turn, then restores the count it found. */
export function forEachThreadCount(threadsList: number[], fn: (threads: number) => void): void {
  const before = native.getNumThreads();
  try {
    for (const threads of threadsList) {
      native.setNumThreads(threads);
      fn(threads);
    }
  } finally {
    native.setNumThreads(before);
  }
}

/** One line of a model benchmark: windows/second of Vigil and of the peer, and their ratio. */
export interface ModelBenchRow {
  name: string;
  threads: number;
  vigilPerSecond: number;
  torchPerSecond: number;
  ratio: number;
}

/** The row for `n` windows taking `mine` ms in Vigil and `theirs` ms in the peer (NaN if none). */
export function throughputRow(name: string, threads: number, n: number, mine: number, theirs: number | undefined): ModelBenchRow {
  const v = (n * 1000) / mine, t = theirs ? (n * 1000) / theirs : NaN;
  return { name, threads, vigilPerSecond: v, torchPerSecond: t, ratio: v / t };
}

/**
 * Runs tools/bench/<script> with /usr/bin/python3 (Debian's PyTorch) and OMP_WAIT_POLICY=PASSIVE;
 * the script prints one JSON object as its last line. Returns {} (and says why) on failure.
 */
export function runTorch(script: string, args: (string | number)[]): Record<string, number> {
  const r = spawnSync('/usr/bin/python3', [join(__dirname, script), ...args.map(String)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    console.error(`bench: PyTorch peer ${script} failed (${r.error?.message ?? r.stderr?.trim() ?? 'no output'})`);
    return {};
  }
}
