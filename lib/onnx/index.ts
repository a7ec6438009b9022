// ONNX: a graph builder over onnx-proto, the export of models and detector bundles, reading an
// exported file back, and an onnxruntime-node runner.
export { GraphBuilder, OPSET, IR_VERSION, PRODUCER, type Dim, type Attrs, type AttrValue, type HostTensor } from './builder';
export { checkGraph, OnnxGraphError } from './checker';
export { type OnnxEmitter, emitterOf } from './emitter';
export { exportModelOnnx, exportDetectorOnnx, detectorMetadata, modelGraph, onnxModelOf, META_KEYS, INPUT, type OnnxModel } from './export';
export { transpose2d, onnxGateOrder, ONNX_FROM_PYTORCH } from './layout';
export { decodeOnnx, readOnnxMetadata, metadataErrorScale, valueDims } from './metadata';
export { OnnxRunner, cudaProviderInstalled, cudaMissingMessage, type OnnxRunnerOptions } from './runner';
export { verifyOnnx, type VerifyResult } from './verify';
