// Benchmark of the LSTM autoencoder (seed-003 sizes, 38 channels as SMD, window 100): training
// windows/second (one Adam step on a batch of 64) and scoring windows/second (per-channel
// errors of a batch of 256 in eval mode), against the same model in PyTorch CPU measured in the
// same run with the same batch and thread count.
import { native } from '../../lib/binding';
import { noGrad } from '../../lib/autograd/grad_mode';
import { Adam } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { tidy } from '../../lib/tensor';
import { lstmAeKind } from '../../models/lstm_ae';
import { lcgTensor, medianMs, runTorch } from './common';

export interface ModelBenchRow {
  name: string;
  threads: number;
  vigilPerSecond: number;
  torchPerSecond: number;
  ratio: number;
}

const BATCH = 64, SCORE_BATCH = 256, WINDOW = 100, CHANNELS = 38;

export function benchLstmAe(threadsList = [1, 2], warmup = 2, reps = 7): ModelBenchRow[] {
  const rows: ModelBenchRow[] = [];
  const before = native.getNumThreads();
  try {
    for (const threads of threadsList) {
      native.setNumThreads(threads);
      const model = lstmAeKind.create(lstmAeKind.defaultConfig(CHANNELS, { window: WINDOW }), new Generator(0));
      const opt = new Adam(model.parameters(), { lr: 1e-3 });
      const x = lcgTensor([BATCH, WINDOW, CHANNELS], 1);
      const xs = lcgTensor([SCORE_BATCH, WINDOW, CHANNELS], 2);
      const trainMs = medianMs(() => tidy(() => {
        model.train();
        opt.zeroGrad();
        const loss = model.loss(x);
        loss.backward();
        opt.step();
      }), warmup, reps);
      const scoreMs = medianMs(() => tidy(() => {
        model.eval();
        noGrad(() => model.channelErrors(xs).toArray());
      }), warmup, reps);
      [x, xs].forEach((t) => t.dispose());
      opt.dispose();
      model.dispose();
      const torch = runTorch('torch_lstm_ae.py', [threads, warmup, reps, BATCH, SCORE_BATCH, WINDOW, CHANNELS]);
      const row = (name: string, n: number, mine: number, theirs: number | undefined) => {
        const v = (n * 1000) / mine, t = theirs ? (n * 1000) / theirs : NaN;
        rows.push({ name, threads, vigilPerSecond: v, torchPerSecond: t, ratio: v / t });
      };
      row(`lstm-ae training (batch ${BATCH})`, BATCH, trainMs, torch.train_ms);
      row(`lstm-ae scoring (batch ${SCORE_BATCH})`, SCORE_BATCH, scoreMs, torch.score_ms);
    }
  } finally {
    native.setNumThreads(before);
  }
  return rows;
}
