// STAEAD at `vigil demo`'s size: the default config (Pearson matrices over 30 rows, T 4 of them
// 10 rows apart, so a sample spans 60 rows = 10 minutes at the demo's 10 s rows; filters 16-8 |
// 8, 8 | 8 | 16) over the plant's 18 channels. Not in the default run: at the demo's 25 epochs
// it would about double the demo's time (opt in with --models).
import type { DemoConfig } from '../../lib/model';

export const STAEAD_DEMO: DemoConfig = {
  config: {},
  lr: 1e-3,
  describe: 'STAEAD: Pearson matrices over 30 rows, T 4 of them 10 rows apart, conv 16-8, attention ConvLSTM 8-8, ConvLSTM 8, deconv 16',
  optIn: 'slower than the default run',
};
