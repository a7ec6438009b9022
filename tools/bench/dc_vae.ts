// Benchmark of DC-VAE at upstream HEAD's sizes (T=128, 64 units, kernel 2, J=4) on 12 channels
// (upstream's TELCO M): training windows/second (one Adam step on a batch of 32, upstream's
// batch size, with the reparameterised draw) and scoring windows/second (last-step
// |x - mu| / sigma of a batch of 256 in eval mode: as the model scores, over the last step's
// dependency cone only, and over the full forward pass as upstream and the peer compute it),
// against the same model in PyTorch CPU measured in the same run with the same batch and threads.
import { native } from '../../lib/binding';
import { noGrad } from '../../lib/autograd/grad_mode';
import { Adam } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { abs, affine, exp, mul, slice, sub, transpose } from '../../lib/ops';
import { dcVaeKind } from '../../models/dc_vae';
import { lcgTensor, medianMs, runTorch } from './common';
import type { ModelBenchRow } from './lstm_ae';

const BATCH = 32, SCORE_BATCH = 256, CHANNELS = 12;

export function benchDcVae(threadsList = [1, 2], warmup = 2, reps = 7): ModelBenchRow[] {
  const rows: ModelBenchRow[] = [];
  const before = native.getNumThreads();
  const config = dcVaeKind.defaultConfig(CHANNELS);
  try {
    for (const threads of threadsList) {
      native.setNumThreads(threads);
      const model = dcVaeKind.create(config, new Generator(0));
      const opt = new Adam(model.parameters(), { lr: 1e-3 });
      const x = lcgTensor([BATCH, config.window, CHANNELS], 1);
      const xs = lcgTensor([SCORE_BATCH, config.window, CHANNELS], 2);
      const trainMs = medianMs(() => tidy(() => {
        model.train();
        opt.zeroGrad();
        model.loss(x).loss.backward();
        opt.step();
      }), warmup, reps);
      const scoreMs = medianMs(() => tidy(() => {
        model.eval();
        noGrad(() => model.channelErrors(xs).toArray());
      }), warmup, reps);
      // The same scores from the full forward pass over every step (as upstream and the peer do).
      const fullMs = medianMs(() => tidy(() => {
        model.eval();
        noGrad(() => {
          const out = model.forward(xs);
          const T = config.window;
          const last = (t: Tensor) => slice(t, 2, T - 1).reshape([SCORE_BATCH, CHANNELS]);
          mul(abs(sub(last(transpose(xs, 1, 2)), last(out.xMean))), exp(affine(last(out.xLogVar), -0.5, 0))).toArray();
        });
      }), warmup, reps);
      [x, xs].forEach((t) => t.dispose());
      opt.dispose();
      model.dispose();
      const torch = runTorch('torch_dc_vae.py', [threads, warmup, reps, BATCH, SCORE_BATCH, JSON.stringify(config)]);
      const row = (name: string, n: number, mine: number, theirs: number | undefined) => {
        const v = (n * 1000) / mine, t = theirs ? (n * 1000) / theirs : NaN;
        rows.push({ name, threads, vigilPerSecond: v, torchPerSecond: t, ratio: v / t });
      };
      row(`dc-vae training (batch ${BATCH})`, BATCH, trainMs, torch.train_ms);
      row(`dc-vae scoring (batch ${SCORE_BATCH})`, SCORE_BATCH, scoreMs, torch.score_ms);
      row(`dc-vae scoring, full forward (batch ${SCORE_BATCH})`, SCORE_BATCH, fullMs, torch.score_ms);
    }
  } finally {
    native.setNumThreads(before);
  }
  return rows;
}
