import { strict as assert } from 'node:assert';

import { BatchNorm1d, Dropout, Linear, LSTM, Module, ReLU, Sequential } from '../../lib/nn';
import { noGrad } from '../../lib/autograd/grad_mode';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';

class Block extends Module {
  readonly seq = this.registerModule('seq', new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2, { bias: false })));
  readonly bn = this.registerModule('bn', new BatchNorm1d(2));
  forward(x: Tensor): Tensor {
    return this.bn.forward(this.seq.forward(x));
  }
}

describe('nn.Module', () => {
  it('names parameters and buffers with dots, in registration order', () => {
    const m = new Block();
    assert.deepEqual([...m.stateDict().keys()], ['seq.0.weight', 'seq.0.bias', 'seq.2.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var']);
    assert.equal(m.parameters().length, 5);
    assert.equal(m.numParameters(), 4 * 3 + 3 + 3 * 2 + 2 + 2);
    m.dispose();
  });

  it('loadStateDict is strict: it reports every missing, unexpected and mis-shaped entry and changes nothing', () => {
    const m = new Block();
    const before = m.stateDict().get('seq.0.weight')!.toArray();
    const bad = new Map<string, Tensor>([
      ['seq.0.weight', Tensor.zeros([3, 4])],
      ['seq.0.bias', Tensor.zeros([4])],
      ['extra', Tensor.zeros([1])],
    ]);
    assert.throws(() => m.loadStateDict(bad), (e: Error) =>
      /"seq.0.bias" has shape \[4\], the module expects \[3\]/.test(e.message) && /missing "bn.running_var"/.test(e.message) && /unexpected "extra"/.test(e.message));
    assert.deepEqual(m.stateDict().get('seq.0.weight')!.toArray(), before);
    // A full dict from another instance loads exactly.
    const other = new Block();
    m.loadStateDict(other.stateDict());
    for (const [k, t] of m.stateDict()) assert.deepEqual(t.toArray(), other.stateDict().get(k)!.toArray(), k);
    m.dispose();
    other.dispose();
  });

  it('train()/eval() switch dropout and batch norm for the whole tree', () => {
    const gen = new Generator(3);
    const net = new Sequential(new Dropout(0.5, gen), new BatchNorm1d(4));
    const x = gen.normal([16, 4]);
    net.eval();
    assert.ok(net.layers.every((l) => !l.training));
    const y = noGrad(() => net.forward(x));
    // eval: dropout is the identity and BN uses running stats (0 mean, 1 var): y == x / sqrt(1 + eps)
    assertClose(y, x.toArray().map((v) => v / Math.sqrt(1 + 1e-5)), { rtol: 1e-6, atol: 1e-7 }, 'eval output');
    net.train();
    const z = noGrad(() => net.forward(x)).toArray();
    assert.ok(z.some((v, i) => Math.abs(v - y.toArray()[i]) > 1e-3), 'training output differs');
    net.dispose();
  });
});

describe('nn.LSTM', () => {
  it('a 2-layer stack with initial state matches torch.nn.LSTM (names, outputs, final states)', () => {
    const fx = loadFixture('nn_lstm_stacked');
    const lstm = new LSTM(3, 5, { numLayers: 2 });
    lstm.loadStateDict(new Map(fx.keys().filter((k) => k.startsWith('p.')).map((k) => [k.slice(2), fx.tensor(k)])));
    const { output, state } = lstm.forward(fx.tensor('x'), { h: fx.tensor('h0'), c: fx.tensor('c0') });
    const tol = { rtol: 1e-5, atol: 1e-6 };
    assertClose(output, fx.tensor('out.y'), tol, 'output');
    assertClose(state.h, fx.tensor('out.h'), tol, 'h');
    assertClose(state.c, fx.tensor('out.c'), tol, 'c');
  });

  it('refuses input of the wrong width with the expected shape in the message', () => {
    const lstm = new LSTM(3, 5);
    assert.throws(() => lstm.forward(Tensor.zeros([2, 4, 6])), /LSTM: input must be \[batch, time, 3\], got \[2,4,6\]/);
  });
});
