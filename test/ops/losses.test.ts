// The losses (mseLoss, gaussianNll, klNormal, bceWithLogits) against PyTorch fixtures
// (tools/fixtures/losses.py, loss_<op>_<reduction>) and argument errors.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { bceWithLogits, gaussianNll, klNormal, mseLoss } from '../../lib/ops/losses';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { checkGrads, FWD, uniformLeaf } from './op_checks';

describe('losses', () => {
  const fns: Record<string, { inputs: string[]; fn: (xs: Tensor[], reduction: 'mean' | 'sum') => Tensor }> = {
    mse: { inputs: ['pred', 'target'], fn: ([p, t], reduction) => mseLoss(p, t, { reduction }) },
    gaussian_nll: { inputs: ['x', 'mu', 'logvar'], fn: ([x, m, l], reduction) => gaussianNll(x, m, l, { reduction }) },
    kl_normal: { inputs: ['mu', 'logvar'], fn: ([m, l], reduction) => klNormal(m, l, { reduction }) },
    bce_with_logits: { inputs: ['logits', 'target'], fn: ([l, t], reduction) => bceWithLogits(l, t, { reduction }) },
  };
  for (const [name, { inputs, fn }] of Object.entries(fns))
    for (const reduction of ['mean', 'sum'] as const) {
      it(`${name} (${reduction}) matches PyTorch: value and every input gradient`, () => {
        tidy(() => {
          const fx = loadFixture(`loss_${name}_${reduction}`);
          const xs = inputs.map((k) => fx.tensor(k, { requiresGrad: fx.has(`grad.${k}`) }));
          const y = fn(xs, reduction);
          assert.deepEqual([...y.shape], []);
          assertClose(y, fx.tensor('out.y'), FWD, 'loss');
          checkGrads(fx, y, 'y', Object.fromEntries(inputs.map((k, i) => [k, xs[i]])), FWD);
        });
      });
      it(`${name} (${reduction}) passes an f64 gradcheck`, () => {
        tidy(() => {
          const g = new Generator(21);
          const xs = inputs.map((k) => (k === 'target' && name === 'bce_with_logits' ? uniformLeaf(g, [3, 5], 0, 1) : uniformLeaf(g, [3, 5], -2, 2)));
          const r = gradcheck((...a) => fn(a, reduction), xs);
          assert.ok(r.ok, JSON.stringify(r.failure));
        });
      });
    }

  it('mseLoss defaults to the mean, and errors name the op and shapes', () => {
    tidy(() => {
      const a = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
      const b = Tensor.zeros([2, 2]);
      assert.equal(mseLoss(a, b).item(), 7.5);
      assert.equal(mseLoss(a, b, { reduction: 'sum' }).item(), 30);
      assert.throws(() => mseLoss(a, Tensor.zeros([4])), /mseLoss: .*pred \[2,2\].*target \[4\]/);
      assert.throws(() => klNormal(a, b, { reduction: 'none' as 'mean' }), /klNormal: reduction must be/);
    });
  });
});
