// A small LSTM -> Linear -> ReLU -> Linear model shared by the training tests, and a function
// that trains it, callable on a worker thread through runOffThread.
import { mseLoss } from '../../lib/ops/losses';
import { relu } from '../../lib/ops/elementwise';
import { Linear, LSTM, Module } from '../../lib/nn';
import { Adam } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';

export class TinyNet extends Module {
  readonly lstm: LSTM;
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(inputs: number, hidden: number, mid: number, gen?: Generator) {
    super();
    this.lstm = this.registerModule('lstm', new LSTM(inputs, hidden, { generator: gen }));
    this.fc1 = this.registerModule('fc1', new Linear(hidden, mid, { generator: gen }));
    this.fc2 = this.registerModule('fc2', new Linear(mid, inputs, { generator: gen }));
  }
  forward(x: Tensor): Tensor {
    const { output } = this.lstm.forward(x);
    return this.fc2.forward(relu(this.fc1.forward(output)));
  }
}

/** One reconstruction step; returns the loss. */
export function trainStep(net: Module & { forward(x: Tensor): Tensor }, opt: Adam, x: Tensor): number {
  return tidy(() => {
    opt.zeroGrad();
    const loss = mseLoss(net.forward(x), x);
    loss.backward();
    opt.step();
    return loss.item();
  });
}

/** Trains a seeded model for `steps` on seeded data; returns the losses. Worker-callable. */
export function trainTiny(seed: number, steps: number, shape: [number, number, number] = [4, 8, 3], hidden = 8): number[] {
  const gen = new Generator(seed);
  const net = new TinyNet(shape[2], hidden, hidden, gen);
  const x = gen.normal(shape);
  const opt = new Adam(net.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(trainStep(net, opt, x));
  x.dispose();
  opt.dispose?.();
  net.dispose();
  return losses;
}
