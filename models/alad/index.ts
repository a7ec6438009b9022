// ALAD (seed 004): the networks, the model and its scores, its training step and its kind.
export * from './networks';
export * from './model';
export { aladSetup, fitAlad, type AladSetupOptions } from './train';
export { aladKind } from './kind';
