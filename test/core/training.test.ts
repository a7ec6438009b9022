// End-to-end training behaviour: agreement with PyTorch, determinism, flat native memory and a
// free event loop.
import { strict as assert } from 'node:assert';

import { native } from '../../lib/binding';
import { Adam } from '../../lib/optim';
import { runOffThread } from '../../lib/runtime/offthread';
import { Tensor } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { TinyNet, trainStep, trainTiny } from '../helpers/tiny_model';

describe('training', () => {
  it('matches the PyTorch loss curve of a 3-layer model over 10 Adam steps (1e-4 relative)', () => {
    const fx = loadFixture('model_adam_10steps');
    const net = new TinyNet(5, 12, 8);
    const init = new Map(fx.keys().filter((k) => k.startsWith('init.')).map((k) => [k.slice(5), fx.tensor(k)]));
    net.loadStateDict(init);
    const x = fx.tensor('x');
    const opt = new Adam(net.parameters(), { lr: fx.meta.lr });
    const losses: number[] = [];
    for (let i = 0; i < fx.meta.steps; i++) losses.push(trainStep(net, opt, x));
    const want = fx.tensor('losses').toArray();
    losses.forEach((l, i) => assert.ok(Math.abs(l - want[i]) <= 1e-4 * Math.abs(want[i]), `step ${i}: loss ${l} vs PyTorch ${want[i]}`));
    for (const [name, t] of net.stateDict()) assertClose(t, fx.tensor(`final.${name}`), { rtol: 1e-3, atol: 1e-5 }, name);
    net.dispose();
  });

  it('gives bit-identical losses over 20 steps for the same seed, and different ones for another', () => {
    const a = trainTiny(42, 20);
    const b = trainTiny(42, 20);
    const c = trainTiny(43, 20);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a[19] < a[0], 'loss decreases');
  });

  it('keeps native memory flat over 1,000 training steps of a small LSTM model', function () {
    this.timeout(120000);
    const net = new TinyNet(3, 8, 8);
    const x = Tensor.ones([4, 8, 3]);
    const opt = new Adam(net.parameters(), { lr: 1e-3 });
    for (let i = 0; i < 10; i++) trainStep(net, opt, x);
    const before = native.memory();
    for (let i = 0; i < 1000; i++) trainStep(net, opt, x);
    const after = native.memory();
    assert.equal(after.cpuBuffers, before.cpuBuffers, 'live native buffers');
    assert.equal(after.cpuBytes, before.cpuBytes, 'live native bytes');
    net.dispose();
    x.dispose();
  });

  it('trains on a worker thread while the event loop keeps firing timers', async function () {
    this.timeout(120000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = Date.now();
    const losses = await runOffThread<number[]>(require.resolve('../helpers/tiny_model'), 'trainTiny', [7, 60, [32, 50, 8], 64]);
    const ms = Date.now() - t0;
    clearInterval(timer);
    assert.equal(losses.length, 60);
    assert.ok(ms > 200, `the work should take a while to prove anything (took ${ms} ms)`);
    // A blocked loop would give ~0 ticks; a free one about ms/10.
    assert.ok(ticks >= ms / 10 / 3, `${ticks} timer ticks in ${ms} ms`);
  });
});
