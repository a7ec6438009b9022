// Benchmark of the LSTM autoencoder (seed-003 sizes, 38 channels as SMD, window 100): training
// windows/second (one Adam step on a batch of 64) and scoring windows/second (per-channel
// errors of a batch of 256 in eval mode), against the same model in PyTorch CPU
// (tools/bench/torch_lstm_ae.py) at the same batch and thread count: training against eager
// PyTorch, scoring against eager and traced + frozen (its best inference mode). Both sides do
// the same computation. Runs alternate with the peer's.
import { alternateWithTorch, peerColumn, withheldAt, type SuiteContext } from './context';
import { lstmAeStepMs } from './model_steps';
import { perSecond } from './stats';
import type { BenchTable, TableRow } from './table';

const SIZES = { batch: 64, scoreBatch: 256, window: 100, channels: 38 };

export async function benchLstmAe(ctx: SuiteContext): Promise<BenchTable> {
  const warmup = ctx.quick ? 1 : 2, reps = ctx.quick ? 2 : 7;
  const { batch, scoreBatch, window, channels } = SIZES;
  const rows: TableRow[] = [];
  for (const threads of ctx.threads) {
    ctx.log(`lstm-ae: ${threads} thread(s)`);
    const { vigil, peer } = await alternateWithTorch(ctx, threads, 'torch_lstm_ae.py', [warmup, reps, batch, scoreBatch, window, channels],
      () => lstmAeStepMs(SIZES, { warmup, reps, device: 'cpu' }));
    const withheld = withheldAt(ctx, threads);
    rows.push({
      name: `training (batch ${batch})`, threads, withheld,
      vigil: perSecond(batch, vigil.map((r) => r.train_ms)),
      peers: [perSecond(batch, peerColumn(peer, 'train_ms')), vigil.map(() => NaN)],
    });
    rows.push({
      name: `scoring (batch ${scoreBatch})`, threads, withheld,
      vigil: perSecond(scoreBatch, vigil.map((r) => r.score_ms)),
      peers: [perSecond(scoreBatch, peerColumn(peer, 'score_ms')), perSecond(scoreBatch, peerColumn(peer, 'score_frozen_ms'))],
    });
  }
  return {
    title: 'LSTM-AE (`lstm-ae`), seed-003 sizes: 38 channels, window 100',
    unit: 'windows/s',
    higherIsBetter: true,
    peerLabels: ['PyTorch eager', 'PyTorch traced+frozen'],
    rows,
    notes: ['Training has no traced column: PyTorch has no frozen mode for training. Scoring: eager under torch.inference_mode; traced+frozen = torch.jit.trace + torch.jit.freeze under torch.inference_mode.'],
  };
}
