// A member whose score is known by hand, for the ensemble's tests: it scores a window by the
// value of one channel in the window's FIRST row (so a member of a shorter window than the
// ensemble's reads a different row, which shows it is given its own last rows), and blames that
// channel alone by the value squared.
import { Module } from '../../lib/nn';
import { Tensor } from '../../lib/tensor';
import type { AnomalyModel, ModelKind } from '../../lib/model';

export interface EchoConfig {
  inputs: number;
  window: number;
  channel: number;
}

export class Echo extends Module implements AnomalyModel {
  constructor(readonly config: EchoConfig) {
    super();
  }

  get window(): number {
    return this.config.window;
  }

  loss(): Tensor {
    return Tensor.zeros([]);
  }

  private firstRow(x: Tensor): Float32Array {
    const [B, W, F] = x.shape;
    const v = x.toArray();
    return Float32Array.from({ length: B }, (_, b) => v[b * W * F + this.config.channel]);
  }

  scores(x: Tensor): Tensor {
    return Tensor.fromArray(this.firstRow(x), [x.shape[0]]);
  }

  channelErrors(x: Tensor): Tensor {
    const F = this.config.inputs;
    const out = new Float32Array(x.shape[0] * F);
    this.firstRow(x).forEach((v, b) => (out[b * F + this.config.channel] = v * v));
    return Tensor.fromArray(out, [x.shape[0], F]);
  }
}

export const echoKind: ModelKind<EchoConfig, Echo> = {
  kind: 'echo-test',
  summary: 'test member: a window\'s first row, one channel',
  inputKind: 'windows',
  defaultConfig: (inputs, overrides = {}) => ({ window: 1, channel: 0, ...overrides, inputs }),
  create: (config) => new Echo(config),
};
