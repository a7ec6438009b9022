// Benchmark of the spatial ops against PyTorch CPU eager (tools/bench/torch_convlstm.py), each
// forward + backward of every input: conv2d at the seed models' stride-2 encoder shapes (STAEAD's
// two layers on 52x52 and 26x26 maps, Sa-DVCRAE's third on 10x10; 64 samples = batch 16 x 4
// steps, 'same' pads, bias) and one ConvLSTM layer per cell kind over a sequence (batch 64,
// T 4, 64 -> 64 channels, 3x3 kernels, 13x13 and 5x5 maps, hard sigmoid, no dropout; the
// self-attention memory on 5x5 only, its Sa-DVCRAE map, with 32 query/key channels, and so the
// seed's variant of it). The peer runs the same computation (the same input-part-over-all-steps
// organisation), its layers checked against the fixtures' reference cells before it serves.
// One run = the median ms of `reps` steps after warm-up; runs alternate with the peer's.
import { backward } from '../../lib/autograd/engine';
import { conv2d } from '../../lib/ops/conv2d';
import { convLstm, CONV_LSTM_PARAMS, type ConvLstmCell } from '../../lib/ops/conv_lstm';
import { Tensor, tidy } from '../../lib/tensor';
import { lcgTensor, medianMs } from './common';
import { alternateWithTorch, peerColumn, withheldAt, type SuiteContext } from './context';
import type { BenchTable, TableRow } from './table';

interface Workload {
  name: string;
  label: string;
  make: () => { step: () => void; free: () => void };
}

/** One training step's worth of work: forward, backward into every leaf, grads dropped. */
function stepOf(leaves: Tensor[], gy: Tensor, run: () => Tensor): { step: () => void; free: () => void } {
  return {
    step: () => {
      tidy(() => backward(run(), gy));
      for (const t of leaves) {
        t.grad?.dispose();
        t.grad = null;
      }
    },
    free: () => [...leaves, gy].forEach((t) => t.dispose()),
  };
}

// [samples, Cin, H, W, Cout, stride]; keep in step with CONVS in torch_convlstm.py.
const CONVS: Record<string, [number, number, number, number, number, number]> = {
  conv_staead_1: [64, 1, 52, 52, 128, 2],
  conv_staead_2: [64, 128, 26, 26, 64, 2],
  conv_sa_3: [64, 64, 10, 10, 128, 2],
};
const B = 64, T = 4, C = 64, K = 3;
const CELLS: Record<string, [ConvLstmCell, number]> = {
  plain_13: ['plain', 13], plain_5: ['plain', 5], attn_13: ['input-attention', 13], attn_5: ['input-attention', 5],
  sam_5: ['self-attention-memory', 5], seed_sam_5: ['seed-self-attention-memory', 5],
};
const A = C / 2;  // the self-attention memory's query/key channels (the layer's default F/2)

/** Each cell's param shapes at F = Cin = C, in CONV_LSTM_PARAMS order (cell_shapes in torch_convlstm.py). */
const PLAIN_SHAPES = [[4 * C, C, K, K], [4 * C, C, K, K], [4 * C]];
const CELL_SHAPES: Record<ConvLstmCell, number[][]> = {
  plain: PLAIN_SHAPES,
  'input-attention': [[2 * C, 1, K, K], [2 * C, C, 1, 1], [3 * C, 1, K, K], [3 * C, C, 1, 1], [2 * C], [2 * C, C], [2 * C, C], [2 * C]],
  'self-attention-memory': [...PLAIN_SHAPES, [2 * A + C, C, 1, 1], [2 * A + C], [A + C, C, 1, 1], [A + C], [2 * C, 2 * C, 1, 1], [2 * C],
    [3 * C, 3 * C, 1, 1], [3 * C]],
  'seed-self-attention-memory': [...PLAIN_SHAPES, [5, C, 1, 1], [C, 2, K, K], [6 * C, 1, K, K], [3 * C]],
};

function convWorkload(name: string, [n, cin, h, w, cout, stride]: number[]): Workload {
  return {
    name,
    label: `conv2d ${cin} -> ${cout} ch, ${h}x${w}, stride ${stride} (${n} samples)`,
    make: () => {
      const x = lcgTensor([n, cin, h, w], 1, 1, true), wt = lcgTensor([cout, cin, K, K], 2, 0.1, true), b = lcgTensor([cout], 3, 1, true);
      const gy = lcgTensor([n, cout, Math.ceil(h / stride), Math.ceil(w / stride)], 4);
      return stepOf([x, wt, b], gy, () => conv2d(x, wt, b, { stride, padding: 'same' }));
    },
  };
}

function cellWorkload(name: string, [cell, hw]: [ConvLstmCell, number]): Workload {
  const shapes = CELL_SHAPES[cell];
  return {
    name,
    label: `conv_lstm ${cell} (B ${B}, T ${T}, ${C} -> ${C} ch, ${hw}x${hw}, ${K}x${K})`,
    make: () => {
      if (shapes.length !== CONV_LSTM_PARAMS[cell].names.length) throw new Error(`bench: ${cell}'s param shapes are out of date`);
      const x = lcgTensor([B, T, C, hw, hw], 11, 1, true);
      const params = shapes.map((s, i) => lcgTensor(s, 12 + i, 0.1, true));
      const gy = lcgTensor([B, T, C, hw, hw], 30);
      return stepOf([x, ...params], gy, () => convLstm(x, params, { cell }).y);
    },
  };
}

const WORKLOADS: Workload[] = [
  ...Object.entries(CONVS).map(([n, s]) => convWorkload(n, s)),
  ...Object.entries(CELLS).map(([n, s]) => cellWorkload(n, s)),
];

export async function benchConvLstm(ctx: SuiteContext): Promise<BenchTable> {
  const warmup = ctx.quick ? 1 : 2, convReps = ctx.quick ? 3 : 9, cellReps = ctx.quick ? 2 : 5;
  const rows: TableRow[] = [];
  for (const threads of ctx.threads) {
    ctx.log(`convlstm: ${threads} thread(s)`);
    const { vigil, peer } = await alternateWithTorch(ctx, threads, 'torch_convlstm.py', [warmup, convReps, cellReps], () =>
      Object.fromEntries(WORKLOADS.map((wl) => {
        const { step, free } = wl.make();
        try {
          return [wl.name, medianMs(step, warmup, wl.name in CONVS ? convReps : cellReps)];
        } finally {
          free();
        }
      })) as Record<string, number>);
    for (const wl of WORKLOADS)
      rows.push({ name: wl.label, threads, vigil: vigil.map((r) => r[wl.name]), peers: [peerColumn(peer, wl.name)], withheld: withheldAt(ctx, threads) });
  }
  return { title: 'Spatial ops, forward + backward (`convlstm`)', unit: 'ms', higherIsBetter: false, peerLabels: ['PyTorch eager'], rows };
}
