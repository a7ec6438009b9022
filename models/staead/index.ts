// STAEAD (STAE-AD, seed 001): the network, its kind, and the seed's max-scale threshold rule.
export * from './model';
export { staeadKind, staeadFitOptions, STAEAD_NAMED_CONFIGS, type StaeadOverrides } from './kind';
export { maxScaleThreshold, seedSearch, SEED_C_GRID, type MaxScaleOptions } from './threshold';
