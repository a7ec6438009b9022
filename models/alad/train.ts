// ALAD's training step as lib/train's adversarial loop runs it (the original's order,
// seed-models.md §4.2): five players, each with its own Adam(lr, beta1) stepping on the gradient
// of its OWN loss only (the reproduction's summed gradients are the bug this avoids):
//   phase 1, on batch A with fresh z: D_xz, D_xx and D_zz (D_zz always trains, as the
//            original runs its op even without --enable_dzz);
//   phase 2, on an independently shuffled batch B with fresh z: G and E.
// Each phase runs one backward of its joint objective (Alad.discriminatorPhase, generatorPhase):
// its gradient with respect to each player's weights is exactly that of the player's own loss
// (every own loss differs from it only by terms free of that player's weights), and the terms
// the losses share are backpropagated once; backward: 'per-player' runs one pass per player.
// After every step the weight averages (decay emaDecay) move; training ends with the averages in
// the weights, which is what the original scores with.
import { fitAdversarial, type AdversarialSetup, type PhaseContext } from '../../lib/train/adversarial';
import type { FitData } from '../../lib/train/data';
import type { Ema } from '../../lib/train/ema';
import type { FitOptions, FitResult } from '../../lib/train/fit';
import type { Module } from '../../lib/nn';
import type { AdamOptions } from '../../lib/optim/adam';
import type { Optimizer } from '../../lib/optim/optimizer';
import type { Tensor } from '../../lib/tensor';
import type { Alad } from './model';

export interface AladSetupOptions {
  /** The noise of a phase (default: the loop's noise stream, a fresh draw each call); a test may feed fixed z. */
  noise?: (ctx: PhaseContext, shape: number[], phase: 'discriminators' | 'generator-encoder') => Tensor;
  /** The caller's averages (to read them after training) instead of ones made for the run. */
  ema?: Ema;
  /** Makes a player's optimiser (the caller's to dispose; a test records gradients so); default: Adam made and freed by the loop. */
  optimizer?: (player: string, module: Module, adam: Partial<AdamOptions>) => Optimizer<{ lr: number }>;
  /** 'averages' (default): the weights end as the averages; 'raw' keeps the last raw weights. */
  finalWeights?: 'averages' | 'raw';
  /**
   * 'joint' (default): one backward per phase of its joint objective (Alad.discriminatorPhase,
   * generatorPhase: each player's gradient is that of its own loss); 'per-player': one backward
   * per player, for the tests that compare the two.
   */
  backward?: 'joint' | 'per-player';
}

export function aladSetup(model: Alad, o: AladSetupOptions = {}): AdversarialSetup<Alad> {
  const c = model.config;
  const adam = { lr: c.lr, betas: [c.beta1, 0.999] as [number, number] };
  const noise = o.noise ?? ((ctx: PhaseContext, shape: number[]) => ctx.normal(shape));
  const joint = (o.backward ?? 'joint') === 'joint';
  const z = (x: Tensor, ctx: PhaseContext, phase: 'discriminators' | 'generator-encoder') => noise(ctx, [x.shape[0], c.latent], phase);
  return {
    players: Object.fromEntries((['dxz', 'dxx', 'dzz', 'gen', 'enc'] as const).map((n) =>
      [n, { params: model[n], optimizer: o.optimizer ? o.optimizer(n, model[n], adam) : adam }])),
    phases: [
      { name: 'discriminators', players: ['dxz', 'dxx', 'dzz'], joint,
        losses: (m, x, ctx) => (joint ? m.discriminatorPhase : m.discriminatorLosses).call(m, x, z(x, ctx, 'discriminators')) },
      { name: 'generator-encoder', players: ['gen', 'enc'], joint,
        losses: (m, x, ctx) => (joint ? m.generatorPhase : m.generatorLosses).call(m, x, z(x, ctx, 'generator-encoder')) },
    ],
    ema: o.ema ?? { decay: c.emaDecay },
    finalWeights: o.finalWeights ?? 'averages',
  };
}

/**
 * The kind's training loop: the model's config decides lr and the batch size (the paper's 1e-5
 * and 50). The pipeline writes the caller's lr / batchSize (`vigil train --lr --batch-size`) into
 * the config when they are given (lib/pipeline/fit.ts), so the bundle records what trained it;
 * the options' own lr and batchSize (lib/train's defaults) are ignored here. Epochs, seed,
 * checkpoints, progress and abort come from the options. No early stopping: the original trains KDD for a
 * fixed number of epochs (its early stop crashes on KDD), so no validation score is given.
 */
export function fitAlad(model: Alad, data: FitData, options: FitOptions<Alad>): Promise<FitResult> {
  const { lr: _lr, batchSize: _batch, optimizer: _opt, loss: _loss, ...rest } = options;
  return fitAdversarial(model, data, aladSetup(model), { ...rest, batchSize: model.config.batchSize });
}
