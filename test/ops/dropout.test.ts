// dropout against its fixture (the Philox stream written in Python, tools/fixtures/dropout.py),
// eval mode, an f64 gradcheck and argument errors.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { dropout } from '../../lib/ops/dropout';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { generatorAt, uniformLeaf } from './op_checks';

describe('dropout', () => {
  it('matches the fixture (Philox stream written in Python): y, mask and dx = dy*mask', () => {
    tidy(() => {
      const fx = loadFixture('dropout');
      const x = fx.tensor('x', { requiresGrad: true });
      const gen = generatorAt(fx.meta.seed, fx.meta.offset);
      const y = dropout(x, fx.meta.p, true, gen);
      assertClose(y, fx.tensor('out.y'), { rtol: 1e-6, atol: 0 }, 'y');
      // the generator moved on by ceil(n/4) blocks
      assert.equal(gen.offset, fx.meta.offset + Math.ceil(x.size / 4));
      y.backward(fx.tensor('gy.y'));
      const mask = fx.tensor('out.mask').toArray();
      const gy = fx.tensor('gy.y').toArray();
      assertClose(x.grad!, Float64Array.from(gy, (g, i) => g * mask[i]), { rtol: 1e-6, atol: 0 }, 'dx');
    });
  });

  it('is the identity in eval mode and with p = 0, and draws nothing then', () => {
    tidy(() => {
      const x = Tensor.ones([3, 4]);
      const gen = new Generator(1);
      assert.equal(dropout(x, 0.5, false, gen), x);
      assert.equal(dropout(x, 0, true, gen), x);
      assert.equal(gen.offset, 0);
    });
  });

  it('passes an f64 gradcheck with the mask held fixed', () => {
    tidy(() => {
      const x = uniformLeaf(new Generator(3), [4, 5]);
      const r = gradcheck((a) => dropout(a, 0.4, true, new Generator(9)), [x]);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('rejects p outside [0, 1)', () => {
    const x = Tensor.ones([2]);
    assert.throws(() => dropout(x, 1, true), /dropout: p must be in \[0, 1\)/);
    assert.throws(() => dropout(x, -0.1, true), /dropout/);
    x.dispose();
  });
});
