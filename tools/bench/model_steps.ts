// The model steps the benchmarks time, shared by the CPU benchmarks (lstm_ae.ts, dc_vae.ts) and
// the GPU one (gpu.ts): one Adam step (lr 1e-3) on a training batch and one eval-mode scoring
// pass (per-channel errors) on a scoring batch of seeded windows, on a given device. Each timed
// step ends by reading a result to the host: the CUDA work is asynchronous (on the CPU the read
// is one scalar or the scores). Medians of `reps` runs after `warmup`.
import { noGrad } from '../../lib/autograd/grad_mode';
import type { AnomalyModel } from '../../lib/model';
import { abs, affine, exp, mul, slice, sub, transpose } from '../../lib/ops';
import { Adam } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { Tensor, tidy, type Device } from '../../lib/tensor';
import { dcVaeKind, type DcVae, type DcVaeConfig } from '../../models/dc_vae';
import { lstmAeKind } from '../../models/lstm_ae';
import { lcgTensorOn, medianMs } from './common';

/** Milliseconds per step, keyed as the PyTorch peers print them. */
export interface StepMs {
  train_ms: number;
  score_ms: number;
}
export interface StepRun {
  warmup: number;
  reps: number;
  device: Device;
}
export interface BatchSizes {
  batch: number;
  scoreBatch: number;
}

/**
 * Times model (already on run.device) on windows [batch | scoreBatch, window, channels] (LCG
 * seeds 1 and 2): training, scoring, and each extra eval-mode pass over the scoring batch;
 * then frees the inputs, the optimiser and the model.
 */
function timeModel<M extends AnomalyModel, K extends string = never>(
  model: M, sizes: BatchSizes, window: number, channels: number, run: StepRun,
  extra: Record<K, (model: M, xs: Tensor) => void> = {} as Record<K, never>,
): StepMs & Record<K, number> {
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = lcgTensorOn([sizes.batch, window, channels], 1, run.device);
  const xs = lcgTensorOn([sizes.scoreBatch, window, channels], 2, run.device);
  const time = (step: () => void) => medianMs(() => tidy(step), run.warmup, run.reps);
  const scoring = (pass: (model: M, xs: Tensor) => void) => time(() => {
    model.eval();
    noGrad(() => pass(model, xs));
  });
  try {
    const train_ms = time(() => {
      model.train();
      opt.zeroGrad();
      const out = model.loss(x);
      const loss = out instanceof Tensor ? out : out.loss;
      loss.backward();
      opt.step();
      loss.item();
    });
    const score_ms = scoring((m, t) => void m.channelErrors!(t).toArray());
    const more = Object.fromEntries(Object.entries<(model: M, xs: Tensor) => void>(extra).map(([k, pass]) => [k, scoring(pass)]));
    return { train_ms, score_ms, ...more } as StepMs & Record<K, number>;
  } finally {
    [x, xs].forEach((t) => t.dispose());
    opt.dispose();
    model.dispose();
  }
}

/** The LSTM autoencoder's default config for `channels` and `window` (seeded weights). */
export function lstmAeStepMs(sizes: BatchSizes & { window: number; channels: number }, run: StepRun): StepMs {
  const model = lstmAeKind.create(lstmAeKind.defaultConfig(sizes.channels, { window: sizes.window }), new Generator(0)).to(run.device);
  return timeModel(model, sizes, sizes.window, sizes.channels, run);
}

/**
 * The DC-VAE the benchmarks time: the default sizes with upstream's Gaussian likelihood, because
 * the PyTorch peer (torch_dc_vae.py) computes that one (the default trains with a Student-t).
 */
export function benchDcVaeConfig(channels: number): DcVaeConfig {
  return { ...dcVaeKind.defaultConfig(channels), likelihood: 'gaussian' };
}

/**
 * DC-VAE with `config` (seeded weights), training with the reparameterised draw; scoring as the
 * model scores (the last step's dependency cone only), and full_ms: the same last-step
 * |x - mu| / sigma from the full forward pass over every step, as upstream and the peer compute it.
 */
export function dcVaeStepMs(config: DcVaeConfig, sizes: BatchSizes, run: StepRun): StepMs & { full_ms: number } {
  const model = dcVaeKind.create(config, new Generator(0)).to(run.device);
  const T = config.window, C = config.inputs;
  const full = (m: DcVae, xs: Tensor) => {
    const out = m.forward(xs);
    const last = (t: Tensor) => slice(t, 2, T - 1).reshape([sizes.scoreBatch, C]);
    mul(abs(sub(last(transpose(xs, 1, 2)), last(out.xMean))), exp(affine(last(out.xLogVar), -0.5, 0))).toArray();
  };
  return timeModel(model, sizes, T, C, run, { full_ms: full });
}
