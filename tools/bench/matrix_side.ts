// Vigil's side of the matrix-series model suites (staead.ts, sa_dvcrae.ts): a model over the
// same seeded matrices as its peer (matrix_peer.benchMatrices), the figures its peer checks
// itself against, the two timed steps, and the two table rows they become.
import { rmSync } from 'node:fs';

import { noGrad } from '../../lib/autograd/grad_mode';
import type { Module } from '../../lib/nn';
import type { Optimizer } from '../../lib/optim';
import { Tensor, tidy } from '../../lib/tensor';
import { medianMs } from './common';
import { alternateWithTorch, type SuiteContext } from './context';
import { benchMatrices, writePeerInputs, type MatrixInputConfig, type PeerTensor } from './matrix_peer';
import type { BatchSizes, StepMs } from './model_steps';
import { perSecond } from './stats';
import type { BenchTable, TableRow } from './table';

/** What the suites need of a matrix model. */
export interface MatrixModel extends Module {
  readonly sampleShape: number[];
  scores(x: Tensor): Tensor;
}

export interface MatrixStep<M extends MatrixModel> {
  /** The training loss of a batch (the model's own). */
  loss: (model: M, x: Tensor) => Tensor;
  /** Between backward and the optimiser's step (clipping, the rate's schedule). */
  beforeStep?: () => void;
  /** More engine figures for the peer's check, from the training batch in eval mode (inside noGrad). */
  checkTensors?: (model: M, x: Tensor) => PeerTensor[];
}

export interface MatrixSide {
  run: () => StepMs;
  /** The peer script's arguments after the thread count: warm-up, repetitions, its input directory. */
  peerArgs: (string | number)[];
  free: () => void;
}

/**
 * Vigil's side of one size: the training batch (seed 1) and the scoring batch (seed 2) of bench
 * matrices; the model's weights, both batches and its eval-mode loss (`vigil_loss`) and scores
 * (`vigil_scores`, plus `step.checkTensors`) written for the peer; training = zeroGrad, loss,
 * backward, beforeStep, the optimiser's step, the loss read; scoring = eval-mode scores read.
 * free() disposes of the model and the optimiser too.
 */
export function matrixSide<M extends MatrixModel>(
  suite: string, model: M, config: MatrixInputConfig, opt: Optimizer<{ lr: number }>, sizes: BatchSizes,
  step: MatrixStep<M>, timing: { warmup: number; reps: number },
): MatrixSide {
  const sample = model.sampleShape;
  const xData = benchMatrices(config, sizes.batch, 1), xsData = benchMatrices(config, sizes.scoreBatch, 2);
  const x = Tensor.fromArray(xData, [sizes.batch, ...sample]), xs = Tensor.fromArray(xsData, [sizes.scoreBatch, ...sample]);
  model.eval();
  const vigilLoss = tidy(() => noGrad(() => step.loss(model, x).item()));
  const vigilScores = tidy(() => noGrad(() => Float32Array.from(model.scores(xs).toArray())));
  const more = tidy(() => noGrad(() => step.checkTensors?.(model, x) ?? []));
  const dir = writePeerInputs(suite, model, config, [['x', xData, [sizes.batch, ...sample]], ['xs', xsData, [sizes.scoreBatch, ...sample]],
    ['vigil_scores', vigilScores, [sizes.scoreBatch]], ...more], { vigil_loss: vigilLoss, lr: opt.paramGroups[0].lr });
  const train = () => tidy(() => {
    model.train();
    opt.zeroGrad();
    const loss = step.loss(model, x);
    loss.backward();
    step.beforeStep?.();
    opt.step();
    loss.item();
  });
  const score = () => tidy(() => {
    model.eval();
    noGrad(() => void model.scores(xs).toArray());
  });
  return {
    run: () => ({ train_ms: medianMs(train, timing.warmup, timing.reps), score_ms: medianMs(score, timing.warmup, timing.reps) }),
    peerArgs: [timing.warmup, timing.reps, dir],
    free: () => {
      rmSync(dir, { recursive: true, force: true });
      [x, xs].forEach((v) => v.dispose());
      opt.dispose();
      model.dispose();
    },
  };
}

/**
 * The two rows of one size: training windows/s against the peer's eager step (no traced column:
 * PyTorch has no frozen mode for training), scoring windows/s against eager and traced + frozen.
 */
export function matrixRows(label: string, sizes: BatchSizes, threads: number, withheld: string | undefined,
  vigil: StepMs[], peer: (key: string) => number[]): TableRow[] {
  return [
    {
      name: `training, ${label}, batch ${sizes.batch}`, threads, withheld,
      vigil: perSecond(sizes.batch, vigil.map((r) => r.train_ms)),
      peers: [perSecond(sizes.batch, peer('train_ms')), vigil.map(() => NaN)],
    },
    {
      name: `scoring, ${label}, batch ${sizes.scoreBatch}`, threads, withheld,
      vigil: perSecond(sizes.scoreBatch, vigil.map((r) => r.score_ms)),
      peers: [perSecond(sizes.scoreBatch, peer('score_ms')), perSecond(sizes.scoreBatch, peer('score_frozen_ms'))],
    },
  ];
}

/** ctx.runs alternating runs of `side` and the peer `script` at `threads`; frees the side after. */
export async function alternateMatrixSide(ctx: SuiteContext, threads: number, script: string, side: MatrixSide): Promise<{ vigil: StepMs[]; peer: Record<string, number>[] }> {
  try {
    return await alternateWithTorch(ctx, threads, script, side.peerArgs, side.run);
  } finally {
    side.free();
  }
}

/**
 * A matrix-model suite's table: windows/s against PyTorch eager and traced + frozen, the
 * suite's `notes` between the line on inputs and peer modes and the line of the equality checks.
 */
export function matrixTable(title: string, rows: TableRow[], notes: string[], checks: Iterable<string>): BenchTable {
  return {
    title,
    unit: 'windows/s',
    higherIsBetter: true,
    peerLabels: ['PyTorch eager', 'PyTorch traced+frozen'],
    rows,
    notes: [
      'A window = one sample of T = 4 matrices [S, P, P]. Both sides read the same precomputed Pearson matrices; matrix building is not timed. ' +
        'Training has no traced column (PyTorch has no frozen mode for training); scoring runs eager under torch.inference_mode and traced+frozen = torch.jit.trace + torch.jit.freeze.',
      ...notes,
      `Equality check (eval mode, the engine's weights in both PyTorch forwards): ${[...checks].join('; ')}.`,
    ],
  };
}
