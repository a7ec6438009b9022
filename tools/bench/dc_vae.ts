// Benchmark of DC-VAE at upstream HEAD's sizes (T=128, 64 units, kernel 2, J=4) on 12 channels
// (upstream's TELCO M), against the same model in PyTorch CPU (tools/bench/torch_dc_vae.py, the
// fixture generator's model) at the same batch and thread count. Rows:
// - training: one Adam step on a batch of 32 (upstream's batch size, reparameterised draw),
//   against eager PyTorch;
// - scoring, full forward (like for like): last-step |x - mu| / sigma of a batch of 256 in eval
//   mode computed from the full forward pass over every step, on both sides, against PyTorch
//   eager and traced + frozen;
// - scoring, last step only (algorithmic saving): the same scores as Vigil's model computes
//   them, over the last step's dependency cone only (less work by design, bit-for-bit the same
//   scores), against the same PyTorch full forward. Its ratio is the saving, not a faster engine.
// Runs alternate with the peer's.
import { alternateWithTorch, peerColumn, withheldAt, type SuiteContext } from './context';
import { benchDcVaeConfig, dcVaeStepMs } from './model_steps';
import { perSecond } from './stats';
import type { BenchTable, TableRow } from './table';

const SIZES = { batch: 32, scoreBatch: 256 }, CHANNELS = 12;

export async function benchDcVae(ctx: SuiteContext): Promise<BenchTable> {
  const warmup = ctx.quick ? 1 : 2, reps = ctx.quick ? 2 : 7;
  const config = benchDcVaeConfig(CHANNELS);
  const { batch, scoreBatch } = SIZES;
  const rows: TableRow[] = [];
  for (const threads of ctx.threads) {
    ctx.log(`dc-vae: ${threads} thread(s)`);
    const { vigil, peer } = await alternateWithTorch(ctx, threads, 'torch_dc_vae.py', [warmup, reps, batch, scoreBatch, JSON.stringify(config)],
      () => dcVaeStepMs(config, SIZES, { warmup, reps, device: 'cpu' }));
    const withheld = withheldAt(ctx, threads);
    const peerScoring = [perSecond(scoreBatch, peerColumn(peer, 'score_ms')), perSecond(scoreBatch, peerColumn(peer, 'score_frozen_ms'))];
    rows.push({
      name: `training (batch ${batch})`, threads, withheld,
      vigil: perSecond(batch, vigil.map((r) => r.train_ms)),
      peers: [perSecond(batch, peerColumn(peer, 'train_ms')), vigil.map(() => NaN)],
    });
    rows.push({
      name: `scoring, full forward, like for like (batch ${scoreBatch})`, threads, withheld,
      vigil: perSecond(scoreBatch, vigil.map((r) => r.full_ms)),
      peers: peerScoring,
    });
    rows.push({
      name: `scoring, last step only: algorithmic saving (batch ${scoreBatch})`, threads, withheld,
      vigil: perSecond(scoreBatch, vigil.map((r) => r.score_ms)),
      peers: peerScoring,
    });
  }
  return {
    title: `DC-VAE (\`dc-vae\`), upstream HEAD sizes: ${CHANNELS} channels, window ${config.window}`,
    unit: 'windows/s',
    higherIsBetter: true,
    peerLabels: ['PyTorch eager', 'PyTorch traced+frozen'],
    rows,
    notes: [
      'Like for like: both sides run the full forward pass and take the last step\'s scores.',
      '"Algorithmic saving": Vigil computes only the last step\'s dependency cone (the same scores, much less work); the peer runs the full forward as upstream does. That ratio measures the saving, not the engine.',
    ],
  };
}
