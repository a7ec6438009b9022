// Resident memory over N synchronous steps that never yield to the event loop (a library user's
// tight loop): training steps of a small LSTM model, or forward passes under noGrad. Run with
// --expose-gc so each mark follows a full collection. Arguments: steps, 'train' | 'forward'.
// Prints JSON: RSS in bytes after every tenth of the steps.
import { LSTM, Linear } from '../../lib/nn';
import { noGrad } from '../../lib/autograd/grad_mode';
import { mseLoss } from '../../lib/ops/losses';
import { Adam } from '../../lib/optim/adam';
import { Generator } from '../../lib/random';
import { tidy } from '../../lib/tensor';

const steps = Number(process.argv[2]);
const mode = process.argv[3] === 'forward' ? 'forward' : 'train';
const gen = new Generator(3);
const lstm = new LSTM(4, 8, { generator: gen } as never);
const head = new Linear(8, 4, { generator: gen } as never);
const opt = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 1e-3 });
const x = gen.uniform([8, 12, 4], -1, 1), target = gen.uniform([8, 12, 4], -1, 1);
const gc = (globalThis as { gc?: () => void }).gc!;
const marks: number[] = [];
for (let s = 1; s <= steps; s++) {
  if (mode === 'train')
    tidy(() => {
      opt.zeroGrad();
      mseLoss(head.forward(lstm.forward(x).output), target).backward();
      opt.step();
    });
  else noGrad(() => tidy(() => void head.forward(lstm.forward(x).output)));
  if (s % (steps / 10) === 0) {
    gc();
    marks.push(process.memoryUsage().rss);
  }
}
process.stdout.write(JSON.stringify(marks));
