// Benchmark of the fused sequence ops against PyTorch CPU eager (tools/bench/torch_seq.py): an
// LSTM layer (batch 64, time 100, in 38, hidden 128) and a causal conv (batch 32, 64 -> 64
// channels, time 512, k 2, dilation 16), each forward + backward of every input. One run = the
// median ms of `reps` steps after warm-up; runs alternate with the peer's.
import { backward } from '../../lib/autograd/engine';
import { causalConv1d } from '../../lib/ops/causal_conv1d';
import { lstm } from '../../lib/ops/lstm';
import { Tensor, tidy } from '../../lib/tensor';
import { lcgTensor, medianMs } from './common';
import { alternateWithTorch, peerColumn, withheldAt, type SuiteContext } from './context';
import type { BenchTable, TableRow } from './table';

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

const OPS = [
  { name: 'lstm', label: 'lstm (B 64, T 100, in 38, hidden 128)', make: lstmStep },
  { name: 'causal_conv1d', label: 'causal_conv1d (B 32, 64 -> 64 ch, T 512, k 2, d 16)', make: convStep },
];

export async function benchSeq(ctx: SuiteContext): Promise<BenchTable> {
  const warmup = ctx.quick ? 1 : 3, lstmReps = ctx.quick ? 3 : 11, convReps = ctx.quick ? 5 : 31;
  const reps: Record<string, number> = { lstm: lstmReps, causal_conv1d: convReps };
  const rows: TableRow[] = [];
  for (const threads of ctx.threads) {
    ctx.log(`seq ops: ${threads} thread(s)`);
    const { vigil, peer } = await alternateWithTorch(ctx, threads, 'torch_seq.py', [warmup, lstmReps, convReps], () =>
      Object.fromEntries(OPS.map((op) => {
        const { step, free } = op.make();
        try {
          return [op.name, medianMs(step, warmup, reps[op.name])];
        } finally {
          free();
        }
      })) as Record<string, number>);
    for (const op of OPS)
      rows.push({ name: op.label, threads, vigil: vigil.map((r) => r[op.name]), peers: [peerColumn(peer, op.name)], withheld: withheldAt(ctx, threads) });
  }
  return { title: 'Sequence ops, forward + backward (`ops`)', unit: 'ms', higherIsBetter: false, peerLabels: ['PyTorch eager'], rows };
}
