// Native memory over 1,000 training steps of a ConvLSTM2d layer (with input dropout, so fresh
// masks every step), measured in a fresh process so that other tests' garbage cannot move the
// counts. Arguments: the step count and the cell (default 'plain'). Prints JSON: the live
// buffers/bytes after step 100 and every 100 steps after.
import { native } from '../../lib/binding';
import { ConvLSTM2d } from '../../lib/nn';
import type { ConvLstmCell } from '../../lib/ops/conv_lstm';
import { mseLoss } from '../../lib/ops/losses';
import { Adam } from '../../lib/optim/adam';
import { Generator } from '../../lib/random';
import { tidy } from '../../lib/tensor';

const steps = Number(process.argv[2]);
const cell = (process.argv[3] ?? 'plain') as ConvLstmCell;
const gen = new Generator(4);
const layer = new ConvLSTM2d(2, 3, { cell, dropout: 0.3, generator: gen });
const opt = new Adam(layer.parameters(), { lr: 1e-3 });
const x = gen.uniform([2, 4, 2, 5, 5], -1, 1), target = gen.uniform([2, 4, 3, 5, 5], -0.5, 0.5);
const mem = () => ({ buffers: native.memory().cpuBuffers, bytes: native.memory().cpuBytes });
const marks: ReturnType<typeof mem>[] = [];
for (let s = 1; s <= steps; s++) {
  tidy(() => {
    opt.zeroGrad();
    mseLoss(layer.forward(x).output, target).backward();
    opt.step();
  });
  if (s % 100 === 0) marks.push(mem());
}
process.stdout.write(JSON.stringify({ marks }));
