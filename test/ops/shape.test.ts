// The shape ops of lib/ops/shape.ts (permute, transpose, concat, slice, repeat, squeeze) against
// PyTorch fixtures (tools/fixtures/permute.py, axis_copy.py, repeat.py), f64 gradchecks, errors.
import { strict as assert } from 'node:assert';

import * as ew from '../../lib/ops/elementwise';
import { concat, permute, repeat, slice, squeeze, transpose, unsqueeze } from '../../lib/ops/shape';
import { Tensor, tidy } from '../../lib/tensor';
import { loadFixture } from '../helpers/fixtures';
import { assertGradcheck, checkFixture, leaf } from './op_checks';

describe('shape ops', () => {
  it('permute and transpose match PyTorch', () => {
    tidy(() => {
      let fx = loadFixture('permute_201');
      let x = fx.tensor('x', { requiresGrad: true });
      checkFixture(fx, permute(x, fx.meta.perm), { x });
      fx = loadFixture('permute_transpose_12');
      x = fx.tensor('x', { requiresGrad: true });
      checkFixture(fx, transpose(x, fx.meta.a, -1), { x });
    });
  });

  it('concat matches PyTorch on axis 1 and -1', () => {
    tidy(() => {
      let fx = loadFixture('axis_copy_concat_axis1');
      const [a, b, c] = ['a', 'b', 'c'].map((k) => fx.tensor(k, { requiresGrad: true }));
      checkFixture(fx, concat([a, b, c], fx.meta.axis), { a, b, c });
      fx = loadFixture('axis_copy_concat_axism1');
      const [d, e] = ['a', 'b'].map((k) => fx.tensor(k, { requiresGrad: true }));
      checkFixture(fx, concat([d, e], fx.meta.axis), { a: d, b: e });
    });
  });

  it('slice matches PyTorch on axes 1 and 0', () => {
    tidy(() => {
      for (const name of ['axis_copy_slice_axis1', 'axis_copy_slice_axis0']) {
        const fx = loadFixture(name);
        const x = fx.tensor('x', { requiresGrad: true });
        checkFixture(fx, slice(x, fx.meta.axis, fx.meta.start, fx.meta.end), { x });
      }
    });
  });

  it('repeat matches PyTorch, with and without extra leading repeats', () => {
    tidy(() => {
      for (const name of ['repeat', 'repeat_lead']) {
        const fx = loadFixture(name);
        const x = fx.tensor('x', { requiresGrad: true });
        checkFixture(fx, repeat(x, fx.meta.repeats), { x });
      }
    });
  });

  it('f64 gradchecks: permute, transpose, concat, slice, repeat, unsqueeze/squeeze', () => {
    tidy(() => {
      const x = leaf([2, 3, 4], 8);
      const y = leaf([2, 1, 4], 9);
      const w = leaf([3, 2, 4], 10); // weights make each output element count differently
      assertGradcheck((t) => permute(t, [1, -1, 0]), [x], 'permute');
      assertGradcheck((t) => transpose(t, 0, 2), [x], 'transpose');
      assertGradcheck((a, b) => concat([a, b, a], 1), [x, y], 'concat (x used twice)');
      assertGradcheck((t) => slice(t, -1, 1, -1), [x], 'slice');
      assertGradcheck((t) => repeat(t, [2, 1, 1, 3]), [y], 'repeat');
      assertGradcheck((t) => ew.mul(squeeze(unsqueeze(permute(t, [1, 0, 2]), 0), 0), w), [x], 'unsqueeze/squeeze');
    });
  });

  it('slice clamps like Python; unsqueeze and squeeze reshape', () => {
    tidy(() => {
      const x = Tensor.fromArray([0, 1, 2, 3, 4], [5]);
      assert.deepEqual([...slice(x, 0, -2).toArray()], [3, 4]);
      assert.deepEqual([...slice(x, 0, 3, 99).toArray()], [3, 4]);
      assert.deepEqual(slice(x, 0, 4, 2).shape, [0]);
      assert.deepEqual(unsqueeze(x, -1).shape, [5, 1]);
      assert.deepEqual(squeeze(Tensor.zeros([1, 3, 1])).shape, [3]);
    });
  });

  it('rejects bad arguments, naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3]);
      assert.throws(() => permute(x, [0, 0]), /permute: \[0,0\] is not a permutation of the axes of x \[2,3\]/);
      assert.throws(() => transpose(x, 0, 2), /transpose: axis 2 out of range/);
      assert.throws(() => concat([x, Tensor.zeros([3, 3])], 1), /concat: tensors must agree .*\[2,3\].*\[3,3\]/);
      assert.throws(() => concat([], 0), /concat: no tensors/);
      assert.throws(() => slice(x, 2, 0, 1), /slice: axis 2 out of range/);
      assert.throws(() => repeat(x, [2]), /repeat: repeats \[2\] must be 2 or more/);
      assert.throws(() => squeeze(x, 1), /squeeze: dim 1 of x \[2,3\] has size 3, not 1/);
    });
  });
});
