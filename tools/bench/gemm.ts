// Benchmark of the native GEMM through the matmul / linear entry points: 512x512x512 (matmul),
// the LSTM input projection x[6400,38] @ W[512,38]^T (linear) and the per-step recurrent product
// h[64,128] @ W_hh[512,128]^T (linear, latency-bound), in GFLOP/s, against Vigil's FMA peak at
// the same thread count and PyTorch CPU (tools/bench/torch_gemm.py) on two paths: its default
// dense one (the system BLAS, OpenBLAS when the probe says so) and oneDNN (torch.utils.mkldnn
// linear on mkldnn tensors). One run = the median of `reps` samples after `warmup` calls (a
// sample repeats the call until it lasts ~2 ms); runs alternate with the peer's.
import { native } from '../../lib/binding';
import { Tensor } from '../../lib/tensor';
import { lcgTensor } from './common';
import { alternateWithTorch, peerColumn, withheldAt, type SuiteContext } from './context';
import { median } from './stats';
import type { BenchTable, TableRow } from './table';

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


/** One Vigil run: GFLOP/s of every product, in PRODUCTS order. */
function vigilRun(warmup: number, reps: number): number[] {
  return PRODUCTS.map((p) => {
    const { call, free } = p.setup();
    try {
      return gflops(call, p.flops, warmup, reps);
    } finally {
      free();
    }
  });
}

export async function benchGemm(ctx: SuiteContext): Promise<BenchTable> {
  const warmup = ctx.quick ? 2 : 5, reps = ctx.quick ? 5 : 21;
  const rows: TableRow[] = [];
  const peaks: string[] = [];
  for (const threads of ctx.threads) {
    ctx.log(`gemm: ${threads} thread(s)`);
    const { vigil, peer } = await alternateWithTorch(ctx, threads, 'torch_gemm.py', [warmup, reps], () => vigilRun(warmup, reps), 'higher');
    const peak = ctx.gate(threads).fmaPeakGflops;
    PRODUCTS.forEach((p, i) => {
      const mine = vigil.map((run) => run[i]);
      rows.push({ name: p.name, threads, vigil: mine, peers: [peerColumn(peer, p.name), peerColumn(peer, `${p.name} onednn`)], withheld: withheldAt(ctx, threads) });
      peaks.push(`${p.name}, ${threads} thread(s): ${(100 * median(mine) / peak).toFixed(0)}%`);
    });
  }
  return {
    title: 'GEMM (`ops`)',
    unit: 'GFLOP/s',
    higherIsBetter: true,
    peerLabels: ['PyTorch default (BLAS)', 'PyTorch oneDNN'],
    rows,
    notes: [`Vigil's median as % of its FMA peak at the same thread count: ${peaks.join('; ')}.`],
  };
}
