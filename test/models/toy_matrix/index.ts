// A toy model of the matrix-series kind, added through the public API only (the package entry),
// to show the contract extends without touching lib/: a linear autoencoder over a series of
// correlation matrices. Its channel error is row c of the squared residual matrices, averaged
// over steps, scales and the other channel: how far channel c's correlations moved.
import { nn, ops, type AnomalyModel, type Generator, type InputSpec, type ModelKind, type Tensor } from '../../..';

export interface ToyMatrixConfig {
  inputs: number;
  steps: number;
  gap: number;
  scales: number[];
  hidden: number;
}

export class ToyMatrixAe extends nn.Module implements AnomalyModel {
  readonly input: InputSpec;
  readonly window: number;
  private readonly enc: nn.Linear;
  private readonly dec: nn.Linear;
  private readonly width: number;

  constructor(readonly config: ToyMatrixConfig, gen?: Generator) {
    super();
    const { inputs: C, steps, gap, scales, hidden } = config;
    this.input = { kind: 'matrix-series', steps, gap, scales };
    this.window = (steps - 1) * gap + Math.max(...scales);
    this.width = steps * scales.length * C * C;
    this.enc = this.registerModule('enc', new nn.Linear(this.width, hidden, { generator: gen }));
    this.dec = this.registerModule('dec', new nn.Linear(hidden, this.width, { generator: gen }));
  }

  private residual(x: Tensor): Tensor {
    const flat = ops.reshape(x, [x.shape[0], this.width]);
    return ops.square(ops.sub(this.dec.forward(ops.tanh(this.enc.forward(flat))), flat));
  }

  loss(x: Tensor): Tensor {
    return ops.mean(this.residual(x));
  }

  channelErrors(x: Tensor): Tensor {
    const { inputs: C, steps, scales } = this.config;
    const r = ops.reshape(this.residual(x), [x.shape[0], steps * scales.length, C, C]);
    return ops.mean(r, [1, 3]);
  }
}

export const toyMatrixKind: ModelKind<ToyMatrixConfig, ToyMatrixAe> = {
  kind: 'toy-matrix',
  summary: 'test-only linear autoencoder over correlation-matrix series',
  inputKind: 'matrix-series',
  defaultConfig: (inputs, overrides = {}) => ({ steps: 3, gap: 4, scales: [4, 8], hidden: 6, ...overrides, inputs }),
  create: (config, gen) => new ToyMatrixAe(config, gen),
};

