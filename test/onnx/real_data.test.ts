// Parity on real windows: SMD machine-1-6 (38 channels, already scaled to [0, 1]) through the
// seed-sized LSTM-AE (window 100, LSTMs 128/64) and DC-VAE (HEAD: window 128, six 64-unit
// layers), seeded weights and BatchNorm statistics, 6 windows spread over the test file (some
// inside labelled anomalies). Tolerance 1e-4 + 1e-4 |native|. Skips when ../shared/data is absent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../models';
import { LstmAe, seedLstmAeConfig } from '../../models/lstm_ae/model';
import { DcVae, seedDcVaeConfig } from '../../models/dc_vae/model';
import type { Module } from '../../lib/nn';
import { Generator } from '../../lib/random';
import { DATA, skipWithout } from '../helpers/real_data';
import { assertModelParity, uniform } from './helpers';

const FILE = join(DATA, 'smd', 'test', 'machine-1-6.txt');
const C = 38;

/** Rows [start, start + length) of each window, stacked [count, length, C]. */
function smdWindows(length: number, count: number): Float32Array {
  const rows = readFileSync(FILE, 'utf8').trim().split(/\r?\n/);
  const out = new Float32Array(count * length * C);
  for (let w = 0; w < count; w++) {
    const start = Math.floor((w * (rows.length - length)) / (count - 1));
    for (let r = 0; r < length; r++) rows[start + r].split(',').forEach((v, c) => (out[(w * length + r) * C + c] = +v));
  }
  return out;
}

/** Seeded BatchNorm statistics and affine parameters (the constructors' weights stay as initialised). */
function seedBatchNorms(m: Module, seed: number): void {
  let s = seed;
  for (const [name, t] of m.stateDict()) {
    if (!/bn\d*\./.test(name)) continue;
    t.assign(name.endsWith('running_var') ? uniform(t.size, s++, 0.05, 0.5) : uniform(t.size, s++, -0.5, 0.5));
  }
}

describe('onnx: parity on real SMD windows (seed-sized models)', function () {
  this.timeout(60000);
  skipWithout(FILE);

  it('LSTM-AE (seed config, window 100): reconstruction and channel_errors', async () => {
    const m = new LstmAe(seedLstmAeConfig(C, 100), new Generator(1));
    seedBatchNorms(m, 1);
    await assertModelParity('SMD lstm-ae', m.eval(), smdWindows(100, 6), [6, 100, C]);
    m.dispose();
  });

  it('DC-VAE (HEAD config, window 128): x_mean, x_log_var and channel_errors', async () => {
    const cfg = seedDcVaeConfig(C);
    const m = new DcVae(cfg, new Generator(2));
    seedBatchNorms(m, 2);
    await assertModelParity('SMD dc-vae', m.eval(), smdWindows(cfg.window, 6), [6, cfg.window, C]);
    m.dispose();
  });
});
