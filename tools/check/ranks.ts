// The layers of lib/, low to high: a file may import its own unit, a unit of its rank, or a
// unit of a lower rank, never a higher one (DESIGN.md, "The house, bottom to top"). Units share
// a rank when neither imports the other and both sit at the same height of the house.
//
// The order is the one the code already follows, with each step's reason:
//   leaves       binding loads the addon that addon_location finds; options, runtime and logsumexp
//                import no lib unit at all
//   tensor       imports binding only (its reshape/backward come in through hooks)
//   random, autograd   both build on tensor, neither on the other
//   ops          one Function per op
//   onnx/graph   the graph builder the layers emit into: below nn, imports no lib unit
//   nn           layers over ops, emitting ONNX through onnx/graph
//   optim, io    optimisers over tensors; the safetensors codec and bundle over tensors
//   data         readers, scalers, windows; the simulator writes through io
//   train        fit loops over nn, optim, io and data
//   model        the model contract (a kind's nn module, its options)
//   eval         metrics and report data over data
//   calibrate    thresholds and calibrators, which score candidates with eval's metrics
//   detect       the runtime: Detector, streams, backends, decisions over calibrate's rules
//   onnx/export, onnx   a detector as ONNX and its onnxruntime backend (above detect; registers
//                with it); lib/onnx/index.ts re-exports graph and export, so it sits with export
//   pipeline     fit, calibrate, score, evaluate: calls everything below
//   scale        scale-out workers around detectors and pipelines
//   index        lib/index.ts, the package entry: re-exports every unit
// models/ sits above all of lib and tools/ above models: neither is ranked here (see rules.ts).

export const RANKS: Record<string, number> = {
  binding: 0,
  addon_location: 0,
  options: 0,
  runtime: 0,
  logsumexp: 0,
  tensor: 1,
  random: 2,
  autograd: 2,
  ops: 3,
  'onnx/graph': 4,
  nn: 5,
  optim: 6,
  io: 6,
  data: 7,
  train: 8,
  model: 9,
  eval: 10,
  calibrate: 11,
  detect: 12,
  'onnx/export': 13,
  onnx: 13,
  pipeline: 14,
  scale: 15,
  index: 16,
};

/**
 * The unit of a file under lib/ (path relative to the repository root, '/' separated):
 * lib/tensor.ts -> 'tensor', lib/nn/lstm.ts -> 'nn', lib/onnx/graph/builder.ts -> 'onnx/graph',
 * lib/onnx/index.ts -> 'onnx'. Null outside lib/.
 */
export function unitOf(path: string): string | null {
  const parts = path.split('/');
  if (parts[0] !== 'lib' || parts.length < 2) return null;
  if (parts.length === 2) return parts[1].replace(/\.ts$/, '');
  if (parts[1] === 'onnx' && parts.length > 3) return `onnx/${parts[2]}`;
  return parts[1];
}
