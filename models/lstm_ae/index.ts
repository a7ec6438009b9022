// LSTM-AE (HAI notebook, seed 003): the network, its kind and its demo size.
export * from './model';
export { lstmAeKind } from './kind';
export { LSTM_AE_DEMO } from './demo';
