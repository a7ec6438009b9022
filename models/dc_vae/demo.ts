// DC-VAE at `vigil demo`'s size. The seed uses 64-channel convolutions over 128 steps; here
// upstream's layout with 32 channels per causal convolution, encoder dilations 1-8, decoder
// 16-2, latent 4, over 32 rows, BatchNorm momentum 0.1 (as the LSTM-AE's demo size). Picked on
// the demo's normal validation tail only: 16 channels -> 1.22 (erratic), window 64 -> 1.20,
// latent 8 -> 0.75, 32 channels -> 0.61.
import type { DemoConfig } from '../../lib/model';
import { upstreamLayout } from './model';

export const DC_VAE_DEMO: DemoConfig = {
  config: { window: 32, latent: 4, bnMomentum: 0.1, ...upstreamLayout([32, 32, 32, 32, 32], [1, 2, 4, 8, 16], 'head') },
  lr: 2e-3,
  describe: 'DC-VAE: causal convolutions of 32 channels, encoder dilations 1-8, decoder 16-2, latent 4, window 32 rows',
};
