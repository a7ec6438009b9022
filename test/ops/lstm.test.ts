// lstm: forward and every input gradient against PyTorch fixtures (tools/fixtures/lstm.py), f64
// gradchecks, causality, inference without saved state, errors.
import { strict as assert } from 'node:assert';

import { noGrad } from '../../lib/autograd/grad_mode';
import { gradcheck } from '../../lib/autograd/gradcheck';
import { lstm } from '../../lib/ops/lstm';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { backwardAll, GRADCHECK, rand, TOL } from './op_checks';

describe('lstm', () => {
  for (const name of ['lstm', 'lstm_noinit', 'lstm_nobias_noinit_f64']) {
    it(`matches torch.nn.LSTM forward and every input gradient (${name})`, () => {
      tidy(() => {
        const f = loadFixture(name);
        const get = (k: string) => (f.has(k) ? f.tensor(k, { requiresGrad: true }) : null);
        const [x, wIh, wHh, bIh, bHh, h0, c0] = ['x', 'w_ih', 'w_hh', 'b_ih', 'b_hh', 'h0', 'c0'].map(get);
        const tol = TOL[x!.dtype];
        const { y, hN, cN } = lstm(x!, wIh!, wHh!, bIh, bHh, h0, c0);
        assertClose(y, f.tensor('out.y'), tol.fwd, 'y');
        assertClose(hN, f.tensor('out.h_n'), tol.fwd, 'h_n');
        assertClose(cN, f.tensor('out.c_n'), tol.fwd, 'c_n');
        backwardAll([[y, f.tensor('gy.y')], [hN, f.tensor('gy.h_n')], [cN, f.tensor('gy.c_n')]]);
        const named = { x, w_ih: wIh, w_hh: wHh, b_ih: bIh, b_hh: bHh, h0, c0 };
        let checked = 0;
        for (const [k, t] of Object.entries(named)) {
          if (!t) continue;
          assertClose(t.grad!, f.tensor(`grad.${k}`), tol.grad, `grad ${k}`);
          checked++;
        }
        assert.equal(checked, f.keys().filter((k) => k.startsWith('grad.')).length);
      });
    });
  }

  it('passes an f64 gradcheck of y, h_n and c_n for every input', () => {
    tidy(() => {
      const B = 2, T = 3, I = 3, H = 2;
      const inputs = [rand([B, T, I], 1), rand([4 * H, I], 2, 0.6), rand([4 * H, H], 3, 0.6),
        rand([4 * H], 4, 0.5), rand([4 * H], 5, 0.5), rand([B, H], 6, 0.8), rand([B, H], 7, 1.5)];
      for (const out of ['y', 'hN', 'cN'] as const) {
        const r = gradcheck((x, wi, wh, bi, bh, h, c) => lstm(x, wi, wh, bi, bh, h, c)[out], inputs, GRADCHECK);
        assert.ok(r.ok, `${out}: ${JSON.stringify(r.failure)}`);
      }
      // without biases or initial state, only the weights and x get gradients
      const r = gradcheck((x, wi, wh) => lstm(x, wi, wh, null, null).y, inputs.slice(0, 3), GRADCHECK);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('is causal: y[:, :t] ignores x[:, t:]', () => {
    tidy(() => {
      const x = rand([2, 6, 3], 11), wIh = rand([8, 3], 12), wHh = rand([8, 2], 13);
      const a = noGrad(() => lstm(x, wIh, wHh, null, null).y.toArray());
      const xs = x.toArray();
      for (let b = 0; b < 2; b++) for (let i = 4 * 3; i < 6 * 3; i++) xs[b * 18 + i] += 5;
      const b2 = noGrad(() => lstm(Tensor.fromArray(xs, [2, 6, 3], { dtype: 'float64' }), wIh, wHh, null, null).y.toArray());
      for (let b = 0; b < 2; b++)
        for (let i = 0; i < 6 * 2; i++) {
          const k = b * 12 + i;
          if (i < 4 * 2) assert.equal(b2[k], a[k], `y changed at batch ${b}, index ${i}`);
        }
      assert.notDeepEqual([...b2], [...a]);
    });
  });

  it('runs inference without saving state and gives the same outputs', () => {
    tidy(() => {
      const args = [rand([3, 4, 2], 21), rand([12, 2], 22), rand([12, 3], 23), rand([12], 24), null] as const;
      const train = lstm(...args);
      const infer = noGrad(() => lstm(...args));
      assert.ok(train.y.requiresGrad && !infer.y.requiresGrad && infer.y.gradFn === null);
      assertClose(infer.y, train.y, { rtol: 0, atol: 0 }, 'y');
      assertClose(infer.cN, train.cN, { rtol: 0, atol: 0 }, 'c_n');
    });
  });

  it('rejects mismatched shapes naming the op and the shapes', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3, 4]), wIh = Tensor.zeros([20, 4]), wHh = Tensor.zeros([20, 5]);
      assert.throws(() => lstm(x, Tensor.zeros([20, 3]), wHh, null, null), /lstm: .*wIh \[20,3\]/);
      assert.throws(() => lstm(x, wIh, wHh, null, null, Tensor.zeros([2, 4])), /lstm: .*h0 \[2,4\]/);
      assert.throws(() => lstm(x, wIh, Tensor.zeros([16, 5]), null, null), /lstm: .*wHh \[16,5\]/);
    });
  });
});
