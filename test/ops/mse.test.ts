// mseLoss: (pred - target)^2, reduced by mean and sum, against PyTorch
// fixtures (loss_mse_<reduction>, tools/fixtures/losses.py), an f64 gradcheck, errors.
import { strict as assert } from 'node:assert';

import { mseLoss } from '../../lib/ops/losses';
import { Tensor, tidy } from '../../lib/tensor';
import { lossCases } from './op_checks';

describe('mseLoss', () => {
  lossCases('mse', ['pred', 'target'], ([p, t], reduction) => mseLoss(p, t, { reduction }));
  it('defaults to the mean, and errors name the op and shapes', () => {
    tidy(() => {
      const a = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
      const b = Tensor.zeros([2, 2]);
      assert.equal(mseLoss(a, b).item(), 7.5);
      assert.equal(mseLoss(a, b, { reduction: 'sum' }).item(), 30);
      assert.throws(() => mseLoss(a, Tensor.zeros([4])), /mseLoss: .*pred \[2,2\].*target \[4\]/);
    });
  });
});
