// k nearest neighbours (k-th distance, mean distance, LOF) over windows: the neighbour search,
// the model, its ONNX graph and its kind.
export * from './neighbours';
export * from './config';
export * from './model';
export { knnOnnx } from './onnx';
export { knnKind, checkKnnConfig } from './kind';
