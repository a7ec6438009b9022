// causalConv1d: forward and every input gradient against PyTorch fixtures
// (tools/fixtures/causal_conv1d.py), f64 gradchecks, causality, errors.
import { strict as assert } from 'node:assert';

import { backward } from '../../lib/autograd/engine';
import { noGrad } from '../../lib/autograd/grad_mode';
import { gradcheck } from '../../lib/autograd/gradcheck';
import { causalConv1d } from '../../lib/ops/causal_conv1d';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { GRADCHECK, rand, TOL } from './op_checks';

describe('causalConv1d', () => {
  for (const [K, d] of [[2, 1], [2, 2], [2, 4], [3, 1], [3, 2], [3, 4]]) {
    const name = `causal_conv1d_k${K}_d${d}`;
    it(`matches F.conv1d on a left-padded input, forward and gradients (${name})`, () => {
      tidy(() => {
        const f = loadFixture(name);
        const x = f.tensor('x', { requiresGrad: true }), w = f.tensor('w', { requiresGrad: true });
        const bias = f.has('bias') ? f.tensor('bias', { requiresGrad: true }) : null;
        assert.equal(f.meta.dilation, d);
        const y = causalConv1d(x, w, bias, { dilation: f.meta.dilation });
        assertClose(y, f.tensor('out.y'), TOL.float32.fwd, 'y');
        backward(y, f.tensor('gy.y'));
        assertClose(x.grad!, f.tensor('grad.x'), TOL.float32.grad, 'grad x');
        assertClose(w.grad!, f.tensor('grad.w'), TOL.float32.grad, 'grad w');
        if (bias) assertClose(bias.grad!, f.tensor('grad.bias'), TOL.float32.grad, 'grad bias');
        assert.equal(f.has('grad.bias'), bias !== null);
      });
    });
  }

  it('passes an f64 gradcheck for x, w and bias', () => {
    tidy(() => {
      for (const dilation of [1, 3]) {
        const inputs = [rand([2, 3, 10], 31), rand([5, 3, 3], 32, 0.5), rand([5], 33)];
        const r = gradcheck((x, w, b) => causalConv1d(x, w, b, { dilation }), inputs, GRADCHECK);
        assert.ok(r.ok, `dilation ${dilation}: ${JSON.stringify(r.failure)}`);
      }
    });
  });

  it('is causal with dilation 4: y[..., :t+1] ignores x[..., t+1:], and so does its gradient', () => {
    tidy(() => {
      const T = 16, t0 = 9;
      const x = rand([2, 3, T], 41), w = rand([4, 3, 3], 42), bias = rand([4], 43);
      const y = causalConv1d(x, w, bias, { dilation: 4 });
      const xs = x.toArray();
      for (let r = 0; r < 6; r++) for (let t = t0 + 1; t < T; t++) xs[r * T + t] += 2 + t;
      const y2 = noGrad(() => causalConv1d(Tensor.fromArray(xs, x.shape, { dtype: 'float64' }), w, bias, { dilation: 4 }));
      const [a, b] = [y.toArray(), y2.toArray()];
      for (let r = 0; r < 8; r++)
        for (let t = 0; t <= t0; t++) assert.equal(b[r * T + t], a[r * T + t], `y[${r}, ${t}] changed`);
      // upstream gradient only on y[..., :t0+1]: x[..., t0+1:] gets exactly zero
      const gy = Array.from({ length: 8 * T }, (_, i) => (i % T <= t0 ? 1 : 0));
      backward(y, Tensor.fromArray(gy, y.shape, { dtype: 'float64' }));
      const gx = x.grad!.toArray();
      for (let r = 0; r < 6; r++)
        for (let t = t0 + 1; t < T; t++) assert.equal(gx[r * T + t], 0, `dx[${r}, ${t}]`);
    });
  });

  it('rejects mismatched shapes and bad dilations naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3, 8]);
      assert.throws(() => causalConv1d(x, Tensor.zeros([4, 2, 2]), null), /causalConv1d: .*w \[4,2,2\]/);
      assert.throws(() => causalConv1d(x, Tensor.zeros([4, 3, 2]), Tensor.zeros([3])), /causalConv1d: .*bias \[3\]/);
      assert.throws(() => causalConv1d(x, Tensor.zeros([4, 3, 2]), null, { dilation: 0 }), /causalConv1d: dilation/);
    });
  });
});
