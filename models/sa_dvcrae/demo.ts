// Sa-DVCRAE at `vigil demo`'s size: the default config (Pearson matrices over 30 rows, T 4 of
// them 10 rows apart, 60 rows = 10 minutes at the demo's 10 s rows; Lin et al.'s SA-ConvLSTM;
// scored by the residual's norm) over the plant's 18 channels. Not in the default run, as STAEAD.
import type { DemoConfig } from '../../lib/model';

export const SA_DVCRAE_DEMO: DemoConfig = {
  config: {},
  lr: 1e-3,
  describe: 'Sa-DVCRAE: Pearson matrices over 30 rows, T 4 of them 10 rows apart, conv 8-16-16, SA-ConvLSTM 16-8, latent 8, decoder SA-ConvLSTM 8, deconv 16-8-8',
  optIn: 'slower than the default run',
};
