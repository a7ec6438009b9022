// reduce (sum, mean, max) against PyTorch fixtures (tools/fixtures/reduce.py), f64 gradchecks,
// output shapes and argument errors.
import { strict as assert } from 'node:assert';

import { max, mean, sum } from '../../lib/ops/reduce';
import { Tensor, tidy } from '../../lib/tensor';
import { loadFixture } from '../helpers/fixtures';
import { assertGradcheck, checkFixture, leaf } from './op_checks';

const REDUCE_FIXTURES = ['sum_all', 'sum_1', 'sum_0_2_keep', 'sum_neg1', 'mean_all', 'mean_0', 'mean_1_2',
  'max_all', 'max_2', 'max_0_1_keep', 'max_neg2'];
const REDUCE = { sum, mean, max } as const;

describe('reductions', () => {
  for (const name of REDUCE_FIXTURES) {
    it(`${name}: forward and gradient match PyTorch`, () => {
      tidy(() => {
        const fx = loadFixture(`reduce_${name}`);
        const x = fx.tensor('x', { requiresGrad: true });
        const fn = REDUCE[fx.meta.op as keyof typeof REDUCE];
        checkFixture(fx, fn(x, fx.meta.axes ?? undefined, fx.meta.keepdim), { x });
      });
    });
  }

  for (const [op, fn] of Object.entries(REDUCE)) {
    it(`${op}: f64 gradcheck over [0, 2], [-1] and all axes`, () => {
      tidy(() => {
        const x = leaf([3, 4, 5], 6, -2, 2);
        assertGradcheck((t) => fn(t, [0, 2]), [x], `${op} [0,2]`);
        assertGradcheck((t) => fn(t, -1, true), [x], `${op} -1 keepDim`);
        assertGradcheck((t) => fn(t), [x], `${op} all`);
      });
    });
  }

  it('output shapes: keepDim, all axes to a scalar', () => {
    tidy(() => {
      const x = Tensor.ones([2, 3, 4]);
      assert.deepEqual(sum(x, [1]).shape, [2, 4]);
      assert.deepEqual(sum(x, [1], true).shape, [2, 1, 4]);
      assert.deepEqual(mean(x).shape, []);
      assert.equal(sum(x).item(), 24);
    });
  });

  it('rejects bad axes, naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3]);
      assert.throws(() => sum(x, [2]), /sum: axis 2 out of range for x \[2,3\]/);
      assert.throws(() => mean(x, [0, -2]), /mean: axis -2 given twice/);
      assert.throws(() => max(Tensor.zeros([0, 3])), /max: x \[0,3\] has no elements/);
    });
  });
});
