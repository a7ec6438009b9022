// The triangular cyclic learning rate: the closed form at hand-picked points, torch's CyclicLR
// step by step (tools/fixtures/optim_training.py), its bounds and shape over cycles, and setLr.
import { strict as assert } from 'node:assert';

import { CyclicLR, SGD, setLr } from '../../lib/optim';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';

describe('CyclicLR (triangular)', () => {
  it('follows the closed form: base at 0, max at stepSize, base at 2 stepSize, linear between', () => {
    const s = new CyclicLR({ baseLr: 0.001, maxLr: 0.006, stepSize: 4 });
    const want = [0.001, 0.00225, 0.0035, 0.00475, 0.006, 0.00475, 0.0035, 0.00225, 0.001, 0.00225];
    want.forEach((w, i) => assert.ok(Math.abs(s.lrAt(i) - w) < 1e-15, `lr(${i}) = ${s.lrAt(i)}, want ${w}`));
    // the general formula at many points, and the bounds
    for (let i = 0; i < 100; i++) {
      const cycle = Math.floor(1 + i / 8);
      const x = Math.abs(i / 4 - 2 * cycle + 1);
      assert.equal(s.lrAt(i), 0.001 + 0.005 * Math.max(0, 1 - x));
      assert.equal(s.lrAt(i + 8), s.lrAt(i), 'period 2 stepSize');
      assert.ok(s.lrAt(i) >= 0.001 && s.lrAt(i) <= 0.006);
    }
  });

  it('defaults to the CLR callback STAE-AD uses (base 1e-3, max 6e-3, 2000 steps)', () => {
    const s = new CyclicLR();
    assert.deepEqual(s.toJSON(), { kind: 'cyclic-triangular', baseLr: 1e-3, maxLr: 6e-3, stepSize: 2000 });
    assert.equal(s.lrAt(0), 1e-3);
    assert.equal(s.lrAt(2000), 6e-3);
    assert.ok(Math.abs(s.lrAt(1000) - 3.5e-3) < 1e-15);
    assert.equal(s.lrAt(4000), 1e-3);
  });

  it('equals torch.optim.lr_scheduler.CyclicLR(mode=triangular) step by step', () => {
    const fx = loadFixture('optim_cyclic_lr');
    const s = new CyclicLR({ baseLr: fx.meta.baseLr, maxLr: fx.meta.maxLr, stepSize: fx.meta.stepSize });
    const got = Array.from({ length: fx.meta.steps }, (_, i) => s.lrAt(i));
    assertClose(got, fx.tensor('lr').toArray(), { rtol: 1e-12, atol: 0 }, 'rates');
  });

  it('refuses bad settings and iterations', () => {
    assert.throws(() => new CyclicLR({ baseLr: 0.01, maxLr: 0.001 }), /maxLr \(0.001\) must be >= baseLr/);
    assert.throws(() => new CyclicLR({ stepSize: 0 }), /stepSize must be a positive integer/);
    assert.throws(() => new CyclicLR({ stepSize: 2.5 }), /stepSize must be a positive integer/);
    assert.throws(() => new CyclicLR({ baseLr: -1 }), /baseLr must be finite and >= 0/);
    assert.throws(() => new CyclicLR().lrAt(-1), /iteration must be an integer >= 0/);
  });

  it('setLr sets every parameter group', () => {
    tidy(() => {
      const p = Tensor.zeros([1], { requiresGrad: true }), q = Tensor.zeros([1], { requiresGrad: true });
      const opt = new SGD([{ params: [p] }, { params: [q], lr: 0.5 }], { lr: 0.1 });
      setLr(opt, 0.25);
      assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.25, 0.25]);
      assert.throws(() => setLr(opt, NaN), /setLr: lr must be finite/);
    });
  });
});
