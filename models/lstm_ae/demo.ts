// The LSTM-AE at `vigil demo`'s size. The seed uses 128/64-unit LSTMs over 100 steps; here:
// encoder 32-16, latent 16, decoder 16-32 over 30 rows, BatchNorm momentum 0.1 (the seed's
// Keras 0.99 is 0.01 here: with a few hundred steps the running statistics otherwise lag and the
// validation loss of early epochs with them). Picked on the demo's normal validation tail only
// (full sizes, 25 epochs, best validation loss): latent 8 -> 0.220, latent 16 -> 0.196, window
// 60 -> 0.385, 64-32 units -> 0.184 at twice the time.
import type { DemoConfig } from '../../lib/model';

export const LSTM_AE_DEMO: DemoConfig = {
  config: { window: 30, encoder: [32, 16], latent: 16, decoderDense: 16, decoder: [16, 32], bnMomentum: 0.1 },
  lr: 2e-3,
  describe: 'LSTM-AE: encoder LSTM 32-16, latent 16, decoder LSTM 16-32, window 30 rows',
};
