// Benchmark of the LSTM autoencoder (seed-003 sizes, 38 channels as SMD, window 100): training
// windows/second (one Adam step on a batch of 64) and scoring windows/second (per-channel
// errors of a batch of 256 in eval mode), against the same model in PyTorch CPU measured in the
// same run with the same batch and thread count.
import { forEachThreadCount, runTorch, throughputRow, type ModelBenchRow } from './common';
import { lstmAeStepMs } from './model_steps';

export type { ModelBenchRow } from './common';

const SIZES = { batch: 64, scoreBatch: 256, window: 100, channels: 38 };

export function benchLstmAe(threadsList = [1, 2], warmup = 2, reps = 7): ModelBenchRow[] {
  const rows: ModelBenchRow[] = [];
  const { batch, scoreBatch, window, channels } = SIZES;
  forEachThreadCount(threadsList, (threads) => {
    const mine = lstmAeStepMs(SIZES, { warmup, reps, device: 'cpu' });
    const torch = runTorch('torch_lstm_ae.py', [threads, warmup, reps, batch, scoreBatch, window, channels]);
    rows.push(throughputRow(`lstm-ae training (batch ${batch})`, threads, batch, mine.train_ms, torch.train_ms));
    rows.push(throughputRow(`lstm-ae scoring (batch ${scoreBatch})`, threads, scoreBatch, mine.score_ms, torch.score_ms));
  });
  return rows;
}
