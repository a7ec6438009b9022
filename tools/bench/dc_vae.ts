// Benchmark of DC-VAE at upstream HEAD's sizes (T=128, 64 units, kernel 2, J=4) on 12 channels
// (upstream's TELCO M): training windows/second (one Adam step on a batch of 32, upstream's
// batch size, with the reparameterised draw) and scoring windows/second (last-step
// |x - mu| / sigma of a batch of 256 in eval mode: as the model scores, over the last step's
// dependency cone only, and over the full forward pass as upstream and the peer compute it),
// against the same model in PyTorch CPU measured in the same run with the same batch and threads.
import { dcVaeKind } from '../../models/dc_vae';
import { forEachThreadCount, runTorch, throughputRow, type ModelBenchRow } from './common';
import { dcVaeStepMs } from './model_steps';

const SIZES = { batch: 32, scoreBatch: 256 }, CHANNELS = 12;

export function benchDcVae(threadsList = [1, 2], warmup = 2, reps = 7): ModelBenchRow[] {
  const rows: ModelBenchRow[] = [];
  const config = dcVaeKind.defaultConfig(CHANNELS);
  const { batch, scoreBatch } = SIZES;
  forEachThreadCount(threadsList, (threads) => {
    const mine = dcVaeStepMs(config, SIZES, { warmup, reps, device: 'cpu' });
    const torch = runTorch('torch_dc_vae.py', [threads, warmup, reps, batch, scoreBatch, JSON.stringify(config)]);
    rows.push(throughputRow(`dc-vae training (batch ${batch})`, threads, batch, mine.train_ms, torch.train_ms));
    rows.push(throughputRow(`dc-vae scoring (batch ${scoreBatch})`, threads, scoreBatch, mine.score_ms, torch.score_ms));
    rows.push(throughputRow(`dc-vae scoring, full forward (batch ${scoreBatch})`, threads, scoreBatch, mine.full_ms, torch.score_ms));
  });
  return rows;
}
