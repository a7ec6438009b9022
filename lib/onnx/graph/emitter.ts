// What a layer offers the exporter: it appends its own inference nodes to a graph.
import type { GraphBuilder } from './builder';

export interface OnnxEmitter {
  /** Appends the layer's eval-mode nodes reading `input`; returns the name of its output. */
  toOnnx(g: GraphBuilder, input: string, prefix: string): string;
}

/** The layer as an emitter, or an error naming the layer that has no ONNX export. */
export function emitterOf(layer: object, where: string): OnnxEmitter {
  const m = layer as Partial<OnnxEmitter>;
  if (typeof m.toOnnx !== 'function') throw new Error(`onnx: ${where} (${layer.constructor.name}) has no ONNX emitter`);
  return m as OnnxEmitter;
}
