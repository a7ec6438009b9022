import type { GraphBuilder } from '../onnx/graph/builder';
import { emitterOf } from '../onnx/graph/emitter';
import { Tensor } from '../tensor';
import { Module } from './module';

/** A single-input single-output module. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/** Runs its layers in order; children are named "0", "1", ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }
  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, m) => m.forward(h), x);
  }
  /** ONNX: each layer's nodes in order, prefixed "<prefix>.<i>". */
  toOnnx(g: GraphBuilder, x: string, prefix = 'seq'): string {
    return this.layers.reduce((h, m, i) => emitterOf(m, `${prefix}.${i}`).toOnnx(g, h, `${prefix}.${i}`), x);
  }
}
