// Benchmark of STAEAD (models/staead) against the same network in PyTorch CPU
// (tools/bench/torch_staead.py: the fixture port's parameters and reference forward, the timed
// forward organised at its best) at the same batch and thread count, on two sizes:
// - `default` config on 43 sensors (BATADAL; 44 x 44 matrices), training batch 64, scoring 256;
// - `seed` config on 51 sensors (SWaT; 52 x 52, filters 128, 64 | 64, 32 | 64 | 128), training
//   batch 8, scoring 16 (smaller batches: a seed step is about 17x the default's work per sample).
// Rows: training windows/s (one step as the kind trains: dropout 0.3 in the ConvLSTMs, MSE, Adam
// with the config's AMSGrad, per-tensor clipnorm 1 and, for `seed`, the cyclic rate) against
// PyTorch eager; scoring windows/s (eval mode, the model's score: the last matrix's residual
// Frobenius norm) against eager and traced + frozen. A window is one sample: T = 4 matrices.
// Both sides read the SAME precomputed Pearson matrices (matrix_peer.benchMatrices: seeded rows
// through lib/data's MatrixSeries, handed to the peer): building matrices is timed on neither side.
// (The `seed` config reads Student-t matrices; the measure changes only this untimed input.)
//
// Equality check, once per peer start: the engine's freshly initialised weights (Generator(0)),
// both batches, its eval-mode loss on the training batch and scores on the scoring batch go to
// the peer through a temporary directory; the peer loads the weights by name into its timed
// forward and into the fixture's reference forward (float64) and reports both losses and the
// largest relative score differences. The suite fails (matrix_peer.checkMatrixPeer) unless
// both losses and every score are within 1e-4 of the engine's, relative to max(1, |.|). Both
// sides then train from those same weights. Dropout masks are random on both sides, so the model check is in eval
// mode; the peer also checks its masked ConvLSTM layers against the fixture's reference cells
// with the same masks (max |diff| <= 1e-4, float64).
// Runs alternate with the peer's; each run = median of `reps` steps after `warmup`.
import { Adam, clipGradNormPerTensor, CyclicLR, setLr } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { staeadKind, type Staead, type StaeadConfig, type StaeadOverrides } from '../../models/staead';
import { checkMatrixPeer } from './matrix_peer';
import { alternateMatrixSide, matrixRows, matrixSide, matrixTable, type MatrixSide } from './matrix_side';
import { peerColumn, withheldAt, type SuiteContext } from './context';
import type { BenchTable, TableRow } from './table';

interface Size {
  key: string;
  sensors: number;
  preset: 'default' | 'seed';
  batch: number;
  scoreBatch: number;
}

const SIZES: Size[] = [
  { key: 'default', sensors: 43, preset: 'default', batch: 64, scoreBatch: 256 },
  { key: 'seed', sensors: 51, preset: 'seed', batch: 8, scoreBatch: 16 },
];
const LR = 1e-3;  // the default config's constant rate (--lr); `seed` sets it per step by its cycle
const TOLERANCE = 1e-4;
/** The masked paths the eval-mode check does not reach: the peer's ConvLSTM layers against the fixture's cells. */
const DROPOUT_CHECK = { key: 'check_dropout_diff', label: "train-mode ConvLSTM layers with the same dropout masks vs the fixture's cells: max |diff|" };

function configOf(s: Size): StaeadConfig {
  const overrides: StaeadOverrides = { preset: s.preset };
  return staeadKind.defaultConfig(s.sensors, overrides);
}

function shapeLabel(s: Size, c: StaeadConfig): string {
  const P = c.padTo;
  return `\`${s.key}\` config, ${s.sensors} sensors, [B, ${c.steps}, ${c.scales.length}, ${P}, ${P}], filters ${[c.encoder, c.attention, c.recurrent, c.decoder].map((l) => l.join(',')).join(' / ')}`;
}

/** Vigil's side of one size: the kind's training step (AMSGrad, per-tensor clipping, the cyclic rate as configured). */
function vigilSide(s: Size, c: StaeadConfig, warmup: number, reps: number): MatrixSide {
  const model = staeadKind.create(c, new Generator(0)) as Staead;
  const t = c.training;
  const opt = new Adam(model.parameters(), { lr: LR, amsgrad: t?.amsgrad ?? false });
  const cycle = t?.cyclicLr ? new CyclicLR(t.cyclicLr) : null;
  let iteration = 0;
  return matrixSide('staead', model, c, opt, s, {
    loss: (m, x) => m.loss(x),
    beforeStep: () => {
      if (t && t.clipNormPerTensor !== null) clipGradNormPerTensor(model.parameters(), t.clipNormPerTensor);
      if (cycle) setLr(opt, cycle.lrAt(iteration++));
    },
  }, { warmup, reps });
}

export async function benchStaead(ctx: SuiteContext): Promise<BenchTable> {
  const warmup = 1, reps = ctx.quick ? 2 : 5;
  const rows: TableRow[] = [];
  const checks = new Set<string>();
  for (const threads of ctx.threads) {
    for (const s of SIZES) {
      ctx.log(`staead ${s.key}: ${threads} thread(s)`);
      const c = configOf(s);
      const { vigil, peer } = await alternateMatrixSide(ctx, threads, 'torch_staead.py', vigilSide(s, c, warmup, reps));
      checks.add(checkMatrixPeer('staead', s.key, peer, TOLERANCE, [DROPOUT_CHECK]));
      rows.push(...matrixRows(shapeLabel(s, c), s, threads, withheldAt(ctx, threads), vigil, (k) => peerColumn(peer, k)));
    }
  }
  return matrixTable('STAEAD (`staead`): the `default` config (43 sensors) and the `seed` config (51 sensors)', rows, [
    'Training: dropout 0.3, MSE, Adam with AMSGrad + per-tensor clipnorm 1 (+ the cyclic rate for `seed`), hard sigmoid gates. Scoring: eval mode, the last matrix\'s residual Frobenius norm.',
  ], checks);
}
