// The demo's sizes: the data (simulated hours, sampling), the training budget and each model's
// reduced configuration, for the full run and for --quick (CI). Chosen so the whole command
// stays under 3 minutes (full) and well under a minute (--quick) on two cores; every choice is
// made before any attacked data is seen.
import { DEFAULT_MIN_HOURS } from '../../../lib/data/simulator';
import { upstreamLayout, type DcVaeConfig } from '../../../models/dc_vae/model';
import type { LstmAeConfig } from '../../../models/lstm_ae/model';

export interface DemoSizes {
  hoursNormal: number;
  hoursAttack: number;
  /** Seconds between rows (the simulator steps 1 s and samples every this many). */
  sampleSeconds: number;
  /** Share of the normal rows (their tail) that is validation: early stopping and the thresholds. */
  validation: number;
  epochs: number;
  /** Rows between training windows. */
  stride: number;
  batchSize: number;
  /** VUS buffer length, in seconds (converted to rows). */
  vusSeconds: number;
}

// A full day of normal operation, so training has seen every phase of the daily demand cycle
// (with 6-8 h the validation loss on the following hours stayed 3-4x the training loss). The
// attacked period is as short as the simulator's default scenarios allow.
export const FULL: DemoSizes = {
  hoursNormal: 24, hoursAttack: DEFAULT_MIN_HOURS, sampleSeconds: 10, validation: 0.2, epochs: 25, stride: 2, batchSize: 64, vusSeconds: 300,
};

// The same data; less training (windows every 4 rows, 12 epochs of smaller batches). Sampling
// every 20 s instead left the models far from converged (most attacks then went unseen).
export const QUICK: DemoSizes = {
  hoursNormal: 24, hoursAttack: DEFAULT_MIN_HOURS, sampleSeconds: 10, validation: 0.2, epochs: 12, stride: 4, batchSize: 32, vusSeconds: 300,
};

export interface DemoModel {
  kind: 'lstm-ae' | 'dc-vae';
  /** Overrides of the model kind's default (seed) configuration. */
  config: Partial<LstmAeConfig> | Partial<DcVaeConfig>;
  lr: number;
  /** One line for the printout and the report. */
  describe: string;
}

/**
 * Reduced sizes (the seeds use 128/64-unit LSTMs over 100 steps and 64-unit convolutions over
 * 128 steps): LSTM-AE encoder 32-16, latent 16, decoder 16-32 over 30 rows; DC-VAE in upstream's
 * layout with 32 channels per causal convolution, encoder dilations 1-8, decoder 16-2, latent 4,
 * over 32 rows. BatchNorm momentum 0.1 (the seeds' Keras 0.99 is 0.01 here): with a few hundred
 * steps the running statistics otherwise lag and the validation loss of early epochs with them.
 * Picked on the normal validation tail only (full sizes, 25 epochs, best validation loss):
 * LSTM-AE latent 8 -> 0.220, latent 16 -> 0.196, window 60 -> 0.385, 64-32 units -> 0.184 at
 * twice the time; DC-VAE 16 channels -> 1.22 (erratic), window 64 -> 1.20, latent 8 -> 0.75,
 * 32 channels -> 0.61.
 */
export const DEMO_MODELS: Record<DemoModel['kind'], DemoModel> = {
  'lstm-ae': {
    kind: 'lstm-ae',
    config: { window: 30, encoder: [32, 16], latent: 16, decoderDense: 16, decoder: [16, 32], bnMomentum: 0.1 },
    lr: 2e-3,
    describe: 'LSTM-AE: encoder LSTM 32-16, latent 16, decoder LSTM 16-32, window 30 rows',
  },
  'dc-vae': {
    kind: 'dc-vae',
    config: { window: 32, latent: 4, bnMomentum: 0.1, ...upstreamLayout([32, 32, 32, 32, 32], [1, 2, 4, 8, 16], 'head') },
    lr: 2e-3,
    describe: 'DC-VAE: causal convolutions of 32 channels, encoder dilations 1-8, decoder 16-2, latent 4, window 32 rows',
  },
};
