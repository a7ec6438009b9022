// ONNX: a graph builder over onnx-proto, the export of models and detector bundles, reading an
// exported file back, and an onnxruntime-node runner.
export { GraphBuilder, OPSET, IR_VERSION, PRODUCER, type Dim, type Attrs, type AttrValue, type HostTensor } from './graph/builder';
export { OnnxGraphError } from './graph/checker';
/** @internal (onnx-proto messages; the package's declarations do not expose them) */
export { checkGraph } from './graph/checker';
export { type OnnxEmitter, emitterOf } from './graph/emitter';
export { exportModelOnnx, exportDetectorOnnx, detectorMetadata, modelGraph, onnxModelOf, META_KEYS, INPUT, type OnnxModel } from './export/export';
export { transpose2d, onnxGateOrder, ONNX_FROM_PYTORCH } from './graph/layout';
export { readOnnxMetadata, metadataErrorScale } from './export/metadata';
/** @internal (onnx-proto messages) */
export { decodeOnnx, valueDims } from './export/metadata';
export { OnnxRunner, cudaProviderInstalled, cudaMissingMessage, ORT_MISSING, type OnnxRunnerOptions } from './export/runner';
export { describeVerified, verifyOnnx, type VerifiedOutput, type VerifyResult } from './export/verify';
