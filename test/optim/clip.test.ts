// Per-tensor gradient clipping (Keras's clipnorm): by hand, against torch.nn.utils.clip_grad_norm_
// applied to each gradient on its own (tools/fixtures/optim_training.py), and beside the global
// clipGradNorm, which scales all gradients by one factor.
import { strict as assert } from 'node:assert';

import { clipGradNorm, clipGradNormPerTensor } from '../../lib/optim';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';

describe('clipGradNormPerTensor', () => {
  it('by hand: each gradient scaled by maxNorm / (its norm + 1e-6) when above, others untouched', () => {
    tidy(() => {
      const a = Tensor.zeros([2], { requiresGrad: true });
      const b = Tensor.zeros([1], { requiresGrad: true });
      const c = Tensor.zeros([2], { requiresGrad: true });
      const d = Tensor.zeros([1], { requiresGrad: true }); // no grad: skipped
      a.grad = Tensor.fromArray([3, 4], [2]); // norm 5: clipped
      b.grad = Tensor.fromArray([0.5], [1]); // below: unchanged
      c.grad = Tensor.zeros([2]); // norm 0: unchanged
      const norms = clipGradNormPerTensor([a, b, c, d], 2);
      assert.deepEqual(norms, [5, 0.5, 0, null]);
      const k = 2 / (5 + 1e-6);
      assertClose(a.grad.toArray(), [3 * k, 4 * k], { rtol: 1e-6, atol: 0 }, 'a.grad');
      assert.deepEqual(Array.from(b.grad.toArray()), [0.5]);
      assert.deepEqual(Array.from(c.grad.toArray()), [0, 0]);
      // the global rule on the same gradients scales b as well: norm sqrt(25 + 0.25)
      a.grad.assign([3, 4]);
      const g = clipGradNorm([a, b], 2);
      assert.ok(Math.abs(g - Math.sqrt(25.25)) < 1e-12);
      assert.ok(b.grad.item() < 0.5 * 0.41, `b scaled by the global factor: ${b.grad.item()}`);
      assert.throws(() => clipGradNormPerTensor([a], 0), /clipGradNormPerTensor: maxNorm must be > 0/);
      assert.throws(() => clipGradNormPerTensor([a], Infinity), /maxNorm must be > 0 and finite/);
    });
  });

  for (const dtype of ['f32', 'f64'])
    it(`matches clip_grad_norm_ applied per tensor (${dtype})`, () => {
      const fx = loadFixture(`optim_clip_per_tensor_${dtype}`);
      tidy(() => {
        const params = Array.from({ length: fx.meta.count }, (_, i) => {
          const g = fx.tensor(`grad.${i}`);
          const p = Tensor.zeros(g.shape, { dtype: g.dtype, requiresGrad: true });
          p.grad = g;
          return p;
        });
        const norms = clipGradNormPerTensor(params, fx.meta.maxNorm);
        const tol = dtype === 'f64' ? { rtol: 1e-12, atol: 0 } : { rtol: 2e-6, atol: 1e-7 };
        assertClose(norms as number[], fx.meta.norms, tol, 'norms before clipping');
        assert.ok(fx.meta.norms.some((n: number) => n > 1) && fx.meta.norms.some((n: number) => n < 1), 'the case has both');
        params.forEach((p, i) => assertClose(p.grad!, fx.tensor(`out.${i}`), tol, `grad ${i}`));
      });
    });
});
