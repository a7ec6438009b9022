// softmax and logSoftmax against PyTorch fixtures (tools/fixtures/softmax.py), f64 gradchecks
// and argument errors.
import { strict as assert } from 'node:assert';

import { logSoftmax, softmax } from '../../lib/ops/softmax';
import { Tensor, tidy } from '../../lib/tensor';
import { loadFixture } from '../helpers/fixtures';
import { assertGradcheck, checkFixture, leaf } from './op_checks';

describe('softmax / logSoftmax', () => {
  for (const name of ['softmax_axis1', 'softmax_axism1', 'log_softmax_axis1', 'log_softmax_axism1']) {
    it(`${name}: forward and gradient match PyTorch`, () => {
      tidy(() => {
        const fx = loadFixture(name);
        const x = fx.tensor('x', { requiresGrad: true });
        const fn = fx.meta.log ? logSoftmax : softmax;
        checkFixture(fx, fn(x, fx.meta.axis), { x });
      });
    });
  }

  it('f64 gradcheck on axes 0, 1 and -1', () => {
    tidy(() => {
      const x = leaf([3, 4, 2], 7, -3, 3);
      for (const axis of [0, 1, -1]) {
        assertGradcheck((t) => softmax(t, axis), [x], `softmax ${axis}`);
        assertGradcheck((t) => logSoftmax(t, axis), [x], `logSoftmax ${axis}`);
      }
    });
  });

  it('rejects an axis out of range', () => {
    tidy(() => {
      assert.throws(() => softmax(Tensor.zeros([2, 3]), 2), /softmax: axis 2 out of range for x \[2,3\]/);
      assert.throws(() => logSoftmax(Tensor.zeros([2, 3]), -3), /logSoftmax: axis -3 out of range/);
    });
  });
});
