// Benchmark of the fused sequence ops against PyTorch CPU measured in the same run: an LSTM
// layer (batch 64, time 100, in 38, hidden 128) and a causal conv (batch 32, 64 -> 64 channels,
// time 512, k 2, dilation 16), each forward + backward of every input, median after warm-up,
// on 1 and 2 threads. PyTorch runs in a /usr/bin/python3 subprocess (tools/bench/torch_seq.py)
// with the same thread count and OMP_WAIT_POLICY=PASSIVE. ratio = torchMs / vigilMs (> 1: Vigil
// is faster).
import { backward } from '../../lib/autograd/engine';
import { native } from '../../lib/binding';
import { causalConv1d } from '../../lib/ops/causal_conv1d';
import { lstm } from '../../lib/ops/lstm';
import { Tensor, tidy } from '../../lib/tensor';
import { lcgTensor, medianMs, runTorch } from './common';

export interface SeqBenchRow {
  name: string;
  threads: number;
  vigilMs: number;
  torchMs: number;
  ratio: number;
}

export interface SeqBenchOptions {
  threads?: number[];
  warmup?: number;
  /** Timed repetitions of the LSTM step and of the (much shorter) conv step. */
  lstmReps?: number;
  convReps?: number;
}

/** One training step's worth of work: forward, backward into every leaf, grads dropped. */
function stepOf(leaves: Tensor[], run: () => void): () => void {
  return () => {
    tidy(run);
    for (const t of leaves) {
      t.grad?.dispose();
      t.grad = null;
    }
  };
}

function lstmStep(): { step: () => void; free: () => void } {
  const B = 64, T = 100, I = 38, H = 128, k = 1 / Math.sqrt(H);
  const x = lcgTensor([B, T, I], 1, 1, true), wIh = lcgTensor([4 * H, I], 2, k, true), wHh = lcgTensor([4 * H, H], 3, k, true);
  const bIh = lcgTensor([4 * H], 4, k, true), bHh = lcgTensor([4 * H], 5, k, true);
  const gy = lcgTensor([B, T, H], 6);
  const leaves = [x, wIh, wHh, bIh, bHh];
  return {
    step: stepOf(leaves, () => backward(lstm(x, wIh, wHh, bIh, bHh).y, gy)),
    free: () => [...leaves, gy].forEach((t) => t.dispose()),
  };
}

function convStep(): { step: () => void; free: () => void } {
  const B = 32, C = 64, T = 512, K = 2, dilation = 16;
  const x = lcgTensor([B, C, T], 11, 1, true), w = lcgTensor([C, C, K], 12, 0.1, true), bias = lcgTensor([C], 13, 1, true);
  const gy = lcgTensor([B, C, T], 14);
  const leaves = [x, w, bias];
  return {
    step: stepOf(leaves, () => backward(causalConv1d(x, w, bias, { dilation }), gy)),
    free: () => [...leaves, gy].forEach((t) => t.dispose()),
  };
}

export function benchSeq(opts: SeqBenchOptions = {}): SeqBenchRow[] {
  const warmup = opts.warmup ?? 3, lstmReps = opts.lstmReps ?? 11, convReps = opts.convReps ?? 31;
  const before = native.getNumThreads();
  const rows: SeqBenchRow[] = [];
  try {
    for (const threads of opts.threads ?? [1, 2]) {
      native.setNumThreads(threads);
      const mine: Record<string, number> = {};
      for (const [name, make, reps] of [['lstm', lstmStep, lstmReps], ['causal_conv1d', convStep, convReps]] as const) {
        const { step, free } = make();
        mine[name] = medianMs(step, warmup, reps);
        free();
      }
      const torch = runTorch('torch_seq.py', [threads, warmup, lstmReps, convReps]);
      for (const name of ['lstm', 'causal_conv1d']) {
        const torchMs = torch[name] ?? NaN;
        rows.push({ name: `${name} fwd+bwd`, threads, vigilMs: mine[name], torchMs, ratio: torchMs / mine[name] });
      }
    }
  } finally {
    native.setNumThreads(before);
  }
  return rows;
}

if (require.main === module) {
  for (const r of benchSeq())
    console.log(`${r.name.padEnd(22)} threads ${r.threads}  vigil ${r.vigilMs.toFixed(2).padStart(8)} ms  ` +
      `torch ${r.torchMs.toFixed(2).padStart(8)} ms  ratio ${r.ratio.toFixed(2)}x`);
}
