// The LSTM-AE as a model kind: what `--model lstm-ae` builds, and its demo size.
import type { ModelKind } from '../../lib/model';
import { LSTM_AE_DEMO } from './demo';
import { LstmAe, seedLstmAeConfig, type LstmAeConfig } from './model';

export const lstmAeKind: ModelKind<LstmAeConfig, LstmAe> = {
  kind: 'lstm-ae',
  summary: 'LSTM autoencoder over sliding windows (HAI notebook, seed 003)',
  defaultConfig: (inputs, overrides = {}) => ({ ...seedLstmAeConfig(inputs), ...overrides, inputs }),
  create: (config, gen) => new LstmAe(config, gen),
  inputKind: 'windows',
  demo: LSTM_AE_DEMO,
};
