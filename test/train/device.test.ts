// Devices in training, on the CPU side (the GPU side is test/cuda/train.test.ts): Tensor.moveTo
// and Module.to refuse what cannot move in place and change nothing when they refuse; asking for
// 'cuda' where it is not usable is an error naming `vigil info`, from moveTo, Module.to and fit
// alike, before anything moves; fit's `device` option trains where it says.
import { strict as assert } from 'node:assert';

import { native } from '../../lib/binding';
import { add } from '../../lib/ops/elementwise';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { fit } from '../../lib/train/fit';
import { SeqNet, sineData, weightsOf } from './models';

const hasCuda = native.buildInfo().cudaDevices > 0;
const data = sineData(60, 3, 6, 20, 1, 0.3);

describe('devices: moving tensors and modules', () => {
  it('moveTo the same device is the tensor itself; the device getter reports it', () => {
    const t = Tensor.fromArray([1, 2, 3], [3]);
    assert.equal(t.moveTo('cpu'), t);
    assert.equal(t.device, 'cpu');
    assert.deepEqual(Array.from(t.toArray()), [1, 2, 3]);
    t.dispose();
  });

  it('moveTo refuses an unknown device, op outputs, tensors sharing storage and disposed tensors', () => {
    tidy(() => {
      const a = Tensor.fromArray([1, 2], [2]);
      a.requiresGrad = true;
      assert.throws(() => a.moveTo('tpu' as never), /unknown device 'tpu'/);
      const y = add(a, a);
      assert.throws(() => y.moveTo('cuda'), /moveTo\('cuda'\): tensor \[2\] is the output of an op/);
      const v = a.view([2, 1]);
      assert.throws(() => a.moveTo('cuda'), /shares its storage with views/);
      v.dispose();
      const d = Tensor.zeros([3]);
      d.dispose();
      assert.throws(() => d.moveTo('cuda'), /was disposed/);
      assert.equal(a.device, 'cpu', 'a refused move changes nothing');
      assert.deepEqual(Array.from(a.toArray()), [1, 2]);
    });
  });

  it("moveTo('cuda') without a usable device throws naming `vigil info` and changes nothing", function () {
    if (hasCuda) this.skip();
    const t = Tensor.fromArray([1, 2], [2]);
    assert.throws(() => t.moveTo('cuda'), /vigil info/);
    assert.equal(t.device, 'cpu');
    assert.deepEqual(Array.from(t.toArray()), [1, 2]);
    t.dispose();
  });

  it('Module.to(cpu) keeps every tensor object; Module.device is cpu', () => {
    const m = new SeqNet(3, 4, new Generator(1), new Generator(2));
    const before = m.stateDict();
    assert.equal(m.to('cpu'), m);
    assert.equal(m.device, 'cpu');
    for (const [k, t] of m.stateDict()) assert.equal(t, before.get(k), `${k} is the same tensor`);
    m.dispose();
  });

  it("Module.to('cuda') without a usable device throws naming `vigil info` and moves nothing", function () {
    if (hasCuda) this.skip();
    const m = new SeqNet(3, 4, new Generator(1), new Generator(2));
    const w = weightsOf(m);
    assert.throws(() => m.to('cuda'), /vigil info/);
    assert.equal(m.device, 'cpu');
    assert.deepEqual(weightsOf(m), w);
    m.dispose();
  });

  it("fit({ device: 'cuda' }) without a usable device rejects before training or moving", async function () {
    if (hasCuda) this.skip();
    const m = new SeqNet(3, 4, new Generator(1), new Generator(2));
    const w = weightsOf(m);
    await assert.rejects(fit(m, data, { epochs: 1, progress: false, device: 'cuda' }), /vigil info/);
    await assert.rejects(fit(m, data, { epochs: 1, progress: false, device: 'gpu' as never }), /unknown device 'gpu'/);
    assert.equal(m.device, 'cpu');
    assert.deepEqual(weightsOf(m), w);
    m.dispose();
  });

  it("fit({ device: 'cpu' }) is the default run, bit for bit", async () => {
    const run = async (device?: 'cpu') => {
      const m = new SeqNet(3, 4, new Generator(1), new Generator(2));
      const r = await fit(m, data, { epochs: 2, batchSize: 8, progress: false, ...(device ? { device } : {}) });
      const w = weightsOf(m);
      m.dispose();
      return { losses: r.history.map((e) => [e.trainLoss, e.validationLoss]), w };
    };
    assert.deepEqual(await run('cpu'), await run());
  });
});
