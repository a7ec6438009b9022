// Activation layers for Sequential stacks; each wraps its functional op.
import { elu, leakyRelu, relu, selu, sigmoid, tanh } from '../ops/elementwise';
import { Tensor } from '../tensor';
import { Module } from './module';

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.slope);
  }
}
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
}
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(x);
  }
}
