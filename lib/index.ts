// The engine's public API (the package entry, ../index.ts, adds the model zoo).
export { Tensor, tidy, keep, requireDevice, type DType, type Device, type Shape, type TensorOptions } from './tensor';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad_mode';
// autograd/function loads the engine and the recorded view, which fill Tensor's backward and
// reshape hooks (tensor.ts imports neither).
export { Function } from './autograd/function';
export { backward } from './autograd/engine';
export { gradcheck, type GradcheckResult } from './autograd/gradcheck';
export { Generator, manualSeed, defaultGenerator } from './random';
export { saveBundle, loadBundle, BundleError, type BundleContents, type LoadedBundle } from './io/bundle';
export { runOffThread, type OffThreadContext } from './runtime/offthread';
export { native } from './binding';
export * as ops from './ops';
export * as nn from './nn';
export * as optim from './optim';
export * as data from './data';
export * as train from './train';
export * as detect from './detect';
export * as evaluation from './eval';
export * as calibrate from './calibrate';
export * as pipeline from './pipeline';
export { registerModelKind, unregisterModelKind, modelKind, modelKinds, type AnomalyModel, type ModelKind, type InputSpec, type InputKind, type SettingsResult, type DemoConfig } from './model';
// lib/onnx loads onnx/export/export, which registers backend 'onnxruntime' with lib/detect, so
// Detector.load(path, { backend: 'onnxruntime' }) works for users of the package entry.
export * as onnx from './onnx';
