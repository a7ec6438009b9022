// Benchmark of Sa-DVCRAE (models/sa_dvcrae) against the fixture port in PyTorch CPU
// (tools/bench/torch_sa_dvcrae.py: tools/fixtures/sa_dvcrae.py's forward and loss, with the
// convlstm suite's organised SA-ConvLSTM layer in place of the reference cells) at the same batch
// and thread count: the `default` config on 43 sensors (BATADAL: 48 x 48 matrices, T = 4, one
// Pearson window of 30 rows, filters 8, 16, 16 | 16, 8 | latent 8 | 32, 16 | 8 | 16, 8, 8),
// batch 64 for both rows, with dropout 0 on both sides (the port has none; the config trains at 0.1).
// Rows: training windows/s (one step as lib/train's fit takes it: the seed's loss with the KL
// at weight 0.01 and a fresh reparameterised draw, backward, Adam at lr 1e-3, no clipping)
// against PyTorch eager; scoring windows/s (eval mode, z = z_mean, the model's score: the last
// matrix's residual Frobenius norm) against eager and traced + frozen. A window is one sample.
// Both sides read the SAME precomputed Pearson matrices (matrix_peer.benchMatrices): building
// matrices is timed on neither side.
//
// Equality check, once per peer start: the engine's freshly initialised weights (Generator(0)),
// both batches, its eval-mode loss, reconstruction, z_mean and z_log_var on the training batch
// and its scores on the scoring batch go to the peer, which loads the weights by name into the
// timed forward (float32) and the port's own forward (reference cells, float64); the suite fails
// (matrix_peer.checkMatrixPeer) unless both losses and every score are within 1e-4 of the
// engine's, relative to max(1, |.|), and the outputs within 1e-4 on their own scale
// (EXTRA_CHECKS says why). Both sides then train from those weights; the draws of z differ
// (Philox here, torch.randn there), not the work.
// Runs alternate with the peer's; each run = median of `reps` steps after `warmup`.
import { Adam } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { saDvcraeKind, type SaDvcrae, type SaDvcraeConfig } from '../../models/sa_dvcrae';
import { peerColumn, withheldAt, type SuiteContext } from './context';
import { checkMatrixPeer, type PeerTensor } from './matrix_peer';
import { alternateMatrixSide, matrixRows, matrixSide, matrixTable, type MatrixSide } from './matrix_side';
import type { BenchTable, TableRow } from './table';

const SENSORS = 43;  // BATADAL
const SIZES = { batch: 64, scoreBatch: 64 };  // lib/train's batch; scoring at the same size
const LR = 1e-3;     // fit's default rate (torch_common.model_steps' too)
const TOLERANCE = 1e-4;
/**
 * At the initial weights the reconstruction is small, so the loss and the scores are mostly
 * |x|^2 and barely move when a layer is wrong: the network's eval-mode outputs are checked on
 * their own scales too (max |diff| / max |engine's|), from the timed forward and the port's own.
 */
const EXTRA_CHECKS = ['recon', 'z_mean', 'z_log_var'].flatMap((k) => [
  { key: `check_${k}_rel`, label: `${k} max rel diff (timed peer)` },
  { key: `check_${k}_ref_rel`, label: '(fixture port)' },
]);

/** The default config at 43 sensors, dropout 0 (the peer's port has no dropout). */
function benchConfig(): SaDvcraeConfig {
  return saDvcraeKind.defaultConfig(SENSORS, { dropout: 0 });
}

function shapeLabel(c: SaDvcraeConfig): string {
  const P = c.padTo;
  return `\`default\` config, dropout 0, ${SENSORS} sensors, [B, ${c.steps}, ${c.scales.length}, ${P}, ${P}], filters ${[c.encoder, c.encoderLstm, [c.latent], [c.hidden, c.decoderChannels], c.decoderLstm, c.decoder].map((l) => l.join(',')).join(' / ')}`;
}

/** Vigil's side: fit's step (Adam, no clipping); the eval-mode outputs for the peer's check. */
function vigilSide(c: SaDvcraeConfig, warmup: number, reps: number): MatrixSide {
  const model = saDvcraeKind.create(c, new Generator(0)) as SaDvcrae;
  return matrixSide('sa-dvcrae', model, c, new Adam(model.parameters(), { lr: LR }), SIZES, {
    loss: (m, x) => m.loss(x).loss,
    checkTensors: (m, x) => {
      const out = m.run(x, 'mean');
      return ([['recon', out.recon], ['z_mean', out.zMean], ['z_log_var', out.zLogVar]] as const)
        .map(([k, v]) => [`vigil_${k}`, Float32Array.from(v.toArray()), [...v.shape]] as PeerTensor);
    },
  }, { warmup, reps });
}

export async function benchSaDvcrae(ctx: SuiteContext): Promise<BenchTable> {
  const warmup = 1, reps = ctx.quick ? 2 : 5;
  const rows: TableRow[] = [];
  const checks = new Set<string>();
  const c = benchConfig();
  for (const threads of ctx.threads) {
    ctx.log(`sa-dvcrae: ${threads} thread(s)`);
    const { vigil, peer } = await alternateMatrixSide(ctx, threads, 'torch_sa_dvcrae.py', vigilSide(c, warmup, reps));
    checks.add(checkMatrixPeer('sa-dvcrae', 'default', peer, TOLERANCE, EXTRA_CHECKS));
    rows.push(...matrixRows(shapeLabel(c), SIZES, threads, withheldAt(ctx, threads), vigil, (k) => peerColumn(peer, k)));
  }
  return matrixTable('Sa-DVCRAE (`sa-dvcrae`): the `default` config at 43 sensors (BATADAL)', rows, [
    'The peer is the fixture port (tools/fixtures/sa_dvcrae.py) with its SA-ConvLSTM reference cells swapped for the convlstm suite\'s organised layer; its TF-\'same\' convs (F.pad + conv) and cropped transposed convs run as the port writes them.',
    'Dropout 0 on both sides: the port has no dropout, the `default` config trains at 0.1 (Vigil\'s masks are not timed here).',
    'Training: the seed\'s loss (SSE / (B P S) + 0.01 KL / B), a fresh reparameterised z per step (Philox in Vigil, torch.randn in the peer), Adam lr 1e-3. Scoring: eval mode (z = z_mean), the last matrix\'s residual Frobenius norm.',
  ], checks);
}
