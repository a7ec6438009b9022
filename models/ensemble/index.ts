// The ensemble of fitted detectors: its common scale, the model and its kind.
export * from './scale';
export * from './model';
export { ensembleKind, checkEnsembleConfig, DEFAULT_MEMBERS } from './kind';
