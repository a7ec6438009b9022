// Activation layers for Sequential stacks; each wraps its functional op and emits the matching
// ONNX operator (attributes set explicitly to the native constants).
import { elu, leakyRelu, relu, selu, sigmoid, tanh } from '../ops/elementwise';
import type { GraphBuilder } from '../onnx/graph/builder';
import { Tensor } from '../tensor';
import { Module } from './module';

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
  toOnnx(g: GraphBuilder, x: string, prefix = 'tanh'): string {
    return g.op('Tanh', [x], {}, `${prefix}/Tanh`);
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
  toOnnx(g: GraphBuilder, x: string, prefix = 'sigmoid'): string {
    return g.op('Sigmoid', [x], {}, `${prefix}/Sigmoid`);
  }
}
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
  toOnnx(g: GraphBuilder, x: string, prefix = 'relu'): string {
    return g.op('Relu', [x], {}, `${prefix}/Relu`);
  }
}
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.slope);
  }
  toOnnx(g: GraphBuilder, x: string, prefix = 'leaky_relu'): string {
    return g.op('LeakyRelu', [x], { alpha: { float: this.slope } }, `${prefix}/LeakyRelu`);
  }
}
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  toOnnx(g: GraphBuilder, x: string, prefix = 'elu'): string {
    return g.op('Elu', [x], { alpha: { float: this.alpha } }, `${prefix}/Elu`);
  }
}
/** The SELU constants of native/cpu/elementwise.cpp (PyTorch's), which ONNX's defaults round to in float32. */
const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(x);
  }
  toOnnx(g: GraphBuilder, x: string, prefix = 'selu'): string {
    return g.op('Selu', [x], { alpha: { float: SELU_ALPHA }, gamma: { float: SELU_SCALE } }, `${prefix}/Selu`);
  }
}
