// klNormal: KL(N(mu, e^logvar) || N(0, 1)), reduced by mean and sum, against PyTorch
// fixtures (loss_kl_normal_<reduction>, tools/fixtures/losses.py), an f64 gradcheck, errors.
import { strict as assert } from 'node:assert';

import { klNormal } from '../../lib/ops/losses';
import { Tensor, tidy } from '../../lib/tensor';
import { lossCases } from './op_checks';

describe('klNormal', () => {
  lossCases('kl_normal', ['mu', 'logvar'], ([m, l], reduction) => klNormal(m, l, { reduction }));
  it('rejects an unknown reduction, naming the op', () => {
    tidy(() => {
      const a = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
      const b = Tensor.zeros([2, 2]);
      assert.throws(() => klNormal(a, b, { reduction: 'none' as 'mean' }), /klNormal: reduction must be/);
    });
  });
});
