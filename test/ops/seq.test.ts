// lstm and causalConv1d: forward and every input gradient against PyTorch fixtures
// (tools/fixtures/seq.py), f64 gradchecks, causality, inference without saved state, errors.
import { strict as assert } from 'node:assert';

import { backward } from '../../lib/autograd/engine';
import { noGrad } from '../../lib/autograd/grad_mode';
import { gradcheck } from '../../lib/autograd/gradcheck';
import { causalConv1d } from '../../lib/ops/causal_conv1d';
import { lstm } from '../../lib/ops/lstm';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';

// f32 fixtures: the kernels sum in another order than PyTorch (blocked GEMMs, fused gates) and
// use a polynomial exp, so values of order 1 agree to a few f32 ulps (observed ~1e-7 abs);
// gradients (longer sums through the recurrence) get 10x more room. f64 fixtures agree to
// rounding.
const TOL = {
  float32: { fwd: { rtol: 3e-6, atol: 3e-7 }, grad: { rtol: 3e-5, atol: 3e-6 } },
  float64: { fwd: { rtol: 1e-12, atol: 1e-13 }, grad: { rtol: 1e-10, atol: 1e-12 } },
};
const GRADCHECK = { eps: 1e-6, rtol: 1e-6, atol: 1e-8 };

const rand = (shape: number[], seed: number, scale = 1): Tensor => {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 * 2 - 1) * scale;
  });
  return Tensor.fromArray(data, shape, { dtype: 'float64', requiresGrad: true });
};

/** Backpropagates gy into each output in turn (retaining the graph between them). */
function backwardAll(pairs: [Tensor, Tensor][]): void {
  pairs.forEach(([out, gy], k) => backward(out, gy, { retainGraph: k < pairs.length - 1 }));
}

describe('lstm', () => {
  for (const name of ['seq_lstm', 'seq_lstm_noinit', 'seq_lstm_nobias_noinit_f64']) {
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

describe('causalConv1d', () => {
  for (const [K, d] of [[2, 1], [2, 2], [2, 4], [3, 1], [3, 2], [3, 4]]) {
    const name = `seq_causal_conv1d_k${K}_d${d}`;
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
