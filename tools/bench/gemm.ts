// Benchmark of the native GEMM through the matmul / linear entry points, against the FMA peak
// of the same thread count and PyTorch CPU measured in the same run: 512x512x512 (matmul), the
// LSTM input projection x[6400,38] @ W[512,38]^T (linear) and the per-step recurrent product
// h[64,128] @ W_hh[512,128]^T (linear, latency-bound), on 1 and 2 threads. Each figure is the
// median of `reps` timed samples after `warmup` calls (a sample repeats the call until it
// lasts ~2 ms). PyTorch runs in a /usr/bin/python3 subprocess (tools/bench/torch_gemm.py) with
// the same thread count and OMP_WAIT_POLICY=PASSIVE, on two paths: its default dense one
// (torchGflops; this Debian build sends it to the generic reference BLAS) and oneDNN
// (torchOnednnGflops, torch.utils.mkldnn linear on mkldnn tensors). ratio = vigil / torch
// GFLOP/s (> 1: Vigil is faster), ratioOnednn likewise; peakFraction = vigil GFLOP/s /
// fmaPeakGflops(threads).

import { native } from '../../lib/binding';
import { Tensor } from '../../lib/tensor';
import { lcgTensor, median, runTorch } from './common';

export interface GemmBenchRow {
  name: string;
  threads: number;
  vigilGflops: number;
  torchGflops: number;
  ratio: number;
  torchOnednnGflops: number;
  ratioOnednn: number;
  peakFraction: number;
}

export interface GemmBenchOptions {
  threads?: number[];
  warmup?: number;
  reps?: number;
  /** Seconds of FMA peak measurement per thread count (best of three parts). */
  peakSeconds?: number;
}

interface Product {
  name: string;
  flops: number;
  setup: () => { call: () => void; free: () => void };
}

/** y = x @ w^T through linearForward (no bias), output preallocated. */
function linearProduct(name: string, rows: number, inF: number, outF: number): Product {
  return {
    name,
    flops: 2 * rows * inF * outF,
    setup: () => {
      const x = lcgTensor([rows, inF], 1), w = lcgTensor([outF, inF], 2), y = Tensor.empty([rows, outF]);
      return {
        call: () => native.linearForward(x.native, w.native, null, y.native),
        free: () => [x, w, y].forEach((t) => t.dispose()),
      };
    },
  };
}

const PRODUCTS: Product[] = [
  {
    name: 'matmul 512x512x512',
    flops: 2 * 512 ** 3,
    setup: () => {
      const a = lcgTensor([512, 512], 3), b = lcgTensor([512, 512], 4), y = Tensor.empty([512, 512]);
      return {
        call: () => native.matmulForward(a.native, b.native, y.native, false, false),
        free: () => [a, b, y].forEach((t) => t.dispose()),
      };
    },
  },
  linearProduct('linear 6400x38 -> 512', 6400, 38, 512),
  linearProduct('lstm step 64x128 -> 512', 64, 128, 512),
];

function gflops(call: () => void, flops: number, warmup: number, reps: number): number {
  for (let i = 0; i < warmup; i++) call();
  const t0 = process.hrtime.bigint();
  call();
  const once = Math.max(Number(process.hrtime.bigint() - t0) / 1e9, 1e-7);
  const inner = Math.max(1, Math.floor(2e-3 / once));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) call();
    samples.push(Number(process.hrtime.bigint() - s0) / 1e9 / inner);
  }
  return flops / median(samples) / 1e9;
}


export function benchGemm(opts: GemmBenchOptions = {}): GemmBenchRow[] {
  const warmup = opts.warmup ?? 5, reps = opts.reps ?? 21;
  const before = native.getNumThreads();
  const rows: GemmBenchRow[] = [];
  try {
    for (const threads of opts.threads ?? [1, 2]) {
      native.setNumThreads(threads);
      // best of three: another process on the cores can only lower a peak measurement
      const peakSeconds = (opts.peakSeconds ?? 0.6) / 3;
      const peak = Math.max(...[0, 1, 2].map(() => native.fmaPeakGflops(threads, peakSeconds)));
      const mine = PRODUCTS.map((p) => {
        const { call, free } = p.setup();
        try {
          return gflops(call, p.flops, warmup, reps);
        } finally {
          free();
        }
      });
      const torch = runTorch('torch_gemm.py', [threads, warmup, reps]);
      PRODUCTS.forEach((p, i) => {
        const torchG = torch[p.name] ?? NaN, onednn = torch[`${p.name} onednn`] ?? NaN;
        rows.push({ name: p.name, threads, vigilGflops: mine[i], torchGflops: torchG,
          ratio: mine[i] / torchG, torchOnednnGflops: onednn, ratioOnednn: mine[i] / onednn,
          peakFraction: mine[i] / peak });
      });
    }
  } finally {
    native.setNumThreads(before);
  }
  return rows;
}

if (require.main === module) console.table(benchGemm());
