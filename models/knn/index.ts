// k nearest neighbours (k-th distance, mean distance, LOF) over windows: the neighbour search,
// the model and its kind.
export * from './neighbours';
export * from './model';
export { knnKind, checkKnnConfig } from './kind';
